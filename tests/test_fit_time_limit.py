"""fit.LM's max_time: the fit stops after the step that passes its wall-clock deadline, at the best
point met, and says so. A fake clock (one second per chi^2 evaluation) makes the test exact."""

import importlib
import types

import numpy as np
import pytest

import polychrome as pc
from polychrome.fit import levenberg_marquardt
from test_levenberg_marquardt import TRUTH, CurveProblem


class _Clock:
    """time.monotonic stand-in: advances one second per evaluation of the problem."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _TimedProblem(CurveProblem):
    def __init__(self, clock, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock = clock
        self.evaluated = []

    def _tick(self, x):
        self.clock.now += 1.0
        self.evaluated.append(CurveProblem.chi2(self, x)[0])

    def normal_equations(self, x):
        self._tick(x)
        return super().normal_equations(x)

    def chi2(self, x):
        self._tick(x)
        return super().chi2(x)


def test_stops_after_the_step_past_the_deadline_at_the_best_point(monkeypatch):
    clock = _Clock()
    lm_module = importlib.import_module("polychrome.fit.levenberg_marquardt")
    monkeypatch.setattr(lm_module, "time", types.SimpleNamespace(monotonic=clock))
    problem = _TimedProblem(clock, TRUTH)
    unlimited = levenberg_marquardt(CurveProblem(TRUTH), TRUTH * 1.6)
    assert unlimited.success and unlimited.iterations > 2
    result = levenberg_marquardt(problem, TRUTH * 1.6, max_time=2.5)
    assert result.message.startswith("time limit")
    assert not result.success
    # the start costs one evaluation (t = 1), each step one more: the step that passes t = 2.5 is the
    # last one tried (iterations 1 and 2 end at t = 2 and 3)
    assert result.iterations == 2
    assert len(problem.evaluated) == 3
    assert result.chi2 == pytest.approx(min(problem.evaluated), rel=1e-9)
    assert result.chi2 > unlimited.chi2


def test_lm_max_time_reaches_the_fitter_and_is_checked():
    image = pc.image.TargetImage(np.random.default_rng(1).normal(1.0, 0.1, (20, 20)), variance=np.full((20, 20), 0.01))
    sky = pc.models.Model(name="sky", model_type="flat sky model", target=image)
    sky.initialize()
    result = pc.fit.LM(sky, max_time=60.0).fit()
    assert result.success
    for bad in (0.0, -1.0, float("nan"), "1"):
        with pytest.raises((ValueError, TypeError), match="max_time"):
            pc.fit.LM(sky, max_time=bad)
