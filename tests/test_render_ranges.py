"""The renderer's accepted ranges: every value inside renders finite and accurate,
every value outside is refused naming the parameter, its units and its range."""

import math
import re

import numpy as np
import pytest

import polychrome as pc
from polychrome.models import Model
from polychrome.models.parameter_spec import LOG10_BRIGHTNESS_LIMITS, MIN_AXIS_RATIO, SIZE_LIMITS
from reference_integrals import Profile, reference_image

RANGES = pc._core.render_ranges()
SERSIC = dict(n=2.0, Re=3.0, Ie=0.0)


def _render(params=SERSIC, profile="sersic", shape=(15, 15), **kw):
    kw.setdefault("center", (7.3, 7.6))
    return pc.render_profile(profile, params, shape, jacobian=True, **kw)


@pytest.mark.parametrize("profile, params, kw, match", [
    # the values of issue 10 that rendered NaN or inf
    ("sersic", SERSIC, dict(q=1e-80), r"q must be in \[0.03, 1\] \(axis ratio b/a\)"),
    ("sersic", dict(n=2, Re=5e-324, Ie=0), {}, r"Re \(arcsec\) must be between 1e-12 and 1e\+12 pixels"),
    ("sersic", dict(n=2, Re=1e300, Ie=0), {}, r"Re \(arcsec\) must be between"),
    ("sersic", dict(n=2, Re=3, Ie=307), {}, r"Ie \(log10 of the surface brightness, flux/arcsec\^2\) gives a peak"),
    ("sersic", dict(n=2, Re=3, Ie=500), {}, r"is Ie a log10\?"),
    ("sersic", SERSIC, dict(center=(1e155, 0.0)), r"center \(arcsec\) is 1e\+155 pixels from the image"),
    ("sersic", SERSIC, dict(center=(1e12, 0.0)), r"must lie within 1e\+09 pixels"),
    ("gaussian", dict(sigma=1e-200, I0=0), {}, r"sigma \(arcsec\) must be between"),
    ("gaussian", dict(sigma=1.0, I0=-400), {}, r"I0 \(log10"),
    ("moffat", dict(n=2, Rd=1e-200, I0=0), {}, r"Rd \(arcsec\) must be between"),
    ("spline", {"I(R)": [300.0, 1.0]}, dict(knots=[0.0, 1.0]), r"I\(R\) \(log10"),
    # a pixel grid whose pixels are 1:100 slivers makes any ellipse too flat for the sampling
    ("sersic", SERSIC, dict(pixelscale=[[1.0, 0.0], [0.0, 0.01]]), r"axis ratio 0.01 in pixels"),
    ("sersic", SERSIC, dict(pixelscale=1e-40), r"pixelscale: the pixel size"),
])
def test_out_of_range_values_are_refused(profile, params, kw, match):
    with pytest.raises(ValueError, match=match):
        _render(params, profile, **kw)


def test_ranges_are_scale_free():
    """Sizes are bounded in pixels: the same Re is fine or refused depending on the pixel scale."""
    _render(dict(n=2, Re=1e-9, Ie=0), pixelscale=1e-3)
    with pytest.raises(ValueError, match=r"\(1e-08 to 1e\+16 arcsec at this pixel scale\), got 1e-09"):
        _render(dict(n=2, Re=1e-9, Ie=0), pixelscale=1e4, center=(7.3e4, 7.6e4))


@pytest.mark.parametrize("n", [0.5, 1.0, 4.0])
@pytest.mark.parametrize("q", [1.0, 0.3, MIN_AXIS_RATIO])
@pytest.mark.parametrize("size", [1e-4, 1e-8, RANGES["min_size_pixels"]])
def test_tiny_sizes_are_point_sources_with_the_right_flux(n, q, size):
    """A Re far below a pixel: finite, and the image holds the exact pixel integrals (the flux
    lands in the centre pixel, integrated exactly)."""
    params = dict(n=n, Re=size, Ie=-2 * math.log10(size))  # total flux of order 1
    center, pa, shape = (10.3, 10.6), 0.6, (21, 21)
    image, jac = pc.render_profile("sersic", params, shape, center=center, q=q, PA=pa, jacobian=True)
    assert np.all(np.isfinite(image)) and np.all(np.isfinite(jac))
    reference = reference_image(Profile("sersic", params), shape, center, q, pa, polar_radius=1e9)
    assert image.sum() == pytest.approx(reference.sum(), rel=1e-6)
    assert image.sum() == pytest.approx(Profile("sersic", params).total_flux(q), rel=1e-6)


@pytest.mark.parametrize("n", [0.5, 1.0, 4.0, 6.0])
@pytest.mark.parametrize("size", [0.5, 2.0, 10.0])
def test_smallest_axis_ratio_meets_the_stated_accuracy(n, size):
    """At q = 0.03 every pixel above 1e-4 of the peak is within 1e-4 of the exact integral (the
    default tolerance's contract) and the flux within 2e-5. Before issue 10 such narrow profiles
    lost light between sample points (n = 0.5, Re = 0.5 px: -18% of the flux)."""
    rng = np.random.default_rng(int(10 * n + size))
    center, pa = (20 + rng.uniform(-0.5, 0.5), 20 + rng.uniform(-0.5, 0.5)), rng.uniform(0, np.pi)
    params = dict(n=n, Re=size, Ie=0.0)
    reference = reference_image(Profile("sersic", params), (40, 40), center, MIN_AXIS_RATIO, pa, polar_radius=1e9)
    image = pc.render_profile("sersic", params, (40, 40), center=center, q=MIN_AXIS_RATIO, PA=pa)
    bright = reference > 1e-4 * reference.max()
    assert np.max(np.abs(image[bright] / reference[bright] - 1)) < 1e-4
    assert image.sum() == pytest.approx(reference.sum(), rel=2e-5)


