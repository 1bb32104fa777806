"""polychrome side by side with its peers (pyimfit, AstroPhot, GalSim).

Run ``python bench/peers.py [--case NAME] [--repeat N] [--threads N]``.

Every benchmark case is one function in ``CASES``; later issues add theirs
(convolved render, joint model, fits) next to ``case_render``. Peers are
optional: a peer that is not installed is reported as such and skipped.

Conventions used throughout (polychrome's, see DESIGN.md): arrays are
``data[y, x]``; pixel (i, j) has its centre at ``origin + pixelscale *
(j + 0.5, i + 0.5)`` arcsec; PA in radians counter-clockwise from +x to the
major axis; q = b/a; Sersic ``Re`` is the semi-major half-light radius in
arcsec and ``Ie`` the log10 surface brightness at Re (flux/arcsec^2). Each
peer adapter converts from these to the peer's own conventions.
"""

import argparse
import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import logging
import math
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

OUTPUT_DIR = Path(__file__).resolve().parent / "output"

# Pixels fainter than this fraction of the reference peak are left out of the
# maximum relative error (their relative error says little about a renderer).
BRIGHT_FRACTION = 1e-4

# GalSim real-space integration tolerances of the reference image. 1e-10 is
# the tightest GalSim completes (1e-11 makes its integrator give up); the
# convergence check compares with LOOSE_REFERENCE_GSPARAMS.
REFERENCE_GSPARAMS = {"realspace_relerr": 1e-10, "realspace_abserr": 1e-14}
LOOSE_REFERENCE_GSPARAMS = {"realspace_relerr": 1e-8, "realspace_abserr": 1e-12}


# ----------------------------------------------------------------------------
# The model being rendered
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Grid:
    """A square-pixel image grid: ``ny`` x ``nx`` pixels of ``pixelscale``
    arcsec, the outer corner of pixel (0, 0) at plane position (0, 0)."""

    ny: int
    nx: int
    pixelscale: float = 1.0


@dataclasses.dataclass(frozen=True)
class Sersic:
    """An elliptical Sersic profile in polychrome's conventions.

    x, y: centre (arcsec on the plane); q: axis ratio b/a; PA: radians
    counter-clockwise from +x; n: Sersic index; Re: semi-major half-light
    radius (arcsec); Ie: log10 surface brightness at Re (flux/arcsec^2).
    """

    x: float
    y: float
    q: float
    PA: float
    n: float
    Re: float
    Ie: float

    def b(self):
        """The Sersic b(n), from polychrome's core (exact root)."""
        from polychrome import _core

        return _core.sersic_b(self.n)[0]

    def total_flux(self):
        """Analytic total flux (flux units), integrated to infinity."""
        b = self.b()
        return (2 * math.pi * self.q * self.Re**2 * 10**self.Ie * self.n
                * math.exp(b) * b ** (-2 * self.n) * math.gamma(2 * self.n))

    def perturbed(self, k):
        """A copy moved by a negligible, call-dependent amount, so that a
        renderer given it must recompute rather than reuse a cached image."""
        return dataclasses.replace(self, x=self.x + 1e-7 * k, Ie=self.Ie + 1e-9 * k)


# ----------------------------------------------------------------------------
# Renderers: make_<peer>(grid, threads, nominal) -> render(sersic) -> image
# [ny, nx] (flux per pixel). `nominal` is the Sersic the peer's objects are
# set up with. Each raises ImportError when its package is missing. Setup
# (object creation, first call) happens in make_*; render() is what is timed.
# ----------------------------------------------------------------------------


def make_polychrome(grid, threads, nominal=None, psf=None, jacobian=False, tolerance=1e-5):
    """polychrome.render_profile (default tolerance 1e-5 relative per pixel);
    with `psf` a PsfConvolver is built once (it caches the PSF spectrum) and
    the profile is rendered on the window grown by the PSF half-width and
    FFT-convolved; with jacobian=True render() returns (image, jacobian)."""
    import polychrome

    convolver = None if psf is None else polychrome.PsfConvolver(psf)

    def render(s):
        return polychrome.render_profile(
            "sersic", {"n": s.n, "Re": s.Re, "Ie": s.Ie}, (grid.ny, grid.nx),
            center=(s.x, s.y), q=s.q, PA=s.PA, pixelscale=grid.pixelscale, psf=convolver,
            jacobian=jacobian, tolerance=tolerance, threads=threads)

    return render


def make_pyimfit(grid, threads, nominal, psf=None):
    """Imfit's Sersic function through pyimfit, default subsampling; with
    `psf` (an image) Imfit convolves by FFT, padding the model.

    Imfit conventions: x0, y0 in 1-based pixel coordinates where pixel centres
    are integers (so x0 = x/ps + 0.5); PA in degrees counter-clockwise from +y
    (PA_imfit = PA_deg + 90); ell = 1 - q; r_e in pixels; I_e linear, flux per
    pixel at r_e.
    """
    import pyimfit

    ps = grid.pixelscale

    def imfit_parameters(s):
        return {"X0": s.x / ps + 0.5, "Y0": s.y / ps + 0.5,
                "PA": (math.degrees(s.PA) + 90.0) % 180.0, "ell": 1.0 - s.q, "n": s.n,
                "I_e": 10**s.Ie * ps**2, "r_e": s.Re / ps}

    p0 = imfit_parameters(nominal)
    description = pyimfit.SimpleModelDescription()
    description.x0.setValue(p0["X0"])
    description.y0.setValue(p0["Y0"])
    function = pyimfit.make_imfit_function("Sersic")
    for name in ("PA", "ell", "n", "I_e", "r_e"):
        getattr(function, name).setValue(p0[name])
    description.addFunction(function)
    imfit = pyimfit.Imfit(description, psf=psf, maxThreads=threads)
    with contextlib.redirect_stdout(io.StringIO()):  # pyimfit prints a debug line here
        imfit.getModelImage(shape=(grid.ny, grid.nx))
    names = [name.rsplit("_", 1)[0] for name in imfit.numberedParameterNames]  # "X0_1" -> "X0"

    def render(s):
        p = imfit_parameters(s)
        return imfit.getModelImage(newParameters=np.array([p[name] for name in names]))

    return render


