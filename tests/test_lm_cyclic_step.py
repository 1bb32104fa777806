"""A cyclic parameter (a position angle) moves by at most a share of its period per LM step
(levenberg_marquardt._CYCLIC_STEP_FRACTION), held there while the others are solved again."""

import importlib
import math

import numpy as np
import pytest

from polychrome import _core
from polychrome.fit import NormalEquations, levenberg_marquardt
from polychrome.fit.cyclic_entries import CyclicEntries

lm_module = importlib.import_module("polychrome.fit.levenberg_marquardt")

PERIOD = math.pi
TRUTH = np.array([1.0, 0.3, 0.2])  # amplitude, angle (cyclic on [0, pi)), offset


class AngleProblem:
    """y_k = A cos(2 (theta_k - phi)) + c at angles theta_k: chi^2 periodic in phi (period pi),
    exact data; parameters (A, phi, c); analytic Jacobian."""

    size = 3

    def __init__(self):
        self.theta = np.linspace(0.0, math.pi, 24, endpoint=False)
        self.data = self.model(TRUTH)

    def model(self, x):
        A, phi, c = x
        return A * np.cos(2.0 * (self.theta - phi)) + c

    def jacobian(self, x):
        A, phi, _ = x
        wave = 2.0 * (self.theta - phi)
        return np.array([np.cos(wave), 2.0 * A * np.sin(wave), np.ones_like(self.theta)])

    def chi2(self, x):
        r = self.data - self.model(x)
        return float(r @ r), r.size

    def normal_equations(self, x):
        r = self.data - self.model(x)
        J = self.jacobian(x)
        return NormalEquations(float(r @ r), r.size, J @ r, J @ J.T)


def fit(start, max_iter):
    return levenberg_marquardt(AngleProblem(), start, lower=[-np.inf, 0.0, -np.inf],
                               upper=[np.inf, PERIOD, np.inf], cyclic=[False, True, False], max_iter=max_iter,
                               tolerance=1e-12)


def angle_between(a, b):
    """|a - b| on the circle of circumference PERIOD."""
    d = (a - b) % PERIOD
    return min(d, PERIOD - d)


START = [0.6, 1.1, 0.0]  # the angle 0.8 rad from the truth


def test_step_spans_put_each_cyclic_entry_within_reach_of_x():
    entries = CyclicEntries([False, True], [-np.inf, 0.0], [np.inf, PERIOD])
    spans = entries.step_spans(0.1, 2)
    assert spans.tolist() == [0.0, 0.1 * PERIOD]
    none = CyclicEntries([False, False], [0.0, 0.0], [1.0, 1.0])
    assert none.step_spans(0.1, 2) is None
    # the core's step holds the cyclic entry within x -/+ its span (at 0.9 of it), the other at its limit
    hessian, gradient = np.eye(2), np.array([10.0, -10.0])
    x, lower, upper = np.array([1.0, 3.0]), np.array([-np.inf, -np.inf]), np.array([5.0, np.inf])
    step = _core.lm_damped_step(hessian, gradient, np.ones(2), 0.0, None, False, x, lower, upper, spans, 0.9)[0]
    assert step.tolist() == [0.9 * (5.0 - 1.0), 0.9 * ((3.0 - 0.1 * PERIOD) - 3.0)]


def test_each_step_moves_the_angle_by_at_most_the_share_of_its_period():
    # the fit after k iterations (deterministic) is the path's k-th point
    path = [fit(START, k).x for k in range(1, 12)]
    angles = [START[1]] + [x[1] for x in path]
    moves = [angle_between(a, b) for a, b in zip(angles, angles[1:])]
    assert max(moves) <= lm_module._CYCLIC_STEP_FRACTION * PERIOD * (1 + 1e-12)
    assert max(moves) > 0.5 * lm_module._CYCLIC_STEP_FRACTION * PERIOD  # the cap was reached


def test_without_the_cap_the_first_step_swings_the_angle_further(monkeypatch):
    # (so that the test above can fail: the Gauss-Newton step alone goes beyond the cap here)
    monkeypatch.setattr(lm_module, "_CYCLIC_STEP_FRACTION", 10.0)
    first = fit(START, 1).x
    assert angle_between(first[1], START[1]) > 0.1 * PERIOD


@pytest.mark.parametrize("start_angle", [0.0, 1.1, 1.5, 2.9])
def test_the_capped_fit_reaches_the_minimum(start_angle):
    result = fit([0.6, start_angle, 0.0], 100)
    assert result.success
    # the truth, or its twin (-A, phi + pi/2): the same model
    twin = result.x[0] < 0
    assert angle_between(result.x[1] - twin * PERIOD / 2, TRUTH[1]) < 1e-6
    np.testing.assert_allclose(result.x[[0, 2]] * [1 - 2 * twin, 1], TRUTH[[0, 2]], atol=1e-6)
