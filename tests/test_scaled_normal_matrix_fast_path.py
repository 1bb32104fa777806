"""ScaledNormalMatrix's and uncertainties_from's shortcut for the usual fit (every diagonal > 0, every
direction constrained, no negative variance) against the general formulas, written out here as
they stood before the shortcut (np.linalg.eigh, numpy's masks): the same digits, the same flags."""

import numpy as np

from polychrome.fit.levenberg_marquardt import uncertainties_from
from polychrome.fit.scaled_normal_matrix import LOADING_TOLERANCE, RANK_TOLERANCE, ScaledNormalMatrix
from random_normal_systems import possibly_singular_grams


def _reference(hessian):
    """(covariance, unconstrained) by the general path: masks and selections over every entry."""
    diagonal = hessian.diagonal()
    scale = np.sqrt(diagonal, out=np.ones(diagonal.size), where=diagonal > 0.0)
    outer = scale[:, None] * scale[None, :]
    scaled = hessian / outer
    values, vectors = np.linalg.eigh(0.5 * (scaled + scaled.T))
    largest = values[-1] if values.size else 0.0
    constrained = values > RANK_TOLERANCE * largest if largest > 0 else np.zeros(values.size, bool)
    null = vectors[:, ~constrained]
    loose = np.sqrt(np.sum(null**2, axis=1)) > LOADING_TOLERANCE
    kept = vectors[:, constrained]
    covariance = (kept / values[constrained]).dot(kept.T) / outer
    covariance[loose, :] = np.nan
    covariance[:, loose] = np.nan
    covariance[loose, loose] = np.inf
    return covariance, loose


def _hessians(count, seed=5):
    for k, rng, hessian in possibly_singular_grams(count, seed, max_size=12, singular_every=3):
        n = hessian.shape[0]
        if k % 7 == 0:  # a parameter without any effect: a zero row and column
            zero = int(rng.integers(0, n))
            hessian[zero, :] = 0.0
            hessian[:, zero] = 0.0
        yield hessian


def test_covariance_and_flags_are_the_general_paths():
    shortcut = 0
    for hessian in _hessians(2000):
        spectrum = ScaledNormalMatrix(hessian)
        expected, loose = _reference(hessian)
        covariance = spectrum.covariance()
        assert covariance.tobytes() == expected.tobytes()
        assert spectrum.unconstrained.tolist() == loose.tolist()
        shortcut += spectrum._all_constrained
    assert 500 < shortcut < 2000  # both paths met


def test_uncertainties_are_the_clipped_square_roots():
    cases = [np.diag([4.0, 0.25, 0.0]), np.diag([4.0, -0.0, 1e-300]), np.diag([4.0, -1e-18, 9.0]),
             np.diag([np.inf, 1.0]), np.diag([np.nan, 1.0]), np.zeros((0, 0))]
    for covariance in cases:
        variances = covariance.diagonal()
        expected = np.sqrt(np.where(variances < 0.0, 0.0, variances)) if variances.size else np.zeros(0)
        assert uncertainties_from(covariance).tobytes() == expected.tobytes()
