"""ShapeGrids: a profile's initialisation grids made when first read, once; a Sersic's are the
grids it always had (INDEX_GRID, size_grid of the half-light radius)."""

import numpy as np

from polychrome.models.sersic import INDEX_GRID, SersicGalaxy, size_grid
from polychrome.models.shape_grids import ShapeGrids


def test_a_grid_is_made_when_first_read_and_once():
    made = []

    def maker():
        made.append(1)
        return np.arange(3.0)

    grids = ShapeGrids(a=maker, b=lambda: np.ones(2))
    assert made == [] and sorted(grids) == ["a", "b"] and len(grids) == 2
    assert grids["a"] is grids["a"]
    np.testing.assert_array_equal(grids["a"], [0.0, 1.0, 2.0])
    assert made == [1]


def test_sersic_grids_are_its_index_and_size_grids():
    class Profile:
        half_light_radius = 0.37

    grids = SersicGalaxy._shape_grids(Profile())
    assert grids["n"] is INDEX_GRID
    np.testing.assert_array_equal(grids["Re"], size_grid(0.37))
    assert dict(grids).keys() == {"n", "Re"}
