"""group_fit._limits_for_grids: q's lower limit raised on grids of non-square pixels only."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from polychrome.models.parameter_spec import MIN_AXIS_RATIO
from polychrome.survey.group_fit import _is_similarity, _limits_for_grids


def _cutout(pixelscale):
    return SimpleNamespace(target=SimpleNamespace(pixelscale=np.array(pixelscale, float)))


def _rotation(scale, angle, reflect=False):
    c, s = scale * math.cos(angle), scale * math.sin(angle)
    return [[c, s], [s, -c]] if reflect else [[c, -s], [s, c]]


@pytest.mark.parametrize("matrix", [_rotation(0.2, 0.0), _rotation(0.1, 0.7), _rotation(0.3, 2.0, reflect=True)])
def test_square_pixels_keep_the_limits(matrix):
    assert _is_similarity(np.array(matrix))
    assert float(np.linalg.cond(matrix)) <= 1.0 + 1e-9  # what the SVD would have said
    limits = {"n": (0.3, 8.0)}
    assert _limits_for_grids(limits, [_cutout(matrix), _cutout(_rotation(0.4, 1.0))]) is limits


def test_non_square_pixels_raise_the_lowest_axis_ratio():
    sheared = [[0.2, 0.05], [0.0, 0.25]]
    assert not _is_similarity(np.array(sheared))
    limits = _limits_for_grids({"n": (0.3, 8.0)}, [_cutout(_rotation(0.2, 0.3)), _cutout(sheared)])
    expected = MIN_AXIS_RATIO * float(np.linalg.cond(sheared)) * (1.0 + 1e-9)
    assert limits == {"n": (0.3, 8.0), "q": (expected, 1.0)}
    assert _limits_for_grids({"q": (0.1, 1.0)}, [_cutout(sheared)]) == {"q": (0.1, 1.0)}  # the spec's own wins
