"""The AutoProf joint-modelling tutorial on real survey cutouts, with its own calls.

Usage:  python examples/joint_models.py [--data DIR] [--out DIR] [--part {1,2,all}]
                                        [--quick] [--verbose N]

Reads the COSMOS cutouts in ``--data`` (default ``../shared/data`` beside the
repository; see its README) and writes PNGs, the fitted models (YAML) and
fit-summary tables (ECSV) to ``--out`` (default ``examples/output/joint_models``).
The calls are the tutorial's (``import polychrome as ap``; ``Target_Image``,
``Target_Image_List``, ``AutoProf_Model``, ``add_equality_constraint``,
``initialize``, ``fit.LM(...).fit()``, ``plots.*``, ``save``/``filename=``).

Part 1: one galaxy in six images from two telescopes. ``Cut_HST.fits`` (HST
ACS, 0.03 arcsec pixels, its own 179 x 179 PSF) and the five HSC bands of
``Cut_HSC.fits`` (g r i z y, 0.168 arcsec pixels, one PSF per band) are each
fitted in their native pixel grid and PSF; the HST image is placed on the
HSC image's tangent plane through the two celestial WCSs, nothing is
resampled. The galaxy is one Sersic model per image with centre, q, PA, n and
Re one shared quantity (the tutorial's constraint list) and Ie free per
image; its compact neighbour is modelled the same way so that its light does
not bias the fit, and each image has its own flat sky. The cutouts come with
no variance maps: each image's variance is its background scatter (sigma-
clipped), as in the tutorial. Magnitudes use the HSC zeropoint of 27.0; the
HST image's flux unit is not given with the cutout, so it has no zeropoint.

Part 2: a blended group of seven sources in five bands (``hsc_cosmos_35.npz``,
HSC g r i z y with variance, mask and PSF per band), as the tutorial's
"joint models with multiple models": one group model per source holding its
five band models, centre, q and PA constrained equal across bands, a spline
galaxy model (free-form radial profile) in the deepest band (the one with the
highest S/N, measured from the data) and Sersic models in the others; the
seven groups and a flat sky per band form the full model. Sources 0 (a star)
and 5 (faint and unresolved) are point models instead (see STARS): one per
band, position shared, flux per band. Windows per source are entered by hand,
as in the tutorial. The mask keeps only pixels without
the HSC bad-pixel bits (BAD, SAT, EDGE, SUSPECT, NO_DATA; DETECTED and the
coadd's bookkeeping bits do not make a pixel bad). The coadd variance planes
leave out the pixel-to-pixel correlation of resampled coadds: they are scaled
per band so that the background pixels have unit scatter. The fitted model
is saved, reloaded under a new name, its targets re-assigned
(``model.target = ...``, ``update_window()``) and plotted again; the reloaded
model must render the same images.

Units: positions and sizes in arcsec, PA in radians (from +x, counter-
clockwise), fluxes in image counts, Ie and the spline's I(R) in log10
flux/arcsec^2, magnitudes AB with the zeropoint. ``main`` returns the
measured figures (see ``run_part1``, ``run_part2``) and raises RuntimeError
when a fit does not converge or the reloaded model differs from the fitted
one, so that a broken example does not pass silently. ``--quick`` fits part 1
on the HST image and two HSC bands with the HST PSF cut to 61 x 61 pixels,
and part 2 on three bands, for the test suite.
"""

import argparse
import math
import os
import time

import numpy as np
from astropy.io import fits
from astropy.stats import sigma_clipped_stats
from astropy.wcs import WCS

import polychrome as ap

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))
HSC_ZEROPOINT = 27.0  # mag, HSC coadds
HSC_PIXELSCALE = 0.168  # arcsec / pixel
HSC_BANDS = ("g", "r", "i", "z", "y")

# Part 1: where the galaxy and its neighbour are (pixel positions on the HSC image, as a
# catalogue would give them) and the plane boxes (arcsec, on the HSC tangent plane) their
# models render on, in every image. Rows y >= 42 of the HSC images hold a source cut by the
# image edge and, in r, a stripe of bad rows: the HSC models stop below them.
GALAXY_PIXEL = (22.0, 24.0)
NEIGHBOUR_PIXEL = (39.0, 27.0)
GALAXY_BOX = ((0.4, 7.9), (1.2, 6.9))
NEIGHBOUR_BOX = ((5.3, 8.1), (3.0, 6.3))
HSC_ROWS = 42
SHARED = ["center", "q", "PA", "n", "Re"]  # the tutorial's list: Ie stays free per image

