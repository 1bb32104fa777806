"""fit.LM stepping Sersic brightnesses as log10 total flux (fit/total_flux_problem.py).

References: central differences of sersic_total_flux (the model's own derived flux) for the
offset's derivatives; central differences of chi^2 in y (transformed gradient); the map x(y)
differentiated numerically (T, for H_y = T^T H_x T); the plain fit's J^T W J inverted at the
same point (covariance); the plain fit from the same start (same minimum).
"""

import math

import numpy as np
import pytest
from scipy.special import digamma

import polychrome as pc
from polychrome import _core
from polychrome.fit import ModelProblem, covariance_from
from polychrome.fit.total_flux_problem import TotalFluxProblem, sersic_flux_links, sersic_log10_flux_offset
from polychrome.models.sersic import sersic_total_flux
from test_fit_models import _model_at_truth, _perturbed_model, _simulated_target

# vector layout of a Sersic model: center x, center y, q, PA, n, Re, Ie
Q, N, RE, IE = 2, 4, 5, 6


@pytest.mark.parametrize("n, Re, q", [(0.36, 0.05, 0.03), (0.5, 0.3, 0.4), (2.5, 3.0, 0.6), (8.0, 0.1, 1.0)])
def test_flux_offset_and_its_derivatives(n, Re, q):
    g, dn, dre, dq = sersic_log10_flux_offset(n, Re, q)
    assert g == pytest.approx(math.log10(sersic_total_flux(n, Re, 0.0, q)), rel=1e-15)
    log_flux = lambda *a: math.log10(sersic_total_flux(a[0], a[1], 1.7, a[2]))  # any Ie: the same offset
    for value, k in ((dn, 0), (dre, 1), (dq, 2)):
        point = [n, Re, q]
        h = 1e-6 * point[k]
        up, down = list(point), list(point)
        up[k] += h
        down[k] -= h
        assert value == pytest.approx((log_flux(*up) - log_flux(*down)) / (2 * h), rel=1e-7), k


@pytest.mark.parametrize("n", [0.36, 0.5, 1.0, 2.5, 4.0, 8.0, 10.0])
def test_flux_offset_derivative_in_n_against_scipy(n):
    """dg/dn (the core's digamma and b_n) against the formula with scipy's digamma, and g's b_n."""
    b, db_dn = _core.sersic_b(n)
    expected = (1.0 / n + db_dn - 2.0 * math.log(b) - 2.0 * n * db_dn / b + 2.0 * float(digamma(2.0 * n))) / math.log(10.0)
    assert sersic_log10_flux_offset(n, 0.3, 0.5)[1] == pytest.approx(expected, rel=1e-13, abs=1e-14)
    assert _core.sersic_flux_offset_derivatives(n, 0.3, 0.5)[0] == b


def test_flux_offset_needs_positive_arguments():
    for n, Re, q in ((0.0, 0.3, 0.5), (1.0, 0.0, 0.5), (1.0, 0.3, -0.1), (float("nan"), 0.3, 0.5)):
        with pytest.raises(ValueError):
            sersic_log10_flux_offset(n, Re, q)


def _flux_problem(model):
    problem = ModelProblem(model)
    links = sersic_flux_links(model, problem.free)
    assert links == [(IE, N, RE, Q)]
    return problem, TotalFluxProblem(problem, links, problem.free.get_values())


def test_fit_space_is_log10_total_flux_and_maps_back():
    model = _perturbed_model(_simulated_target(0))
    problem, flux = _flux_problem(model)
    x = problem.free.get_values()
    y = flux.start
    v = dict(zip(("n", "Re", "Ie", "q"), x[[N, RE, IE, Q]]))
    assert y[IE] == pytest.approx(math.log10(sersic_total_flux(v["n"], v["Re"], v["Ie"], v["q"])), rel=1e-14)
    assert np.array_equal(np.delete(y, IE), np.delete(x, IE))
    assert np.allclose(flux.to_model_space(y), x, rtol=1e-15, atol=1e-15)
    lower, upper, _ = flux.limits()
    assert lower[IE] == -np.inf and upper[IE] == np.inf
    assert lower[RE] == problem.limits()[0][RE]


