"""Evaluations that read the parameter vector straight into the renderers.

Where every component's renderer can read its arguments off the fitter's vector
(``render.at_vector``: a galaxy whose parameters are the core's, a flat sky),
ModelProblem hands it the clipped vector instead of writing the parameters and
reading them back, and fit.LM's problem (``keep_model_current=False``) writes the
model only when it must. Checked against the path that writes the model and
renders from its parameters (the reference: the same plan with ``at`` removed),
bit for bit; the wrappers' list path against their array path around a problem
that only has the public interface.
"""

import contextlib

import numpy as np
import pytest

import polychrome as pc
from polychrome.fit import ModelProblem
from polychrome.fit.log_scaled_problem import LogScaledProblem
from polychrome.fit.total_flux_problem import TotalFluxProblem, sersic_flux_links
from test_model_problem_plan import _cutout, _survey_group


def _written_model_path(problem):
    """``problem`` made to render from the model's parameters (written at every evaluation), as
    before the vector path: its plans built, every slot's ``at`` removed."""
    problem.normal_equations(problem.free.get_values())
    for plan in problem._plans:
        for slot in plan.slots:
            slot.at, slot.fresh = None, False
        plan.reads_vector = False
    problem._reads_vector = False
    return problem


def _points(x0, cyclic_index=None):
    """Vectors around x0: small steps, one beyond the limits (clipped), one with PA past pi (wrapped)."""
    points = [x0, x0 + np.linspace(-0.05, 0.05, x0.size), x0 - 0.03]
    beyond = x0.copy()
    beyond[2] = 1.7  # q above its upper limit of 1: clipped
    points.append(beyond)
    if cyclic_index is not None:
        turned = x0.copy()
        turned[cyclic_index] += 4.0  # PA wrapped into [0, pi)
        points.append(turned)
    return points


def _assert_same(a, b):
    assert a.chi2 == b.chi2 and a.ndata == b.ndata
    np.testing.assert_array_equal(a.gradient, b.gradient)
    np.testing.assert_array_equal(a.hessian, b.hessian)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("sky_window", [None, [[5, 40], [3, 30]]])
@pytest.mark.parametrize("keep_model_current", [True, False])
def test_vector_path_equals_the_written_model_bit_for_bit(masked, sky_window, keep_model_current):
    """Normal equations and chi^2 read off the vector equal those rendered from the written model
    at every point, clipped and wrapped ones included, and the model path is not taken."""
    target = _cutout(masked)
    problem = ModelProblem(_survey_group(target, sky_window=sky_window), keep_model_current=keep_model_current)
    reference = _written_model_path(ModelProblem(_survey_group(target, sky_window=sky_window)))
    x0 = problem.free.get_values()
    problem.normal_equations(x0)
    assert problem._reads_vector and all(slot.at is not None for slot in problem._plans[0].slots)
    assert problem._plans[0].slots[0].fresh  # the galaxy covers the window: its image is the window's
    cyclic = int(np.flatnonzero(problem.limits()[2])[0])
    for x in _points(x0, cyclic):
        _assert_same(problem.normal_equations(x), reference.normal_equations(x))
        assert problem.chi2(x) == reference.chi2(x)


def test_two_targets_read_the_vector_too():
    """Two cutouts, the galaxy's shape linked (blockwise accumulation into the vector): the vector
    path equals the written model's, bit for bit."""
    def joint():
        first, second = _cutout(False, seed=1), _cutout(True, seed=2)
        a, b = _survey_group(first, name="a"), _survey_group(second, name="b")
        b.models["galaxy"].add_equality_constraint(a.models["galaxy"], ["center", "q", "PA", "n", "Re"])
        return pc.models.Model(name="joint", model_type="group model", models=[a, b])

    problem = ModelProblem(joint(), keep_model_current=False)
    reference = _written_model_path(ModelProblem(joint()))
    x0 = problem.free.get_values()
    problem.normal_equations(x0)
    assert problem._reads_vector and not any(plan.fills_vector for plan in problem._plans)
    for x in _points(x0):
        _assert_same(problem.normal_equations(x), reference.normal_equations(x))
        assert problem.chi2(x) == reference.chi2(x)


