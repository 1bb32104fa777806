"""initialize()'s window measurements in the core (cpp/src/radius_order.cpp, robust_level.cpp;
the annuli's clipping is tested against clipped_to_annuli in test_annuli_in_radius_order.py):
each gives the numbers of the numpy computation it replaced, bit for bit, written out here."""

import numpy as np
import pytest

from polychrome import _core
from polychrome.models import initialization


def _numpy_elliptical_radius(dx, dy, q, PA):
    c, s = np.cos(PA), np.sin(PA)
    along = dx * c + dy * s
    across = -dx * s + dy * c
    return np.sqrt(along**2 + (across / q) ** 2)


def _numpy_robust_level(values, clip=3.0, iterations=5):
    """The library's numpy path (np.median on boolean masks of the values in their own order; kept
    for values that are not all finite): the core must give its numbers bit for bit."""
    return initialization._robust_level_any(values, clip, iterations)


@pytest.mark.parametrize("seed", range(4))
def test_elliptical_radii_are_numpys(seed):
    rng = np.random.default_rng(seed)
    dx, dy = rng.normal(scale=3.0, size=(2, 2000))
    q, PA = rng.uniform(0.05, 1.0), rng.uniform(-4.0, 4.0)
    expected = _numpy_elliptical_radius(dx, dy, q, PA)
    np.testing.assert_array_equal(_core.elliptical_radii(dx, dy, q, PA), expected)
    grid = initialization.elliptical_radius(dx.reshape(40, 50), dy.reshape(40, 50), q, PA)
    np.testing.assert_array_equal(grid, expected.reshape(40, 50))


@pytest.mark.parametrize("seed", range(4))
def test_radius_order_is_argsorts_within_reach(seed):
    rng = np.random.default_rng(seed)
    radius = rng.uniform(0.0, 5.0, size=3000)
    if seed % 2:  # radii over many octaves, and zeros (the core sorts their bit patterns)
        radius *= 10 ** rng.uniform(-8, 2, size=radius.size)
        radius[::500] = 0.0
    for reach in [0.0, 1.3, 4.99, 10.0]:
        order, ordered, ties = _core.radius_order(radius, reach)
        count = int(np.sum(radius <= reach))
        np.testing.assert_array_equal(order, np.argsort(radius, kind="stable")[:count])  # ties by position
        np.testing.assert_array_equal(ordered, np.sort(radius)[:count])
        assert ties == (seed % 2 == 1 and reach >= 0.0)


@pytest.mark.parametrize("seed", range(6))
def test_radius_order_of_window_radii_is_argsorts(seed):
    """Radii of a window's pixels (the buckets by radius^2 that sort_by_radius spreads them over,
    ~2 pairs each), with ties (a centre on a pixel centre, q = 1) and radii bunched into a few
    buckets (many more pairs than an insertion sort takes): np.argsort's stable order."""
    rng = np.random.default_rng(seed)
    ny, nx = rng.integers(5, 70, size=2)
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    cx, cy = (0.5 * nx, 0.5 * ny) if seed % 3 == 0 else rng.uniform(0.0, [nx, ny])
    q = 1.0 if seed % 3 == 0 else rng.uniform(0.1, 1.0)
    radius = _numpy_elliptical_radius((x - cx).ravel(), (y - cy).ravel(), q, rng.uniform(0.0, 3.0))
    if seed % 3 == 2:  # a tenth of the radii bunched just above 0 and just below the reach
        radius[::10] = rng.uniform(0.0, 1e-6, size=radius[::10].size)
        radius[5::10] = 0.5 * min(nx, ny) * (1.0 - 1e-9 * rng.uniform(size=radius[5::10].size))
    for reach in [0.5 * min(nx, ny), 0.25 * max(nx, ny), float(radius.max()), 1e300, np.inf]:
        order, ordered, ties = _core.radius_order(radius, reach)
        count = int(np.sum(radius <= reach))
        expected = np.argsort(radius, kind="stable")[:count]
        np.testing.assert_array_equal(order, expected)
        np.testing.assert_array_equal(ordered, radius[expected])
        assert ties == bool(np.any(np.diff(radius[expected]) == 0.0))


