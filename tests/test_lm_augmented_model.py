"""levenberg_marquardt's augmented model (fit/augmented_model.py: NL2SOL's secant estimate S of
the curvature J^T W J leaves out, and the switching between the two models).

References: the secant condition S s = y - (J^T W J)_new s and the symmetric rank-2 form,
checked on random matrices; chi^2's true curvature along the step of an exactly quadratic chi^2
(the update must reproduce it); the same fits with the model switching turned off (Gauss-Newton
steps only, the old fitter): the same minimum, counted evaluations.
"""

import numpy as np
import pytest

from polychrome import _core
from polychrome.fit import augmented_model
from polychrome.fit.augmented_model import AugmentedModel
from polychrome.fit.levenberg_marquardt import levenberg_marquardt
from polychrome.fit.normal_equations import NormalEquations

T = np.linspace(-8.0, 8.0, 161)


def _random_symmetric(rng, size, shift=0.0):
    a = rng.normal(size=(size, size))
    return a @ a.T + shift * np.eye(size)


def test_update_meets_the_secant_condition_and_stays_symmetric():
    rng = np.random.default_rng(3)
    model = AugmentedModel(4)
    for _ in range(5):
        step, g_old = rng.normal(size=4), rng.normal(size=4)
        hessian_new = _random_symmetric(rng, 4, 1.0)
        curvature = _random_symmetric(rng, 4, 2.0)  # a true half-Hessian, hessian_new + S
        g_new = g_old - (hessian_new + curvature) @ step
        y = g_old - g_new
        assert y @ step > 0.0
        model.update(step, g_old, g_new, hessian_new)
        assert np.allclose(model.matrix @ step, y - hessian_new @ step, rtol=1e-10, atol=1e-10)
        assert np.array_equal(model.matrix, model.matrix.T)
    assert model.updates == 5


def test_update_follows_the_written_out_rank_2_form():
    # the form the update took in Python when the fits were recorded (np.multiply.outer, a new sum
    # S + the correction); the core's update (lm_secant_update) agrees to rounding
    rng = np.random.default_rng(5)
    for size in (1, 3, 8, 12):
        model, reference = AugmentedModel(size), np.zeros((size, size))
        for update in range(6):
            step, g_old = rng.normal(size=size), rng.normal(size=size)
            hessian_new = _random_symmetric(rng, size, 1.0)
            g_new = g_old - (hessian_new + _random_symmetric(rng, size, 2.0) * 0.3 ** update) @ step
            y = g_old - g_new
            ys = float(y.dot(step))
            v = y_sharp = y - hessian_new.dot(step)
            sized = None
            if update:
                s_step = reference.dot(step)
                along = float(step.dot(s_step))
                tau = min(1.0, abs(float(step.dot(y_sharp))) / abs(along)) if along != 0.0 else 1.0
                v = y_sharp - tau * s_step
                sized = reference if tau == 1.0 else tau * reference
            w = v * (1.0 / ys) - (float(v.dot(step)) / (2.0 * ys * ys)) * y
            half = np.multiply.outer(w, y)
            correction = half + half.T
            reference = correction if sized is None else sized + correction
            model.update(step, g_old, g_new, hessian_new)
            np.testing.assert_allclose(model.matrix, reference, rtol=1e-10, atol=1e-13 * np.abs(reference).max())
            assert np.array_equal(model.matrix, model.matrix.T)
        assert model.updates == 6


def test_update_learns_the_left_out_curvature_along_the_step():
    # chi^2/2's true half-Hessian A = H + D with D the part J^T W J leaves out (a quadratic:
    # y = A s exactly): after each step, the augmented model's curvature along it is A's
    rng = np.random.default_rng(5)
    hessian = _random_symmetric(rng, 3, 1.0)
    left_out = np.diag([0.8, 0.0, 1.5])
    model = AugmentedModel(3)
    for _ in range(4):
        step = rng.normal(size=3)
        model.update(step, np.zeros(3), -(hessian + left_out) @ step, hessian)
        assert step @ model.secant @ step == pytest.approx(step @ left_out @ step, rel=1e-10)


def test_update_sizes_down_a_term_that_has_shrunk():
    model = AugmentedModel(1)
    hessian = np.array([[1.0]])
    model.update(np.array([1.0]), np.zeros(1), np.array([-3.0]), hessian)  # S = 2
    assert model.matrix[0, 0] == pytest.approx(2.0)
    model.update(np.array([1.0]), np.zeros(1), np.array([-1.5]), hessian)  # y# = 0.5: tau = 1/4
    assert model.matrix[0, 0] == pytest.approx(0.5)


def test_update_is_skipped_where_chi2_is_not_convex_along_the_step():
    model = AugmentedModel(2)
    model.update(np.array([1.0, 0.0]), np.zeros(2), np.array([1.0, 0.0]), np.eye(2))  # y.s = -1
    assert model.updates == 0 and not model.matrix.any()
    assert model.secant is None  # the core's step then adds nothing


