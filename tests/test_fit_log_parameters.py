"""fit.LM stepping chosen positive parameters in their logarithm (fit/log_scaled_problem.py).

References: the linear fit's own J^T W J inverted at the same point (covariance), central
differences of chi^2 in ln x (transformed gradient), the simulated truth of test_fit_models
(exact pixel integrals from tests/reference_integrals.py plus noise).
"""

import numpy as np
import pytest

import polychrome as pc
from polychrome.fit import ModelProblem, covariance_from, model_problem
from polychrome.fit.log_scaled_problem import LogScaledProblem
from test_fit_models import TRUE_VECTOR, TRUTH, _model_at_truth, _perturbed_model, _simulated_target, _values

# vector layout of a Sersic model: center x, center y, q, PA, n, Re, Ie
N, RE = 4, 5


def _counted_fit(model, monkeypatch, **options):
    """(FitResult, evaluations of the model: normal equations + chi^2)."""
    count = [0]
    ne, chi2 = model_problem.ModelProblem.normal_equations, model_problem.ModelProblem.chi2

    def counted_ne(self, x):
        count[0] += 1
        return ne(self, x)

    def counted_chi2(self, x):
        count[0] += 1
        return chi2(self, x)

    with monkeypatch.context() as patch:
        patch.setattr(model_problem.ModelProblem, "normal_equations", counted_ne)
        patch.setattr(model_problem.ModelProblem, "chi2", counted_chi2)
        result = pc.fit.LM(model, **options).fit()
    return result, count[0]


def test_gradient_is_the_central_difference_of_chi2_in_ln_x():
    model = _perturbed_model(_simulated_target(0))
    problem = ModelProblem(model)
    x = problem.free.get_values()
    logged = LogScaledProblem(problem, [N, RE], x)
    y = logged.start
    assert np.allclose(logged.to_model_space(y), x, rtol=1e-15, atol=0)
    g = logged.normal_equations(y).gradient
    for i in range(y.size):
        h = 1e-5 * max(abs(y[i]), 1.0)
        up, down = y.copy(), y.copy()
        up[i] += h
        down[i] -= h
        derivative = (logged.chi2(up)[0] - logged.chi2(down)[0]) / (2 * h)
        # g = J^T W r is minus half the derivative of chi^2
        assert np.isclose(g[i], -0.5 * derivative, rtol=2e-4, atol=1e-3 * np.abs(g).max()), i


def test_covariance_equals_the_linear_one_at_the_converged_point():
    model = _perturbed_model(_simulated_target(1))
    result = pc.fit.LM(model, log_parameters=("n", "Re")).fit()
    assert result.success, result.message
    linear = ModelProblem(model).normal_equations(result.x)
    covariance, _ = covariance_from(linear.hessian)
    assert np.allclose(result.covariance, covariance, rtol=1e-9, atol=0)
    assert np.allclose(result.hessian, linear.hessian, rtol=1e-9, atol=1e-9 * np.abs(linear.hessian).max())
    assert np.allclose(result.uncertainties, np.sqrt(np.diag(covariance)), rtol=1e-9)
    assert np.isclose(model["Re"].uncertainty, np.sqrt(covariance[RE, RE]), rtol=1e-9)
    assert np.allclose(_values(model), result.x)


def test_recovers_the_truth_in_no_more_evaluations_and_the_same_chi2(monkeypatch):
    evaluations = {"linear": 0, "log": 0}
    for seed in range(4):
        linear, count = _counted_fit(_perturbed_model(_simulated_target(seed)), monkeypatch)
        evaluations["linear"] += count
        model = _perturbed_model(_simulated_target(seed))
        logged, count = _counted_fit(model, monkeypatch, log_parameters=("n", model["Re"]))
        evaluations["log"] += count
        assert logged.message == "success" and linear.message == "success"
        # both stop within ~0.03 sigma of the minimum: chi^2 equal to well under 1 (1 sigma)
        assert abs(logged.chi2 - linear.chi2) < 0.3, seed
        pull = (logged.x - TRUE_VECTOR) / logged.uncertainties
        assert np.all(np.abs(pull) < 4), dict(zip(logged.names, pull))
        assert np.all(np.abs(logged.x - linear.x) < 0.3 * linear.uncertainties), seed
    # 74 linear against 65 in ln n, ln Re when written
    assert evaluations["log"] <= evaluations["linear"], evaluations


