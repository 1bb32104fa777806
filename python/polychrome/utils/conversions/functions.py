"""Profile helpers under AutoProf's names, in numpy."""

import numpy as np

from ... import _core


def sersic_n_to_b(n):
    """The Sersic b(n) for which Re encloses half the light: P(2n, b) = 1/2 (the core's solution,
    exact to rounding). ``n`` a number or array (dimensionless); returns a float or an array."""
    array = np.asarray(n, dtype=float)
    if np.any(~np.isfinite(array)) or np.any(array <= 0):
        raise ValueError(f"n (Sersic index) must be positive and finite, got {n!r}")
    values = np.array([_core.sersic_b(float(v))[0] for v in array.ravel()]).reshape(array.shape)
    return float(values) if values.ndim == 0 else values
