"""The evaluation plan's shortcuts give what the model's own renders give.

A survey's fit (one PSF-convolved Sersic and a flat sky on a cutout) takes the
plan's quickest path: the galaxy's parameters read straight into the core's
arguments, the sky's Jacobian row written into the stack once per plan, its
image a value, and the equations returned as the core gives them when one
target's rows are the whole parameter vector. Each is checked against an
independent reference: J^T W J and J^T W r from the model's own Jacobian
(sample_with_jacobian), chi^2 from its own image, and the general (dict)
render path.
"""

import numpy as np
import pytest

import polychrome as pc
from polychrome.fit import ModelProblem
from polychrome.models.flat_sky import UniformRender
from polychrome.models.galaxy_model import GalaxyModel
from polychrome.utils.initialize import gaussian_psf
from test_fit_normal_equations import assert_equations_match_full_jacobian


def _cutout(masked, seed=5, shape=(41, 45)):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, bool)
    if masked:
        mask[2:6, 8:30] = True
        mask[20, 20] = True
    variance = rng.uniform(0.5, 2.0, size=shape)
    return pc.image.TargetImage(rng.normal(size=shape), variance=variance, mask=mask, pixelscale=0.2,
                                origin=(1.0, -2.0), psf=gaussian_psf(0.25, 7, 0.2))


def _survey_group(target, sky_window=None, sky_locked=False, name="group"):
    galaxy = pc.models.Model(name="galaxy", model_type="sersic galaxy model", target=target,
                             window=target.window, center=[5.4, 2.1], q=0.6, PA=0.7, n=2.5, Re=1.1, Ie=0.3)
    sky = pc.models.Model(name="sky", model_type="flat sky model", target=target, window=sky_window, F=0.4)
    sky["F"].locked = sky_locked
    return pc.models.Model(name=name, model_type="group model", models=[galaxy, sky], target=target)


def _brute_force_chi2(problem, x):
    problem.free.set_values(x, clip_to_limits=True)
    image = problem.model.sample()
    target = problem.model.targets[0]
    view = target[problem.model.windows[0]]
    use = ~view.mask
    return float(np.sum((view.data[use] - image.data[use]) ** 2 / view.variance[use])), int(use.sum())


def _assert_equations(problem, x):
    assert_equations_match_full_jacobian(problem, x)
    value, count = problem.chi2(x)
    reference, reference_count = _brute_force_chi2(problem, x)
    assert count == reference_count
    assert value == pytest.approx(reference, rel=1e-12)


@pytest.mark.parametrize("masked", [False, True])
def test_survey_cutout_takes_the_whole_vector_path(masked):
    """Galaxy + sky on one cutout: the plan is stacked, its rows the whole vector in order; the
    equations match the model's own Jacobian at the start and after steps (the stack is reused,
    the sky's row written once)."""
    group = _survey_group(_cutout(masked))
    problem = ModelProblem(group)
    x = problem.free.get_values()
    _assert_equations(problem, x)
    plan = problem._plans[0]
    assert plan.stacked and plan.fills_vector
    assert [slot.uniform is not None for slot in plan.slots] == [False, True]
    for step in ([0.02, -0.03, 0.05, 0.1, 0.2, -0.1, 0.05, 0.01], [-0.04, 0.01, -0.1, 0.3, -0.5, 0.2, -0.1, -0.2]):
        _assert_equations(problem, x + np.array(step))
    # the sky's row is still the pixel area, the galaxy's rows those of the last evaluation
    np.testing.assert_array_equal(plan.stack[-1], group.targets[0].pixel_area)


def test_repeated_evaluations_equal_a_fresh_problem_bit_for_bit():
    """A plan reused across evaluations gives exactly what a new problem gives at the same x."""
    target = _cutout(True)
    problem = ModelProblem(_survey_group(target))
    x0 = problem.free.get_values()
    x1 = x0 + np.linspace(-0.05, 0.05, x0.size)
    problem.normal_equations(x0)
    problem.chi2(x0)
    reused, reused_chi2 = problem.normal_equations(x1), problem.chi2(x1)
    fresh_problem = ModelProblem(_survey_group(target))
    fresh = fresh_problem.normal_equations(x1)
    assert reused.chi2 == fresh.chi2 and reused_chi2 == fresh_problem.chi2(x1)
    np.testing.assert_array_equal(reused.gradient, fresh.gradient)
    np.testing.assert_array_equal(reused.hessian, fresh.hessian)