# Part 2: HSC mask bits that make a pixel unusable (BAD, SAT, EDGE, SUSPECT, NO_DATA).
HSC_BAD_BITS = 1 | 2 | 16 | 128 | 256
# Half-size (pixels) of each source's window, by hand as in the tutorial, in catalogue order.
WINDOW_HALF_SIZES = (14, 16, 8, 8, 8, 8, 8)
# No galaxy is seen thinner than q ~ 0.05; a faint source the data barely constrain would
# otherwise be free to collapse into a line, which is also very costly to integrate.
Q_LIMITS = (0.05, 1.0)
# Sources whose light is the PSF's. Catalogue source 0 is a star: fitted as a galaxy, its Sersic
# index runs to the upper limit (10) in every band and leaves a bright core in a dark ring; as a
# point model the whole fit's chi^2/ndf falls from ~8.6 to ~1.2. Source 5 is unresolved: as a
# galaxy its Sersic radius runs to ~0.02 arcsec in r, z and y, where its size, index and
# brightness become degenerate (J^T W J singular); as a point model chi^2 rises by ~15 for 14
# fewer parameters.
STARS = (0, 5)
# Windows of at most this half-size (pixels) get spline knots at these radii (pixels): the
# default (8 knots out to the window's corner) leaves the outer knots of a faint, small source
# unconstrained.
SMALL_WINDOW = 8
SMALL_WINDOW_KNOTS = np.array([0.0, 1.0, 2.0, 3.5, 6.0])


def background_variance(data):
    """Variance of the background pixels (flux^2): the 3-sigma-clipped scatter of the image."""
    _, _, std = sigma_clipped_stats(data, sigma=3.0, maxiters=10)
    return float(std) ** 2


def crop_psf(psf, size):
    """The central ``size`` x ``size`` pixels of an odd-sized PSF (``size`` odd)."""
    half, centre = size // 2, psf.shape[0] // 2
    return psf[centre - half:centre + half + 1, centre - half:centre + half + 1]


# ---------------------------------------------------------------------------------------------
# Part 1: one galaxy in the HST image and the five HSC bands
# ---------------------------------------------------------------------------------------------

def load_hst_hsc(data_dir, bands, hst_psf_size=None):
    """(targets by name, Target_Image_List): the HST image first, then the chosen HSC bands,
    all on the HSC image's tangent plane."""
    hsc_path = os.path.join(data_dir, "Cut_HSC.fits")
    hst_path = os.path.join(data_dir, "Cut_HST.fits")
    hsc_wcs = WCS(fits.getheader(hsc_path), naxis=2)

    # HST, with the tutorial's call: data, pixelscale, variance, psf, wcs
    with fits.open(hst_path) as hdul:
        hst_data = np.array(hdul[0].data, dtype=np.float64)
        hst_wcs = WCS(hdul[0].header)
    hst_psf = fits.getdata(os.path.join(data_dir, "PSF_HST.fits")).astype(np.float64)
    if hst_psf_size is not None:
        hst_psf = crop_psf(hst_psf, hst_psf_size)
    targets = {"HST": ap.image.Target_Image(
        data=hst_data, pixelscale=0.03, variance=np.full(hst_data.shape, background_variance(hst_data)),
        psf=hst_psf, wcs=hst_wcs, reference_wcs=hsc_wcs)}

    # HSC, through the FITS reader: one plane of the cube and of the PSF cube per band
    cube = fits.getdata(hsc_path)
    for band in bands:
        k = HSC_BANDS.index(band)
        targets[band] = ap.io.read_target(
            hsc_path, plane=k, variance=np.full(cube[k].shape, background_variance(cube[k])),
            psf=os.path.join(data_dir, "PSF_HSC.fits"), psf_plane=k, zeropoint=HSC_ZEROPOINT)
    return targets, ap.image.Target_Image_List(list(targets.values()))


