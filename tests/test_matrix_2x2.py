"""matrix_2x2.det and inv: np.linalg.det's and np.linalg.inv's numbers, bit for bit, and their errors."""

import numpy as np
import pytest

from polychrome.utils import matrix_2x2


def test_det_and_inv_are_numpys():
    rng = np.random.default_rng(11)
    for _ in range(2000):
        matrix = rng.normal(size=(2, 2)) * 10.0 ** rng.uniform(-8, 4)
        assert matrix_2x2.det(matrix).tobytes() == np.linalg.det(matrix).tobytes()
        assert type(matrix_2x2.det(matrix)) is type(np.linalg.det(matrix))
        found, expected = matrix_2x2.inv(matrix), np.linalg.inv(matrix)
        assert found.dtype == expected.dtype and found.shape == expected.shape
        assert found.tobytes() == expected.tobytes()


def test_other_inputs_go_to_numpy():
    """Stacks, other sizes and dtypes are np.linalg's own calls; a singular matrix raises LinAlgError."""
    stack = np.random.default_rng(2).normal(size=(3, 2, 2))
    np.testing.assert_array_equal(matrix_2x2.det(stack), np.linalg.det(stack))
    np.testing.assert_array_equal(matrix_2x2.inv(np.eye(3) * 2.0), np.linalg.inv(np.eye(3) * 2.0))
    assert matrix_2x2.det(np.eye(2, dtype=np.float32)).dtype == np.float32
    with pytest.raises(np.linalg.LinAlgError):
        with pytest.warns(RuntimeWarning):  # the kernel's NaNs, before np.linalg.inv raises
            matrix_2x2.inv(np.array([[1.0, 2.0], [2.0, 4.0]]))
