"""The core's normal equations (chi^2, J^T W r, J^T W J) against numpy, on sizes that leave
remainders after the vectorised blocks."""

import numpy as np
import pytest

from polychrome import _core


# p + 1 rows (residual and Jacobian) in 4 x 2 tiles: every edge tile shape among these; 2403 x 7 and 8
# the survey's single-galaxy windows.
@pytest.mark.parametrize("n, p", [(1, 1), (7, 3), (513, 5), (1027, 9), (20011, 14), (2403, 7), (2402, 8), (30, 4), (5, 2)])
def test_normal_equations_match_numpy(n, p):
    rng = np.random.default_rng(n + p)
    residual, weight = rng.normal(size=n), rng.uniform(0.1, 2.0, n)
    jacobian = rng.normal(size=(p, n)) * rng.uniform(0.01, 100.0, (p, 1))
    chi2, gradient, hessian = _core.normal_equations(residual, weight, jacobian, threads=1)
    weighted = jacobian * weight
    np.testing.assert_allclose(chi2, np.sum(weight * residual**2), rtol=1e-12)
    np.testing.assert_allclose(gradient, weighted @ residual, rtol=1e-11, atol=1e-11 * np.abs(weighted).sum())
    expected = weighted @ jacobian.T
    np.testing.assert_allclose(hessian, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    np.testing.assert_array_equal(hessian, hessian.T)
