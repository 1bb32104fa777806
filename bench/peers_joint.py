"""Joint case of peers.py: one galaxy seen in three images (the AutoProf
joint tutorial), image and Jacobian of a group of three linked Sersic models.

Holds the three images (JOINT_IMAGES) and the galaxy (JOINT_SERSIC), the
polychrome and AstroPhot group models of them (the joint_fit case fits these
too), the accuracy reference and the `joint` case itself.
"""

import dataclasses
import functools
import statistics

import numpy as np

from peers_common import (Sersic, astrophot_model_values, astrophot_parameters, import_astrophot_torch,
                          polychrome_render)
from peers_measure import Result, call_seconds, max_relative_error, print_table, run_isolated


@dataclasses.dataclass(frozen=True)
class JointImage:
    """One image of the joint case: ``ny`` x ``nx`` pixels of ``pixelscale``
    arcsec, outer corner of pixel (0, 0) at plane ``origin`` (arcsec), a
    pixel-integrated Gaussian PSF of FWHM ``psf_fwhm`` arcsec, ``psf_width``
    pixels across."""

    ny: int
    nx: int
    pixelscale: float
    origin: tuple
    psf_fwhm: float
    psf_width: int

    def psf(self):
        """The normalised PSF array (polychrome.utils.initialize.gaussian_psf)."""
        from polychrome.utils.initialize import gaussian_psf

        return gaussian_psf(self.psf_fwhm / 2.355, self.psf_width, self.pixelscale)


# r-band-, WISE W1- and GALEX NUV-like images, sizes, scales and PSFs as in
# the tutorial; origins place the three over the same ~131" field.
JOINT_IMAGES = (JointImage(500, 500, 0.262, (0.0, 0.0), 1.12, 51),
                JointImage(52, 52, 2.75, (-6.7, -5.2), 6.1, 21),
                JointImage(90, 90, 1.5, (-3.4, -4.1), 5.4, 21))
JOINT_SHARED = ("center", "q", "PA", "n", "Re")  # linked across images; Ie is per image

# The galaxy of the joint and joint_fit cases.
JOINT_SERSIC = Sersic(x=65.31, y=64.87, q=0.65, PA=0.7, n=1.8, Re=5.0, Ie=0.0)


def polychrome_joint_group(nominal):
    """(group, members): a polychrome group of three Sersic models, one per
    target (PSF convolved), center/q/PA/n/Re linked, Ie per image."""
    import polychrome as pc

    targets = [pc.image.TargetImage(np.zeros((im.ny, im.nx)), pixelscale=im.pixelscale,
                                    origin=im.origin, psf=im.psf()) for im in JOINT_IMAGES]
    members = [pc.models.Model(name=f"band{k}", model_type="sersic galaxy model", target=target,
                               center=[nominal.x, nominal.y], q=nominal.q, PA=nominal.PA,
                               n=nominal.n, Re=nominal.Re, Ie=nominal.Ie)
               for k, target in enumerate(targets)]
    for member in members[1:]:
        member.add_equality_constraint(members[0], JOINT_SHARED)
    group = pc.models.Model(name="joint", model_type="group model", models=members,
                            target=pc.image.TargetImageList(targets))
    return group, members


def make_polychrome_joint(threads, nominal, two_passes=False):
    """render(s) sets the group's parameters and returns (list of 3 images,
    list of 3 Jacobians [9, ny, nx]) from one group.sample_with_jacobian(),
    or with two_passes from group.sample() and group.jacobian() (two
    renders, as code written against the AstroPhot API would call them).
    polychrome renders with all cores (models have no thread option)."""
    group, members = polychrome_joint_group(nominal)

    def render(s):
        members[0]["center"].value = [s.x, s.y]
        for name in ("q", "PA", "n", "Re"):
            members[0][name].value = getattr(s, name)
        for member in members:
            member["Ie"].value = s.Ie
        if two_passes:
            images, jacobians = group.sample(), group.jacobian()
        else:
            images, jacobians = group.sample_with_jacobian()
        return [image.data for image in images], [jacobian.data for jacobian in jacobians]

    return render


def astrophot_joint_targets(ap, data=None):
    """One AstroPhot TargetImage per joint image, each with its PSF image and
    placed as in make_astrophot_joint; with `data` ([(values, sigma)] per
    image) each holds those values and variance sigma^2, else zeros."""
    targets = []
    for k, im in enumerate(JOINT_IMAGES):
        if data is None:
            pixels = {"data": np.zeros((im.ny, im.nx))}
        else:
            values, sigma = data[k]
            pixels = {"data": values, "variance": np.full(values.shape, sigma**2)}
        targets.append(ap.TargetImage(name=f"band{k}", pixelscale=im.pixelscale, zeropoint=0.0,
                                      crpix=(0.0, 0.0),
                                      crtan=(im.origin[0] + im.pixelscale / 2, im.origin[1] + im.pixelscale / 2),
                                      psf=ap.PSFImage(data=im.psf()), **pixels))
    return targets