def import_astrophot():
    """Import AstroPhot without it creating ./AstroPhot.log: its import calls
    logging.basicConfig(filename=...), a no-op once logging is configured."""
    logging.basicConfig(level=logging.WARNING)
    import astrophot

    return astrophot


def make_astrophot(grid, threads, nominal, psf=None):
    """AstroPhot's "sersic galaxy model" on a target with the same grid,
    default sampling (midpoint + 'bright' adaptive integration), float64;
    with `psf` (an image at the target's scale) the model is convolved.

    AstroPhot conventions (models/mixins/transform.py, image/func/wcs.py):
    with CD = diag(ps) and crpix = crtan = 0 the plane position of pixel
    centre (i, j) is ps * (j, i), so its centre = polychrome's - ps/2; PA in
    radians from +y, counter-clockwise for this CD (PA_ap = PA + pi/2); Ie is
    linear flux/arcsec^2; Re arcsec, semi-major.
    """
    ap = import_astrophot()
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    target = ap.TargetImage(data=np.zeros((grid.ny, grid.nx)), pixelscale=grid.pixelscale,
                            zeropoint=0.0, psf=None if psf is None else ap.PSFImage(data=psf))

    def astrophot_parameters(s):
        return {"center_0": s.x - 0.5 * grid.pixelscale, "center_1": s.y - 0.5 * grid.pixelscale,
                "q": s.q, "PA": (s.PA + math.pi / 2) % math.pi, "n": s.n, "Re": s.Re,
                "Ie": 10**s.Ie}

    p0 = astrophot_parameters(nominal)
    model = ap.Model(name="sersic", model_type="sersic galaxy model", target=target,
                     psf_convolve=psf is not None, center=[p0["center_0"], p0["center_1"]],
                     **{k: v for k, v in p0.items() if not k.startswith("center")})
    names = model.build_params_array_names()

    def render(s):
        p = astrophot_parameters(s)
        vector = torch.tensor([p[name] for name in names], dtype=torch.float64)
        return model(vector).data.detach().cpu().numpy()

    return render


def galsim_sersic(s, gsparams=None):
    """The GalSim object of a Sersic: circular half_light_radius Re*sqrt(q)
    sheared to q at position angle PA (both counter-clockwise from +x), total
    flux from polychrome's Ie convention, no truncation."""
    import galsim

    profile = galsim.Sersic(n=s.n, half_light_radius=s.Re * math.sqrt(s.q), flux=s.total_flux(),
                            trunc=0.0, gsparams=gsparams)
    return profile.shear(q=s.q, beta=s.PA * galsim.radians)


def galsim_draw(s, grid, method, gsparams=None):
    """Draw with GalSim in float64. GalSim puts the profile at the image's
    true centre, plane position (nx/2, ny/2) * ps here, plus `offset` pixels."""
    offset = (s.x / grid.pixelscale - grid.nx / 2, s.y / grid.pixelscale - grid.ny / 2)
    image = galsim_sersic(s, gsparams).drawImage(
        nx=grid.nx, ny=grid.ny, scale=grid.pixelscale, method=method, offset=offset,
        dtype=np.float64)
    return image.array


def make_galsim(grid, threads, nominal):
    """GalSim's default drawImage (method 'auto' = FFT convolution with the
    pixel for a Sersic), default gsparams. GalSim is single-threaded here."""
    import galsim  # noqa: F401  (ImportError if missing)

    def render(s):
        return galsim_draw(s, grid, "auto")

    return render


# PSF-convolved renderers: the same signature with a `psf` keyword (odd-sized
# array at the image's pixel scale, centre pixel (ny//2, nx//2), sum 1: the
# effective PSF, i.e. already including the pixel response). Each computes
# "pixel-integrated profile convolved with the PSF image" in its own way.


def moffat_psf_image(size=51, fwhm_pixels=4.0, beta=3.0):
    """A normalised, pixel-integrated Moffat PSF image, size x size pixels."""
    from polychrome.utils.initialize import moffat_psf

    rd = fwhm_pixels / (2.0 * math.sqrt(2.0 ** (1.0 / beta) - 1.0))
    return moffat_psf(beta, rd, size, 1.0)


def make_galsim_psf(grid, threads, nominal, psf=None):
    """GalSim: the Sersic convolved with the PSF image as an InterpolatedImage
    (which already holds the pixel response), drawn without a further pixel."""
    import galsim

    psf_object = galsim.InterpolatedImage(galsim.ImageD(psf, scale=grid.pixelscale))

    def render(s):
        offset = (s.x / grid.pixelscale - grid.nx / 2, s.y / grid.pixelscale - grid.ny / 2)
        return galsim.Convolve(galsim_sersic(s), psf_object).drawImage(
            nx=grid.nx, ny=grid.ny, scale=grid.pixelscale, method="no_pixel", offset=offset,
            dtype=np.float64).array

    return render


