"""The edge-on isothermal disk ('isothermal sech2 edgeon model'): pixels against brute-force scipy
quadrature of the formula (nested adaptive quad, split at the mid-plane), the core's K0/K1 against
scipy, every Jacobian column against central differences, disks far thinner and far thicker than
a pixel (fast and accurate), a fit of noisy PSF-convolved data recovering the truth within the
uncertainties, the AutoProf ModelZoo definition. (YAML and pickling round trips: test_model_file.py
and test_pickling.py; initialize() on blank data: test_initialize_models.py.)"""

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate, special

import polychrome as pc
from polychrome import _core
from polychrome.models import Model
from polychrome.utils.initialize import gaussian_psf

from model_helpers import finite_difference_jacobian

SCALE = 0.4  # arcsec per pixel
MODEL_TYPE = "isothermal sech2 edgeon model"


def brightness(v):
    """I(x, y) of the disk (flux/arcsec^2) at plane (x, y) arcsec, written from its definition."""
    c, s = math.cos(v["PA"]), math.sin(v["PA"])

    def at(x, y):
        dx, dy = x - v["center"][0], y - v["center"][1]
        xp, yp = c * dx + s * dy, -s * dx + c * dy
        radial = abs(xp) / v["rs"]
        radial = 1.0 if radial == 0 else radial * special.k1(radial)
        e = math.exp(-2.0 * abs(yp / v["hs"]))  # sech^2 t = 4 e^-2|t| / (1 + e^-2|t|)^2, no overflow
        return 10 ** v["I0"] * radial * 4.0 * e / (1.0 + e) ** 2
    return at


def pixel_integral(v, x0, x1, y0, y1, epsrel=1e-11):
    """The exact integral (flux) of the disk over the box [x0, x1] x [y0, y1] (arcsec): adaptive quad
    in y inside adaptive quad in x, each split where the mid-plane (y) or the minor axis (x) crosses."""
    f = brightness(v)
    c, s = math.cos(v["PA"]), math.sin(v["PA"])
    xc, yc = v["center"]

    def column(x):
        # the mid-plane -s (x - xc) + c (y - yc) = 0 crosses this column at y = yc + s (x - xc) / c
        points = [yc + s * (x - xc) / c] if abs(c) > 1e-12 else None
        points = [p for p in points if y0 < p < y1] if points else None
        return integrate.quad(lambda y: f(x, y), y0, y1, points=points or None, epsabs=0.0, epsrel=epsrel,
                              limit=200)[0]

    # the minor axis c (x - xc) + s (y - yc) = 0 crosses the box's x range somewhere in [x0, x1]
    return integrate.quad(column, x0, x1, epsabs=0.0, epsrel=epsrel, limit=200)[0]


def blank(shape=(30, 36), psf=None, scale=SCALE):
    return pc.image.TargetImage(np.zeros(shape), pixelscale=scale, psf=psf)


EDGEON = dict(center=[7.13, 5.87], PA=0.45, I0=0.3, hs=0.35, rs=1.6)
# pixels: the centre, along the major axis, across it, the far wings
PIXELS = [(14, 17), (15, 18), (14, 18), (16, 20), (10, 17), (18, 25), (3, 3), (29, 35), (14, 5)]


def render(values, shape=(30, 36), scale=SCALE, jacobian=False):
    target = blank(shape, scale=scale)
    model = Model(name="m", model_type=MODEL_TYPE, target=target, window=target.window, **values)
    return model.jacobian().data if jacobian else model.sample().data


def exact_pixels(values, pixels, scale=SCALE):
    return np.array([pixel_integral(values, j * scale, (j + 1) * scale, i * scale, (i + 1) * scale)
                     for i, j in pixels])


def test_bessel_k0_k1_match_scipy():
    x = np.concatenate([np.geomspace(1e-300, 1e-3, 20), np.geomspace(1e-3, 2.0, 200), np.geomspace(2.0, 700.0, 300)])
    got = np.array([_core.bessel_k0_k1(float(v)) for v in x])
    np.testing.assert_allclose(got[:, 0], special.k0(x), rtol=2e-13, atol=0)
    np.testing.assert_allclose(got[:, 1], special.k1(x), rtol=2e-13, atol=0)
    assert _core.bessel_k0_k1(800.0) == (0.0, 0.0)
    with pytest.raises(ValueError, match="positive"):
        _core.bessel_k0_k1(0.0)


