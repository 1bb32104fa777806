"""_core.lm_transformed_equations (cpp/src/transformed_equations.cpp): the normal equations of a
reparametrised fit, M^T g and M^T H M with M = T diag(s), against numpy's products written out here,
and the fit wrappers that use it (LogScaledProblem around TotalFluxProblem: one call through both
transforms) against the composition of their transforms in numpy."""

import numpy as np
import pytest

from polychrome import _core
from polychrome.fit.log_scaled_problem import LogScaledProblem
from polychrome.fit.total_flux_problem import TotalFluxProblem


def _equations(size, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(size, size + 3))
    return rng, rng.normal(size=size), a @ a.T


@pytest.mark.parametrize("size", [1, 2, 5, 8])
@pytest.mark.parametrize("with_transform", [False, True])
@pytest.mark.parametrize("with_scale", [False, True])
def test_against_numpy(size, with_transform, with_scale):
    rng, g, H = _equations(size, seed=size)
    t = np.identity(size) + rng.normal(size=(size, size)) if with_transform else None
    s = np.exp(rng.normal(size=size)) if with_scale else None
    m = (np.identity(size) if t is None else t) * (np.ones(size) if s is None else s)[None, :]
    g_y, H_y = _core.lm_transformed_equations(g, H, t, s)
    np.testing.assert_allclose(g_y, m.T @ g, rtol=1e-13, atol=1e-13 * np.abs(g).max())
    np.testing.assert_allclose(H_y, m.T @ H @ m, rtol=1e-12, atol=1e-12 * np.abs(H).max())
    assert H_y.shape == (size, size) and g_y.shape == (size,)


def test_scale_alone_is_numpys_scaling_bit_for_bit():
    """Without a transform: g * s and H * s[:, None] * s, the digits LogScaledProblem had."""
    rng, g, H = _equations(7, seed=11)
    s = np.exp(rng.normal(size=7))
    g_y, H_y = _core.lm_transformed_equations(g, H, None, s)
    assert np.array_equal(g_y, g * s)
    assert np.array_equal(H_y, H * s[:, None] * s)


def test_identity_returns_copies():
    _, g, H = _equations(4, seed=2)
    g_y, H_y = _core.lm_transformed_equations(g, H, None, None)
    assert np.array_equal(g_y, g) and np.array_equal(H_y, H)
    assert not np.shares_memory(g_y, g) and not np.shares_memory(H_y, H)


def test_shapes_are_checked():
    _, g, H = _equations(3, seed=4)
    with pytest.raises(ValueError):
        _core.lm_transformed_equations(g, H[:2], None, None)
    with pytest.raises(ValueError):
        _core.lm_transformed_equations(g, H, np.identity(2), None)
    with pytest.raises(ValueError):
        _core.lm_transformed_equations(g, H, None, np.ones(4))


class _Quadratic:
    """A problem of 5 parameters (Ie, n, Re, q, x0) with fixed J^T W J and J^T W r."""

    size = 5

    def __init__(self):
        _, self.g, self.H = _equations(self.size, seed=7)

    def limits(self):
        return np.zeros(5) + [-np.inf, 0.0, 0.0, 0.0, -np.inf], np.full(5, np.inf), np.zeros(5, bool)

    def _terms_at(self, x):
        return 1.0, 100, self.g.copy(), self.H.copy()

    def _chi2_at(self, x):
        return 1.0, 100


def test_wrappers_compose_their_transforms():
    """LogScaledProblem(TotalFluxProblem(problem)): g_z = D T^T g and H_z = D T^T H T D, as the two
    wrappers' transforms composed in numpy (T at x(z), D = dx/dy on the log entries)."""
    inner = _Quadratic()
    x0 = np.array([0.5, 2.0, 0.3, 0.6, 0.1])
    flux = TotalFluxProblem(inner, [(0, 1, 2, 3)], x0)
    logged = LogScaledProblem(flux, [1, 2], flux.start)
    z = logged.start + np.array([0.1, -0.2, 0.3, 0.05, 0.2])
    ne = logged.normal_equations(z)
    y = logged.to_model_space(z)
    x, offsets = flux._model_space(y)
    t = flux._jacobian(offsets)
    d = np.ones(5)
    d[[1, 2]] = y[[1, 2]]
    m = t * d[None, :]
    np.testing.assert_allclose(ne.gradient, m.T @ inner.g, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(ne.hessian, m.T @ inner.H @ m, rtol=1e-12, atol=1e-13)
    # the total-flux wrapper alone: T^T g and T^T H T
    alone = flux.normal_equations(y)
    np.testing.assert_allclose(alone.gradient, t.T @ inner.g, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(alone.hessian, t.T @ inner.H @ t, rtol=1e-12, atol=1e-13)
