"""The size of a galaxy smaller than a pixel, from two dithered, undersampled exposures.

Usage:  python examples/dithered.py [--out DIR] [--quick] [--seed N]

Two exposures of one small galaxy are simulated with polychrome's own
renderer plus Gaussian noise (fixed seed): 0.1 arcsec pixels, a Gaussian PSF
of FWHM 0.12 arcsec (1.2 pixels: undersampled, Nyquist would need 2), and a
Sersic galaxy (n = 1) of half-light radius Re = 0.06 arcsec = 0.6 pixel. The
second exposure is dithered by half a pixel in x and in y: its ``origin``
(the plane position of the corner of pixel (0, 0), arcsec) is (0.05, 0.05)
instead of (0, 0). Each exposure is its own ``Target_Image`` on its own grid;
nothing is resampled or stacked.

The joint fit has one "sersic galaxy model" per exposure with every parameter
(center, q, PA, n, Re, Ie) shared by ``add_equality_constraint``: one galaxy
seen through two pixel grids. The script prints the recovered Re (arcsec and
pixels, 1-sigma) against the input, checks that it is within a few sigma of it
and that it is measurably smaller than one pixel, and fits each exposure
alone to show how much the joint fit tightens the uncertainty.

Why ``psf_upsample``: a model pixel is the integral over the pixel of the
profile convolved with the PSF. With the PSF given at the image's own pixel
scale, the renderer convolves the pixel-integrated profile with the
pixel-integrated PSF, which integrates over a pixel twice: the model is
blurred by one pixel box more than the sky was (its variance grows by
1/12 pixel^2), and the discrete convolution of two undersampled images aliases.
For a well-sampled PSF that is a small error; here the PSF's own variance is
only 0.26 pixel^2, so the surplus blur is a third of it. Given the PSF on a
grid k times finer (``Target_Image(..., psf=fine_psf, psf_upsample=k)``), the
profile is rendered, integrated and convolved on that finer grid and then
summed k x k back to the pixels, so the surplus blur is a box of 1/k pixel.
The data are simulated with k = 16 (close to the exact integral) and fitted
with k = 8. The script prints how far the true galaxy rendered with k = 1, 2,
4, 8 lies from the simulated sky (for k = 1 the brightest pixel is ~10 sigma
off) and refits with the PSF at the pixel scale (k = 1), which biases Re by
several sigma and drives n to its lower limit.

Writes ``exposures.png`` (each exposure's data, model and normalised
residuals) to ``--out`` (default ``examples/output/dithered``). ``main``
raises RuntimeError when a fit fails, Re is more than 5 sigma from its input,
or Re is not below one pixel at 3 sigma.
"""

import argparse
import math
import os
import time

import numpy as np

import polychrome as ap
from polychrome.utils.initialize import gaussian_psf

PIXELSCALE = 0.1  # arcsec / pixel
PSF_FWHM = 0.12  # arcsec (1.2 pixels)
DITHER = (0.05, 0.05)  # arcsec: half a pixel in x and y
ZEROPOINT = 26.0
NOISE = 4.0  # counts / pixel, sky-limited, same in both exposures
SIMULATION_UPSAMPLE = 16  # PSF grid of the simulated sky: 16 x finer than the pixels
FIT_UPSAMPLE = 8  # and of the fitted model
TOLERANCE_SIGMA = 5.0
# The galaxy (arcsec, radians, log10 counts/arcsec^2): ~1900 counts in all, Re = 0.6 pixel.
GALAXY = dict(q=0.7, PA=0.9, n=1.0, Re=0.06, Ie=4.8)


def make_target(data, origin, upsample):
    """An exposure with its PSF given ``upsample`` times finer than its pixels."""
    fine = PIXELSCALE / upsample
    width = 2 * int(math.ceil(3.0 * PSF_FWHM / fine)) + 1  # 3 FWHM in radius
    psf = gaussian_psf(PSF_FWHM / (2.0 * math.sqrt(2.0 * math.log(2.0))), width, fine)
    return ap.image.Target_Image(data=data, variance=np.full(data.shape, NOISE**2),
                                 pixelscale=PIXELSCALE, origin=origin, psf=psf, psf_upsample=upsample,
                                 zeropoint=ZEROPOINT)


