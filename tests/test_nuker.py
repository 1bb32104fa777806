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
    ("gamma", 2.0, r"gamma must be in \[-2(\.0+)?, 1\.9"),
    ("gamma", -2.5, r"gamma must be in \[-2(\.0+)?, 1\.9"),
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


# --- a negative inner slope (a central hole, as AutoProf allows): I = 0 at the centre -------------

HOLES = [  # (Rb, alpha, beta, gamma): AutoProf's zoo values, a deeper hole, the deepest allowed
    (2.0, 4.0, 3.0, -0.2),
    (1.5, 2.0, 3.5, -1.0),
    (1.0, 1.0, 4.0, -2.0),
]


@pytest.mark.parametrize("Rb, alpha, beta, gamma", HOLES)
def test_a_central_hole_renders_to_the_stated_accuracy(Rb, alpha, beta, gamma):
    """Every pixel brighter than 1e-4 of the brightest within 2e-5 of the exact pixel integrals
    (reference_integrals: polar quadrature of scipy's incomplete-beta enclosed light near the centre),
    the centre pixel included, with the centre anywhere in its pixel, on its edge and on its corner."""
    params = dict(Rb=Rb, alpha=alpha, beta=beta, gamma=gamma, Ib=0.0)
    rng = np.random.default_rng(int(-10 * gamma))
    centers = [(16 + rng.uniform(-0.5, 0.5), 16 + rng.uniform(-0.5, 0.5)), (16.0, 16.3), (16.0, 16.0)]
    for q, center in zip([0.3, 0.7, 1.0], centers):
        pa = rng.uniform(0, np.pi)
        ref = reference_image(Profile("nuker", params), (32, 32), center, q, pa)
        img = pc.render_profile("nuker", params, (32, 32), center=center, q=q, PA=pa)
        bright = ref > 1e-4 * ref.max()
        assert np.max(np.abs(img[bright] / ref[bright] - 1.0)) < 2e-5, (q, center)
        j, i = int(center[0]), int(center[1])  # the pixel holding the centre (I = 0 at its centre)
        assert img[i, j] > 0.0
        assert img[i, j] == pytest.approx(ref[i, j], rel=2e-5)


def test_a_hole_with_a_flat_outside_renders_its_pixels_exactly():
    """beta = 0 (I rises to the limit 10**Ib 2^(-gamma/alpha) and stays there; no finite peak): pixels
    against scipy's adaptive dblquad of the formula (the reference's enclosed light needs beta > 2)."""
    from scipy.integrate import dblquad

    Rb, alpha, beta, gamma = 1.0, 2.0, 0.0, -0.5
    amplitude = 2.0 ** ((beta - gamma) / alpha)

    def surface_brightness(y, x):
        r = np.hypot(x - 5.3, y - 5.6) / Rb
        return amplitude * r**-gamma * (1.0 + r**alpha) ** ((gamma - beta) / alpha)

    img = pc.render_profile("nuker", dict(Rb=Rb, alpha=alpha, beta=beta, gamma=gamma, Ib=0.0), (10, 10),
                            center=(5.3, 5.6), q=1.0, PA=0.0)
    for i, j in [(5, 5), (5, 6), (4, 5), (0, 0), (9, 2)]:
        exact = dblquad(surface_brightness, j, j + 1, i, i + 1, epsabs=1e-13, epsrel=1e-11)[0]
        assert img[i, j] == pytest.approx(exact, rel=2e-5), (i, j)


@pytest.mark.parametrize("psf", [None, "gaussian"])
@pytest.mark.parametrize("center", [(16.3, 15.6), (16.0, 15.5)])  # inside a pixel; on a pixel edge
@pytest.mark.parametrize("gamma", [-0.2, -1.2])
def test_jacobian_of_a_central_hole_matches_central_differences(gamma, center, psf):
    """The core's analytic Jacobian (x, y, q, PA, Rb, alpha, beta, gamma, Ib) against central
    differences of its renders, both at tolerance 1e-10 (so that the adaptive integration's
    choices do not move the differences), the centre pixel included. With the centre on a pixel
    edge, I ~ r^-gamma makes the flux's third derivative in x singular there: the differences'
    truncation error is ~1e-5 of the largest derivative at step 1e-5 (and smaller steps meet the
    renderer's rounding), hence the tolerance."""
    kernel = gaussian_psf(1.2, 5) if psf else None
    names = ("Rb", "alpha", "beta", "gamma", "Ib")
    start = dict(x=center[0], y=center[1], q=0.6, PA=0.4, Rb=3.0, alpha=2.0, beta=3.5, gamma=gamma, Ib=0.0)

    def render(values, jacobian=False):
        return pc.render_profile("nuker", {n: values[n] for n in names}, (32, 32), center=(values["x"], values["y"]),
                                 q=values["q"], PA=values["PA"], psf=kernel, tolerance=1e-10, jacobian=jacobian)

    _, analytic = render(start, jacobian=True)
    for k, name in enumerate(start):
        h = 1e-5
        numeric = (render(dict(start, **{name: start[name] + h})) - render(dict(start, **{name: start[name] - h}))) / (2 * h)
        scale = np.abs(numeric).max()
        np.testing.assert_allclose(analytic[k], numeric, atol=2e-5 * scale, err_msg=name)


def test_total_flux_of_a_central_hole_is_scipys_beta_function():
    values = dict(TRUTH, gamma=-0.7)
    model = Model(name="n", model_type="nuker galaxy model", target=pc.image.TargetImage(np.zeros((8, 8))), **values)
    reference = Profile("nuker", {k: values[k] for k in ("Rb", "alpha", "beta", "gamma", "Ib")})
    assert model.total_flux() == pytest.approx(reference.total_flux(values["q"]), rel=1e-12)


def test_fit_of_a_central_hole_finds_the_truth():
    truth = dict(TRUTH, gamma=-0.5)
    shape, sigma = (60, 60), 0.02
    data = reference_pixels(truth, shape) + np.random.default_rng(3).normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, pixelscale=SCALE, variance=np.full(shape, sigma**2))
    model = Model(name="nuker", model_type="nuker galaxy model", target=target, gamma=-0.1).initialize()
    check_fit(model, pc.fit.LM(model).fit(), truth, target)