def test_fast_bessel_k0_k1_match_scipy():
    """The vectorisable K0, K1 of the resolved disks' fast path (series to 2, Chebyshev beyond)."""
    x = np.concatenate([np.geomspace(1e-300, 1e-3, 20), np.geomspace(1e-3, 2.0, 200), np.geomspace(2.0, 700.0, 300)])
    got = np.array([_core.bessel_k0_k1_fast(float(v)) for v in x])
    np.testing.assert_allclose(got[:, 0], special.k0(x), rtol=2e-13, atol=0)
    np.testing.assert_allclose(got[:, 1], special.k1(x), rtol=2e-13, atol=0)
    np.testing.assert_array_equal(got[:, 2], got[:, 1])
    assert _core.bessel_k0_k1_fast(800.0) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="positive"):
        _core.bessel_k0_k1_fast(0.0)


# A disk resolved by the pixels (hs 3 px, rs 15 px): its pixels take the tensor Gauss fast path
# (edgeon_tensor.hpp) but the axis strip; measured within 3e-10 of scipy's integral
RESOLVED = dict(EDGEON, hs=1.2, rs=6.0)
RESOLVED_PIXELS = PIXELS + [(2, 30), (25, 4), (20, 10)]


# measured at the default tolerance (1e-5): every pixel within 2e-12 of scipy's integral
def test_pixels_match_brute_force_quadrature():
    image = render(EDGEON)
    np.testing.assert_allclose([image[p] for p in PIXELS], exact_pixels(EDGEON, PIXELS), rtol=1e-6, atol=0)


@pytest.mark.parametrize("values", [RESOLVED, dict(RESOLVED, PA=0.0), dict(RESOLVED, PA=2.3, hs=0.8, rs=0.7)])
def test_resolved_disk_pixels_match_brute_force_quadrature(values):
    image = render(values)
    exact = exact_pixels(values, RESOLVED_PIXELS)
    np.testing.assert_allclose([image[p] for p in RESOLVED_PIXELS], exact, rtol=1e-6, atol=0)


@pytest.mark.parametrize("values", [
    dict(center=[7.13, 5.87], PA=0.45, I0=3.0, hs=0.004, rs=1.6),   # hs = 0.01 pixel, at an angle
    dict(center=[7.13, 5.87], PA=0.0, I0=3.0, hs=0.004, rs=1.6),    # along the rows
    dict(center=[7.13, 5.87], PA=1.2, I0=0.3, hs=4000.0, rs=1.6),   # 10^4 pixels thick
    dict(center=[7.13, 5.87], PA=2.2, I0=0.3, hs=0.5, rs=0.004),    # 0.01 pixel long
])
def test_thin_and_thick_disks_match_brute_force_quadrature(values):
    """The sech^2 factor is integrated across each pixel exactly: a disk 100 times thinner than a
    pixel (or its radial factor 100 times shorter) renders as accurately as a resolved one."""
    pixels = [(14, 17), (14, 18), (15, 18), (13, 17), (16, 20), (12, 12), (10, 30)]
    image = render(values)
    exact = exact_pixels(values, pixels)
    got = np.array([image[p] for p in pixels])
    np.testing.assert_allclose(got, exact, rtol=1e-6, atol=1e-12 * np.abs(exact).max())


@pytest.mark.parametrize("tolerance, measured", [(1e-5, 3e-10), (1e-9, 6e-12)])
def test_resolved_disk_meets_the_tolerance_asked(tolerance, measured):
    """The fast path's 4x4 rule is kept only where the 3x3 agrees within the pixel's budget: at a
    tighter tolerance the pixels it cannot vouch for go to the exact path (errors measured: 2.5e-10
    at 1e-5, 5e-12 at 1e-9; asserted at twice that, within the tolerance)."""
    v = dict(center=[20.3, 15.7], PA=0.45, I0=0.0, hs=3.0, rs=15.0)  # 1 arcsec pixels
    pixels = [(15, 20), (16, 22), (10, 30), (25, 5), (5, 38), (30, 10), (15, 35)]
    exact = np.array([pixel_integral(v, j, j + 1, i, i + 1) for i, j in pixels])
    image = pc.render_profile("edgeon", [3.0, 15.0, 0.0], (32, 40), center=(20.3, 15.7), PA=0.45, tolerance=tolerance)
    np.testing.assert_allclose([image[p] for p in pixels], exact, rtol=min(tolerance, 2 * measured), atol=0)


