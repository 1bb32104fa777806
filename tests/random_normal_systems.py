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


def possibly_singular_grams(count, seed, max_size, singular_every):
    """``count`` (k, rng, matrix) triples: Gram matrices a a^T of 1 to max_size - 1 parameters whose
    row scales span 1e-4 to 1e4; every ``singular_every``-th one (k = 0, m, 2m, ...) of a random rank
    that may fall short of its size (a singular J^T W J). ``rng`` is the generator, for the caller's
    own further draws."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        n = int(rng.integers(1, max_size))
        rank = n if k % singular_every else int(rng.integers(1, n + 1))
        a = rng.normal(size=(n, rank)) * 10.0 ** rng.uniform(-4, 4, n)[:, None]
        yield k, rng, a @ a.T