def build_galaxy_pair(targets, target_full):
    """Galaxy + neighbour + sky on every image, shapes shared across images; the group model."""
    hsc = next(t for name, t in targets.items() if name != "HST")
    galaxy_center = np.array(hsc.pixel_to_plane(*GALAXY_PIXEL))
    neighbour_center = np.array(hsc.pixel_to_plane(*NEIGHBOUR_PIXEL))
    models, first = [], {}
    for name, target in targets.items():
        box = ap.image.Window.from_plane_box
        galaxy = ap.models.AutoProf_Model(
            name=f"{name} galaxy", model_type="sersic galaxy model", target=target,
            window=box(target, *GALAXY_BOX), psf_mode="full", center=galaxy_center)
        neighbour = ap.models.AutoProf_Model(
            name=f"{name} neighbour", model_type="sersic galaxy model", target=target,
            window=box(target, *NEIGHBOUR_BOX), psf_mode="full", center=neighbour_center)
        sky_window = None if name == "HST" else [[0, target.shape[1]], [0, HSC_ROWS]]
        sky = ap.models.AutoProf_Model(name=f"{name} sky", model_type="flat sky model", target=target,
                                       window=sky_window)
        if first:
            galaxy.add_equality_constraint(first["galaxy"], SHARED)
            neighbour.add_equality_constraint(first["neighbour"], SHARED)
        else:
            first = {"galaxy": galaxy, "neighbour": neighbour}
        models += [galaxy, neighbour, sky]
    return ap.models.AutoProf_Model(name="COSMOS pair", model_type="group model", models=models,
                                    target=target_full)


def run_part1(data_dir, out, quick=False, verbose=0):
    """Fit part 1; returns its figures (fit message, chi^2/ndf, shared shape with uncertainties,
    HSC magnitudes, seconds, files)."""
    bands = ("r", "i") if quick else HSC_BANDS
    targets, target_full = load_hst_hsc(data_dir, bands, hst_psf_size=61 if quick else None)
    names = list(targets)
    model_full = build_galaxy_pair(targets, target_full)

    files = [plot_windows(model_full, [f"{name}: data and windows" for name in names], out,
                          "part1_windows.png")]
    result, seconds = initialize_and_fit(model_full, verbose)
    print(f"part 1: {len(names)} images, {len(result.x)} free parameters: {result.message}, "
          f"chi2/ndf = {result.chi2_ndf:.3f}, {result.iterations} iterations, {seconds:.1f} s")
    files.append(plot_fit(model_full, model_full.target, names, "model", out, "part1_fit.png"))

    galaxy = model_full.models["HST galaxy"]
    shape = {p: (float(np.atleast_1d(galaxy[p].value)[0]), float(np.atleast_1d(galaxy[p].uncertainty)[0]))
             for p in ("q", "PA", "n", "Re")}
    print("  galaxy (shared): " + ", ".join(f"{p} = {v:.3f} +- {u:.3f}" for p, (v, u) in shape.items()))
    table = ap.io.fit_summary(model_full, result)
    magnitudes = {}
    for row in table:
        if row["parameter"] == "magnitude" and row["model"].endswith(" galaxy"):
            magnitudes[row["model"].split()[0]] = (float(row["value"]), float(row["uncertainty"]))
    print("  galaxy magnitudes: " + ", ".join(f"{b} {m:.2f} +- {u:.2f}" for b, (m, u) in magnitudes.items()))
    files.append(os.path.join(out, "part1_summary.ecsv"))
    table.write(files[-1], overwrite=True)
    if not result.success:
        raise RuntimeError(f"part 1: the fit did not converge: {result.message}")
    return dict(message=result.message, chi2_ndf=result.chi2_ndf, iterations=result.iterations,
                images=names, shape=shape, magnitudes=magnitudes, seconds=seconds, files=files)


# ---------------------------------------------------------------------------------------------
# Part 2: seven sources in five bands, one group per source
# ---------------------------------------------------------------------------------------------

