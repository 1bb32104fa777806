"""The fitter under bad or degenerate input: unconstrained directions, unrepresentable weights,
bad options, interruptions, centres that would walk off their data, and result names."""

import numpy as np
import pytest

import polychrome as pc
from polychrome.fit import ModelProblem, levenberg_marquardt
from test_fit_models import _model_at_truth, _simulated_target
from test_levenberg_marquardt import TRUTH, CurveProblem, ZeroAmplitude


def _sersic(target, name="gal", **values):
    start = dict(center=[1.0, 1.0], q=0.7, PA=0.3, n=2.0, Re=1.5, Ie=0.0)
    start.update(values)
    return pc.models.Model(name=name, model_type="sersic galaxy model", target=target, **start)


# --- unconstrained directions -------------------------------------------------------------------

def test_under_determined_fit_reports_its_unconstrained_parameters(tmp_path):
    """4 pixels, 7 parameters: at least 3 directions are free; the message names the parameters
    involved and their uncertainties are inf, on the result and on the parameters."""
    data = np.array([[1.0, 2.0], [2.5, 1.2]])
    target = pc.image.TargetImage(data, variance=np.full((2, 2), 0.01))
    model = _sersic(target)
    result = pc.fit.LM(model, max_iter=20).fit()
    assert "not constrained" in result.message
    assert result.unconstrained.sum() >= 3
    assert np.all(np.isinf(result.uncertainties[result.unconstrained]))
    for name in np.array(result.names)[result.unconstrained]:
        assert name in result.message
    stored = np.concatenate([np.ravel(model[k].uncertainty) for k in ("center", "q", "PA", "n", "Re", "Ie")])
    assert np.array_equal(np.isinf(stored), result.unconstrained)
    # the summary's flux depends on them: its uncertainty is inf too, and a save keeps them
    summary = pc.io.fit_summary(model, result)
    assert np.isinf(summary[summary["parameter"] == "total_flux"]["uncertainty"][0])
    model.save(tmp_path / "m.yaml")
    reloaded = pc.models.Model(filename=str(tmp_path / "m.yaml"))
    assert np.array_equal(np.isinf(np.ravel(reloaded["center"].uncertainty)), result.unconstrained[:2])


def test_a_parameter_without_effect_is_unconstrained_and_the_others_keep_finite_errors():
    """Zero amplitude: mu and s have no effect; the offset c is still measured."""
    result = levenberg_marquardt(ZeroAmplitude(), [0.0, 1.0, 0.0])
    assert "not constrained" in result.message
    assert result.unconstrained.tolist() == [True, True, False]
    assert np.all(np.isinf(result.uncertainties[:2]))
    assert np.isclose(result.uncertainties[2], 0.05 / np.sqrt(200), rtol=1e-6)


def test_a_well_posed_fit_has_no_unconstrained_parameter():
    result = levenberg_marquardt(CurveProblem(TRUTH), TRUTH * 1.1)
    assert result.message == "success" and not np.any(result.unconstrained)


def test_a_weight_whose_variance_overflows_is_refused():
    with pytest.raises(ValueError, match=r"weight \(1/variance, flux\^-2\) must be in"):
        pc.image.TargetImage(np.ones((3, 3)), weight=np.full((3, 3), 1e-320))
    # the smallest weights with a finite variance are accepted
    image = pc.image.TargetImage(np.ones((3, 3)), weight=np.full((3, 3), 1e-300))
    assert np.all(np.isfinite(image.variance))


# --- options and names ---------------------------------------------------------------------------

@pytest.mark.parametrize("option, value", [
    ("damping", np.nan), ("damping", -1.0), ("damping", 0.0), ("damping", np.inf), ("damping", "1e-3"),
    ("tolerance", 0.0), ("tolerance", np.nan), ("relative_tolerance", np.nan), ("relative_tolerance", 1.0),
    ("epsilon4", np.nan), ("max_iter", 2.5), ("max_iter", True), ("verbose", -1)])
def test_bad_options_are_refused_naming_the_option(option, value):
    model = _model_at_truth(_simulated_target(0))
    with pytest.raises((ValueError, TypeError), match=option):
        pc.fit.LM(model, **{option: value})
    with pytest.raises((ValueError, TypeError), match=option):
        levenberg_marquardt(CurveProblem(TRUTH), TRUTH, **{option: value})