def convolved_reference(sersic, grid, psf):
    """Exact pixel integrals (polychrome at tolerance 1e-10, itself checked
    against GalSim real-space in the render case) over the image grown by the
    PSF half-width, convolved with the PSF by scipy.signal.fftconvolve (an
    independent convolution), cropped to the image."""
    from scipy.signal import fftconvolve

    import polychrome

    hy, hx = psf.shape[0] // 2, psf.shape[1] // 2
    ps = grid.pixelscale
    grown = polychrome.render_profile(
        "sersic", {"n": sersic.n, "Re": sersic.Re, "Ie": sersic.Ie}, (grid.ny + 2 * hy, grid.nx + 2 * hx),
        center=(sersic.x, sersic.y), q=sersic.q, PA=sersic.PA, pixelscale=ps,
        origin=(-hx * ps, -hy * ps), tolerance=1e-10)
    return fftconvolve(grown, psf, mode="same")[hy:hy + grid.ny, hx:hx + grid.nx]


# ----------------------------------------------------------------------------
# Reference image (cached)
# ----------------------------------------------------------------------------


def reference_image(sersic, grid):
    """GalSim real-space (pixel-integrated) rendering at REFERENCE_GSPARAMS,
    computed once per parameters and cached in bench/output/.

    Returns (image, info) with info["convergence"] = max relative difference
    from the looser LOOSE_REFERENCE_GSPARAMS rendering over bright pixels.
    """
    import galsim

    key = {"sersic": dataclasses.asdict(sersic), "grid": dataclasses.asdict(grid),
           "gsparams": REFERENCE_GSPARAMS, "galsim": galsim.__version__}
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    path = OUTPUT_DIR / f"reference_sersic_{grid.ny}x{grid.nx}_{digest}.npz"
    if path.exists():
        cached = np.load(path)
        return cached["image"], {"path": path, "convergence": float(cached["convergence"]),
                                 "scipy_check": float(cached["scipy_check"]),
                                 "seconds": float(cached["seconds"]), "cached": True}
    t0 = time.perf_counter()
    image = galsim_draw(sersic, grid, "real_space", galsim.GSParams(**REFERENCE_GSPARAMS))
    seconds = time.perf_counter() - t0
    loose = galsim_draw(sersic, grid, "real_space", galsim.GSParams(**LOOSE_REFERENCE_GSPARAMS))
    convergence = max_relative_error(loose, image)
    scipy_check = scipy_pixel_check(sersic, grid, image)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(path, image=image, convergence=convergence, scipy_check=scipy_check,
             seconds=seconds, key=json.dumps(key, sort_keys=True))
    return image, {"path": path, "convergence": convergence, "scipy_check": scipy_check,
                   "seconds": seconds, "cached": False}


def scipy_pixel_check(sersic, grid, image, count=5):
    """Independent check of a few pixels (the peak and pixels at 1, 3, 10 and
    30 Re along +x): integrate the profile over each with scipy's dblquad and
    return the largest |image/dblquad - 1| (dimensionless)."""
    from scipy import integrate

    b, ps = sersic.b(), grid.pixelscale
    cos_pa, sin_pa = math.cos(sersic.PA), math.sin(sersic.PA)

    def brightness(y, x):  # flux/arcsec^2 at plane (x, y) arcsec
        dx, dy = x - sersic.x, y - sersic.y
        major, minor = dx * cos_pa + dy * sin_pa, (dy * cos_pa - dx * sin_pa) / sersic.q
        radius = math.hypot(major, minor) / sersic.Re
        return 10**sersic.Ie * math.exp(-b * (radius ** (1 / sersic.n) - 1))

    i0, j0 = np.unravel_index(np.argmax(image), image.shape)
    pixels = [(i0, j0)] + [(i0, j0 + round(k * sersic.Re / ps)) for k in (1, 3, 10, 30)]
    worst = 0.0
    for i, j in pixels[:count]:
        if not (0 <= i < grid.ny and 0 <= j < grid.nx):
            continue
        value, _ = integrate.dblquad(brightness, j * ps, (j + 1) * ps, i * ps, (i + 1) * ps,
                                     epsabs=0.0, epsrel=1e-12)
        worst = max(worst, abs(image[i, j] / value - 1))
    return worst


# ----------------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------------


def max_relative_error(image, reference):
    """Largest |image/reference - 1| over pixels brighter than
    BRIGHT_FRACTION x the reference peak (dimensionless)."""
    bright = reference > BRIGHT_FRACTION * reference.max()
    return float(np.max(np.abs(image[bright] / reference[bright] - 1.0)))


def flux_relative_error(image, reference):
    """Relative error of the image's summed flux (dimensionless)."""
    return float(image.sum() / reference.sum() - 1.0)


def call_seconds(render, sersic, repeat):
    """Wall times (s) of `repeat` calls of render(), each with slightly
    different parameters, after one untimed warm-up call."""
    render(sersic.perturbed(-1))
    times = []
    for k in range(repeat):
        s = sersic.perturbed(k)
        t0 = time.perf_counter()
        render(s)
        times.append(time.perf_counter() - t0)
    return times


@dataclasses.dataclass
class Result:
    """One renderer's row: median and fastest time (s), errors against the
    reference, or why it was skipped."""

    name: str
    seconds: float = float("nan")
    min_seconds: float = float("nan")
    max_rel_error: float = float("nan")
    flux_rel_error: float = float("nan")
    skipped: str = ""