def load_blend(data_dir, bands):
    """(targets by band, Target_Image_List, catalogue) from hsc_cosmos_35.npz."""
    with np.load(os.path.join(data_dir, "hsc_cosmos_35.npz")) as blend:
        filters = [str(f) for f in blend["filters"]]
        targets = {}
        for band in bands:
            k = filters.index(band)
            data = np.array(blend["images"][k], dtype=np.float64)
            variance = np.array(blend["variance"][k], dtype=np.float64)
            bad = (blend["mask"][k] & HSC_BAD_BITS) != 0
            variance *= background_variance(data[~bad]) / np.median(variance[~bad])
            targets[band] = ap.image.Target_Image(
                data=data, variance=variance, mask=bad, psf=np.array(blend["psfs"][k], dtype=np.float64),
                pixelscale=HSC_PIXELSCALE, zeropoint=HSC_ZEROPOINT)
        catalogue = np.column_stack([blend["catalog"]["x"], blend["catalog"]["y"]])
    return targets, ap.image.Target_Image_List(list(targets.values())), catalogue


def deepest_band(targets):
    """The band whose image has the highest S/N: summed flux over the root of the summed variance."""
    def snr(target):
        good = ~target.mask
        return float(np.sum(target.data[good]) / math.sqrt(np.sum(target.variance[good])))
    return max(targets, key=lambda band: snr(targets[band]))


def galaxy_models(i, targets, deep, window, center):
    """Source i as a galaxy: a spline model in the deepest band, Sersic in the others, with
    centre, q and PA one shared quantity across the bands."""
    half = (window[0][1] - window[0][0]) // 2
    knots = None if half > SMALL_WINDOW else SMALL_WINDOW_KNOTS * HSC_PIXELSCALE
    sub_list = []
    for band, target in targets.items():
        spline = band == deep
        options = {"knots": knots} if spline and knots is not None else {}
        sub_list.append(ap.models.AutoProf_Model(
            name=f"{band}band model {i}", model_type="spline galaxy model" if spline else "sersic galaxy model",
            target=target, window=window, psf_mode="full", center=center,
            parameters={"q": {"limits": Q_LIMITS}}, **options))
    reference = sub_list[list(targets).index(deep)]
    for sub in sub_list:
        if sub is not reference:
            sub.add_equality_constraint(reference, ["center", "q", "PA"])
    return sub_list


def star_models(i, targets, window, center):
    """Source i as a star: a point model (the band's PSF) per band, its position shared and its
    flux free per band."""
    sub_list = [ap.models.AutoProf_Model(name=f"{band}band star {i}", model_type="point model",
                                         target=target, window=window, center=center)
                for band, target in targets.items()]
    for sub in sub_list[1:]:
        sub.add_equality_constraint(sub_list[0], ["center"])
    return sub_list


def build_blend(targets, target_full, catalogue, deep, stars=STARS):
    """One group per source (its band models, shared position and shape), plus a sky per band."""
    model_list = []
    for i, ((x, y), half) in enumerate(zip(catalogue, WINDOW_HALF_SIZES)):
        window = [[int(x) - half, int(x) + half + 1], [int(y) - half, int(y) + half + 1]]
        center = [(x + 0.5) * HSC_PIXELSCALE, (y + 0.5) * HSC_PIXELSCALE]  # pixel centres
        sub_list = (star_models(i, targets, window, center) if i in stars
                    else galaxy_models(i, targets, deep, window, center))
        model_list.append(ap.models.AutoProf_Model(name=f"model {i}", model_type="group model",
                                                   target=target_full, models=sub_list))
    skies = [ap.models.AutoProf_Model(name=f"{band}band sky", model_type="flat sky model", target=target)
             for band, target in targets.items()]
    return ap.models.AutoProf_Model(name="full model", model_type="group model", target=target_full,
                                    models=model_list + skies)


