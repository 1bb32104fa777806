"""A supernova light curve measured on its host galaxy: a joint fit over epochs.

Usage:  python examples/time_series.py [--out DIR] [--quick] [--seed N]

The images are simulated with polychrome's own renderer: a Sersic host galaxy
(the same every night) and a supernova (a point source at a fixed position,
its flux changing from night to night) on a flat sky, seen on several epochs.
Each epoch is its own ``Target_Image`` with its own seeing (Gaussian or
Moffat PSF of a different FWHM), its own pointing (``origin``: the images are
not aligned pixel for pixel), sky level and noise; Gaussian noise with a fixed
seed is added.

The fit has, per epoch, a Sersic host, a "point model" supernova and a
"flat sky model", all in one "group model" over the ``Target_Image_List``:

* every host parameter (center, q, PA, n, Re, Ie) is one quantity shared by
  all epochs (``add_equality_constraint``), because the galaxy does not change;
* the supernova's ``center`` is shared by all epochs, its ``flux`` (log10 of
  the total flux, counts) is free per epoch: that is the light curve;
* each epoch has its own sky level.

Fitting the epochs jointly lets the well-seen epochs pin down the host and the
supernova's position, so that each epoch only has to measure one number,
whatever its seeing. (Difference imaging would instead need the PSFs matched.)

Prints the recovered light curve (flux per epoch with its 1-sigma uncertainty,
counts) against the input, with the pull (recovered - input) / sigma, and
writes to ``--out`` (default ``examples/output/time_series``):

* ``epochs.png``: every epoch's data, model and normalised residuals;
* ``light_curve.png``: input and recovered fluxes (with 1-sigma error bars).

Units: positions and sizes in arcsec, PA in radians, fluxes in counts, sky
in counts/arcsec^2, days for the epochs. ``main`` raises RuntimeError if a
recovered flux lies more than 5 sigma from its input value, or if the fit
fails, so that a broken example does not pass silently.
"""

import argparse
import math
import os
import time

import numpy as np

import polychrome as ap
from polychrome.utils.initialize import gaussian_psf, moffat_psf

PIXELSCALE = 0.2  # arcsec / pixel
ZEROPOINT = 25.0  # mag = ZEROPOINT - 2.5 log10(counts)
TOLERANCE_SIGMA = 5.0  # largest |pull| accepted on any epoch

# The host galaxy (arcsec, radians, log10 counts/arcsec^2), relative to the field centre.
HOST = dict(offset=(0.0, 0.0), q=0.6, PA=0.6, n=1.5, Re=1.5, Ie=2.8)
# The supernova's position relative to the host centre (arcsec): on the disc, not the nucleus.
SN_OFFSET = (0.7, -0.45)

# One row per epoch: day, seeing FWHM (arcsec), PSF shape, pointing offset (arcsec),
# sky level (counts/arcsec^2), sky noise (counts/pixel), supernova flux (counts).
EPOCHS = [
    (0.0, 0.80, "gaussian", (0.00, 0.00), 50.0, 10.0, 2000.0),
    (4.0, 1.10, "moffat", (0.37, -0.22), 80.0, 12.0, 6000.0),
    (9.0, 0.65, "gaussian", (-0.51, 0.13), 40.0, 9.0, 9000.0),
    (15.0, 1.40, "moffat", (0.08, 0.44), 120.0, 14.0, 7000.0),
    (24.0, 0.95, "gaussian", (-0.29, -0.36), 60.0, 10.0, 4000.0),
    (38.0, 1.20, "moffat", (0.15, 0.27), 90.0, 12.0, 2000.0),
]
QUICK_EPOCHS = [EPOCHS[k] for k in (0, 2, 3)]
MOFFAT_INDEX = 3.0  # Moffat power n; its core radius Rd follows from the FWHM


def make_psf(kind, fwhm):
    """Pixel-integrated PSF of the given FWHM (arcsec) on a stamp 2.5 FWHM in radius.

    The stamp cuts off the outer ~2% of a Moffat's light; the truncated,
    renormalised PSF is the truth here (the same one simulates and fits), and
    a small stamp keeps the convolutions fast.
    """
    width = 2 * int(math.ceil(2.5 * fwhm / PIXELSCALE)) + 1
    if kind == "gaussian":
        return gaussian_psf(fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0))), width, PIXELSCALE)
    rd = fwhm / (2.0 * math.sqrt(2.0 ** (1.0 / MOFFAT_INDEX) - 1.0))  # FWHM = 2 Rd sqrt(2^(1/n) - 1)
    return moffat_psf(MOFFAT_INDEX, rd, width, PIXELSCALE)