def measure(name, make, grid, threads, sersic, reference, repeat):
    """Build a renderer with make(grid, threads, sersic), time it and compare
    its image (the first element if it returns a tuple) with the reference."""
    try:
        render = make(grid, threads, sersic)
    except ImportError as err:
        return Result(name, skipped=f"not installed ({err.name})")
    image = render(sersic)
    if isinstance(image, tuple):
        image = image[0]
    times = call_seconds(render, sersic, repeat)
    return Result(name, statistics.median(times), min(times),
                  max_relative_error(image, reference), flux_relative_error(image, reference))


def run_isolated(function, *args):
    """function(*args) in a fresh process, so that state one library leaves
    behind cannot change another's speed (pyimfit, for one, lowers the
    process-wide OpenMP thread count)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def measure_isolated(*args):
    """measure(*args) in a fresh process (see run_isolated)."""
    return run_isolated(measure, *args)


# ----------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------


# A median this much above the fastest call means the timing was disturbed.
NOISY_MEDIAN_OVER_MIN = 1.3


def print_table(results, baseline):
    """One row per renderer; 'x polychrome' = its median time / polychrome's.
    Rows whose median exceeds NOISY_MEDIAN_OVER_MIN x their min are starred."""
    print(f"{'renderer':<22}{'median ms':>10}{'min ms':>9}{'x polychrome':>14}{'max rel err':>14}"
          f"{'flux rel err':>14}")
    noisy = False
    for r in results:
        if r.skipped:
            print(f"{r.name:<22}  {r.skipped}")
            continue
        star = "*" if r.seconds > NOISY_MEDIAN_OVER_MIN * r.min_seconds else ""
        noisy = noisy or bool(star)
        print(f"{r.name + star:<22}{1e3 * r.seconds:>10.3f}{1e3 * r.min_seconds:>9.3f}"
              f"{r.seconds / baseline.seconds:>14.1f}"
              f"{r.max_rel_error:>14.2e}{r.flux_rel_error:>14.2e}")
    if noisy:
        print(f"* median > {NOISY_MEDIAN_OVER_MIN}x min: the machine was busy, rerun when idle")


def verdict(polychrome, jacobian, peers):
    """One line: each target with PASS/FAIL; skipped peers are named, not judged."""
    checks = []
    speed_targets = {"pyimfit": 5.0, "astrophot": 10.0}
    for r in peers:
        if r.skipped:
            checks.append((f"{r.name} not measured", True))
            continue
        if r.name in speed_targets:
            ratio = r.seconds / polychrome.seconds
            checks.append((f"{ratio:.1f}x faster than {r.name} (>= {speed_targets[r.name]:g}x)",
                           ratio >= speed_targets[r.name]))
        error_ratio = r.max_rel_error / polychrome.max_rel_error
        checks.append((f"error {error_ratio:.0f}x smaller than {r.name} (>= 10x)", error_ratio >= 10))
    jac_ratio = jacobian.seconds / polychrome.seconds
    checks.append((f"image+Jacobian {jac_ratio:.2f}x image (<= 3x)", jac_ratio <= 3))
    overall = "PASS" if all(ok for _, ok in checks) else "FAIL"
    print(f"verdict: {overall}: " + "; ".join(
        text if "not measured" in text else f"{text} {'PASS' if ok else 'FAIL'}" for text, ok in checks))


def print_versions():
    """Which polychrome core (path, build time) and which peers are measured."""
    import importlib

    import polychrome

    core = Path(polychrome._core.__file__)
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(core.stat().st_mtime))
    versions = []
    importers = {"astrophot": import_astrophot}
    for name in ("pyimfit", "astrophot", "galsim"):
        try:
            module = importers.get(name, lambda: importlib.import_module(name))()
            versions.append(f"{name} {module.__version__}")
        except ImportError:
            versions.append(f"{name} not installed")
    print(f"polychrome {polychrome.__version__} core {core} (built {built}); " + ", ".join(versions))


# ----------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------


def report_reference(sersic, grid, reference, info, threads):
    """Print how the reference was made and how well it is converged, and
    compare it with polychrome at a tight tolerance (an independent method)."""
    origin = f"cached {info['path'].name}" if info["cached"] else f"computed in {info['seconds']:.1f} s"
    print(f"reference: GalSim real_space {REFERENCE_GSPARAMS} ({origin}); max rel change from "
          f"relerr {LOOSE_REFERENCE_GSPARAMS['realspace_relerr']:g}: {info['convergence']:.1e}; "
          f"vs scipy dblquad on 5 pixels: {info['scipy_check']:.1e}")
    print(f"reference image sum / analytic total flux - 1 = "
          f"{reference.sum() / sersic.total_flux() - 1:.3e} (light outside the image)")
    tight = make_polychrome(grid, threads, tolerance=1e-10)(sersic)
    print(f"cross-check: polychrome at tolerance 1e-10 vs reference: max rel err "
          f"{max_relative_error(tight, reference):.1e}, flux rel err "
          f"{flux_relative_error(tight, reference):.1e}")


def case_render(repeat, threads):
    """A single Sersic, no PSF, 256x256 pixels of 1 arcsec: polychrome vs
    pyimfit, AstroPhot and GalSim, each against the GalSim real-space
    reference."""
    grid = Grid(256, 256, 1.0)
    sersic = Sersic(x=128.3, y=127.8, q=0.6, PA=math.radians(30.0), n=2.5, Re=10.0, Ie=0.0)
    print(f"case render: Sersic n={sersic.n}, Re={sersic.Re}\", q={sersic.q}, "
          f"PA={math.degrees(sersic.PA):g} deg, centre=({sersic.x}, {sersic.y})\", Ie={sersic.Ie}; "
          f"{grid.ny}x{grid.nx} px of {grid.pixelscale}\"; no PSF; "
          f"threads={threads or 'all'}; median of {repeat}")
    try:
        reference, info = reference_image(sersic, grid)
    except ImportError:
        print("GalSim (needed for the reference image) not installed: case skipped")
        return
    report_reference(sersic, grid, reference, info, threads)
    print()

    def run(name, make):
        return measure_isolated(name, make, grid, threads, sersic, reference, repeat)

    baseline = run("polychrome", make_polychrome)
    jacobian = run("polychrome image+jac", functools.partial(make_polychrome, jacobian=True))
    peers = [run("pyimfit", make_pyimfit), run("astrophot", make_astrophot),
             run("galsim", make_galsim)]
    print_table([baseline, jacobian] + peers, baseline)
    print()
    verdict(baseline, jacobian, peers)


def case_convolved(repeat, threads):
    """The render case's Sersic convolved with a 51x51 Moffat PSF (beta 3,
    FWHM 4 px): polychrome vs pyimfit, AstroPhot and GalSim, each against the
    exact-pixel-integral reference convolved by scipy."""
    grid = Grid(256, 256, 1.0)
    sersic = Sersic(x=128.3, y=127.8, q=0.6, PA=math.radians(30.0), n=2.5, Re=10.0, Ie=0.0)
    psf = moffat_psf_image()
    print(f"case convolved: the render case's Sersic, 51x51 Moffat PSF (beta 3, FWHM 4 px); "
          f"threads={threads or 'all'}; median of {repeat}")
    try:
        reference = convolved_reference(sersic, grid, psf)
    except ImportError:
        print("scipy (needed for the reference) not installed: case skipped")
        return

    def run(name, make, **kw):
        return measure_isolated(name, functools.partial(make, psf=psf, **kw), grid, threads, sersic,
                                reference, repeat)

    baseline = run("polychrome", make_polychrome)
    jacobian = run("polychrome image+jac", make_polychrome, jacobian=True)
    peers = [run("pyimfit", make_pyimfit), run("astrophot", make_astrophot),
             run("galsim", make_galsim_psf)]
    print_table([baseline, jacobian] + peers, baseline)
    print()
    targets = {"pyimfit": 5.0, "astrophot": 3.0}
    lines = []
    for peer in peers:
        if peer.skipped or peer.name not in targets:
            continue
        ratio = peer.seconds / baseline.seconds
        ok = "PASS" if ratio >= targets[peer.name] else "FAIL"
        lines.append(f"{ratio:.1f}x faster than {peer.name} (>= {targets[peer.name]:g}x) {ok}")
    jac_ratio = jacobian.seconds / baseline.seconds
    lines.append(f"image+7-column Jacobian {jac_ratio:.2f}x image (< 8x) {'PASS' if jac_ratio < 8 else 'FAIL'}")
    print("verdict: " + "; ".join(lines))


# ----------------------------------------------------------------------------
# Joint model: one galaxy seen in three images (the AutoProf joint tutorial)
# ----------------------------------------------------------------------------


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


def astrophot_joint_group(ap, targets, center, values):
    """(group, members): one AstroPhot "sersic galaxy model" per target (PSF
    convolved) with AstroPhot-convention `values` (q, PA, n, Re, linear Ie),
    center/q/PA/n/Re of every member pointing at the first member's."""
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
    ap = import_astrophot()
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    targets = [ap.TargetImage(name=f"band{k}", data=np.zeros((im.ny, im.nx)), pixelscale=im.pixelscale,
                              zeropoint=0.0, crpix=(0.0, 0.0),
                              crtan=(im.origin[0] + im.pixelscale / 2, im.origin[1] + im.pixelscale / 2),
                              psf=ap.PSFImage(data=im.psf()))
               for k, im in enumerate(JOINT_IMAGES)]

    def astrophot_parameters(s):
        return {"center_0": s.x, "center_1": s.y, "q": s.q, "PA": (s.PA + math.pi / 2) % math.pi,
                "n": s.n, "Re": s.Re, "Ie": 10**s.Ie}

    p0 = astrophot_parameters(nominal)
    group, _ = astrophot_joint_group(ap, targets, [p0["center_0"], p0["center_1"]],
                                     {k: v for k, v in p0.items() if not k.startswith("center")})
    names = group.build_params_array_names()

    def render(s):
        p = astrophot_parameters(s)
        vector = torch.tensor([p[name] for name in names], dtype=torch.float64)
        images = group(vector)
        jacobians = group.jacobian(params=vector)
        return ([image.data.detach().cpu().numpy() for image in images],
                [jacobian.data.detach().cpu().numpy() for jacobian in jacobians])

    return render