def joint_model(targets, values=None):
    """One Sersic per exposure, every parameter shared (one galaxy); unset values stay None."""
    values = values or {}
    galaxies = []
    for k, target in enumerate(targets):
        galaxy = ap.models.AutoProf_Model(name=f"galaxy {k}", model_type="sersic galaxy model",
                                          target=target, **values)
        if galaxies:
            galaxy.add_equality_constraint(galaxies[0], ["center", "q", "PA", "n", "Re", "Ie"])
        galaxies.append(galaxy)
    return ap.models.AutoProf_Model(name="dithered", model_type="group model", models=galaxies,
                                    target=ap.image.Target_Image_List(targets))


def render_truth(size, origins, truth, upsample):
    """Noiseless images of the true galaxy on each exposure, PSF ``upsample`` times finer."""
    blank = [make_target(np.zeros((size, size)), origin, upsample) for origin in origins]
    return [m.data for m in joint_model(blank, truth).sample()]


def simulate(size, rng):
    """The two noisy exposures (data arrays), their origins and the true parameters."""
    truth = dict(GALAXY, center=np.array([size * PIXELSCALE / 2.0 + 0.013, size * PIXELSCALE / 2.0 - 0.021]))
    origins = [(0.0, 0.0), DITHER]
    images = render_truth(size, origins, truth, SIMULATION_UPSAMPLE)
    return [image + rng.normal(0.0, NOISE, image.shape) for image in images], origins, truth


def rendering_errors(size, origins, truth, upsamples):
    """{k: (largest |model - sky| / sigma over the pixels, sum of (model - sky)^2 / sigma^2)} for
    the true galaxy rendered with the PSF k times finer, against the simulated (noiseless) sky."""
    sky = render_truth(size, origins, truth, SIMULATION_UPSAMPLE)
    errors = {}
    for k in upsamples:
        delta = np.array(render_truth(size, origins, truth, k)) - np.array(sky)
        errors[k] = (float(np.abs(delta).max() / NOISE), float(np.sum(delta**2) / NOISE**2))
    return errors


def fit(model, max_iter=100, check=True):
    """initialize() then LM; returns the fit result (raises if it did not succeed and ``check``)."""
    model.initialize()
    result = ap.fit.LM(model, max_iter=max_iter).fit()
    if check and result.message != "success":
        raise RuntimeError(f"fit of {model.name!r} did not converge: {result.message}")
    return result


def re_of(model):
    """(Re, sigma) in arcsec of a (possibly grouped) Sersic model."""
    galaxy = next(iter(model.components()))
    return galaxy["Re"].value, galaxy["Re"].uncertainty