def test_galaxy_rows_written_by_the_core_equal_the_copied_ones():
    """The galaxy's Jacobian written by the core into the stack (writes_into) gives the equations
    the copy into the stack gives (the old path), bit for bit, at several points."""
    target = _cutout(True)
    direct, copied = ModelProblem(_survey_group(target)), ModelProblem(_survey_group(target))
    x0 = direct.free.get_values()
    direct.normal_equations(x0)
    copied.normal_equations(x0)
    assert [slot.writes_into for slot in direct._plans[0].slots] == [True, False]
    assert direct._plans[0].outs[0] is not None
    copied._plans[0].outs = [None] * len(copied._plans[0].slots)  # the copy, as before writes_into
    for x in (x0, x0 + np.linspace(-0.05, 0.05, x0.size), x0 - 0.02):
        a, b = direct.normal_equations(x), copied.normal_equations(x)
        assert a.chi2 == b.chi2
        np.testing.assert_array_equal(a.gradient, b.gradient)
        np.testing.assert_array_equal(a.hessian, b.hessian)
    np.testing.assert_array_equal(direct._plans[0].stack, copied._plans[0].stack)


@pytest.mark.parametrize("sky_locked", [False, True])
def test_sky_on_part_of_the_window_and_a_locked_sky(sky_locked):
    """A sky covering part of the galaxy's window (its value added there only, its row written
    there only), or locked (no row at all): the equations still match the full Jacobian's."""
    target = _cutout(True)
    group = _survey_group(target, sky_window=[[5, 40], [3, 30]], sky_locked=sky_locked)
    problem = ModelProblem(group)
    x = problem.free.get_values()
    _assert_equations(problem, x)
    _assert_equations(problem, x + 0.01)
    assert problem._plans[0].stacked


def test_two_targets_add_into_the_vector():
    """Two cutouts with the galaxy's shape linked: each plan fills part of the vector (no
    shortcut), and the sum matches the full Jacobian's equations."""
    first, second = _cutout(False, seed=1), _cutout(True, seed=2)
    a, b = _survey_group(first, name="a"), _survey_group(second, name="b")
    b.models["galaxy"].add_equality_constraint(a.models["galaxy"], ["center", "q", "PA", "n", "Re"])
    joint = pc.models.Model(name="joint", model_type="group model", models=[a, b])
    problem = ModelProblem(joint)
    x = problem.free.get_values()
    problem.normal_equations(x)
    assert not any(plan.fills_vector for plan in problem._plans)
    assert_equations_match_full_jacobian(problem, x)


def test_plain_renderer_equals_the_general_path(monkeypatch):
    """The Sersic's direct renderer gives the general (dict) path's image and Jacobian, bit for bit."""
    group = _survey_group(_cutout(False))
    galaxy = group.models["galaxy"]
    assert galaxy._renders_profile_parameters()
    fast = galaxy._renderer()
    monkeypatch.setattr(GalaxyModel, "_renders_profile_parameters", lambda self: False)
    general = galaxy._renderer()
    for values in ({}, {"center": [5.0, 2.4], "q": 0.9, "PA": 3.0, "n": 0.7, "Re": 0.3, "Ie": -0.5}):
        for name, value in values.items():
            galaxy[name].value = value
        np.testing.assert_array_equal(fast(False)[0], general(False)[0])
        assert fast(False)[1] is None
        image, jacobian = fast(True)
        reference_image, reference_jacobian = general(True)
        np.testing.assert_array_equal(image, reference_image)
        np.testing.assert_array_equal(jacobian, reference_jacobian)


@pytest.mark.parametrize("model_type", ["sersic galaxy model", "exponential galaxy model", "moffat galaxy model"])
def test_models_with_their_own_conversions_keep_the_general_path(model_type):
    """Only models whose parameters are the core's as they are take the direct renderer."""
    target = _cutout(False)
    model = pc.models.Model(name="m", model_type=model_type, target=target)
    expected = type(model)._core_parameters is GalaxyModel._core_parameters and \
        type(model)._core_to_model_jacobian is GalaxyModel._core_to_model_jacobian
    assert model._renders_profile_parameters() == expected
    star = pc.models.Model(name="s", model_type="gaussian galaxy model", target=target)
    assert not star._renders_profile_parameters()  # its I0/sigma are converted for the core