def joint_reference(sersic):
    """Each image of the joint case by polychrome.render_profile at
    tolerance 1e-10, PSF-convolved (the accuracy reference)."""
    import polychrome

    return [polychrome.render_profile(
        "sersic", {"n": sersic.n, "Re": sersic.Re, "Ie": sersic.Ie}, (im.ny, im.nx),
        center=(sersic.x, sersic.y), q=sersic.q, PA=sersic.PA, pixelscale=im.pixelscale,
        origin=im.origin, psf=im.psf(), tolerance=1e-10) for im in JOINT_IMAGES]


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
    sersic = Sersic(x=65.31, y=64.87, q=0.65, PA=0.7, n=1.8, Re=5.0, Ie=0.0)
    print(f"case joint: Sersic n={sersic.n}, Re={sersic.Re}\", q={sersic.q}, PA={sersic.PA} rad, "
          f"centre=({sersic.x}, {sersic.y})\" in 3 images "
          + ", ".join(f"{im.ny}x{im.nx} at {im.pixelscale}\" (PSF FWHM {im.psf_fwhm}\")" for im in JOINT_IMAGES)
          + f"; image + 9-column Jacobian per image; threads={threads or 'all'}")
    references = joint_reference(sersic)

    def run(name, make, calls):
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            return pool.submit(measure_joint, name, make, threads, sersic, references, calls).result()

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


