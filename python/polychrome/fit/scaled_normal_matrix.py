"""J^T W J scaled to unit diagonal and split into the directions the data constrain and those they do not.

The eigen-decomposition of the scaled matrix S = D^-1/2 (J^T W J) D^-1/2
(D its diagonal) is independent of the parameters' units. An eigenvalue
below ``RANK_TOLERANCE`` times the largest is a direction the data do not
constrain (its uncertainty would be more than 1e5 times the parameters'
conditional ones; for an exactly rank-deficient matrix, e.g. more parameters
than pixels, it is rounding). A parameter loading on such a direction is
unconstrained: its uncertainty is infinite. The covariance of the others is
the pseudo-inverse over the constrained directions (their values are
determined even when some combinations of the others are not).
"""

import math

import numpy as np
from scipy.linalg.lapack import dsyevd as _dsyevd

RANK_TOLERANCE = 1e-10
# A parameter is unconstrained when its share of the null directions (the norm of
# its row of their eigenvectors) exceeds this; far above the rounding mix (~1e-6).
LOADING_TOLERANCE = 1e-4
# (0.0 < value, as a bound method for map)
_ZERO = 0.0


class ScaledNormalMatrix:
    """The spectrum of J^T W J (``hessian``, (P, P)) in unit-free form."""

    def __init__(self, hessian):
        hessian = np.asarray(hessian, float)
        diagonal = hessian.diagonal()
        if all(map(_ZERO.__lt__, diagonal.tolist())):  # (the usual fit: every diagonal > 0; NaN is not)
            self.scale = np.sqrt(diagonal)
        else:
            # a parameter without any effect (zero column) gets scale 1: its row and column of S
            # stay zero, an exact null direction (np.sqrt of a negative diagonal is not taken: where)
            self.scale = np.sqrt(diagonal, out=np.ones(diagonal.size), where=diagonal > 0.0)
        self._outer = _outer(self.scale)  # (the same products divide the covariance back)
        scaled = hessian / self._outer
        eigenvalues, eigenvectors = eigh(0.5 * (scaled + scaled.T))
        listed = eigenvalues.tolist()  # (ascending: LAPACK's order)
        largest = listed[-1] if listed else 0.0
        # the smallest above the tolerance: all are (the usual fit: no null direction, no loadings to
        # weigh, nothing to select; Python floats for a few values, numpy's per-call cost exceeds them)
        self._all_constrained = (largest > 0 and listed[0] > RANK_TOLERANCE * largest
                                 and math.isfinite(sum(listed)))
        if self._all_constrained or not listed:
            self._values, self._vectors = eigenvalues, eigenvectors
            self.unconstrained = np.zeros(eigenvalues.size, bool)
        else:
            constrained = (eigenvalues > RANK_TOLERANCE * largest if largest > 0
                           else np.zeros(eigenvalues.size, bool))
            self._values = eigenvalues[constrained]
            self._vectors = eigenvectors[:, constrained]
            null = eigenvectors[:, ~constrained]
            self.unconstrained = np.sqrt(np.sum(null**2, axis=1)) > LOADING_TOLERANCE

    @property
    def singular(self):
        """True when some direction is not constrained by the data."""
        return bool(np.any(self.unconstrained))

    def covariance(self):
        """(J^T W J)^-1 over the constrained directions; for unconstrained parameters the
        diagonal is inf and the rest of their row and column NaN."""
        inverse = (self._vectors / self._values).dot(self._vectors.T)  # (ndarray.dot: @'s digits, less per call)
        covariance = inverse / self._outer
        if self._all_constrained:
            return covariance
        loose = self.unconstrained
        if loose.any():  # (rarely: the usual fit constrains every parameter)
            covariance[loose, :] = np.nan
            covariance[:, loose] = np.nan
            covariance[loose, loose] = np.inf
        return covariance


def _outer(scale):
    """np.outer(scale, scale) (the same products), without np.outer's per-call cost."""
    return scale[:, None] * scale[None, :]


def eigh(matrix):
    """np.linalg.eigh(matrix) of a symmetric float matrix (N, N): eigenvalues ascending, eigenvectors
    as the columns of a C-ordered array. LAPACK's dsyevd called directly on the lower triangle, as
    numpy calls it: the same routine, the same digits (tests), without np.linalg.eigh's per-call
    wrapping (an 8 x 8 matrix: 72k instructions against 104k, callgrind). An empty matrix, a
    failure LAPACK reports or a non-finite result goes to numpy's own call, which says what is
    wrong as before (LinAlgError)."""
    if matrix.size:
        eigenvalues, eigenvectors, info = _dsyevd(matrix, compute_v=1, lower=1)
        if info == 0 and math.isfinite(sum(eigenvalues.tolist())):
            return eigenvalues, np.ascontiguousarray(eigenvectors)
    return np.linalg.eigh(matrix)