def run_part2(data_dir, out, quick=False, verbose=0):
    """Fit part 2, save, reload and re-plot; returns its figures."""
    bands = ("g", "r", "i") if quick else HSC_BANDS
    targets, target_full, catalogue = load_blend(data_dir, bands)
    deep = deepest_band(targets)
    MODEL = build_blend(targets, target_full, catalogue, deep)
    print(f"part 2: {len(catalogue)} sources in bands {' '.join(bands)}; spline model in {deep} "
          "(highest S/N)")

    files = [plot_windows(MODEL, [f"{band}-band image and windows" for band in bands], out,
                          "part2_windows.png")]
    result, seconds = initialize_and_fit(MODEL, verbose, max_iter=300)
    print(f"  {len(result.x)} free parameters: {result.message}, chi2/ndf = {result.chi2_ndf:.3f}, "
          f"{result.iterations} iterations, {seconds:.1f} s; J^T W J {result.hess.shape}")
    fitted = [image.data.copy() for image in MODEL.sample()]

    # save, reload under a new name, re-assign the targets, as in the tutorial
    yaml_path = os.path.join(out, "part2_model.yaml")
    MODEL.save(yaml_path)
    model_reload = ap.models.AutoProf_Model(name="reload full model", filename=yaml_path)
    model_reload.target = target_full
    for i in range(len(catalogue)):
        kind = "star" if i in STARS else "model"
        for band, target in targets.items():
            model_reload.models[f"model {i}"].models[f"{band}band {kind} {i}"].target = target
    for band, target in targets.items():
        model_reload.models[f"{band}band sky"].target = target
    model_reload.update_window()
    reloaded = [image.data for image in model_reload.sample()]
    max_difference = max(float(np.max(np.abs(a - b))) for a, b in zip(fitted, reloaded))

    files.append(plot_fit(model_reload, target_full, [f"{band}-band" for band in bands], "model (reloaded)",
                          out, "part2_fit.png"))
    files.append(os.path.join(out, "part2_summary.ecsv"))
    ap.io.write_fit_summary(files[-1], MODEL, result, overwrite=True)
    print(f"  saved {yaml_path}, reloaded as {model_reload.name!r}: largest pixel difference "
          f"{max_difference:.3g}")

    if not result.success:
        raise RuntimeError(f"part 2: the fit did not converge: {result.message}")
    if max_difference != 0.0:
        raise RuntimeError(f"part 2: the reloaded model differs from the fitted one by {max_difference}")
    return dict(message=result.message, chi2_ndf=result.chi2_ndf, iterations=result.iterations,
                deep_band=deep, bands=list(bands), parameters=len(result.x), seconds=seconds,
                reload_difference=max_difference, yaml=yaml_path, files=files + [yaml_path])


def initialize_and_fit(model, verbose, max_iter=100):
    """The tutorial's model.initialize() and fit.LM(model).fit(); returns (result, seconds)."""
    start = time.perf_counter()
    model.initialize()
    result = ap.fit.LM(model, verbose=verbose, max_iter=max_iter).fit()
    return result, time.perf_counter() - start


def plot_windows(model, titles, out, name):
    """The model's targets with every component's window outlined, one panel per image."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, len(titles), figsize=(3.2 * len(titles), 3.5))
    ap.plots.model_window(fig, ax, model)
    for a, title in zip(ax, titles):
        a.set_title(title)
    return save_figure(fig, out, name)


def plot_fit(model, target, labels, model_label, out, name):
    """Rows: each image, the model on it, the normalised residuals; one column per image."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(3, len(labels), figsize=(3.2 * len(labels), 9.6))
    ap.plots.target_image(fig, ax[0], target)
    ap.plots.model_image(fig, ax[1], model, colorbar=False)
    ap.plots.residual_image(fig, ax[2], model, colorbar=False)
    for k, label in enumerate(labels):
        ax[0][k].set_title(f"{label} image")
        ax[1][k].set_title(f"{label} {model_label}")
        ax[2][k].set_title(f"{label} (data - model) / sigma")
    return save_figure(fig, out, name)


def save_figure(fig, out, name):
    import matplotlib.pyplot as plt

    path = os.path.join(out, name)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder holding the COSMOS cutouts")
    parser.add_argument("--out", default=os.path.join("examples", "output", "joint_models"),
                        help="folder for the PNG, YAML and ECSV files")
    parser.add_argument("--part", choices=("1", "2", "all"), default="all")
    parser.add_argument("--quick", action="store_true", help="fewer bands, smaller HST PSF (for the tests)")
    parser.add_argument("--verbose", type=int, default=0, help="fit.LM verbosity")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.data):
        raise FileNotFoundError(f"--data: no folder {args.data!r} (the COSMOS cutouts of ../shared/data)")
    os.makedirs(args.out, exist_ok=True)

    import matplotlib

    matplotlib.use("Agg")
    results = {}
    if args.part in ("1", "all"):
        results["part1"] = run_part1(args.data, args.out, args.quick, args.verbose)
    if args.part in ("2", "all"):
        results["part2"] = run_part2(args.data, args.out, args.quick, args.verbose)
    return results


if __name__ == "__main__":
    main()
