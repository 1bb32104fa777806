"""The core's render calls write their Jacobian into a caller's array (jacobian_out) exactly as
into a new one, and refuse an array they cannot write in place."""

import numpy as np
import pytest

from polychrome import _core
from polychrome.utils.initialize import gaussian_psf

SHAPE = (23, 19)
PSF = _core.PsfConvolver(gaussian_psf(0.3, 7, 0.2))


def _arguments(convolved):
    """The positional arguments of _core.render_convolved (or _core.render) before jacobian_out."""
    grid = ("sersic", [2.2, 0.8, 0.1], [], SHAPE, (-1.0, 0.5), np.diag([0.2, 0.2]), (0.9, 2.6), 0.7, 0.4, True,
            1e-5, 1e-9, 14, 1)
    return grid + ((PSF, 1, 0.0) if convolved else (0.0,))


@pytest.mark.parametrize("convolved", [True, False])
def test_jacobian_written_into_rows_of_a_stack(convolved):
    core = _core.render_convolved if convolved else _core.render
    image, jacobian = core(*_arguments(convolved))
    stack = np.full((jacobian.shape[0] + 2,) + SHAPE, np.nan)
    rows = stack[1:-1]
    written_image, written = core(*_arguments(convolved), rows)
    assert written is rows
    np.testing.assert_array_equal(written_image, image)
    np.testing.assert_array_equal(rows, jacobian)
    assert np.isnan(stack[0]).all() and np.isnan(stack[-1]).all()  # nothing written outside
    # None: a new array, as without the argument
    np.testing.assert_array_equal(core(*_arguments(convolved), None)[1], jacobian)


@pytest.mark.parametrize("convolved", [True, False])
def test_jacobian_out_that_cannot_be_written_in_place_is_refused(convolved):
    core = _core.render_convolved if convolved else _core.render
    rows = core(*_arguments(convolved))[1].shape[0]
    read_only = np.zeros((rows,) + SHAPE)
    read_only.flags.writeable = False
    for out, match in [(np.zeros((rows + 1,) + SHAPE), "shape"), (np.zeros((rows,) + SHAPE[::-1]), "shape"),
                       (np.zeros((rows, SHAPE[0], 2 * SHAPE[1]))[:, :, ::2], "C-contiguous"),
                       (np.zeros((rows,) + SHAPE, np.float32), "float64"), (read_only, "writable"),
                       ([[0.0]], "numpy array")]:
        with pytest.raises(ValueError, match=match):
            core(*_arguments(convolved), out)
