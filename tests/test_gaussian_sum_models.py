"""The multi-Gaussian expansion and the Gaussian ellipsoid: pixels against brute-force quadrature
of each formula (scipy's dblquad; tensor Gauss-Legendre in the pixel and along the line of sight for
the ellipsoid's 3-D Gaussian), every Jacobian
column against central differences, and fits of simulated noisy data (with a PSF) recovering the
truth within the uncertainties. (YAML and pickling round trips: test_model_file.py and
test_pickling.py; starts on blank data: test_initialize_models.py.)"""

import math

import numpy as np
import pytest
from scipy import integrate

import polychrome as pc
from polychrome.models import Model
from polychrome.utils.initialize import gaussian_psf

from model_helpers import finite_difference_jacobian

SCALE = 0.4  # arcsec per pixel


def pixel_integrals(brightness, target, pixels, epsrel=1e-10):
    """The exact integrals (flux) of ``brightness(x, y)`` (flux/arcsec^2, plane arcsec) over the given
    (row, column) pixels of ``target`` (square pixels, no rotation), by scipy's adaptive dblquad."""
    x0, y0 = target.origin
    values = []
    for i, j in pixels:
        values.append(integrate.dblquad(lambda y, x: brightness(x, y), x0 + j * SCALE, x0 + (j + 1) * SCALE,
                                        y0 + i * SCALE, y0 + (i + 1) * SCALE, epsabs=0.0, epsrel=epsrel)[0])
    return np.array(values)


def rotated(x, y, center, PA):
    dx, dy = x - center[0], y - center[1]
    return math.cos(PA) * dx + math.sin(PA) * dy, -math.sin(PA) * dx + math.cos(PA) * dy


def mge_brightness(v):
    def brightness(x, y):
        total = 0.0
        for q, PA, sigma, flux in zip(v["q"], v["PA"], v["sigma"], v["flux"]):
            xp, yp = rotated(x, y, v["center"], PA)
            total += 10 ** flux / (2 * math.pi * q * sigma**2) * math.exp(-0.5 * (xp**2 + (yp / q) ** 2) / sigma**2)
        return total
    return brightness


def ellipsoid_density(v):
    """The 3-D Gaussian (flux/arcsec^3) of the ellipsoid at sky (x, y) and depth z, written from its
    definition: axes (a, b, c) turned by Rz(alpha) Rx(beta) Rz(gamma)."""
    def rz(t):
        return np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])

    def rx(t):
        return np.array([[1, 0, 0], [0, math.cos(t), -math.sin(t)], [0, math.sin(t), math.cos(t)]])

    R = rz(v["alpha"]) @ rx(v["beta"]) @ rz(v["gamma"])
    sigmas = np.array([v["sigma_a"], v["sigma_b"], v["sigma_c"]])
    norm = 10 ** v["flux"] / ((2 * math.pi) ** 1.5 * np.prod(sigmas))

    def density(x, y, z):  # arrays broadcast together
        offsets = np.stack(np.broadcast_arrays(x - v["center"][0], y - v["center"][1], z), axis=-1)
        body = offsets @ R  # R.T @ offset at each point
        return norm * np.exp(-0.5 * np.sum((body / sigmas) ** 2, axis=-1))
    return density


