"""Random symmetric positive definite systems for the fitter's small-matrix tests."""

import numpy as np


def random_normal_systems(count, seed=3):
    """``count`` (rng, matrix, rhs) triples: J^T W J-like matrices of 1-9 parameters whose scales
    span 1e-6 to 1e6 (and a small ridge), with a right-hand side of matching scales."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(1, 10))
        a = rng.normal(size=(n, n + 3))
        scale = 10.0 ** rng.uniform(-6, 6, n)
        matrix = (a @ a.T) * np.outer(scale, scale) + np.diag(10.0 ** rng.uniform(-9, 0, n))
        yield rng, matrix, rng.normal(size=n) * scale