def plot_exposures(path, targets, model, center, half_width=0.8):
    """Data, joint model and residuals of each exposure, zoomed to +-half_width arcsec about center."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(11, 7), squeeze=False)
    for k, target in enumerate(targets):
        ap.plots.target_image(fig, axes[k, 0], target)
        x0, y0 = target.origin
        axes[k, 0].set_title(f"exposure {k} (origin {x0:.2f}, {y0:.2f}): data")
    ap.plots.model_image(fig, axes[:, 1], model, colorbar=False)
    ap.plots.residual_image(fig, axes[:, 2], model, targets)
    for k in range(len(targets)):
        axes[k, 1].set_title("joint model")
        axes[k, 2].set_title("(data - model) / sigma")
    for ax in axes.ravel():  # the pixel grids, offset by half a pixel, show best close up
        ax.set_xlim(center[0] - half_width, center[0] + half_width)
        ax.set_ylim(center[1] - half_width, center[1] + half_width)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("examples", "output", "dithered"),
                        help="folder for the PNG file")
    parser.add_argument("--quick", action="store_true", help="16 x 16 pixel exposures instead of 32 x 32")
    parser.add_argument("--seed", type=int, default=3, help="random seed of the noise")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    import matplotlib

    matplotlib.use("Agg")

    size = 16 if args.quick else 32  # pixels on a side
    rng = np.random.default_rng(args.seed)
    data, origins, truth = simulate(size, rng)
    re_true = truth["Re"]

    start = time.perf_counter()
    targets = [make_target(d, o, FIT_UPSAMPLE) for d, o in zip(data, origins)]
    joint = joint_model(targets)
    result = fit(joint)
    fit_seconds = time.perf_counter() - start
    re, re_sigma = re_of(joint)
    pull = (re - re_true) / re_sigma

    # Each exposure alone, on fresh targets (a target's models keep their own parameters).
    alone = []
    for k, (d, o) in enumerate(zip(data, origins)):
        model = ap.models.AutoProf_Model(name=f"alone {k}", model_type="sersic galaxy model",
                                         target=make_target(d, o, FIT_UPSAMPLE))
        fit(model)
        alone.append(re_of(model))

    # How far a model of the true galaxy is from the simulated sky for a few PSF grids, and
    # the same joint fit with the PSF at the pixel scale (psf_upsample = 1). That model is
    # wrong enough that n runs to its lower limit, which LM approaches slowly: allow more steps.
    errors = rendering_errors(size, origins, truth, (1, 2, 4, FIT_UPSAMPLE))
    coarse = joint_model([make_target(d, o, 1) for d, o in zip(data, origins)])
    coarse_result = fit(coarse, max_iter=300, check=False)
    re_coarse, sigma_coarse = re_of(coarse)

    px = 1.0 / PIXELSCALE  # pixels per arcsec
    galaxy = joint.models["galaxy 0"]
    print(f"two {size} x {size} exposures, {PIXELSCALE} arcsec pixels, PSF FWHM {PSF_FWHM}\" "
          f"({PSF_FWHM * px:.1f} px), dither {DITHER} arcsec; psf_upsample {FIT_UPSAMPLE}")
    print(f"joint fit: {result.message}, chi2/ndf = {result.chi2_ndf:.3f}, {result.iterations} iterations, "
          f"{fit_seconds:.2f} s")
    print(f"  Re = {re:.4f} +- {re_sigma:.4f} arcsec = {re * px:.3f} +- {re_sigma * px:.3f} px "
          f"(input {re_true} arcsec = {re_true * px:.2f} px), pull {pull:+.2f} sigma")
    print(f"  Re + 3 sigma = {(re + 3 * re_sigma) * px:.3f} px: smaller than one pixel")
    print(f"  n = {galaxy['n'].value:.2f} +- {galaxy['n'].uncertainty:.2f} (input {GALAXY['n']}), "
          f"q = {galaxy['q'].value:.3f} +- {galaxy['q'].uncertainty:.3f} (input {GALAXY['q']})")
    for k, (value, sigma) in enumerate(alone):
        print(f"exposure {k} alone: Re = {value * px:.3f} +- {sigma * px:.3f} px, pull "
              f"{(value - re_true) / sigma:+.2f}; joint sigma is {sigma / re_sigma:.2f} x smaller")
    print("the true galaxy rendered with the PSF k times finer than the pixels, against the simulated sky "
          f"(k = {SIMULATION_UPSAMPLE}):")
    for k, (largest, chi2) in errors.items():
        print(f"  k = {k}: largest pixel error {largest:.3f} sigma, "
              f"chi2 excess {chi2:.2f} over both exposures")
    print(f"joint fit with the PSF at the pixel scale (k = 1): {coarse_result.message}, "
          f"Re = {re_coarse * px:.3f} +- {sigma_coarse * px:.3f} px "
          f"(pull {(re_coarse - re_true) / sigma_coarse:+.2f}), "
          f"n = {coarse.models['galaxy 0']['n'].value:.2f}, chi2/ndf = {coarse_result.chi2_ndf:.3f}")

    png = os.path.join(args.out, "exposures.png")
    plot_exposures(png, targets, joint, galaxy["center"].value)
    print("wrote", png)

    results = dict(message=result.message, chi2_ndf=result.chi2_ndf, re_true=re_true, re=re,
                   re_sigma=re_sigma, pull=pull, tolerance_sigma=TOLERANCE_SIGMA,
                   re_pixels=re * px, re_sigma_pixels=re_sigma * px,
                   alone=[dict(re=v, re_sigma=s) for v, s in alone],
                   tightening=[s / re_sigma for _, s in alone],
                   rendering_errors=errors, re_psf_upsample_1=re_coarse, re_sigma_psf_upsample_1=sigma_coarse,
                   fit_seconds=fit_seconds, files=[png])
    if abs(pull) > TOLERANCE_SIGMA:
        raise RuntimeError(f"Re is {pull:+.1f} sigma from its input (allowed {TOLERANCE_SIGMA})")
    if (re + 3 * re_sigma) * px >= 1.0:
        raise RuntimeError(f"Re = {re * px:.3f} +- {re_sigma * px:.3f} px is not below one pixel at 3 sigma")
    return results


if __name__ == "__main__":
    main()
