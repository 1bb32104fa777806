"""The grids a profile's initialize() searches its shape parameters on, each made when first asked for."""

from collections.abc import Mapping


class ShapeGrids(Mapping):
    """{parameter name: 1-D grid} (what ``GalaxyModel._shape_grids`` returns) whose grids are made
    by ``makers`` ({name: callable of no arguments}) when first read: initialize() reads only the
    grids of the parameters it searches (a survey gives Re from its catalogue: the size grid
    around the measured half-light radius, a geometric grid of ~58k instructions, is then
    never made)."""

    def __init__(self, **makers):
        self._makers, self._made = makers, {}

    def __getitem__(self, name):
        made = self._made
        if name not in made:
            made[name] = self._makers[name]()
        return made[name]

    def __iter__(self):
        return iter(self._makers)

    def __len__(self):
        return len(self._makers)