def test_uniform_render_matches_a_full_image():
    """The flat sky's renderer: value() x every pixel and a constant, read-only row of the area."""
    target = _cutout(False)
    sky = pc.models.Model(name="sky", model_type="flat sky model", target=target, F=-0.3)
    render = sky._renderer()
    assert isinstance(render, UniformRender)
    image, rows = render(True)
    assert image.shape == target.shape and np.all(image == -0.3 * target.pixel_area)
    assert render.value() == -0.3 * target.pixel_area
    assert rows is render.constant_rows and not rows.flags.writeable
    np.testing.assert_array_equal(rows, np.full((1,) + target.shape, target.pixel_area))
    sky["F"].value = 2.0
    assert render(False)[1] is None and np.all(render(False)[0] == 2.0 * target.pixel_area)


@pytest.mark.parametrize("sky_window", [None, [[5, 40], [3, 30]]])
def test_stack_without_zeros_is_written_in_full_before_use(monkeypatch, sky_window):
    """The stack is made without zeros where every slot covers the whole window: each row must be
    written in full before the core reads it. Poisoned with NaN instead of left uninitialised,
    the equations still equal those of a stack made with zeros, bit for bit (a sky on part of
    the window keeps the zeros)."""
    target = _cutout(True)
    x0 = ModelProblem(_survey_group(target, sky_window=sky_window)).free.get_values()
    points = (x0, x0 + np.linspace(-0.05, 0.05, x0.size))
    with monkeypatch.context() as patch:
        patch.setattr(np, "empty", lambda shape: np.full(shape, np.nan))
        poisoned = ModelProblem(_survey_group(target, sky_window=sky_window))
        got = [poisoned.normal_equations(x) for x in points]
    with monkeypatch.context() as patch:
        patch.setattr(np, "empty", np.zeros)
        zeroed = ModelProblem(_survey_group(target, sky_window=sky_window))
        expected = [zeroed.normal_equations(x) for x in points]
    for a, b in zip(got, expected):
        assert np.isfinite(a.chi2) and a.chi2 == b.chi2
        np.testing.assert_array_equal(a.gradient, b.gradient)
        np.testing.assert_array_equal(a.hessian, b.hessian)


@pytest.mark.parametrize("noise_tolerance", [None, 1e-2])
def test_one_call_equations_equal_the_render_and_accumulate_path(noise_tolerance):
    """An unmasked galaxy + sky cutout takes one core call per evaluation (the render, the residuals
    and the normal equations, render_convolved_normal_equations); the equations equal those of the
    render followed by _core.normal_equations (the plan without that call) bit for bit, with the
    Jacobian in double and, at a noise tolerance, in single precision, and the stacks hold the same
    rows. A masked cutout, and a sky on part of the window, keep the two calls."""
    target = _cutout(False)
    one, two = _survey_group(target), _survey_group(target)
    if noise_tolerance is not None:
        one.set_noise_tolerance(noise_tolerance)
        two.set_noise_tolerance(noise_tolerance)
    fused, plain = ModelProblem(one), ModelProblem(two)
    x0 = fused.free.get_values()
    fused.normal_equations(x0)
    plain.normal_equations(x0)
    assert fused._plans[0].equations is not None
    plain._plans[0].equations = None
    for x in (x0, x0 + np.linspace(-0.05, 0.05, x0.size), x0 - 0.02):
        a, b = fused.normal_equations(x), plain.normal_equations(x)
        assert a.chi2 == b.chi2 and a.ndata == b.ndata
        np.testing.assert_array_equal(a.gradient, b.gradient)
        np.testing.assert_array_equal(a.hessian, b.hessian)
        np.testing.assert_array_equal(fused._plans[0].stack, plain._plans[0].stack)
    _assert_equations(fused, x0 + 0.01)
    for group in (_survey_group(_cutout(True)), _survey_group(_cutout(False), sky_window=[[5, 40], [3, 30]])):
        kept = ModelProblem(group)
        _assert_equations(kept, kept.free.get_values())
        assert kept._plans[0].stacked and kept._plans[0].equations is None


def test_uniform_renders_share_their_constant_rows_per_area_and_shape():
    """A sky's Jacobian rows (read-only) are one array per (area, shape): the same values as
    np.full, shared, a signed zero's sign kept apart."""
    from polychrome.models.flat_sky import UniformRender

    a = UniformRender(None, 0.04, (5, 7)).constant_rows
    assert a is UniformRender(None, 0.04, (5, 7)).constant_rows and not a.flags.writeable
    np.testing.assert_array_equal(a, np.full((1, 5, 7), 0.04))
    assert UniformRender(None, 0.04, (7, 5)).constant_rows.shape == (1, 7, 5)
    negative_zero = UniformRender(None, -0.0, (2, 2)).constant_rows
    assert np.signbit(negative_zero).all() and not np.signbit(UniformRender(None, 0.0, (2, 2)).constant_rows).any()