def test_result_names_one_per_element_of_x():
    model = _model_at_truth(_simulated_target(0))
    result = pc.fit.LM(model).fit()
    assert len(result.names) == len(result.x) == 7
    assert result.names == ["gal:center[0]", "gal:center[1]", "gal:q", "gal:PA", "gal:n", "gal:Re", "gal:Ie"]


# --- interruption ----------------------------------------------------------------------------------

class _Interrupt(Exception):
    pass


@pytest.mark.parametrize("exception", [KeyboardInterrupt, _Interrupt])
@pytest.mark.parametrize("calls_before", [1, 4])
def test_an_interrupted_fit_leaves_the_parameters_at_the_best_point(monkeypatch, exception, calls_before):
    """The exception comes while a trial point is evaluated; the parameters must be back at the
    best point met (the start when the first trial is interrupted), and the exception propagates."""
    model = _model_at_truth(_simulated_target(0))
    model["Re"].value = 4.0
    model["n"].value = 1.5
    start = ModelProblem(model).free.get_values()
    seen = []
    normal_equations = ModelProblem.normal_equations
    chi2 = ModelProblem.chi2

    def counted(method):
        def wrapper(self, x):
            if len(seen) == calls_before:
                self.free.set_values(x, clip_to_limits=True)  # as a real evaluation would, before failing
                raise exception()
            result = method(self, x)
            seen.append((np.array(x), result.chi2 if hasattr(result, "chi2") else result[0]))
            return result
        return wrapper

    monkeypatch.setattr(ModelProblem, "normal_equations", counted(normal_equations))
    monkeypatch.setattr(ModelProblem, "chi2", counted(chi2))
    with pytest.raises(exception):
        pc.fit.LM(model).fit()
    monkeypatch.undo()
    restored = ModelProblem(model).free.get_values()
    best_x, best_chi2 = min(seen, key=lambda item: item[1])
    if calls_before == 1:
        np.testing.assert_array_equal(restored, start)
    np.testing.assert_allclose(restored, best_x, rtol=0, atol=1e-12)


# --- centres stay where the data are ---------------------------------------------------------------

def test_a_centre_is_bounded_by_its_image_or_its_given_window():
    target = pc.image.TargetImage(np.zeros((40, 60)), pixelscale=0.5, origin=(10.0, -5.0))
    whole = _sersic(target, center=[20.0, 5.0])
    lower, upper, _ = ModelProblem(whole).limits()
    np.testing.assert_allclose(lower[:2], [10.0, -5.0])
    np.testing.assert_allclose(upper[:2], [40.0, 15.0])
    boxed = _sersic(target, center=[20.0, 5.0], window=[[10, 30], [5, 25]])
    lower, upper, _ = ModelProblem(boxed).limits()
    np.testing.assert_allclose(lower[:2], [15.0, -2.5])
    np.testing.assert_allclose(upper[:2], [25.0, 7.5])
    # limits of the user's own are kept
    own = _sersic(target, center={"value": [20.0, 5.0], "limits": [0.0, 100.0]})
    lower, upper, _ = ModelProblem(own).limits()
    np.testing.assert_allclose(lower[:2], [0.0, 0.0])
    np.testing.assert_allclose(upper[:2], [100.0, 100.0])


def test_a_shared_centre_is_bounded_by_the_union_of_its_images():
    left = pc.image.TargetImage(np.zeros((20, 20)), pixelscale=1.0, origin=(0.0, 0.0))
    right = pc.image.TargetImage(np.zeros((20, 20)), pixelscale=1.0, origin=(15.0, 2.0))
    a = _sersic(left, center=[17.0, 10.0])
    b = _sersic(right, name="gal_right", center=[17.0, 10.0])
    b["center"].link_to(a["center"])
    group = pc.models.Model(name="joint", model_type="group model", models=[a, b])
    lower, upper, _ = ModelProblem(group).limits()
    np.testing.assert_allclose(lower[:2], [0.0, 0.0])
    np.testing.assert_allclose(upper[:2], [35.0, 22.0])


