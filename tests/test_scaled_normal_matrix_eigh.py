"""scaled_normal_matrix.eigh (LAPACK's dsyevd called directly) against np.linalg.eigh, bit for bit:
the covariances and the unconstrained parameters of every fit depend on its digits."""

import numpy as np
import pytest

from polychrome.fit.scaled_normal_matrix import ScaledNormalMatrix, eigh
from random_normal_systems import possibly_singular_grams


def _symmetric_matrices(count, seed=2):
    for _, _, matrix in possibly_singular_grams(count, seed, max_size=14, singular_every=4):
        scale = np.sqrt(np.diag(matrix))
        scaled = matrix / np.outer(scale, scale)
        yield 0.5 * (scaled + scaled.T)


def test_eigh_has_numpys_digits_and_layout():
    for matrix in _symmetric_matrices(3000):
        values, vectors = eigh(matrix)
        expected_values, expected_vectors = np.linalg.eigh(matrix)
        assert values.tobytes() == expected_values.tobytes()
        assert vectors.tobytes() == expected_vectors.tobytes()
        assert vectors.flags.c_contiguous and vectors.shape == expected_vectors.shape


def test_eigh_of_empty_and_non_finite_matrices_is_numpys():
    values, vectors = eigh(np.zeros((0, 0)))
    assert values.shape == (0,) and vectors.shape == (0, 0)
    for value in (np.nan, np.inf):
        bad = np.eye(3)
        bad[1, 1] = value
        values, vectors = eigh(bad)
        expected_values, expected_vectors = np.linalg.eigh(bad)
        assert values.tobytes() == expected_values.tobytes()
        assert vectors.tobytes() == expected_vectors.tobytes()


def test_covariance_of_a_singular_matrix_still_flags_the_null_direction():
    matrix = np.array([[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 9.0]])  # the first two dependent
    spectrum = ScaledNormalMatrix(matrix)
    assert spectrum.unconstrained.tolist() == [True, True, False]
    covariance = spectrum.covariance()
    assert covariance[2, 2] == pytest.approx(1.0 / 9.0, rel=1e-14)
    assert np.isinf(covariance[0, 0]) and np.isnan(covariance[0, 2])