def test_a_blockwise_plan_reads_the_vector(monkeypatch):
    """Components accumulated one by one (not stacked): the same equations from the vector."""
    monkeypatch.setattr("polychrome.fit.model_problem.STACKED_VALUES", 0)
    target = _cutout(True)
    problem = ModelProblem(_survey_group(target, sky_window=[[5, 40], [3, 30]]), keep_model_current=False)
    reference = _written_model_path(ModelProblem(_survey_group(target, sky_window=[[5, 40], [3, 30]])))
    x0 = problem.free.get_values()
    problem.normal_equations(x0)
    assert not problem._plans[0].stacked and problem._reads_vector
    for x in _points(x0):
        _assert_same(problem.normal_equations(x), reference.normal_equations(x))


def test_evaluations_leave_the_model_alone_until_restore():
    """keep_model_current=False: once the plan stands, evaluations within a fit (windows held) do
    not write the parameters; restore does. Outside a fit (windows not held: they follow the
    parameters), and with the default, the model holds the last evaluation's (clipped) vector."""
    target = _cutout(False)
    lagging = ModelProblem(_survey_group(target), keep_model_current=False)
    current = ModelProblem(_survey_group(target))
    free = ModelProblem(_survey_group(target), keep_model_current=False)  # windows not held
    x0 = lagging.free.get_values()
    x1 = x0 + np.linspace(-0.05, 0.05, x0.size)
    x1[2] = 1.5  # clipped to q = 1
    for problem in (lagging, current, free):
        with contextlib.ExitStack() as held:
            if problem is not free:
                held.enter_context(problem.model.automatic_windows_held())
            problem.normal_equations(x0)
            problem.normal_equations(x1)
            problem.chi2(x1)
    np.testing.assert_array_equal(lagging.free.get_values(), x0)
    np.testing.assert_array_equal(free.free.get_values(), current.free.get_values())
    expected = x1.copy()
    expected[2] = 1.0  # q's own upper limit
    np.testing.assert_array_equal(current.free.get_values(), expected)
    lagging.restore(x1)
    np.testing.assert_array_equal(lagging.free.get_values(), expected)


def test_a_locked_parameter_falls_back_to_the_written_model():
    """A galaxy with a locked n cannot read all its arguments off the vector: the plan renders
    from the model, written at every evaluation even with keep_model_current=False."""
    def group():
        built = _survey_group(_cutout(True))
        built.models["galaxy"]["n"].locked = True
        return built

    problem = ModelProblem(group(), keep_model_current=False)
    reference = ModelProblem(group())
    x0 = problem.free.get_values()
    problem.normal_equations(x0)
    assert not problem._reads_vector and problem._plans[0].slots[0].at is None
    assert problem._plans[0].slots[1].at is not None  # the sky's F is free
    x1 = x0 + 0.01
    _assert_same(problem.normal_equations(x1), reference.normal_equations(x1))
    np.testing.assert_array_equal(problem.free.get_values(), x1)


class _PublicOnly:
    """A problem with ModelProblem's public interface alone (no list path)."""

    def __init__(self, problem):
        self._problem = problem
        self.size, self.fold = problem.size, problem.fold

    def limits(self):
        return self._problem.limits()

    def chi2(self, x):
        assert isinstance(x, np.ndarray)
        return self._problem.chi2(x)

    def normal_equations(self, x):
        assert isinstance(x, np.ndarray)
        return self._problem.normal_equations(x)


def _wrapped(problem, inner):
    x0 = problem.free.get_values()
    links = sersic_flux_links(problem.model, problem.free)
    flux = TotalFluxProblem(inner, links, x0)
    return LogScaledProblem(flux, [4, 5], flux.start)


