"""The AT_LIMIT flag's test (survey.fitted_values.near_limit): a value within the LM's convergence
tolerance of a limit, 0.03 of its uncertainty, is at it; else within 1e-5 of the limit's size."""

import math

import pytest

from polychrome.survey.fitted_values import near_limit


@pytest.mark.parametrize("value, error, low, high", [
    (0.36064, 1.16, 0.36, 8.0),     # a faint source's n held by its lower limit (6e-4 sigma away)
    (7.99887, 11.9, 0.36, 8.0),     # and by its upper one
    (0.0435, 0.75, 0.03, 1.0),      # q 0.018 sigma from its limit: within the fit's tolerance
    (0.3600036, math.nan, 0.36, 8.0),  # no uncertainty: 1e-5 of the limit's size
    (2.0, 0.0, 2.0, None),          # exactly at it
])
def test_at_limit(value, error, low, high):
    assert near_limit(value, error, low, high)


@pytest.mark.parametrize("value, error, low, high", [
    (0.36064, 0.001, 0.36, 8.0),    # well measured: 0.64 sigma inside
    (0.5, 0.1, 0.36, 8.0),          # 1.4 sigma inside
    (0.3601, math.nan, 0.36, 8.0),  # no uncertainty, 2.8e-4 of the limit inside
    (0.3601, math.inf, 0.36, 8.0),  # an infinite one is none either
    (5.0, 100.0, None, math.inf),   # no limits
    (5.0, 100.0, -math.inf, None),
])
def test_not_at_limit(value, error, low, high):
    assert not near_limit(value, error, low, high)