def test_limits_are_kept_and_mapped_to_their_logarithm():
    model = _perturbed_model(_simulated_target(2))
    model["Re"].value = 2.0
    model["Re"].limits = (0.0, 2.8)  # the truth, 3.0, is outside: the fit presses on 2.8
    model["n"].limits = (1.0, 8.0)
    problem = ModelProblem(model)
    logged = LogScaledProblem(problem, [N, RE], problem.free.get_values())
    lower, upper, _ = logged.limits()
    assert lower[RE] == -np.inf and upper[RE] == np.log(2.8)
    assert lower[N] == 0.0 and upper[N] == np.log(8.0)
    assert lower[0] == problem.limits()[0][0]  # linear entries untouched
    result = pc.fit.LM(model, log_parameters=("n", "Re")).fit()
    assert result.success, result.message
    assert 2.7 < model["Re"].value <= 2.8
    assert 1.0 <= model["n"].value <= 8.0


def test_the_ellipse_still_turns_through_q_equal_1_with_re_in_ln():
    """The q fold scales Re (normalise) in x: it must pass through the log transform."""
    target = _simulated_target(3)
    model = _model_at_truth(target)
    model["q"].value = 0.9
    model["PA"].value = (TRUTH["PA"] + np.pi / 2) % np.pi
    result = pc.fit.LM(model, log_parameters=["Re", "n"]).fit()
    assert result.message == "success"
    for name in ("q", "PA", "Re"):
        assert abs(model[name].value - TRUTH[name]) < 4 * model[name].uncertainty, name


def test_normalise_keeps_untouched_log_entries_exactly():
    model = _model_at_truth(_simulated_target(0))
    problem = ModelProblem(model)
    logged = LogScaledProblem(problem, [N, RE], problem.free.get_values())
    y = logged.start
    assert np.array_equal(logged.normalise(y), y)
    wide = y.copy()
    wide[2] = 1.0 / 0.6  # q above 1: Re is scaled by q
    folded = logged.normalise(wide)
    assert np.isclose(folded[2], 0.6) and np.isclose(folded[RE], y[RE] + np.log(1.0 / 0.6))
    assert folded[N] == y[N]


def test_bad_log_parameters_are_refused_clearly():
    model = _model_at_truth(_simulated_target(0))
    with pytest.raises(ValueError, match="Ie.*lower limit >= 0"):
        pc.fit.LM(model, log_parameters=["Ie"]).fit()  # log10 brightness: may be negative
    with pytest.raises(ValueError, match="cyclic"):
        pc.fit.LM(model, log_parameters=["PA"]).fit()
    with pytest.raises(ValueError, match="'flux' names no free parameter"):
        pc.fit.LM(model, log_parameters=["flux"]).fit()
    with pytest.raises(TypeError, match="log_parameters"):
        pc.fit.LM(model, log_parameters=[3])
    model["Re"].limits = (0.0, 10.0)
    model["Re"].value = 0.0
    with pytest.raises(ValueError, match=r"gal:Re must have a finite value > 0.*got 0\.0"):
        pc.fit.LM(model, log_parameters=["gal:Re"]).fit()
    model["n"].locked = True
    with pytest.raises(ValueError, match="parameter 'n' names no free parameter"):
        pc.fit.LM(model, log_parameters=[model["n"]]).fit()


def test_default_is_linear_and_identical():
    first = pc.fit.LM(_perturbed_model(_simulated_target(0))).fit()
    second = pc.fit.LM(_perturbed_model(_simulated_target(0)), log_parameters=()).fit()
    assert np.array_equal(first.x, second.x) and first.iterations == second.iterations
