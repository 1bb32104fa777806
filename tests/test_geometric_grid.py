"""geometric_grid gives np.geomspace's numbers, bit for bit, for positive ends."""

import numpy as np
import pytest

from polychrome.utils.geometric_grid import geometric_grid


@pytest.mark.parametrize("seed", range(3))
def test_the_numbers_of_np_geomspace(seed):
    rng = np.random.default_rng(seed)
    for _ in range(500):
        start = float(np.exp(rng.uniform(-12.0, 8.0)))
        stop = start * float(np.exp(rng.uniform(-6.0, 6.0)))  # descending grids too
        count = int(rng.integers(2, 60))
        np.testing.assert_array_equal(geometric_grid(start, stop, count), np.geomspace(start, stop, count))


def test_numpy_scalars_and_exact_ends():
    grid = geometric_grid(np.float64(0.4), np.float64(8.0), 14)
    np.testing.assert_array_equal(grid, np.geomspace(0.4, 8.0, 14))
    assert (grid[0], grid[-1]) == (0.4, 8.0)


def test_equal_ends_and_neighbouring_ends():
    """A zero step (equal ends) and a step below the smallest normal number take np.linspace's
    special case: still np.geomspace's numbers."""
    for start, stop, count in [(2.0, 2.0, 5), (1.0, float(np.nextafter(1.0, 2.0)), 7), (3.0, 3.0, 2)]:
        np.testing.assert_array_equal(geometric_grid(start, stop, count), np.geomspace(start, stop, count))
