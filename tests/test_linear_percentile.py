"""linear_percentile gives np.percentile's number bit for bit (its default, linear method)."""

import numpy as np
import pytest

from polychrome.image import TargetImage
from polychrome.utils.linear_percentile import linear_percentile


def test_equals_numpy_on_random_arrays():
    rng = np.random.default_rng(11)
    for trial in range(3000):
        size = int(rng.integers(1, 3000))
        values = rng.lognormal(size=size) * rng.uniform(1e-3, 1e3)
        if trial % 3 == 0:
            values = np.round(values, 1)  # ties
        q = float(rng.choice([10.0, 0.0, 100.0, rng.uniform(0, 100)]))
        assert linear_percentile(values, q) == float(np.percentile(values, q)), (size, q)


@pytest.mark.parametrize("values", [[1.0], [3.0, 1.0], [2.0, np.nan, 1.0], [np.inf, 1.0, 2.0], [-np.inf, 5.0]])
def test_small_and_non_finite_arrays(values):
    values = np.array(values)
    with np.errstate(invalid="ignore"):  # (numpy's interpolation between -inf and a number)
        expected, got = float(np.percentile(values, 10.0)), linear_percentile(values, 10.0)
    assert got == expected or (np.isnan(got) and np.isnan(expected))


def test_noise_level_is_the_square_root_of_the_percentile():
    rng = np.random.default_rng(3)
    variance = rng.uniform(0.5, 4.0, size=(37, 41))
    mask = rng.uniform(size=variance.shape) < 0.2
    target = TargetImage(np.zeros(variance.shape), variance=variance, mask=mask)
    assert target.noise_level() == float(np.sqrt(np.percentile(variance[~mask], 10.0)))