# ----------------------------------------------------------------------------
# Fits: each fitter starts from the same perturbed Sersic on the same noisy,
# PSF-convolved image and returns (best-fit model image, Sersic, iterations).
# ----------------------------------------------------------------------------


def fit_start(truth):
    """The perturbed start shared by every fitter: centre 2 px off, q - 0.15,
    PA + 20 deg, n - 0.5, Re x 1.3, flux x 0.6."""
    return dataclasses.replace(truth, x=truth.x + 1.4, y=truth.y - 1.4, q=truth.q - 0.15,
                               PA=truth.PA + math.radians(20.0), n=truth.n - 0.5, Re=1.3 * truth.Re,
                               Ie=truth.Ie + math.log10(0.6))


def fit_polychrome(data, sigma, psf, start, threads):
    """polychrome: fit.LM on a sersic galaxy model of a TargetImage with the PSF."""
    import polychrome

    target = polychrome.image.TargetImage(data, variance=np.full(data.shape, sigma**2), psf=psf)
    model = polychrome.models.Model(name="gal", model_type="sersic galaxy model", target=target,
                                    center=[start.x, start.y], q=start.q, PA=start.PA, n=start.n,
                                    Re=start.Re, Ie=start.Ie)
    result = polychrome.fit.LM(model).fit()
    c = model["center"].value
    best = dataclasses.replace(start, x=c[0], y=c[1], q=model["q"].value, PA=model["PA"].value,
                               n=model["n"].value, Re=model["Re"].value, Ie=model["Ie"].value)
    return model.sample().data, best, result.iterations


def fit_pyimfit(data, sigma, psf, start, threads):
    """pyimfit: Imfit's Levenberg-Marquardt (solver "LM") with the PSF."""
    import pyimfit

    ps = 1.0
    description = pyimfit.SimpleModelDescription()
    description.x0.setValue(start.x / ps + 0.5, [start.x - 10, start.x + 10])
    description.y0.setValue(start.y / ps + 0.5, [start.y - 10, start.y + 10])
    function = pyimfit.make_imfit_function("Sersic")
    function.PA.setValue((math.degrees(start.PA) + 90.0) % 180.0, [-180, 360])
    function.ell.setValue(1.0 - start.q, [0.0, 0.95])
    function.n.setValue(start.n, [0.36, 10])
    function.I_e.setValue(10**start.Ie * ps**2, [1e-6, 1e6])
    function.r_e.setValue(start.Re / ps, [0.1, 200])
    description.addFunction(function)
    imfit = pyimfit.Imfit(description, psf=psf, maxThreads=threads)
    with contextlib.redirect_stdout(io.StringIO()):
        result = imfit.fit(data, error=np.full(data.shape, sigma), solver="LM")
    p = dict(zip([n.rsplit("_", 1)[0] for n in imfit.numberedParameterNames], result.params))
    best = dataclasses.replace(start, x=p["X0"] - 0.5, y=p["Y0"] - 0.5, q=1 - p["ell"],
                               PA=math.radians(p["PA"] - 90.0) % math.pi, n=p["n"], Re=p["r_e"],
                               Ie=math.log10(p["I_e"]))
    with contextlib.redirect_stdout(io.StringIO()):
        image = imfit.getModelImage(newParameters=result.params)
    return image, best, int(imfit.nIter)


def fit_astrophot(data, sigma, psf, start, threads):
    """AstroPhot 0.18: its LM on a sersic galaxy model with the PSF."""
    ap = import_astrophot()
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    target = ap.TargetImage(data=data, variance=np.full(data.shape, sigma**2), pixelscale=1.0,
                            zeropoint=0.0, psf=ap.PSFImage(data=psf))
    model = ap.Model(name="gal", model_type="sersic galaxy model", target=target,
                     center=[start.x - 0.5, start.y - 0.5], q=start.q,
                     PA=(start.PA + math.pi / 2) % math.pi, n=start.n, Re=start.Re, Ie=10**start.Ie)
    optimizer = ap.fit.LM(model).fit()
    names = model.build_params_array_names()
    values = dict(zip(names, np.asarray(optimizer.res(), dtype=float)))
    best = dataclasses.replace(start, x=values["center_0"] + 0.5, y=values["center_1"] + 0.5,
                               q=values["q"], PA=(values["PA"] - math.pi / 2) % math.pi,
                               n=values["n"], Re=values["Re"], Ie=math.log10(values["Ie"]))
    image = model(torch.tensor(optimizer.res(), dtype=torch.float64)).data.detach().cpu().numpy()
    return image, best, len(optimizer.loss_history)


def sersic_columns(s, with_ie=True):
    """A Sersic's parameters as fixed-width table columns (PA in degrees)."""
    text = f"{s.x:8.3f} {s.y:8.3f} {s.q:6.3f} {math.degrees(s.PA):7.2f} {s.n:6.3f} {s.Re:7.3f}"
    return text + (f" {s.Ie:7.3f}" if with_ie else "")