def test_radius_order_reports_ties_and_orders_them_by_position():
    radius = np.array([2.0, 1.0, 3.0, 1.0, 0.5, 2.0])
    order, ordered, ties = _core.radius_order(radius, 2.5)
    assert ties
    np.testing.assert_array_equal(order, [4, 1, 3, 0, 5])
    np.testing.assert_array_equal(ordered, [0.5, 1.0, 1.0, 2.0, 2.0])
    assert not _core.radius_order(radius, 0.9)[2]  # one radius within: nothing to tie


@pytest.mark.parametrize("seed", range(3))
def test_ordered_moment_sums_are_cumsums_of_the_gathered_products(seed):
    rng = np.random.default_rng(seed)
    flux, dx, dy = rng.normal(size=(3, 2500))
    order = rng.permutation(2500)[:1700]
    w, x, y = flux[order], dx[order], dy[order]
    expected = [np.cumsum(w), np.cumsum(x * x * w), np.cumsum(y * y * w), np.cumsum(x * y * w)]
    np.testing.assert_array_equal(_core.ordered_moment_sums(order, flux, dx, dy), expected)


@pytest.mark.parametrize("seed", range(6))
def test_robust_level_is_numpys_clipping(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(3.0, 2.0, size=[1, 2, 7, 40, 361, 1500][seed])
    values[:: 7] += rng.exponential(30.0, size=values[:: 7].size)  # sources on the border
    assert _core.robust_level(values, 3.0, 5) == _numpy_robust_level(values)
    assert initialization.robust_level(values) == _numpy_robust_level(values)


@pytest.mark.parametrize("size", [9, 130, 1000, 5003])
def test_robust_level_without_spread_takes_numpys_standard_deviation(size):
    """Where more than half the values are one number the MAD is 0: sigma is then np.std of the
    values kept (numpy's pairwise sums, over blocks of 128 and more, bit for bit)."""
    rng = np.random.default_rng(size)
    values = np.where(rng.uniform(size=size) < 0.6, 1.5, rng.normal(1.5, 1e3, size=size))
    level = _core.robust_level(values, 3.0, 5)
    assert level == _numpy_robust_level(values)
    assert level[1] > 0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="dy"):
        _core.elliptical_radii(np.zeros(3), np.zeros(4), 0.5, 0.0)
    with pytest.raises(ValueError, match="finite"):
        _core.robust_level(np.array([1.0, np.nan]), 3.0, 5)
    with pytest.raises(ValueError, match="order"):
        _core.ordered_moment_sums(np.array([0, 5]), np.zeros(3), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="starts"):
        _core.clip_annuli(np.zeros(6), [0, 9], 3.0)
    with pytest.raises(ValueError, match="dx and dy"):
        initialization.elliptical_radius(np.zeros(3), np.zeros((3, 1)), 0.5, 0.0)


@pytest.mark.parametrize("shape", [(1, 3), (7, 9), (45, 47), (91, 91), (13, 700)])
def test_candidate_sums_are_numpys_sums_of_the_products(shape):
    """convolved_profile_fit's candidate sums: sum (w m) m and sum (w d) m as numpy sums them
    (pairwise over the C-ordered pixels), bit for bit."""
    rng = np.random.default_rng(shape[0])
    weight = rng.uniform(0.1, 10.0, size=shape)
    weighted_data = weight * rng.normal(size=shape) * 10 ** rng.uniform(-3, 3, size=shape)
    model = rng.exponential(size=shape) * 10 ** rng.uniform(-3, 3, size=shape)
    norm, cross = _core.candidate_sums(weight, weighted_data, model)
    assert norm == float((weight * model * model).sum())
    assert cross == float((weighted_data * model).sum())
    with pytest.raises(ValueError, match="as many pixels"):
        _core.candidate_sums(weight, weighted_data, model[:, :-1])


def test_an_explicit_single_thread_is_still_checked_like_any_other():
    """The core's bindings answer threads=1 without asking Python (thread_count.hpp): the same
    image as the policy's answer; a bool or a count out of range is still refused."""
    from polychrome.render import ProfileRenderer
    renderer = lambda threads: ProfileRenderer("sersic", (20, 22), pixelscale=0.2, threads=threads)  # noqa: E731
    args = ([1.5, 1.0, 0.0], (2.0, 2.1), 0.7, 0.3)
    np.testing.assert_array_equal(renderer(1)(*args), renderer(None)(*args))
    for bad in [True, -1, 10**6]:
        with pytest.raises(ValueError, match="threads"):
            renderer(bad)(*args)
