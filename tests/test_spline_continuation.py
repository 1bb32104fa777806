"""The spline profile beyond its knots: never rising outward, Jacobian still exact."""

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

import polychrome as pc
from test_jacobian import _check_columns

# ln I rises over the last interval: the old linear continuation grew without bound
RISING_KNOTS = [0.0, 1.0, 2.5, 5.0]
RISING_VALUES = [1.0, 0.3, -0.4, 0.2]


def _clamped_end_spline():
    """The spline the profile uses when the natural one rises at its last knot: natural start, zero end slope."""
    log_i = np.log(10.0) * np.array(RISING_VALUES)
    assert CubicSpline(RISING_KNOTS, log_i, bc_type="natural")(RISING_KNOTS[-1], 1) > 0  # the case under test
    spline = CubicSpline(RISING_KNOTS, log_i, bc_type=((2, 0.0), (1, 0.0)))
    assert spline(RISING_KNOTS[-1], 2) < 0  # falls beyond: the parabola of the end's curvature
    return spline


def test_rising_last_knot_never_rises_beyond():
    """Far beyond the last knot no pixel is brighter than the brightest knot; before the fix the
    corners (r ~ 40 arcsec) were exp(slope * 35) ~ 1e5 times brighter."""
    size, pixelscale = 60, 1.0
    image = pc.render_profile("spline", {"I(R)": RISING_VALUES}, (size, size), center=(30.2, 29.7), q=0.7,
                              PA=0.4, knots=RISING_KNOTS, pixelscale=pixelscale)
    assert np.all(np.isfinite(image))
    assert image.max() <= 10.0 ** max(RISING_VALUES) * pixelscale**2 * (1 + 1e-3)
    assert image[:3, :3].max() < 1e-6 * image.max()


def _surface_brightness(values, knots, r, scale=1e-3):
    """I(r) on the major axis, from a tiny pixel at (r, 0) (its flux over its area)."""
    image = pc.render_profile("spline", {"I(R)": values}, (1, 1), center=(0.0, 0.0), knots=knots,
                              pixelscale=scale, origin=(r - 0.5 * scale, -0.5 * scale))
    return image[0, 0] / scale**2


@pytest.mark.parametrize("r", [3.0, 4.6, 5.0, 5.5, 7.0, 12.0])
def test_rising_spline_has_a_flat_top_then_falls(r):
    spline = _clamped_end_spline()
    end = RISING_KNOTS[-1]
    if r <= end:
        expected = spline(r)
    else:
        expected = spline(end) + 0.5 * spline(end, 2) * (r - end) ** 2
    assert _surface_brightness(RISING_VALUES, RISING_KNOTS, r) == pytest.approx(np.exp(expected), rel=1e-5)


def test_falling_last_knot_keeps_its_slope():
    knots, values = [0.0, 1.0, 2.0], [1.0, 0.5, -0.5]
    spline = CubicSpline(knots, np.log(10.0) * np.array(values), bc_type="natural")
    slope = spline(knots[-1], 1)
    assert slope < 0
    r = 6.0
    expected = np.exp(spline(knots[-1]) + slope * (r - knots[-1]))
    assert _surface_brightness(values, knots, r) == pytest.approx(expected, rel=1e-5)


def test_jacobian_beyond_a_rising_last_knot_is_the_derivative():
    """Central differences over a window reaching far beyond a rising last knot (zero end slope)."""
    _check_columns("spline", (11.7, 12.2, 0.55, 2.1), RISING_VALUES, knots=RISING_KNOTS)


def test_jacobian_with_first_knot_above_zero():
    """Inward of a first knot at R > 0 ln I continues linearly to r = 0 (bounded there)."""
    _check_columns("spline", (11.7, 12.2, 0.55, 2.1), [0.8, 0.2, -0.6, -1.4], knots=[1.5, 3.0, 5.0, 8.0])


def test_spline_model_with_a_rising_last_knot_stays_bounded():
    """The model-level case of issue 10 (a spline whose last knot rose, 4e18 where the profile
    peaks at 3.6): the whole window, PSF-convolved, stays below the brightest knot."""
    from model_helpers import make_target
    from polychrome.models import Model

    target = make_target((80, 80), 0.5, psf_sigma=0.6, psf_width=11)
    knots = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    values = np.array([0.55, 0.3, 0.0, -0.5, 0.2])  # peaks at 10**0.55 = 3.6; rises at the last knot
    model = Model(name="s", model_type="spline galaxy model", target=target, center=[20.0, 20.0], q=0.8,
                  PA=0.3, knots=knots, **{"I(R)": values})
    image = model.sample().data
    assert np.all(np.isfinite(image))
    assert image.max() <= 10.0**values.max() * target.pixel_area * (1 + 1e-3)
