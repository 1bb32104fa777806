"""FitResult.hessian mapped to x when first read (FitResult.map_hessian): the same bits as the
wrappers' mappings applied at once (the formulas fit.LM's result took before), the result's
copies, pickles and assignments behaving as for a plain field."""

import copy
import pickle

import numpy as np

from polychrome.fit.levenberg_marquardt import FitResult
from polychrome.fit.lm import result_in_model_space
from polychrome.fit.log_scaled_problem import LogScaledProblem
from polychrome.fit.total_flux_problem import TotalFluxProblem

# x: centre x, y, q, PA, n, Re, Ie, sky F; the Sersic link (Ie, n, Re, q), n and Re in ln
_SIZE, _LINK, _LOGS = 8, (6, 4, 5, 2), [4, 5]


class _Problem:
    size = _SIZE

    def limits(self):
        lower, upper = np.full(_SIZE, -np.inf), np.full(_SIZE, np.inf)
        lower[[2, 4, 5]] = 0.0
        return lower, upper, np.zeros(_SIZE, bool)


def _wrappers(x0):
    flux = TotalFluxProblem(_Problem(), [_LINK], x0)
    return [flux, LogScaledProblem(flux, _LOGS, flux.start)]


def _result_in_y(rng, y):
    a = rng.normal(size=(_SIZE, _SIZE))
    hessian = a @ a.T + _SIZE * np.eye(_SIZE)
    covariance = np.linalg.inv(hessian)
    return FitResult("success", y.copy(), 1.0, 10, 0.1, 3, covariance, np.sqrt(covariance.diagonal()),
                     hessian, np.zeros(_SIZE, bool))


def _eager_hessian(result_y, wrappers):
    """The mappings as lm.result_in_model_space applied them before (outermost first)."""
    flux, log = wrappers
    x = log.to_model_space(result_y.x)
    scale = log._scale(x)
    hessian = result_y.hessian / scale[:, None] / scale[None, :]
    _, offsets = flux._model_space(x)
    inverse = 2.0 * np.identity(_SIZE) - flux._jacobian(offsets)
    return inverse.T.dot(hessian).dot(inverse)


def test_mapped_hessian_is_the_eager_one_bit_for_bit():
    rng = np.random.default_rng(7)
    for _ in range(200):
        x0 = np.array([rng.normal(), rng.normal(), rng.uniform(0.1, 1.0), rng.uniform(0, np.pi),
                       rng.uniform(0.4, 6.0), rng.uniform(0.05, 5.0), rng.normal(), rng.normal()])
        wrappers = _wrappers(x0)
        result_y = _result_in_y(rng, wrappers[-1].start)
        expected = _eager_hessian(copy.deepcopy(result_y), wrappers)
        mapped = result_in_model_space(result_y, wrappers)
        assert mapped.hessian.view(np.int64).tolist() == expected.view(np.int64).tolist()
        assert mapped.hess is mapped.hessian  # (mapped once, then kept)


def test_pending_mappings_survive_copies_and_pickles_and_yield_to_assignment():
    rng = np.random.default_rng(3)
    x0 = np.array([0.1, -0.2, 0.6, 1.0, 2.5, 1.2, -1.0, 0.01])
    wrappers = _wrappers(x0)
    expected = _eager_hessian(_result_in_y(np.random.default_rng(3), wrappers[-1].start), wrappers)
    result = result_in_model_space(_result_in_y(rng, wrappers[-1].start), wrappers)
    twin = copy.copy(result)
    restored = pickle.loads(pickle.dumps(result))
    for each in (twin, restored, result):
        np.testing.assert_array_equal(each.hessian, expected)
    result.hessian = np.zeros((_SIZE, _SIZE))  # an assignment replaces the pending mappings
    assert not result.hessian.any()
    result.map_hessian(lambda h: h + 1.0)
    assert (result.hessian == 1.0).all() and (twin.hessian == expected).all()
    np.testing.assert_array_equal(copy.deepcopy(result).hessian, result.hessian)