def test_steps_use_the_augmented_matrix_only_where_it_is_positive_definite():
    model = AugmentedModel(2)
    gradient, x, infinite = np.array([3.0, 6.0]), np.zeros(2), np.full(2, np.inf)

    def step():
        # the fitter's call: J^T W J = 1, the damping 0
        return _core.lm_damped_step(np.eye(2), gradient, np.ones(2), 0.0, model.secant, model.augmented, x,
                                    -infinite, infinite, None, 0.9)[:2]

    model.matrix = np.diag([0.5, -2.0])
    model.updates = 1
    d, augmented = step()
    assert np.array_equal(d, gradient) and not augmented  # not asked for yet
    model.augmented = True
    d, augmented = step()
    assert np.array_equal(d, gradient) and not augmented  # 1 - 2 < 0: Gauss-Newton's step
    model.matrix = np.diag([0.5, 2.0])
    d, augmented = step()
    assert augmented and np.array_equal(d, gradient / [1.5, 3.0])


@pytest.mark.parametrize("actual, predicted, other, switched", [
    (0.3, 1.0, 0.5, True),     # poor (rho 0.3), the other nearer: switch
    (0.3, 1.0, 2.0, False),    # poor, the other farther
    (0.7, 1.0, 0.7, False),    # rho 0.7 >= SWITCH_RHO: kept however well the other did
    (0.2, -0.1, 0.3, True),    # predicted an increase: poor
    (np.inf, 1.0, 1.0, False),  # non-finite chi^2: nothing learned
])
def test_models_switch_when_the_one_in_use_predicted_poorly_and_the_other_better(actual, predicted, other,
                                                                                 switched):
    assert augmented_model.SWITCH_RHO == 0.6
    model = AugmentedModel(1)
    model.choose(actual, predicted, other)
    assert not model.augmented  # no S yet: nothing to switch to
    model.updates = 1
    model.choose(actual, predicted, other)
    assert model.augmented == switched


class _FaintLine:
    """A faint Gaussian line (ln amplitude, centre, ln width) on a sky level, noise sigma = 1: at the
    minimum the residuals are noise and the ln width / amplitude valley curves, the case where
    chi^2's curvature exceeds J^T W J's (the survey's faint galaxies, in 1-d). Counts evaluations."""

    size = 4

    def __init__(self, seed):
        self.truth = np.array([0.0, 0.3, np.log(1.5), 0.2])
        self.data = self._model(self.truth)[0] + np.random.default_rng(seed).normal(size=T.size)
        self.evaluations = 0

    def _model(self, x):
        ln_amplitude, centre, ln_width, sky = x
        width = np.exp(ln_width)
        u = (T - centre) / width
        profile = np.exp(ln_amplitude - 0.5 * u * u)
        jacobian = np.stack([profile, profile * u / width, profile * u * u, np.ones_like(T)], axis=1)
        return profile + sky, jacobian

    def chi2(self, x):
        self.evaluations += 1
        residuals = self.data - self._model(x)[0]
        return float(residuals @ residuals), T.size

    def normal_equations(self, x):
        self.evaluations += 1
        model, jacobian = self._model(x)
        residuals = self.data - model
        return NormalEquations(float(residuals @ residuals), T.size, jacobian.T @ residuals, jacobian.T @ jacobian)


def _fit(seed, monkeypatch, gauss_newton_only):
    problem = _FaintLine(seed)
    with monkeypatch.context() as patch:
        if gauss_newton_only:
            patch.setattr(AugmentedModel, "choose", lambda self, *args: None)  # never leaves Gauss-Newton
        result = levenberg_marquardt(problem, problem.truth + np.array([0.3, 0.3, 0.2, -0.1]))
    assert result.success, result.message
    return result, problem.evaluations


def test_faint_lines_end_at_the_same_minimum_in_fewer_evaluations(monkeypatch):
    # measured: 280 evaluations -> 232 over the 40 noise draws, none more, largest shift 0.043 sigma
    # (two fits stopped by the same 1e-3 rule from different paths)
    plain_total = augmented_total = 0
    for seed in range(40):
        plain, plain_evaluations = _fit(seed, monkeypatch, True)
        augmented, augmented_evaluations = _fit(seed, monkeypatch, False)
        assert augmented_evaluations <= plain_evaluations, seed
        assert np.all(np.abs(augmented.x - plain.x) <= 0.05 * plain.uncertainties), seed
        assert augmented.chi2 <= plain.chi2 + 1e-3, seed
        assert np.array_equal(augmented.covariance, np.linalg.inv(augmented.hessian)) or np.allclose(
            augmented.covariance @ augmented.hessian, np.eye(4), atol=1e-8)  # still J^T W J's inverse
        plain_total += plain_evaluations
        augmented_total += augmented_evaluations
    assert augmented_total <= 0.9 * plain_total, (augmented_total, plain_total)


def test_a_crawling_fit_takes_augmented_steps(monkeypatch):
    # noise draw 5: Gauss-Newton crawls 12 iterations along the valley, the augmented model 6
    lines = []
    problem = _FaintLine(5)
    result = levenberg_marquardt(problem, problem.truth + np.array([0.3, 0.3, 0.2, -0.1]), verbose=1,
                                 print_function=lines.append)
    plain, _ = _fit(5, monkeypatch, True)
    assert any(line.split()[2] == "S" for line in lines), lines
    assert result.iterations < plain.iterations - 3
