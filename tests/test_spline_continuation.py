"""The spline profile beyond its knots: never rising outward, Jacobian still exact."""

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

import polychrome as pc
from test_jacobian import _check_columns

# ln I rises over the last interval: the old linear continuation grew without bound
RISING_KNOTS = [0.0, 1.0, 2.5, 5.0]
RISING_VALUES = [1.0, 0.3, -0.4, 0.2]


def test_rising_last_knot_continues_flat():
    """Far beyond the last knot no pixel is brighter than the last knot's surface brightness."""
    size, pixelscale = 60, 1.0
    center = (30.2, 29.7)
    image = pc.render_profile("spline", {"I(R)": RISING_VALUES}, (size, size), center=center, q=0.7, PA=0.4,
                              knots=RISING_KNOTS, pixelscale=pixelscale)
    last = 10.0 ** RISING_VALUES[-1] * pixelscale**2
    assert np.all(np.isfinite(image))
    # before the clamp the corners (r ~ 40) were exp(slope * 35) ~ 1e5 times brighter
    assert image.max() <= 10.0 ** max(RISING_VALUES) * pixelscale**2 * (1 + 1e-3)
    corner = image[:3, :3]
    np.testing.assert_allclose(corner, last, rtol=1e-6)


def test_spline_rises_to_its_last_knot_then_stays():
    """Where the natural spline would rise at the last knot, the spline has a zero slope there
    instead (natural start, clamped end) and stays flat beyond."""
    log_i = np.log(10.0) * np.array(RISING_VALUES)
    assert CubicSpline(RISING_KNOTS, log_i, bc_type="natural")(RISING_KNOTS[-1], 1) > 0  # the case under test
    spline = CubicSpline(RISING_KNOTS, log_i, bc_type=((2, 0.0), (1, 0.0)))
    radii = [4.0, 4.6, 7.0, 20.0]
    for r in radii:
        # a tiny pixel at (r, 0) on the major axis measures I(r) times its area
        scale = 1e-3
        image = pc.render_profile("spline", {"I(R)": RISING_VALUES}, (1, 1), center=(0.0, 0.0),
                                  knots=RISING_KNOTS, pixelscale=scale, origin=(r - 0.5 * scale, -0.5 * scale))
        expected = np.exp(spline(min(r, RISING_KNOTS[-1]))) * scale**2
        assert image[0, 0] == pytest.approx(expected, rel=1e-5), r


def test_falling_last_knot_keeps_its_slope():
    knots, values = [0.0, 1.0, 2.0], [1.0, 0.5, -0.5]
    spline = CubicSpline(knots, np.log(10.0) * np.array(values), bc_type="natural")
    slope = spline(knots[-1], 1)
    assert slope < 0
    scale, r = 1e-3, 6.0
    image = pc.render_profile("spline", {"I(R)": values}, (1, 1), center=(0.0, 0.0), knots=knots,
                              pixelscale=scale, origin=(r - 0.5 * scale, -0.5 * scale))
    expected = np.exp(spline(knots[-1]) + slope * (r - knots[-1])) * scale**2
    assert image[0, 0] == pytest.approx(expected, rel=1e-5)


def test_jacobian_of_flat_continuation_is_the_derivative():
    """Central differences over a window reaching far beyond a rising last knot (slope clamped)."""
    _check_columns("spline", (11.7, 12.2, 0.55, 2.1), RISING_VALUES, knots=RISING_KNOTS)


def test_jacobian_with_first_knot_above_zero():
    """Inward of a first knot at R > 0 ln I continues linearly to r = 0 (bounded there)."""
    _check_columns("spline", (11.7, 12.2, 0.55, 2.1), [0.8, 0.2, -0.6, -1.4], knots=[1.5, 3.0, 5.0, 8.0])
