"""np.linalg.det and np.linalg.inv of a float64 2x2 matrix without their wrappers.

A survey places every group on its own plane grid, and each grid's pixel area (a determinant) and
inverse map (an inverse) are computed once: numpy.linalg's argument checks, type resolution and
(for inv) error-state context were ~60% of those calls (callgrind: det 23k -> 9k instructions, inv
36k -> 12k). These call numpy's own kernels (numpy.linalg._umath_linalg, the gufuncs np.linalg.det
and np.linalg.inv call), so the numbers are np.linalg's bit for bit; anything else, or a numpy
without that module, goes through np.linalg itself.
"""

import math

import numpy as np

try:
    from numpy.linalg import _umath_linalg as _kernels
except ImportError:  # pragma: no cover - numpy moved its kernels: the public functions do
    _kernels = None


def _is_plain_2x2(matrix):
    return (_kernels is not None and type(matrix) is np.ndarray and matrix.dtype == np.float64
            and matrix.shape == (2, 2))


def det(matrix):
    """np.linalg.det(matrix) (a numpy float64 for a float64 2x2 ``matrix``)."""
    if _is_plain_2x2(matrix):
        return _kernels.det(matrix, signature="d->d")
    return np.linalg.det(matrix)


def inv(matrix):
    """np.linalg.inv(matrix): for a float64 2x2 ``matrix``, numpy's kernel without np.linalg.inv's
    error-state context (~20k instructions of the 36k). A singular matrix (the kernel's NaNs, with
    numpy's invalid-value warning) goes to np.linalg.inv, which raises LinAlgError (a plane grid
    is never singular: PlaneMapping refuses one)."""
    if _is_plain_2x2(matrix):
        inverse = _kernels.inv(matrix, signature="d->d")
        if all(map(math.isfinite, inverse.ravel().tolist())):
            return inverse
    return np.linalg.inv(matrix)