def astrophot_joint_group(ap, targets, nominal):
    """(group, members): one AstroPhot "sersic galaxy model" per target (PSF
    convolved) set to the Sersic `nominal` (astrophot_parameters, no shift),
    center/q/PA/n/Re of every member pointing at the first member's."""
    center, values = astrophot_model_values(astrophot_parameters(nominal, 0.0))
    members = [ap.Model(name=f"sersic{k}", model_type="sersic galaxy model", target=target,
                        psf_convolve=True, center=list(center), **values)
               for k, target in enumerate(targets)]
    for member in members[1:]:
        for name in JOINT_SHARED:
            getattr(member, name).value = getattr(members[0], name)
    group = ap.Model(name="joint", model_type="group model", models=members,
                     target=ap.TargetImageList(targets))
    return group, members


def make_astrophot_joint(threads, nominal):
    """AstroPhot: a TargetImageList of the three images (each with its PSF
    image), a group model of three "sersic galaxy model"s (psf_convolve on,
    default sampling) whose center/q/PA/n/Re point at the first model's
    parameters; render(s) = group() and group.jacobian() (autograd).

    Placement: with crpix = 0 AstroPhot puts pixel centre (i, j) at
    crtan + ps * (j, i), so crtan = origin + ps/2 makes every pixel centre
    (and so the centre parameter) the same plane position as polychrome's.
    PA_ap = PA + pi/2 and Ie linear, as in make_astrophot."""
    ap, torch = import_astrophot_torch(threads)
    group, _ = astrophot_joint_group(ap, astrophot_joint_targets(ap), nominal)
    names = group.build_params_array_names()

    def render(s):
        p = astrophot_parameters(s, 0.0)
        vector = torch.tensor([p[name] for name in names], dtype=torch.float64)
        images = group(vector)
        jacobians = group.jacobian(params=vector)
        return ([image.data.detach().cpu().numpy() for image in images],
                [jacobian.data.detach().cpu().numpy() for jacobian in jacobians])

    return render


def joint_reference(sersic):
    """Each image of the joint case by polychrome.render_profile at
    tolerance 1e-10, PSF-convolved (the accuracy reference)."""
    return [polychrome_render(sersic, (im.ny, im.nx), pixelscale=im.pixelscale, origin=im.origin,
                              psf=im.psf(), tolerance=1e-10) for im in JOINT_IMAGES]


def measure_joint(name, make, threads, sersic, references, repeat):
    """Time make(threads, sersic)'s render (image + Jacobian of the three
    images); errors are the worst over the images: max relative pixel error
    against the references (bright pixels of each image) and flux error
    against the analytic total flux (the galaxy lies well inside each)."""
    try:
        render = make(threads, sersic)
    except ImportError as err:
        return Result(name, skipped=f"not installed ({err.name})")
    images, jacobians = render(sersic)
    shapes = [(9, im.ny, im.nx) for im in JOINT_IMAGES]
    got = [tuple(j.shape) if j.shape[0] == 9 else (j.shape[2],) + tuple(j.shape[:2]) for j in jacobians]
    if got != shapes:
        raise RuntimeError(f"{name}: Jacobian shapes {got}, expected {shapes}")
    times = call_seconds(render, sersic, repeat)
    return Result(name, statistics.median(times), min(times),
                  max(max_relative_error(i, r) for i, r in zip(images, references)),
                  max((abs(i.sum() / sersic.total_flux() - 1.0) for i in images)))


def case_joint(repeat, threads):
    """Image and Jacobian of one Sersic galaxy in three images (500x500 at
    0.262", 52x52 at 2.75", 90x90 at 1.5", Gaussian PSFs of FWHM 1.12", 6.1"
    and 5.4") as a group of three models with center/q/PA/n/Re linked (9
    free parameters): polychrome vs AstroPhot. AstroPhot's autograd
    Jacobian takes seconds, so it is timed over at most 3 calls."""
    sersic = JOINT_SERSIC
    print(f"case joint: Sersic n={sersic.n}, Re={sersic.Re}\", q={sersic.q}, PA={sersic.PA} rad, "
          f"centre=({sersic.x}, {sersic.y})\" in 3 images "
          + ", ".join(f"{im.ny}x{im.nx} at {im.pixelscale}\" (PSF FWHM {im.psf_fwhm}\")" for im in JOINT_IMAGES)
          + f"; image + 9-column Jacobian per image; threads={threads or 'all'}")
    references = joint_reference(sersic)

    def run(name, make, calls):
        return run_isolated(measure_joint, name, make, threads, sersic, references, calls)

    baseline = run("polychrome", make_polychrome_joint, repeat)
    two_passes = run("polychrome 2 passes", functools.partial(make_polychrome_joint, two_passes=True), repeat)
    astrophot = run("astrophot", make_astrophot_joint, max(1, min(repeat, 3)))
    print_table([baseline, two_passes, astrophot], baseline)
    print()
    if astrophot.skipped:
        print("verdict: astrophot not measured")
        return
    ratio = astrophot.seconds / baseline.seconds
    print(f"verdict: {'PASS' if ratio >= 10 else 'FAIL'}: {ratio:.1f}x faster than astrophot (>= 10x); "
          f"sample() + jacobian() in two passes {astrophot.seconds / two_passes.seconds:.1f}x")