def print_fit_rows(rows, columns):
    """One line per fitter: time, ratio to the first row, iterations, chi2/ndf, columns(row)."""
    base = rows[0]
    for row in rows:
        if "skipped" in row:
            print(f"{row['name']:<12} {row['skipped']}")
            continue
        print(f"{row['name']:<12} {row['seconds']:8.3f} {row['seconds'] / base['seconds']:13.1f} "
              f"{row['iterations']:5d} {row['chi2_ndf']:9.4f}   {columns(row)}")


def run_fit(name, fitter, data, sigma, psf, start, threads, repeat):
    """Median wall time of `repeat` fits (fresh objects each), and the last
    fit's chi^2/ndf, parameters and iterations; None if not installed."""
    try:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            image, best, iterations = fitter(data, sigma, psf, start, threads)
            times.append(time.perf_counter() - t0)
    except ImportError as err:
        return {"name": name, "skipped": f"not installed ({err.name})"}
    chi2_ndf = float(np.sum((data - image) ** 2) / sigma**2 / (data.size - 7))
    return {"name": name, "seconds": statistics.median(times), "chi2_ndf": chi2_ndf, "best": best,
            "iterations": iterations}


def case_fit(repeat, threads):
    """Fit the convolved case's Sersic on a noisy image (Gaussian noise at 2%
    of the peak) from one perturbed start with polychrome, pyimfit and
    AstroPhot (each in its own process): wall time, iterations, chi^2/ndf
    (computed the same way from each fitter's best model image) and the
    recovered parameters."""
    grid = Grid(256, 256, 1.0)
    truth = Sersic(x=128.3, y=127.8, q=0.6, PA=math.radians(30.0), n=2.5, Re=10.0, Ie=0.0)
    psf = moffat_psf_image()
    clean = convolved_reference(truth, grid, psf)
    sigma = 0.02 * clean.max()
    data = clean + np.random.default_rng(7).normal(0.0, sigma, clean.shape)
    start = fit_start(truth)
    repeat = max(1, min(repeat, 5))
    print(f"case fit: the convolved case's Sersic + noise (2% of peak), 256x256, 51x51 Moffat PSF; "
          f"perturbed start {start}; median of {repeat} fits; threads={threads or 'all'}")
    rows = [run_isolated(run_fit, name, fitter, data, sigma, psf, start, threads, repeat)
            for name, fitter in (("polychrome", fit_polychrome), ("pyimfit", fit_pyimfit),
                                 ("astrophot", fit_astrophot))]
    print(f"{'fitter':<12} {'wall s':>8} {'x polychrome':>13} {'iter':>5} {'chi2/ndf':>9}   "
          f"{'x':>8} {'y':>8} {'q':>6} {'PA deg':>7} {'n':>6} {'Re':>7} {'Ie':>7}")
    print(f"{'truth':<12} {'':>8} {'':>13} {'':>5} {'':>9}   {sersic_columns(truth)}")
    print_fit_rows(rows, lambda row: sersic_columns(row["best"]))
    base = rows[0]
    peers = [row for row in rows[1:] if "skipped" not in row]
    if peers:
        fastest = min(peers, key=lambda row: row["seconds"])
        ratio = fastest["seconds"] / base["seconds"]
        worse = base["chi2_ndf"] > min(row["chi2_ndf"] for row in peers) * (1 + 1e-3)
        print(f"verdict: {'PASS' if ratio >= 10 and not worse else 'FAIL'}: {ratio:.1f}x faster than the "
              f"faster peer ({fastest['name']}; target >= 10x), chi2/ndf "
              f"{'worse than' if worse else 'no worse than'} the peers'")


def joint_fit_data(truth, seed=5, noise_fraction=0.02):
    """[(data, sigma)] per joint image: the accuracy reference + Gaussian noise."""
    rng = np.random.default_rng(seed)
    out = []
    for clean in joint_reference(truth):
        sigma = noise_fraction * clean.max()
        out.append((clean + rng.normal(0.0, sigma, clean.shape), sigma))
    return out


def fit_polychrome_joint(data, start, threads):
    """polychrome: fit.LM on the joint group (shared center/q/PA/n/Re, Ie per
    image) with each image's data and variance."""
    import polychrome

    group, members = polychrome_joint_group(start)
    for member, (values, sigma) in zip(members, data):
        member.target.data[...] = values
        member.target.variance[...] = sigma**2
    result = polychrome.fit.LM(group).fit()
    first = members[0]
    c = first["center"].value
    shared = dataclasses.replace(start, x=c[0], y=c[1], q=first["q"].value, PA=first["PA"].value,
                                 n=first["n"].value, Re=first["Re"].value, Ie=first["Ie"].value)
    images = [image.data for image in group.sample()]
    return images, shared, [m["Ie"].value for m in members], result.iterations


def fit_astrophot_joint(data, start, threads):
    """AstroPhot: its LM on the joint group model (parameters linked by
    pointing them at the first model's), each image with data and variance."""
    ap = import_astrophot()
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    targets = [ap.TargetImage(name=f"band{k}", data=values, variance=np.full(values.shape, sigma**2),
                              pixelscale=im.pixelscale, zeropoint=0.0, crpix=(0.0, 0.0),
                              crtan=(im.origin[0] + im.pixelscale / 2, im.origin[1] + im.pixelscale / 2),
                              psf=ap.PSFImage(data=im.psf()))
               for k, (im, (values, sigma)) in enumerate(zip(JOINT_IMAGES, data))]
    group, members = astrophot_joint_group(
        ap, targets, [start.x, start.y],
        dict(q=start.q, PA=(start.PA + math.pi / 2) % math.pi, n=start.n, Re=start.Re, Ie=10**start.Ie))
    optimizer = ap.fit.LM(group).fit()
    vector = torch.tensor(optimizer.res(), dtype=torch.float64)
    images = [image.data.detach().cpu().numpy() for image in group(vector)]  # sets the best values
    shared = dataclasses.replace(start, x=float(members[0].center.value[0]), y=float(members[0].center.value[1]),
                                 q=float(members[0].q.value), PA=(float(members[0].PA.value) - math.pi / 2) % math.pi,
                                 n=float(members[0].n.value), Re=float(members[0].Re.value),
                                 Ie=math.log10(float(members[0].Ie.value)))
    ies = [math.log10(float(m.Ie.value)) for m in members]
    return images, shared, ies, len(optimizer.loss_history)