def test_gradient_and_hessian_are_the_plain_ones_transformed():
    model = _perturbed_model(_simulated_target(1))
    problem, flux = _flux_problem(model)
    y = flux.start
    ne = flux.normal_equations(y)
    for i in range(y.size):
        h = 1e-5 * max(abs(y[i]), 1.0)
        up, down = y.copy(), y.copy()
        up[i] += h
        down[i] -= h
        derivative = (flux.chi2(up)[0] - flux.chi2(down)[0]) / (2 * h)
        assert np.isclose(ne.gradient[i], -0.5 * derivative, rtol=2e-4, atol=1e-3 * np.abs(ne.gradient).max()), i
    # T = dx/dy by central differences of the map
    t = np.zeros((y.size, y.size))
    for j in range(y.size):
        h = 1e-6 * max(abs(y[j]), 1.0)
        up, down = y.copy(), y.copy()
        up[j] += h
        down[j] -= h
        t[:, j] = (flux.to_model_space(up) - flux.to_model_space(down)) / (2 * h)
    plain = problem.normal_equations(flux.to_model_space(y))
    assert ne.chi2 == plain.chi2
    expected = t.T @ plain.hessian @ t
    assert np.allclose(ne.hessian, expected, rtol=1e-6, atol=1e-8 * np.abs(expected).max())


def test_covariance_equals_the_plain_one_at_the_converged_point():
    model = _perturbed_model(_simulated_target(2))
    result = pc.fit.LM(model, log_parameters=("n", "Re"), total_flux=True).fit()
    assert result.message == "success"
    plain = ModelProblem(model).normal_equations(result.x)
    covariance, _ = covariance_from(plain.hessian)
    assert np.allclose(result.covariance, covariance, rtol=1e-8, atol=0)
    assert np.allclose(result.hessian, plain.hessian, rtol=1e-8, atol=1e-8 * np.abs(plain.hessian).max())
    assert np.isclose(model["Ie"].uncertainty, np.sqrt(covariance[IE, IE]), rtol=1e-8)


def test_same_minimum_as_the_plain_fit():
    """A bright, resolved source (S/N ~50 at its peak): chi^2 there varies by a few tenths along
    the minimum's floor from the renderer's per-pixel accuracy (1e-4 relative), so both fits end
    within that of each other, and within 0.15 sigma. (Its plain valley is straight already: the
    flux steps take 7 more iterations than the plain ones over these 4 seeds; the survey's faint,
    small sources are where they pay: see total_flux_problem.)"""
    for seed in range(4):
        plain = pc.fit.LM(_perturbed_model(_simulated_target(seed)), log_parameters=("n", "Re")).fit()
        flux = pc.fit.LM(_perturbed_model(_simulated_target(seed)), log_parameters=("n", "Re"),
                         total_flux=True).fit()
        assert flux.message == "success" and plain.message == "success"
        assert abs(flux.chi2 - plain.chi2) < 0.6, seed
        assert np.all(np.abs(flux.x - plain.x) < 0.15 * plain.uncertainties), seed


def test_the_ellipse_still_turns_through_q_equal_1():
    """The q fold scales Re and keeps the flux: normalise must pass through the flux map."""
    from test_fit_models import TRUTH
    model = _model_at_truth(_simulated_target(3))
    model["q"].value = 0.9
    model["PA"].value = (TRUTH["PA"] + np.pi / 2) % np.pi
    result = pc.fit.LM(model, log_parameters=["Re", "n"], total_flux=True).fit()
    assert result.message == "success"
    for name in ("q", "PA", "Re", "Ie"):
        assert abs(model[name].value - TRUTH[name]) < 4 * model[name].uncertainty, name


def test_brightnesses_with_limits_or_locked_shapes_are_left_in_ie():
    model = _model_at_truth(_simulated_target(0))
    problem = ModelProblem(model)
    assert sersic_flux_links(model, problem.free) == [(IE, N, RE, Q)]
    assert sersic_flux_links(model, problem.free, problem.components) == [(IE, N, RE, Q)]
    model["Ie"].limits = (-1.0, 1.0)
    problem = ModelProblem(model)
    assert sersic_flux_links(model, problem.free) == [] == sersic_flux_links(model, problem.free, problem.components)
    model["Ie"].limits = (-np.inf, np.inf)
    model["n"].locked = True
    problem = ModelProblem(model)
    assert sersic_flux_links(model, problem.free) == [] == sersic_flux_links(model, problem.free, problem.components)


