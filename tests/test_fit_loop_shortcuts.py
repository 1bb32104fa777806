"""The LM loop's shortcuts give, bit for bit, what their general paths give.

LogScaledProblem.normalise answers "nothing to fold" from y alone when the fold reads no log
entry, and LogScaledProblem.after_accepted_step skips a problem whose windows cannot follow the
parameters. Each is checked against the general path it stands for (the same class with the
shortcut switched off) on vectors that fold and vectors that do not.
"""

import numpy as np
import pytest

from polychrome.fit import ModelProblem
from polychrome.fit.log_scaled_problem import LogScaledProblem
from test_fit_models import _model_at_truth, _simulated_target

# vector layout of a Sersic model: center x, center y, q, PA, n, Re, Ie
Q, N, RE = 2, 4, 5


def _vectors(start, rng):
    """Start-like vectors in y: q below, at and above 1 (in y: q is linear), log entries moved."""
    for q in (0.3, 0.999999, 1.0, np.nextafter(1.0, 2.0), 1.7, 40.0):
        y = start.copy()
        y[Q] = q
        y[N] += rng.normal(0.0, 0.5)
        y[RE] += rng.normal(0.0, 0.5)
        yield y


@pytest.mark.parametrize("indices", [[N, RE], [N], [RE]])
def test_normalise_from_y_equals_the_general_path(indices):
    problem = ModelProblem(_model_at_truth(_simulated_target(0)))
    logged = LogScaledProblem(problem, indices, problem.free.get_values())
    assert logged._linear_fold is not None  # the shortcut is taken (q is linear)
    general = LogScaledProblem(problem, indices, problem.free.get_values())
    general._linear_fold = None
    for y in _vectors(logged.start, np.random.default_rng(3)):
        fast, reference = logged.normalise(y.copy()), general.normalise(y.copy())
        assert fast.tobytes() == reference.tobytes()


def test_normalise_with_q_in_ln_takes_the_general_path():
    problem = ModelProblem(_model_at_truth(_simulated_target(0)))
    logged = LogScaledProblem(problem, [Q, RE], problem.free.get_values())
    assert logged._linear_fold is None
    y = logged.start.copy()
    y[Q] = np.log(1.0 / 0.6)  # q above 1: folded, Re scaled by q
    folded = logged.normalise(y)
    assert np.isclose(np.exp(folded[Q]), 0.6) and np.isclose(folded[RE], y[RE] + np.log(1.0 / 0.6))


def test_after_accepted_step_skips_only_windows_that_cannot_follow():
    target = _simulated_target(0)
    automatic = ModelProblem(_model_at_truth(target))
    assert automatic.windows_follow
    assert LogScaledProblem(automatic, [N], automatic.free.get_values())._hook is not None
    given = _model_at_truth(target)
    given.window = target.window
    fixed = ModelProblem(given)
    assert not fixed.windows_follow  # a given window stays where it is
    logged = LogScaledProblem(fixed, [N], fixed.free.get_values())
    assert logged._hook is None
    assert logged.after_accepted_step(logged.start) is False


def test_lm_with_the_callers_free_parameters_fits_as_without():
    from polychrome.fit import LM
    from polychrome.param import FreeParameters
    from test_fit_models import _perturbed_model

    results = []
    for given in (False, True):
        model = _perturbed_model(_simulated_target(5))
        model["n"].locked = True  # a layout other than all the parameters'
        free = FreeParameters(model.all_parameters()) if given else None
        fitter = LM(model, log_parameters=["Re"], total_flux=True, free=free)
        results.append((fitter.fit(), model))
        if given:
            result = results[-1][0]
            assert model["Re"].uncertainty == result.uncertainties[result.names.index("gal:Re")]
    (plain, plain_model), (reused, reused_model) = results
    assert reused.x.tobytes() == plain.x.tobytes() and reused.chi2 == plain.chi2
    assert reused.covariance.tobytes() == plain.covariance.tobytes() and reused.names == plain.names
    assert reused_model["Re"].value == plain_model["Re"].value
    with pytest.raises(TypeError, match="free"):
        LM(plain_model, free=plain_model.all_parameters())


def test_box_limits_and_cyclic_entries_equal_the_general_path():
    """_Box's limits (copies with the cyclic entries opened, for 1-d limits of the vector's size)
    are np.where's bit for bit, signed zeros and infinities included; CyclicEntries made from a
    list of flags (VectorWriter's) holds what it holds made from their array."""
    from polychrome.fit.cyclic_entries import CyclicEntries
    from polychrome.fit.levenberg_marquardt import _Box

    rng = np.random.default_rng(11)
    for size in (1, 3, 8, 12):
        for _ in range(50):
            cyclic = rng.random(size) < 0.3
            choices = np.array([-np.inf, np.inf, 0.0, -0.0, -1.5, 2.0, 1e300])
            lower, upper = rng.choice(choices, size), rng.choice(choices, size)
            lower[cyclic], upper[cyclic] = -rng.random(cyclic.sum()), 1.0 + rng.random(cyclic.sum())
            box = _Box(size, lower, upper, cyclic)
            for got, expected in ((box.lower, np.where(cyclic, -np.inf, lower)),
                                  (box.upper, np.where(cyclic, np.inf, upper))):
                assert got.dtype == expected.dtype and got.view(np.int64).tolist() == expected.view(np.int64).tolist()
            assert box.lower is not lower and box.upper is not upper
            listed = CyclicEntries(cyclic.tolist(), lower, upper)
            assert listed._entries == CyclicEntries(cyclic, lower, upper)._entries
            floats = CyclicEntries(cyclic.tolist(), lower.tolist(), upper.tolist())._entries
            assert [(i, a.hex(), b.hex()) for i, a, b in floats] == \
                [(i, a.hex(), b.hex()) for i, a, b in listed._entries]
            assert listed.indices == np.flatnonzero(cyclic).tolist()
