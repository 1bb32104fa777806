"""PlaneMapping.plane_bounds: the box of a few pixel positions' plane positions, as pixel_to_plane
gives them (bit for bit: a fit's centre limits come from it)."""

import numpy as np
import pytest

from polychrome.image.plane_mapping import PlaneMapping


@pytest.mark.parametrize("seed", range(20))
def test_plane_bounds_are_pixel_to_plane_box(seed):
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    scale = rng.uniform(0.01, 2.0)
    matrix = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    if seed % 3 == 0:
        matrix = rng.uniform(0.05, 0.3)  # a scalar pixel scale
    mapping = PlaneMapping(matrix, tuple(rng.normal(0, 50, 2)))
    xs = (rng.integers(-40, 200, 4) - 0.5).tolist()
    ys = (rng.integers(-40, 200, 4) - 0.5).tolist()
    lower, upper = mapping.plane_bounds(xs, ys)
    px, py = mapping.pixel_to_plane(np.array(xs), np.array(ys))
    assert lower.tobytes() == np.array([px.min(), py.min()]).tobytes()
    assert upper.tobytes() == np.array([px.max(), py.max()]).tobytes()


def test_affine_of_checked_is_the_constructors_mapping():
    """PlaneMapping.affine_of_checked (no checks or copies of a checked matrix and an origin) holds
    what PlaneMapping(pixelscale, origin) holds, maps pixels the same, and refuses a non-finite origin."""
    import math

    from polychrome.utils.coordinates import pixelscale_matrix

    grid, origin = pixelscale_matrix([[0.17, -0.1], [0.1, 0.17]]), np.array([-3.25, 1.5])
    checked, fast = PlaneMapping(grid, origin), PlaneMapping.affine_of_checked(grid, origin)
    assert fast.pixelscale is grid and fast.origin is origin
    assert sorted(vars(fast)) == sorted(vars(checked))
    for name in ("pixelscale", "origin", "offset"):
        a, b = getattr(checked, name), getattr(fast, name)
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), name
    assert (fast.wcs, fast.plane, fast.affine_error) == (checked.wcs, checked.plane, checked.affine_error)
    x, y = np.array([0.0, 3.5, -1.0]), np.array([2.0, 0.25, 7.0])
    for a, b in zip(checked.pixel_to_plane(x, y), fast.pixel_to_plane(x, y)):
        assert a.tobytes() == b.tobytes()
    for bad in ([math.nan, 0.0], [0.0, math.inf]):
        with pytest.raises(ValueError, match="origin"):
            PlaneMapping.affine_of_checked(grid, np.array(bad))