def build_targets(epochs, size, data=None):
    """One Target_Image per epoch (zero data unless ``data`` is given), with its PSF and pointing."""
    targets = []
    for k, (_, fwhm, kind, pointing, _, noise, _) in enumerate(epochs):
        image = np.zeros((size, size)) if data is None else data[k]
        targets.append(ap.image.Target_Image(
            data=image, variance=np.full((size, size), noise**2), pixelscale=PIXELSCALE,
            origin=pointing, psf=make_psf(kind, fwhm), zeropoint=ZEROPOINT))
    return ap.image.Target_Image_List(targets)


def build_scene(targets, host=None, sn_center=None, sn_fluxes=None, skies=None):
    """Host + supernova + sky on every epoch, with the shared quantities constrained.

    Values left as None are unset (to be initialised); returns the group model.
    """
    host = host or {}
    models = []
    first_host = first_sn = None
    for k, target in enumerate(targets):
        galaxy = ap.models.AutoProf_Model(name=f"host {k}", model_type="sersic galaxy model",
                                          target=target, **host)
        sn = ap.models.AutoProf_Model(
            name=f"sn {k}", model_type="point model", target=target, center=sn_center,
            flux=None if sn_fluxes is None else math.log10(sn_fluxes[k]))
        sky = ap.models.AutoProf_Model(name=f"sky {k}", model_type="flat sky model", target=target,
                                       F=None if skies is None else skies[k])
        if first_host is None:
            first_host, first_sn = galaxy, sn
        else:
            # the galaxy is the same every night; the supernova does not move
            galaxy.add_equality_constraint(first_host, ["center", "q", "PA", "n", "Re", "Ie"])
            sn.add_equality_constraint(first_sn, ["center"])
        models += [galaxy, sn, sky]
    return ap.models.AutoProf_Model(name="time series", model_type="group model", models=models,
                                    target=targets)


def simulate(epochs, size, rng):
    """Noisy images of the true scene: the library's rendering plus Gaussian noise; and the truth."""
    field_center = np.array([size * PIXELSCALE / 2.0] * 2)
    host_center = field_center + HOST["offset"]
    truth = dict(host={k: v for k, v in HOST.items() if k != "offset"},
                 sn_center=host_center + SN_OFFSET,
                 sn_fluxes=np.array([e[6] for e in epochs]), skies=np.array([e[4] for e in epochs]))
    truth["host"]["center"] = host_center
    blank = build_targets(epochs, size)
    scene = build_scene(blank, truth["host"], truth["sn_center"], truth["sn_fluxes"], truth["skies"])
    images = [m.data for m in scene.sample()]
    data = [image + rng.normal(0.0, e[5], image.shape) for image, e in zip(images, epochs)]
    return build_targets(epochs, size, data), truth


def fit(targets, truth, verbose):
    """Build the scene from rough starts and fit it; returns (model, result)."""
    # Rough starts as catalogues would give them: the host's centre and the supernova's
    # position (each ~0.2 arcsec off), one flux for every epoch. At its peak the supernova
    # outshines the host's nucleus, so the centroid that initialize() would measure for the host
    # would land on the supernova. initialize() measures the rest from the data: each sky, and
    # the host's shape, profile and brightness on the epoch with the best S/N (the other epochs'
    # hosts then find every parameter already set: they are all shared).
    host_start = {"center": truth["host"]["center"] + np.array([-0.12, 0.16])}
    sn_start = truth["sn_center"] + np.array([0.15, -0.12])
    scene = build_scene(targets, host_start, sn_start, sn_fluxes=[1000.0] * len(targets))
    scene.initialize()
    result = ap.fit.LM(scene, verbose=verbose).fit()
    return scene, result


def light_curve(scene, count):
    """(flux, sigma) per epoch in counts, from the fitted log10 flux and its uncertainty."""
    log_flux = np.array([scene.models[f"sn {k}"]["flux"].value for k in range(count)])
    log_sigma = np.array([scene.models[f"sn {k}"]["flux"].uncertainty for k in range(count)])
    flux = 10**log_flux
    return flux, math.log(10.0) * flux * log_sigma  # linear error propagation


