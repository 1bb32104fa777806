"""The fitter's convergence measure (the core's lm_attainable_decrease) on nearly singular systems
with limits: the held rounds of the limited step can end on a step that the quadratic model says
raises chi^2; such a step must not read as "converged" (a survey fit stopped at its start, 12
chi^2 above its minimum, on isolated1 source 130)."""

import numpy as np

from polychrome import _core


def _held_step(matrix, gradient, x, lower, upper):
    """The limited step (fraction 1): the core's damped step without damping on ``matrix``."""
    return _core.lm_damped_step(matrix, gradient, np.ones(x.size), 0.0, None, False, x, lower, upper, None, 1.0)[0]


def _nearly_singular_boxes(count, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        a = rng.normal(size=(3, 3))
        a[2] = a[0] + 1e-3 * rng.normal(size=3)  # two columns of J nearly alike
        yield (a.T @ a, rng.normal(size=3), np.zeros(3), -np.abs(rng.normal(size=3)),
               np.abs(rng.normal(size=3)))


def _best_on_segment(hessian, gradient, direction, x, lower, upper):
    """The reference: the largest 2 t g.d - t^2 d.H.d on a fine grid of t in [0, reach], reach <= 1
    the largest with x + t d inside the box."""
    with np.errstate(divide="ignore"):
        cuts = np.where(direction > 0, (upper - x) / direction, np.where(direction < 0, (lower - x) / direction, np.inf))
    t = np.linspace(0.0, min(1.0, cuts.min()), 200001)
    return np.max(2.0 * t * (gradient @ direction) - t * t * (direction @ hessian @ direction))


def test_a_step_predicted_to_raise_chi2_falls_back_to_the_best_point_on_the_cut_segment():
    negative = 0
    for hessian, gradient, x, lower, upper in _nearly_singular_boxes(3000):
        diag = hessian.diagonal().copy()
        matrix = hessian + 1e-9 * np.diag(diag)
        step = _held_step(matrix, gradient, x, lower, upper)
        held = 2.0 * gradient @ step - step @ hessian @ step
        got = _core.lm_attainable_decrease(hessian, gradient, diag, 1e-9, x, lower, upper)
        if held >= 0.0:
            assert got == held or abs(got - held) <= 1e-12 * abs(gradient @ step)  # the usual case as it was
            continue
        negative += 1
        # the whole solution as the core's LU has it (np.linalg.solve's differs by ~1e-10 here, where
        # two columns of J are nearly alike)
        infinite = np.full(3, np.inf)
        direction = _held_step(matrix, gradient, x, -infinite, infinite)
        reference = _best_on_segment(hessian, gradient, direction, x, lower, upper)
        assert got > 0.0
        assert reference <= got <= reference * (1 + 1e-6) + 1e-12
    assert negative > 30  # the case was met