def test_extreme_allowed_values_render_finite():
    """Corners of the accepted ranges, with the Jacobian."""
    pixel = 0.1
    cases = [
        ("sersic", dict(n=10.0, Re=RANGES["max_size_pixels"] * pixel, Ie=-100.0), {}),
        ("sersic", dict(n=0.36, Re=RANGES["min_size_pixels"] * pixel, Ie=100.0), {}),
        ("sersic", dict(n=4.0, Re=2.0, Ie=0.0), dict(center=(RANGES["max_center_distance_pixels"] * pixel, 0.0))),
        ("gaussian", dict(sigma=RANGES["min_size_pixels"] * pixel, I0=100.0), dict(q=MIN_AXIS_RATIO)),
        ("moffat", dict(n=0.1, Rd=RANGES["max_size_pixels"] * pixel, I0=100.0), {}),
        ("exponential", dict(Re=1.0, Ie=100.0), dict(q=MIN_AXIS_RATIO, PA=1.0)),
    ]
    for profile, params, kw in cases:
        image, jac = _render(params, profile, pixelscale=pixel, **kw)
        assert np.all(np.isfinite(image)) and np.all(np.isfinite(jac)), (profile, params, kw)


def test_model_limits_lie_inside_the_renderer_ranges():
    """Every default limit a fitter respects renders finitely (pixel scales 1e-3 to 1e3 arcsec)."""
    assert MIN_AXIS_RATIO == RANGES["min_axis_ratio"]
    for pixel in (1e-3, 1.0, 1e3):
        for size in SIZE_LIMITS:
            for ie in LOG10_BRIGHTNESS_LIMITS:
                image, jac = _render(dict(n=4.0, Re=size, Ie=ie), pixelscale=pixel, q=MIN_AXIS_RATIO,
                                     center=(7.3 * pixel, 7.6 * pixel))
                assert np.all(np.isfinite(image)) and np.all(np.isfinite(jac)), (pixel, size, ie)


@pytest.mark.parametrize("name, value", [("q", 1e-80), ("Re", 5e-324), ("Re", 1e300), ("Ie", 307.0), ("Ie", 500.0)])
def test_models_refuse_values_outside_their_limits(name, value):
    values = dict(center=[5.0, 5.0], q=0.5, PA=0.1, n=2.0, Re=1.0, Ie=0.0)
    values[name] = value
    with pytest.raises(ValueError, match=name):
        Model(name="g", model_type="sersic galaxy model", **values)


@pytest.mark.parametrize("model_type, values, name", [
    ("gaussian galaxy model", dict(sigma=1.0, flux=500.0), "flux"),
    ("gaussian galaxy model", dict(sigma=1e-300, flux=1.0), "sigma"),
    ("moffat galaxy model", dict(n=2.0, Rd=1.0, I0=500.0), "I0"),
    ("exponential galaxy model", dict(Re=1.0, Ie=500.0), "Ie"),
    ("point model", dict(flux=500.0), "flux"),
    ("spline galaxy model", dict(knots=[0.0, 1.0], **{"I(R)": [500.0, 1.0]}), "I(R)"),
    ("flat sky model", dict(F=1e300), "F"),
    ("plane sky model", dict(F=0.0, delta=[1e300, 0.0]), "delta"),
])
def test_every_model_type_bounds_its_brightness_and_size(model_type, values, name):
    with pytest.raises(ValueError, match=re.escape(f"parameter {name!r}")):
        Model(name="m", model_type=model_type, **values)


def test_lowest_q_renders_on_a_slightly_sheared_wcs_grid():
    """A model at q = 0.03 on a grid from a WCS (the affine fit of a turned tangent projection,
    sheared by ~1e-8: the survey demo's 0.2" band) renders; a grid sheared by 1% does not."""
    wcs_grid = np.array([[0.17320467, -0.10000071], [0.1000007, 0.17320467]])
    params = dict(n=1.0, Re=1.0, Ie=0.0)
    worst_pa = min(np.linspace(0.0, np.pi, 721), key=lambda pa: _grid_axis_ratio(wcs_grid, MIN_AXIS_RATIO, pa))
    assert _grid_axis_ratio(wcs_grid, MIN_AXIS_RATIO, worst_pa) < MIN_AXIS_RATIO * (1.0 - 1e-9)
    image = pc.render_profile("sersic", params, (20, 20), center=(1.0, 2.0), q=MIN_AXIS_RATIO, PA=worst_pa,
                              pixelscale=wcs_grid)
    assert np.all(np.isfinite(image)) and image.sum() > 0
    sheared = np.array([[0.1, 0.001], [0.0, 0.1]])
    worst_pa = min(np.linspace(0.0, np.pi, 721), key=lambda pa: _grid_axis_ratio(sheared, MIN_AXIS_RATIO, pa))
    with pytest.raises(ValueError, match="on this pixel grid"):
        pc.render_profile("sersic", params, (20, 20), center=(1.0, 1.0), q=MIN_AXIS_RATIO, PA=worst_pa,
                          pixelscale=sheared)


def _grid_axis_ratio(pixelscale, q, pa):
    """Axis ratio of the ellipse (q, PA) in pixel coordinates: singular values of diag(1, 1/q) R(-PA) P."""
    rotation = np.array([[np.cos(pa), np.sin(pa)], [-np.sin(pa), np.cos(pa)]])
    singular = np.linalg.svd(np.diag([1.0, 1.0 / q]) @ rotation @ pixelscale, compute_uv=False)
    return singular[1] / singular[0]