def plot_epochs(path, targets, scene, epochs):
    """Data, model and normalised residuals of every epoch (one column each)."""
    import matplotlib.pyplot as plt

    count = len(targets)
    fig, axes = plt.subplots(3, count, figsize=(3.0 * count, 8.4), squeeze=False)
    ap.plots.target_image(fig, axes[0], targets)
    ap.plots.model_image(fig, axes[1], scene, colorbar=False)
    ap.plots.residual_image(fig, axes[2], scene, targets, colorbar=False)
    for k, (day, fwhm, *_) in enumerate(epochs):
        axes[0, k].set_title(f"day {day:.0f}, FWHM {fwhm:.2f}\": data")
        axes[1, k].set_title("model")
        axes[2, k].set_title("(data - model) / sigma")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def plot_light_curve(path, days, true_flux, flux, sigma):
    """Input and recovered fluxes against time, and the pulls."""
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 5.5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    top.plot(days, true_flux, "s--", color="0.5", label="input")
    top.errorbar(days, flux, yerr=sigma, fmt="o", color="tab:red", capsize=3, label="recovered (1 sigma)")
    top.set_ylabel("supernova flux [counts]")
    top.legend()
    bottom.axhline(0.0, color="0.5", lw=1)
    bottom.errorbar(days, (flux - true_flux) / sigma, yerr=1.0, fmt="o", color="tab:red", capsize=3)
    bottom.set_ylabel("pull [sigma]")
    bottom.set_xlabel("time [days]")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("examples", "output", "time_series"),
                        help="folder for the PNG files")
    parser.add_argument("--quick", action="store_true", help="3 epochs of 40 x 40 pixels (a few seconds)")
    parser.add_argument("--seed", type=int, default=6, help="random seed of the noise")
    parser.add_argument("--verbose", type=int, default=0, help="fit.LM verbosity")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    import matplotlib

    matplotlib.use("Agg")

    epochs = QUICK_EPOCHS if args.quick else EPOCHS
    size = 40 if args.quick else 64  # pixels on a side
    rng = np.random.default_rng(args.seed)
    targets, truth = simulate(epochs, size, rng)

    start = time.perf_counter()
    scene, result = fit(targets, truth, args.verbose)
    fit_seconds = time.perf_counter() - start
    flux, sigma = light_curve(scene, len(epochs))
    pull = (flux - truth["sn_fluxes"]) / sigma

    host = scene.models["host 0"]
    print(f"{len(epochs)} epochs of {size} x {size} pixels ({PIXELSCALE} arcsec), "
          f"{len(result.x)} free parameters; fit: {result.message}, chi2/ndf = {result.chi2_ndf:.3f}, "
          f"{result.iterations} iterations, {fit_seconds:.2f} s")
    print(f"host Re = {host['Re'].value:.3f} +- {host['Re'].uncertainty:.3f} arcsec (input {HOST['Re']}), "
          f"n = {host['n'].value:.2f} +- {host['n'].uncertainty:.2f} (input {HOST['n']})")
    sn_center = scene.models["sn 0"]["center"]
    offset = (sn_center.value - truth["sn_center"]) * 1e3
    print(f"supernova position offset from input: ({offset[0]:+.1f}, {offset[1]:+.1f}) mas "
          f"+- ({sn_center.uncertainty[0] * 1e3:.1f}, {sn_center.uncertainty[1] * 1e3:.1f}) mas")
    print(f"{'epoch':>5} {'day':>5} {'FWHM':>5} {'input':>8} {'recovered':>9} {'sigma':>7} {'pull':>6}")
    for k, e in enumerate(epochs):
        print(f"{k:5d} {e[0]:5.0f} {e[1]:5.2f} {truth['sn_fluxes'][k]:8.0f} {flux[k]:9.1f} "
              f"{sigma[k]:7.1f} {pull[k]:+6.2f}")

    epochs_png = os.path.join(args.out, "epochs.png")
    light_curve_png = os.path.join(args.out, "light_curve.png")
    plot_epochs(epochs_png, targets, scene, epochs)
    plot_light_curve(light_curve_png, np.array([e[0] for e in epochs]), truth["sn_fluxes"], flux, sigma)
    print("wrote", epochs_png, "and", light_curve_png)

    results = dict(message=result.message, chi2_ndf=result.chi2_ndf, true_flux=truth["sn_fluxes"],
                   flux=flux, sigma=sigma, pull=pull, max_abs_pull=float(np.max(np.abs(pull))),
                   tolerance_sigma=TOLERANCE_SIGMA, fit_seconds=fit_seconds,
                   files=[epochs_png, light_curve_png])
    if result.message != "success":
        raise RuntimeError(f"the fit did not converge: {result.message}")
    if results["max_abs_pull"] > TOLERANCE_SIGMA:
        raise RuntimeError(f"a recovered flux is {results['max_abs_pull']:.1f} sigma from its input "
                           f"(allowed {TOLERANCE_SIGMA})")
    return results


if __name__ == "__main__":
    main()