@pytest.mark.parametrize("singular_plain_fits", [0, 1, 2])
def test_a_flux_fit_ending_with_unconstrained_parameters_is_continued_in_ie(monkeypatch, singular_plain_fits):
    """The flux fit of an unresolved source can stop on the plateau where its shape no longer
    matters at fixed flux (J^T W J singular there); LM then fits in Ie from that point, and when
    that ends singular too, from the start; the lowest chi^2 is kept, all fits' iterations
    counted."""
    from polychrome.fit import lm as lm_module
    calls, iterations = [], []  # (in flux, start x, result); each fit's own iterations
    real = lm_module.levenberg_marquardt_checked

    def recording(problem, y0, *args, **kwargs):
        inner = getattr(problem, "problem", problem)  # under the log wrapper
        in_flux = isinstance(inner, TotalFluxProblem)
        result = real(problem, y0, *args, **kwargs)
        plain_so_far = sum(not flux for flux, _, _ in calls)
        if in_flux or plain_so_far < singular_plain_fits:  # as if stopped on the plateau
            result.unconstrained = np.ones(result.x.size, bool)
        if in_flux:
            result.chi2 += 1.0  # above the plain fits
        calls.append((in_flux, problem.to_model_space(y0), result))
        iterations.append(result.iterations)
        return result

    monkeypatch.setattr(lm_module, "levenberg_marquardt_checked", recording)
    model = _perturbed_model(_simulated_target(0))
    start = ModelProblem(model).free.get_values()
    result = pc.fit.LM(model, log_parameters=("n", "Re"), total_flux=True).fit()
    flux, plain = calls[0], calls[1:]
    assert flux[0] and not any(in_flux for in_flux, _, _ in plain)
    assert len(plain) == min(singular_plain_fits + 1, 2)
    assert np.allclose(plain[0][1], flux[2].x, rtol=1e-14)  # continued from the flux fit's end
    if len(plain) == 2:
        assert np.allclose(plain[1][1], start, rtol=1e-14)  # then from the start
    best = min((r for _, _, r in plain), key=lambda r: r.chi2)
    assert result is best
    assert result.iterations == sum(iterations)
    assert np.array_equal(np.array([model["n"].value, model["Re"].value]), result.x[[N, RE]])


def test_transformed_equations_are_the_matrix_products():
    """T^T g and T^T H T (one core call, _core.lm_transformed_equations, summed without fused
    multiply-adds: the same digits at every CPU level) are numpy's @ products to rounding (a few
    units in the last place of each element: numpy's BLAS fuses the multiply-adds)."""
    model = _perturbed_model(_simulated_target(1))
    problem, flux = _flux_problem(model)
    y = flux.start
    x, offsets = flux._model_space(y)
    t = flux._jacobian(offsets)
    plain = problem.normal_equations(x)
    ne = flux.normal_equations(y)
    np.testing.assert_allclose(ne.gradient, t.T @ plain.gradient, rtol=1e-14, atol=0.0)
    np.testing.assert_allclose(ne.hessian, t.T @ plain.hessian @ t, rtol=1e-14, atol=0.0)


def test_normalise_asks_the_fold_in_y_first_and_agrees_with_the_full_path():
    """With q <= 1 the fold changes nothing: y itself comes back without x being made; with q > 1
    the same y as through x (the path without the shortcut, fold None)."""
    model = _perturbed_model(_simulated_target(0))
    problem, flux = _flux_problem(model)
    assert flux.fold is problem.fold
    full = TotalFluxProblem(problem, flux.links, problem.free.get_values())
    full.fold = None
    for q in (0.3, 1.0, 1.7):
        y = flux.start.copy()
        y[Q] = q
        shortcut, reference = flux.normalise(y), full.normalise(y)
        assert shortcut.tobytes() == reference.tobytes()
        assert (shortcut is y) == (q <= 1.0)


def test_after_accepted_step_makes_no_x_when_no_window_follows(monkeypatch):
    """A model whose windows cannot follow its parameters: the hook says False without x made, and
    a LogScaledProblem around the flux one skips it too; with following windows it is called at x."""
    from polychrome.fit.log_scaled_problem import LogScaledProblem

    model = _perturbed_model(_simulated_target(0))
    problem, flux = _flux_problem(model)
    y = flux.start
    if problem.windows_follow:
        calls = []
        monkeypatch.setattr(problem, "after_accepted_step", lambda x: calls.append(x.copy()) or False)
        flux = TotalFluxProblem(problem, flux.links, problem.free.get_values())
        assert flux.windows_follow and flux.after_accepted_step(y) is False
        assert calls and calls[0].tobytes() == flux.to_model_space(y).tobytes()
    monkeypatch.setattr(type(problem), "windows_follow", property(lambda self: False))
    flux = TotalFluxProblem(problem, flux.links, problem.free.get_values())
    monkeypatch.setattr(flux, "to_model_space", lambda y: pytest.fail("x made"))
    assert not flux.windows_follow and flux.after_accepted_step(y) is False
    logged = LogScaledProblem(flux, [N, RE], flux.start)
    assert logged.after_accepted_step(logged.start) is False
