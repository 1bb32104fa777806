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