def run_joint_fit(name, fitter, data, start, threads, repeat):
    """Median wall time of `repeat` joint fits and the last one's chi^2/ndf
    (the same formula for every fitter), shared parameters and Ie values."""
    try:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            images, shared, ies, iterations = fitter(data, start, threads)
            times.append(time.perf_counter() - t0)
    except ImportError as err:
        return {"name": name, "skipped": f"not installed ({err.name})"}
    chi2 = sum(float(np.sum((values - image) ** 2)) / sigma**2 for (values, sigma), image in zip(data, images))
    ndata = sum(values.size for values, _ in data)
    return {"name": name, "seconds": statistics.median(times), "chi2_ndf": chi2 / (ndata - 9),
            "shared": shared, "ies": ies, "iterations": iterations}


def case_joint_fit(repeat, threads):
    """Fit the joint case (one Sersic in three images, shared center/q/PA/n/Re,
    Ie per image) on noisy data (2% of each image's peak) from one perturbed
    start, with polychrome and AstroPhot, each in its own process."""
    truth = Sersic(x=65.31, y=64.87, q=0.65, PA=0.7, n=1.8, Re=5.0, Ie=0.0)
    data = joint_fit_data(truth)
    start = fit_start(truth)
    start = dataclasses.replace(start, x=truth.x + 1.0, y=truth.y - 0.8)  # in arcsec here
    repeat = max(1, min(repeat, 3))
    print(f"case joint_fit: the joint case's three images + noise (2% of each peak); start {start}; "
          f"median of {repeat} fits")
    rows = [run_isolated(run_joint_fit, name, fitter, data, start, threads, repeat)
            for name, fitter in (("polychrome", fit_polychrome_joint), ("astrophot", fit_astrophot_joint))]
    print(f"{'fitter':<12} {'wall s':>8} {'x polychrome':>13} {'iter':>5} {'chi2/ndf':>9}   "
          f"{'x':>8} {'y':>8} {'q':>6} {'PA deg':>7} {'n':>6} {'Re':>7}  Ie per image")
    print(f"{'truth':<12} {'':>8} {'':>13} {'':>5} {'':>9}   {sersic_columns(truth, with_ie=False)}  "
          + " ".join(f"{truth.Ie:7.3f}" for _ in JOINT_IMAGES))
    base = rows[0]
    print_fit_rows(rows, lambda row: sersic_columns(row["shared"], with_ie=False) + "  "
                   + " ".join(f"{ie:7.3f}" for ie in row["ies"]))
    if len(rows) > 1 and "skipped" not in rows[1]:
        ratio = rows[1]["seconds"] / base["seconds"]
        print(f"verdict: {'PASS' if ratio >= 10 else 'FAIL'}: {ratio:.1f}x faster than AstroPhot (target >= 10x)")


def case_fft(repeat, threads):
    """polychrome's own 2D real FFT (forward + inverse) against scipy.fft
    (pocketfft) on the same arrays, single thread, sizes 64 to 1024; the
    timing loop is bench/fft_vs_scipy.py's (alternating and blocked
    schedules, the worse ratio counts). `repeat` and `threads` do not apply."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import fft_vs_scipy

    print("case fft: 2D real FFT, float64, rfft2 + irfft2, single thread, median ms")
    print(f"{'n':>6} {'polychrome':>11} {'scipy':>9} {'ratio':>7}")
    worst = 0.0
    for n in fft_vs_scipy.DEFAULT_SIZES:
        (a_ours, a_theirs, _), (b_ours, b_theirs, _), _ = fft_vs_scipy.time_pair(n, 0.5)
        ratio = max(a_ours / a_theirs, b_ours / b_theirs)
        worst = max(worst, ratio)
        print(f"{n:>6} {max(a_ours, b_ours) * 1e3:>11.3f} {min(a_theirs, b_theirs) * 1e3:>9.3f} {ratio:>7.2f}")
    ok = "PASS" if worst <= fft_vs_scipy.TARGET else "FAIL"
    print(f"verdict: {ok}: worst polychrome/scipy time ratio {worst:.2f} (target <= {fft_vs_scipy.TARGET})")


CASES = {
    "render": case_render,
    "convolved": case_convolved,
    "fit": case_fit,
    "joint_fit": case_joint_fit,
    "fft": case_fft,
    "joint": case_joint,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append",
                        help="case to run (repeatable; default: all)")
    parser.add_argument("--repeat", type=int, default=50,
                        help="timed calls per renderer; the median is reported (default 50)")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for polychrome, pyimfit and torch (default 0 = all cores)")
    args = parser.parse_args()
    print(f"load average before start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          f"(timings are only meaningful on an otherwise idle machine)")
    print_versions()
    for name in args.case or list(CASES):
        CASES[name](args.repeat, args.threads)


if __name__ == "__main__":
    main()