def column_pixel_integrals(density, target, pixels, reach, nodes=20, depth_nodes=160):
    """The integrals (flux) over the given (row, column) pixels of ``target`` (square pixels, no
    rotation) of ``density(x, y, z)`` integrated along the line of sight z: tensor Gauss-Legendre,
    nodes x nodes over each pixel by depth_nodes over z in [-reach, reach] (the density a smooth
    Gaussian there, 0 to rounding beyond). With 20 x 20 x 160 nodes over +-12 of the largest sigma
    the pixels of the test below agree with scipy's adaptive dblquad of quad (epsrel 1e-8 and 1e-12)
    to 1e-14, and with 48 x 48 x 400 nodes to 3e-14."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    t, w = 0.5 * (x + 1.0), 0.5 * w
    z, wz = np.polynomial.legendre.leggauss(depth_nodes)
    z, wz = reach * z, reach * wz
    x0, y0 = target.origin
    values = []
    for i, j in pixels:
        X = x0 + (j + t[:, None, None]) * SCALE
        Y = y0 + (i + t[None, :, None]) * SCALE
        values.append(SCALE**2 * np.einsum("abc,a,b,c->", density(X, Y, z[None, None, :]), w, w, wz))
    return np.array(values)


def blank(shape=(30, 36), psf=None):
    return pc.image.TargetImage(np.zeros(shape), pixelscale=SCALE, psf=psf)


MGE = dict(center=[7.13, 5.87], q=[0.8, 0.45, 0.6], PA=[0.3, 0.5, 2.0], sigma=[0.3, 1.0, 2.2], flux=[1.0, 1.5, 1.2])
ELLIPSOID = dict(center=[7.13, 5.87], sigma_a=1.6, sigma_b=1.1, sigma_c=0.5, alpha=0.7, beta=1.0, gamma=0.4,
                 flux=1.5)
# pixels: the centre, along the major axis, across it, the far wings
PIXELS = [(14, 17), (15, 18), (14, 18), (16, 20), (10, 17), (18, 25), (3, 3), (29, 35), (14, 5)]


# measured (default tolerance 1e-5): MGE within 5e-6 above 1e-8
# of the peak (the faint floor: 1e-9 of the peak pixel, absolute, below)
@pytest.mark.parametrize("model_type, values, brightness, rtol", [
    ("mge model", MGE, mge_brightness, 1e-5),
])
def test_pixels_match_brute_force_quadrature(model_type, values, brightness, rtol):
    target = blank()
    image = Model(name="m", model_type=model_type, target=target, window=target.window, **values).sample().data
    exact = pixel_integrals(brightness(values), target, PIXELS)
    got = np.array([image[p] for p in PIXELS])
    np.testing.assert_allclose(got, exact, rtol=rtol, atol=1e-9 * np.max(exact))


def test_ellipsoid_pixels_match_the_line_of_sight_integral_of_the_3d_gaussian():
    target = blank()
    model = Model(name="e", model_type="gaussianellipsoid model", target=target, window=target.window, **ELLIPSOID)
    image = model.sample().data
    density = ellipsoid_density(ELLIPSOID)  # the 3-D Gaussian, integrated along the line of sight
    pixels = PIXELS[:5]
    reach = 12.0 * max(ELLIPSOID["sigma_a"], ELLIPSOID["sigma_b"], ELLIPSOID["sigma_c"])
    exact = column_pixel_integrals(density, target, pixels, reach)
    np.testing.assert_allclose([image[p] for p in pixels], exact, rtol=2e-5)
    assert image.sum() == pytest.approx(10 ** ELLIPSOID["flux"], rel=1e-4)


@pytest.mark.parametrize("model_type, values", [
    ("mge model", MGE),
    ("mge model", dict(MGE, PA=0.5)),  # one PA shared by the components
    ("gaussianellipsoid model", ELLIPSOID),
])
@pytest.mark.parametrize("psf", [False, True])
def test_jacobian_matches_central_differences(model_type, values, psf):
    target = blank((24, 28), gaussian_psf(0.5, 9, SCALE) if psf else None)
    model = Model(name="m", model_type=model_type, target=target, window=target.window, **values)
    jacobian = model.jacobian()
    numeric = finite_difference_jacobian(model, step=1e-5)[0]
    overall = np.abs(numeric).max()
    for k, name in enumerate(jacobian.names):
        # a column that is ~0 (a round projection's angle) is compared on the Jacobian's scale
        scale = max(np.abs(numeric[k]).max(), 1e-3 * overall)
        np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=1e-4 * scale, err_msg=name)


def test_round_ellipsoid_projection_has_finite_exact_derivatives():
    """A face-on disk projects to a circle (the ellipse's angle undefined): turning it (alpha, gamma)
    changes nothing, and the other columns match central differences (each side of the point
    projects to a true ellipse)."""
    target = blank((24, 28), gaussian_psf(0.5, 9, SCALE))
    model = Model(name="m", model_type="gaussianellipsoid model", target=target, window=target.window,
                  **dict(ELLIPSOID, sigma_b=ELLIPSOID["sigma_a"], beta=0.0))
    assert model.projected_ellipse()[1] == pytest.approx(1.0, abs=1e-9)
    jacobian = model.jacobian()
    numeric = finite_difference_jacobian(model, step=1e-5)[0]
    overall = np.abs(numeric).max()
    for k, name in enumerate(jacobian.names):
        assert np.all(np.isfinite(jacobian.data[k])), name
        if name in ("m:alpha", "m:gamma"):
            assert np.abs(jacobian.data[k]).max() < 1e-6 * overall, name
        else:
            scale = max(np.abs(numeric[k]).max(), 1e-3 * overall)  # d/dbeta is 0 face-on
            np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=1e-4 * scale, err_msg=name)


def simulated(model_type, truth, seed, shape=(48, 48), sigma=0.01):
    psf = gaussian_psf(0.4, 11, SCALE)
    clean = Model(name="truth", model_type=model_type, target=blank(shape, psf), **truth).sample().data
    data = clean + np.random.default_rng(seed).normal(0.0, sigma, shape)
    return pc.image.TargetImage(data, pixelscale=SCALE, variance=np.full(shape, sigma**2), psf=psf)


def assert_recovered(model, truth, names):
    for name in names:
        value, error = np.asarray(model[name].value), np.asarray(model[name].uncertainty)
        pull = (value - np.asarray(truth[name])) / error
        assert np.all(np.abs(pull) < 4.0), (name, value, truth[name], error)


def test_fit_recovers_a_multi_gaussian_expansion():
    truth = dict(center=[9.63, 9.41], q=[0.7, 0.5], PA=[0.4, 0.6], sigma=[0.5, 1.6], flux=[1.2, 1.6])
    target = simulated("mge model", truth, 6)
    model = Model(name="fit", model_type="mge model", target=target, n_components=2).initialize()
    result = pc.fit.LM(model).fit()
    assert result.success, result.message
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.1)
    order = np.argsort(model["sigma"].value)  # the components may come out in any order
    for name in ("q", "PA", "sigma", "flux"):
        model[name].value = np.asarray(model[name].value)[order]
        model[name].uncertainty = np.asarray(model[name].uncertainty)[order]
    assert_recovered(model, truth, ["center", "q", "PA", "sigma", "flux"])


def test_fit_recovers_a_gaussian_ellipsoid():
    """An inclined thick disk (sigma_b linked to sigma_a, the spin gamma and the thickness locked:
    the model is otherwise degenerate)."""
    truth = dict(center=[9.63, 9.41], sigma_a=1.5, sigma_b=1.5, sigma_c=0.3, alpha=0.7, beta=1.1, gamma=0.0,
                 flux=1.8)
    target = simulated("gaussianellipsoid model", truth, 7)
    model = Model(name="fit", model_type="gaussianellipsoid model", target=target,
                  sigma_c={"value": 0.3, "locked": True}, gamma={"value": 0.0, "locked": True}).initialize()
    model["sigma_b"].link_to(model["sigma_a"])
    result = pc.fit.LM(model).fit()
    assert result.success, result.message
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.1)
    # beta and pi - beta, alpha and alpha + pi project alike
    beta = model["beta"].value % math.pi
    model["beta"].value = min(beta, math.pi - beta)
    model["alpha"].value = model["alpha"].value % math.pi
    assert_recovered(model, truth, ["center", "sigma_a", "alpha", "beta", "flux"])


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_components=0), r"n_components must be an integer in \[1, 100\]"),
    (dict(n_components=2.5), "n_components"),
    (dict(q=[0.5, 0.6], sigma=[1.0, 2.0, 3.0]), r"parameter 'q' must be shape \(3,\)"),
])
def test_mge_options_and_shapes_are_checked(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Model(name="m", model_type="mge model", target=blank(), **kwargs)


def test_mge_defaults_to_three_components_or_the_given_size():
    assert Model(name="m", model_type="mge model").n_components == 3
    assert Model(name="m", model_type="mge model", sigma=[1.0, 2.0]).n_components == 2
    assert Model(name="m", model_type="mge model", flux={"value": [1.0] * 4}).n_components == 4


def test_a_too_flat_ellipsoid_projection_is_refused_clearly():
    model = Model(name="e", model_type="gaussianellipsoid model", target=blank(), center=[5, 5], sigma_a=2.0,
                  sigma_b=2.0, sigma_c=0.01, alpha=0.0, beta=math.pi / 2, gamma=0.0, flux=1.0)
    with pytest.raises(ValueError, match="projects to an axis ratio"):
        model.sample()


def test_autoprof_zoo_definitions_render():
    """The ModelZoo tutorial's MGE definition (AstroPhot 0.16: one PA shared by the components)."""
    target = pc.image.TargetImage(np.zeros((100, 100)), pixelscale=1.0)
    mge = Model(name="mge", model_type="mge model", target=target,
                parameters={"center": [50, 50], "q": [0.9, 0.8, 0.6, 0.5], "PA": 30 * np.pi / 180,
                            "sigma": [4.0, 8.0, 16.0, 32.0], "flux": np.ones(4) / 4})
    mge.initialize()
    assert mge.n_components == 4 and np.ndim(mge["PA"].value) == 0
    image = mge.sample().data
    # the 32" component reaches beyond the 100" image: most, not all, of the light is on it
    assert np.all(np.isfinite(image)) and 0.5 * mge.total_flux() < image.sum() < mge.total_flux()