@pytest.mark.parametrize("hs_pixels, rs_pixels", [(0.01, 5.0), (2e-6, 5.0), (2e6, 5.0), (2.0, 2e-6), (2e-6, 2e-6),
                                                  (2e6, 2e6)])
def test_extreme_disks_render_fast_with_their_flux(hs_pixels, rs_pixels):
    """256x256 pixels, image and Jacobian, for disks from the smallest to the largest hs and rs the
    model allows (1e-6 to 1e6 arcsec; 2e-6 to 2e6 pixels here): under a second each (measured, CPU
    time on one core: 0.01-0.05 s thin or short, up to 0.7 s covering every pixel), the flux on the image the analytic total where the image holds it all."""
    scale = 0.5
    values = dict(center=[64.13, 63.87], PA=0.61, hs=hs_pixels * scale, rs=rs_pixels * scale)
    values["I0"] = -math.log10(min(values["hs"], scale) * min(values["rs"], scale))  # ~1 per bright pixel
    target = blank((256, 256), scale=scale)
    model = Model(name="m", model_type=MODEL_TYPE, target=target, window=target.window, **values)
    start = time.perf_counter()
    with_jacobian, jacobian = model.sample_with_jacobian()
    image = model.sample().data
    elapsed = time.perf_counter() - start
    assert np.all(np.isfinite(image)) and np.all(np.isfinite(jacobian.data))
    np.testing.assert_allclose(with_jacobian.data, image, rtol=1e-12, atol=0)  # both passes refine alike
    assert elapsed < 5.0  # shared test machines
    if max(hs_pixels, rs_pixels) <= 5.0:  # all the light is on the image
        assert image.sum() == pytest.approx(model.total_flux(), rel=1e-6)


@pytest.mark.parametrize("hs_pixels, rs_pixels", [(1e-12, 3.0), (1e12, 3.0), (3.0, 1e-12), (1e-12, 1e-12)])
def test_core_renders_disks_at_its_size_limits(hs_pixels, rs_pixels):
    """The core's own limits (1e-12 to 1e12 pixels, beyond the model's): 256x256 with the Jacobian in
    bounded time, the flux exact where the image holds it."""
    values = [hs_pixels, rs_pixels, -math.log10(min(hs_pixels, 1.0) * min(rs_pixels, 1.0))]
    start = time.perf_counter()
    image, jacobian = pc.render_profile("edgeon", values, (256, 256), center=(128.3, 127.6), PA=0.61,
                                        jacobian=True)
    assert time.perf_counter() - start < 5.0
    assert np.all(np.isfinite(image)) and np.all(np.isfinite(jacobian))
    if max(hs_pixels, rs_pixels) <= 3.0:
        flux = 2 * math.pi * hs_pixels * rs_pixels * 10 ** values[2]
        assert image.sum() == pytest.approx(flux, rel=1e-6)


def test_edgeon_total_flux_and_symmetry():
    values = dict(center=[16.0, 16.0], PA=0.0, I0=0.0, hs=0.5, rs=1.0)
    image = render(values, shape=(80, 80))
    assert image.sum() == pytest.approx(2 * math.pi * 0.5 * 1.0, rel=1e-6)  # 4e-7 beyond 16 rs
    np.testing.assert_allclose(image, image[::-1, ::-1], rtol=1e-9, atol=1e-14)  # centred on a pixel corner


@pytest.mark.parametrize("values", [EDGEON, dict(EDGEON, PA=0.0), dict(EDGEON, hs=0.01, PA=1.1),
                                    dict(EDGEON, rs=0.05, PA=2.0), RESOLVED, dict(RESOLVED, PA=2.3)])
@pytest.mark.parametrize("psf", [False, True])
def test_jacobian_matches_central_differences(values, psf):
    target = blank((24, 28), gaussian_psf(0.5, 9, SCALE) if psf else None)
    model = Model(name="m", model_type=MODEL_TYPE, target=target, window=target.window, **values)
    jacobian = model.jacobian()
    step = min(1e-5, 1e-3 * values["hs"], 1e-3 * values["rs"])
    numeric = finite_difference_jacobian(model, step=step)[0]
    for k, name in enumerate(jacobian.names):
        scale = np.abs(numeric[k]).max()
        # central differences of PSF-convolved renders carry more rounding noise (measured 2e-5)
        np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=(1e-4 if psf else 1e-5) * scale, err_msg=name)