def test_a_fit_keeps_a_centre_on_its_image():
    """The data are the wing of a source centred 3 px beyond the left edge; started inside, the
    fitted centre would follow it out (and on noise-only data such a centre can walk away): by
    default it stays on the image."""
    shape = (30, 30)
    blank = pc.image.TargetImage(np.zeros(shape))
    wing = pc.models.Model(name="out", model_type="gaussian galaxy model", target=blank, center=[-3.0, 15.0],
                           q=1.0, PA=0.0, sigma=4.0, flux=3.0).sample().data
    data = wing + np.random.default_rng(1).normal(0.0, 0.01, shape)
    target = pc.image.TargetImage(data, variance=np.full(shape, 1e-4))
    model = pc.models.Model(name="in", model_type="gaussian galaxy model", target=target, center=[2.0, 15.0],
                            q=1.0, PA=0.0, sigma=4.0, flux=2.5)
    model["q"].locked = True
    pc.fit.LM(model, max_iter=60).fit()
    x, y = model["center"].value
    assert 0.0 <= x < 1.0 and abs(y - 15.0) < 0.5, (x, y)


# --- stopping rule ------------------------------------------------------------------------------

def _bulge_disk(target, bulge, disk, center):
    b = pc.models.Model(name="bulge", model_type="sersic galaxy model", target=target, center=center, **bulge)
    d = pc.models.Model(name="disk", model_type="exponential galaxy model", target=target, center=center, **disk)
    d["center"].link_to(b["center"])
    return pc.models.Model(name="galaxy", model_type="group model", models=[b, d], target=target)


def test_a_degenerate_bulge_disk_fit_stops_at_its_minimum():
    """Sersic + exponential with a shared centre (the kind of Imfit's IC 3478 example): the
    bulge and disk trade light along a shallow valley. The default result must be the minimum
    to a small fraction of sigma (the old rule, chi^2 decrease below 1e-6 of chi^2, stopped
    this one 0.9 sigma short)."""
    shape = (80, 80)
    blank = pc.image.TargetImage(np.zeros(shape), variance=np.ones(shape))
    truth = _bulge_disk(blank, dict(q=0.8, PA=0.5, n=2.2, Re=5.0, Ie=1.0),
                        dict(q=0.55, PA=0.6, Re=14.0, Ie=0.6), [40.3, 39.6]).sample().data
    sigma = 0.02 * truth.max()
    data = truth + np.random.default_rng(0).normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, variance=np.full(shape, sigma**2))
    model = _bulge_disk(target, dict(q=0.7, PA=0.3, n=1.5, Re=8.0, Ie=0.8),
                        dict(q=0.7, PA=0.3, Re=10.0, Ie=0.5), [41.0, 39.0])
    result = pc.fit.LM(model).fit()
    assert result.message == "success"
    converged = pc.fit.LM(model, max_iter=500, tolerance=1e-9).fit()
    assert converged.message == "success"
    shortfall = np.abs(result.x - converged.x) / converged.uncertainties
    assert np.max(shortfall) < 0.05, dict(zip(result.names, shortfall))
    assert result.chi2 - converged.chi2 < 2e-3


def test_the_fitter_calls_the_accepted_step_hook_and_takes_chi2_again_when_told():
    """The hook for problems whose pixels follow the parameters (moving model windows)."""

    class Moving(CurveProblem):
        def __init__(self):
            super().__init__(TRUTH)
            self.hooked, self.evaluations = [], 0

        def normal_equations(self, x):
            self.evaluations += 1
            return super().normal_equations(x)

        def after_accepted_step(self, x):
            self.hooked.append(np.array(x))  # a real problem would move its windows here
            return True

    problem = Moving()
    result = levenberg_marquardt(problem, TRUTH * 1.2)
    assert result.success and len(problem.hooked) >= 1
    np.testing.assert_array_equal(problem.hooked[-1], result.x)
    accepted = len(problem.hooked)
    assert problem.evaluations >= 1 + 2 * accepted  # the trial's, then again after the hook


def test_a_jacobian_that_turns_non_finite_ends_the_fit_at_the_last_finite_point():
    class Breaking(CurveProblem):
        def jacobian(self, x):
            jacobian = super().jacobian(x)
            if x[0] > 1.5:  # past the start (A = 1): the derivatives overflow
                jacobian[1] = np.inf
            return jacobian

    result = levenberg_marquardt(Breaking(TRUTH), [1.0, 0.3, 1.2, 0.1])
    assert "non-finite" in result.message
    assert np.all(np.isfinite(result.x)) and result.x[0] <= 1.5
    assert np.all(np.isfinite(result.uncertainties))