def test_wrappers_hand_lists_as_their_arrays_would_be():
    """LogScaledProblem around TotalFluxProblem: x handed on as lists of floats gives the equations
    and chi^2 of the arrays handed to a problem with the public interface only, bit for bit."""
    target = _cutout(True)
    problem = ModelProblem(_survey_group(target), keep_model_current=False)
    fast = _wrapped(problem, problem)
    reference_problem = ModelProblem(_survey_group(target))
    slow = _wrapped(reference_problem, _PublicOnly(reference_problem))
    y0 = fast.start
    np.testing.assert_array_equal(y0, slow.start)
    for y in (y0, y0 + np.linspace(-0.05, 0.05, y0.size), y0 - 0.02):
        _assert_same(fast.normal_equations(y), slow.normal_equations(y))
        assert fast.chi2(y) == slow.chi2(y)
        # the inner wrapper's own list path too
        x = fast.to_model_space(y)
        _assert_same(fast.problem.normal_equations(x), slow.problem.normal_equations(x))
        assert fast.problem.chi2(x) == slow.problem.chi2(x)


def test_lm_restores_the_best_point_when_interrupted(monkeypatch):
    """fit.LM's problem does not write the model at its evaluations: an exception inside the fit
    still leaves the model at the best point met (the lowest chi^2 evaluated)."""
    group = _survey_group(_cutout(False, seed=3))
    group.models["galaxy"]["Re"].value = 2.0  # far from the data's best, so that steps are accepted
    seen = []
    original = ModelProblem._terms_at

    def recording(self, x):
        if len(seen) == 5:
            raise KeyboardInterrupt
        terms = original(self, x)
        seen.append(terms[0])
        return terms

    monkeypatch.setattr(ModelProblem, "_terms_at", recording)
    with pytest.raises(KeyboardInterrupt):
        pc.fit.LM(group, log_parameters=("n", "Re"), total_flux=True).fit()
    monkeypatch.undo()
    check = ModelProblem(group)
    chi2 = check.normal_equations(check.free.get_values()).chi2
    assert min(seen) < seen[0]
    assert chi2 == min(seen)


def test_each_lm_run_starts_with_the_model_at_its_start(monkeypatch):
    """fit.LM's runs in Ie after a flux fit that ends singular (from its end, then from the start)
    find the model at their own start (ModelProblem.limits reads a centre's value there), not
    where the evaluations of the run before left it."""
    from polychrome.fit import lm as lm_module
    from test_fit_total_flux import _perturbed_model, _simulated_target
    real, starts = lm_module.levenberg_marquardt_checked, []

    def recording(problem, y0, *args, **kwargs):
        inner, x0 = problem, y0
        while hasattr(inner, "problem"):  # through every wrapper to the model's x
            inner, x0 = inner.problem, inner.to_model_space(x0)
        starts.append((inner.free.get_values(), x0))
        result = real(problem, y0, *args, **kwargs)
        result.unconstrained = np.ones(result.x.size, bool)  # every run as if ended singular
        return result

    monkeypatch.setattr(lm_module, "levenberg_marquardt_checked", recording)
    pc.fit.LM(_perturbed_model(_simulated_target(0)), log_parameters=("n", "Re"), total_flux=True).fit()
    assert len(starts) == 3
    for held, start in starts:
        np.testing.assert_allclose(held, start, rtol=1e-14, atol=0)


def test_writer_columns_are_the_free_parameters_slices():
    """VectorWriter lays the quantities out as FreeParameters does (linked ones once, a centre two
    entries, locked ones left out): its columns_of agrees with free.slice_of for every parameter."""
    first, second = _cutout(False, seed=1), _cutout(True, seed=2)
    a, b = _survey_group(first, name="a"), _survey_group(second, name="b", sky_locked=True)
    b.models["galaxy"].add_equality_constraint(a.models["galaxy"], ["center", "q", "PA", "n", "Re"])
    problem = ModelProblem(pc.models.Model(name="joint", model_type="group model", models=[a, b]))
    parameters = problem.model.all_parameters()
    assert any(problem.free.slice_of(p) is None for p in parameters)  # the locked sky
    for parameter in parameters:
        assert problem._writer.columns_of(parameter.quantity) == problem.free.slice_of(parameter)