@pytest.mark.parametrize("name, value", [("hs", 1e-7), ("rs", 2e6)])
def test_sizes_beyond_the_model_limits_are_refused_naming_them(name, value):
    with pytest.raises(ValueError, match=rf"parameter '{name}': value .* outside its limits \[1e-06, 1000000.0\]"):
        render(dict(EDGEON, **{name: value}), shape=(8, 8))


@pytest.mark.parametrize("index, name", [(0, "hs"), (1, "rs")])
def test_sizes_beyond_the_core_limits_are_refused_naming_them(index, name):
    for value in (1e-13, 1e13):
        values = [2.0, 2.0, 0.0]
        values[index] = value
        with pytest.raises(ValueError, match=rf"{name} \(arcsec\) must be between 1e-12 and 1e\+12 pixels"):
            pc.render_profile("edgeon", values, (8, 8), center=(4.0, 4.0))


def simulated(truth, seed, shape=(48, 48), sigma=0.01):
    psf = gaussian_psf(0.4, 11, SCALE)
    clean = Model(name="truth", model_type=MODEL_TYPE, target=blank(shape, psf), **truth).sample().data
    data = clean + np.random.default_rng(seed).normal(0.0, sigma, shape)
    return pc.image.TargetImage(data, pixelscale=SCALE, variance=np.full(shape, sigma**2), psf=psf)


def test_fit_recovers_an_edgeon_disk():
    truth = dict(center=[9.63, 9.41], PA=0.5, I0=0.2, hs=0.4, rs=1.5)
    target = simulated(truth, 5)
    model = Model(name="fit", model_type=MODEL_TYPE, target=target).initialize()
    result = pc.fit.LM(model).fit()
    assert result.success, result.message
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.1)
    for name in ["center", "PA", "I0", "hs", "rs"]:
        value, error = np.asarray(model[name].value), np.asarray(model[name].uncertainty)
        assert np.all(np.abs((value - np.asarray(truth[name])) / error) < 4.0), (name, value, truth[name], error)


def test_edgeon_core_refuses_an_isophote_shape():
    with pytest.raises(ValueError, match="edgeon"):
        pc.render_profile("edgeon/superellipse", [1.0, 1.0, 0.0, 0.1], (4, 4), center=(2.0, 2.0))


def test_autoprof_zoo_definition_renders():
    """The ModelZoo tutorial's definition (AstroPhot 0.12 era parameters)."""
    target = pc.image.TargetImage(np.zeros((100, 100)), pixelscale=1.0)
    disk = Model(name="disk", model_type=MODEL_TYPE, target=target,
                 parameters={"center": [50, 50], "PA": 60 * np.pi / 180, "I0": 0.0, "hs": 3.0, "rs": 5.0})
    disk.initialize()
    image = disk.sample().data
    assert np.all(np.isfinite(image)) and image.sum() == pytest.approx(disk.total_flux(), rel=1e-3)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(hs=st.floats(-6.0, 6.0), rs=st.floats(-6.0, 6.0), I0=st.floats(-100.0, 100.0), PA=st.floats(0.0, math.pi),
       x=st.floats(-50.0, 80.0), y=st.floats(-50.0, 80.0), pixelscale=st.sampled_from([0.05, 1.0, 3.0]),
       psf=st.booleans())
def test_any_allowed_values_render_finite_fast_or_are_refused(hs, rs, I0, PA, x, y, pixelscale, psf):
    """hs and rs anywhere in [1e-6, 1e6] arcsec (log-uniform), any I0, PA and centre: the image and
    the Jacobian come back finite within a second on 24x20 pixels, or a ValueError says why."""
    target = blank((24, 20), gaussian_psf(1.2 * pixelscale, 7, pixelscale) if psf else None, scale=pixelscale)
    model = Model(name="m", model_type=MODEL_TYPE, target=target, center=[x, y], PA=PA, I0=I0, hs=10.0**hs,
                  rs=10.0**rs)
    start = time.perf_counter()
    try:
        image, jacobian = model.sample_with_jacobian()
    except ValueError as err:
        assert str(err)
        return
    assert time.perf_counter() - start < 2.0
    assert np.all(np.isfinite(image.data)) and np.all(np.isfinite(jacobian.data))
