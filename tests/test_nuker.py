"""The Nuker galaxy model: fits of data simulated from the independent reference integrals (with and
without a PSF, convolved by numpy.fft) find the chi^2 minimum and the truth; total flux against
scipy's beta function; bad values refused with their range. (Pixels against the reference and the
Jacobian against finite differences: test_render_accuracy.py, test_models_types.py.)"""

import math

import numpy as np
import pytest
from reference_integrals import Profile, reference_image

import polychrome as pc
from polychrome.models import Model, NukerGalaxy

SCALE = 0.2  # arcsec per pixel
TRUTH = dict(center=[6.23, 5.87], q=0.65, PA=0.9, Rb=0.8, alpha=2.0, beta=3.6, gamma=0.6, Ib=0.3)


def reference_pixels(truth, shape, pad=0):
    """Exact pixel integrals (flux per pixel) of the truth on ``shape`` grown by ``pad`` pixels a side."""
    params = {name: truth[name] for name in ("Rb", "alpha", "beta", "gamma", "Ib")}
    ny, nx = shape
    center = (truth["center"][0] + pad * SCALE, truth["center"][1] + pad * SCALE)  # arcsec, on the grown grid
    return reference_image(Profile("nuker", params), (ny + 2 * pad, nx + 2 * pad), center, truth["q"],
                           truth["PA"], pixelscale=SCALE)


def gaussian_psf(sigma_pixels, half):
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    psf = np.exp(-(x**2 + y**2) / (2.0 * sigma_pixels**2))
    return psf / psf.sum()


def fft_convolve_valid(image, psf):
    """The 'valid' part of image (*) psf, by numpy.fft on a zero-padded grid."""
    sy, sx = image.shape[0] + psf.shape[0] - 1, image.shape[1] + psf.shape[1] - 1
    full = np.fft.irfft2(np.fft.rfft2(image, (sy, sx)) * np.fft.rfft2(psf, (sy, sx)), (sy, sx))
    hy, hx = psf.shape[0] - 1, psf.shape[1] - 1
    return full[hy:sy - hy, hx:sx - hx]


def check_fit(model, result, truth, data_target):
    """The fit's minimum is the minimum (a fit started at the truth ends at the same chi^2), the truth
    is a statistically plausible point of it, the well-determined quantities (geometry, the
    profile's brightness where the data measure it) agree. The Nuker's own parameters are strongly
    correlated and their posterior far from Gaussian (alpha trades against beta and Rb), so their
    pulls are not asked to be normal."""
    assert result.success, result.message
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.08)
    from_truth = Model(name="from truth", model_type="nuker galaxy model", target=data_target, **truth)
    again = pc.fit.LM(from_truth).fit()
    # within chi^2 + 0.25 of it: less than half a sigma from it in any direction (the curved, degenerate
    # valley of the Nuker's slopes lets LM stall a little short, as it stalls for a Sersic at n ~ 8)
    assert result.chi2 <= again.chi2 + 0.25 and again.chi2 <= result.chi2 + 0.25
    at_truth = Model(name="truth", model_type="nuker galaxy model", target=data_target, **truth)
    residual = (data_target.data - at_truth.sample().data) / np.sqrt(data_target.variance)
    excess = float(np.sum(residual**2)) - result.chi2
    assert 0.0 <= excess < 28.0  # chi^2 with 8 + 2 parameters: 28 at p = 0.001
    for name in ("center", "q", "PA"):
        pull = (np.atleast_1d(model[name].value) - np.atleast_1d(truth[name])) / np.atleast_1d(model[name].uncertainty)
        assert np.all(np.abs(pull) < 4.0), (name, pull)
    radii = np.array([0.2, 0.5, 1.0])  # arcsec along the major axis
    fitted = NukerGalaxy._log_shape(radii, *(model[n].value for n in ("Rb", "alpha", "beta", "gamma"))) + model["Ib"].value
    true = NukerGalaxy._log_shape(radii, *(truth[n] for n in ("Rb", "alpha", "beta", "gamma"))) + truth["Ib"]
    np.testing.assert_allclose(10**fitted, 10**true, rtol=0.1)


@pytest.mark.parametrize("seed", [1, 2])
def test_fit_finds_the_minimum_and_the_truth_without_psf(seed):
    shape, sigma = (60, 60), 0.02
    clean = reference_pixels(TRUTH, shape)
    data = clean + np.random.default_rng(seed).normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, pixelscale=SCALE, variance=np.full(shape, sigma**2))
    model = Model(name="nuker", model_type="nuker galaxy model", target=target).initialize()
    check_fit(model, pc.fit.LM(model).fit(), TRUTH, target)


def test_fit_finds_the_minimum_and_the_truth_through_a_psf():
    shape, sigma, half = (60, 60), 0.01, 8
    psf = gaussian_psf(1.5, half)
    clean = fft_convolve_valid(reference_pixels(TRUTH, shape, pad=half), psf)
    data = clean + np.random.default_rng(5).normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, pixelscale=SCALE, variance=np.full(shape, sigma**2), psf=psf)
    model = Model(name="nuker", model_type="nuker galaxy model", target=target).initialize()
    assert model.psf_mode == "full"
    check_fit(model, pc.fit.LM(model).fit(), TRUTH, target)


def test_total_flux_is_scipys_beta_function():
    model = Model(name="n", model_type="nuker galaxy model", target=pc.image.TargetImage(np.zeros((8, 8))), **TRUTH)
    reference = Profile("nuker", {k: TRUTH[k] for k in ("Rb", "alpha", "beta", "gamma", "Ib")})
    assert model.total_flux() == pytest.approx(reference.total_flux(TRUTH["q"]), rel=1e-12)
    shallow = Model(name="s", model_type="nuker galaxy model", target=pc.image.TargetImage(np.zeros((8, 8))),
                    **dict(TRUTH, beta=1.8))
    assert math.isinf(shallow.total_flux())


@pytest.mark.parametrize("name, value, match", [
    ("gamma", 2.0, r"gamma must be in \[0(\.0+)?, 1\.9"),
    ("alpha", 0.0, r"alpha must be in \[0\.1"),
    ("beta", -1.0, r"beta must be in \[0(\.0+)?, 10"),
    ("Rb", 0.0, r"Rb must be positive"),
])
def test_the_core_refuses_values_outside_the_profile_range(name, value, match):
    params = {k: TRUTH[k] for k in ("Rb", "alpha", "beta", "gamma", "Ib")}
    params[name] = value
    with pytest.raises(ValueError, match=match):
        pc.render_profile("nuker", params, (8, 8), center=(4.0, 4.0))


def test_model_limits_keep_values_in_range():
    with pytest.raises(ValueError, match="gamma"):
        Model(name="n", model_type="nuker galaxy model", **dict(TRUTH, gamma=2.5))
