"""Smooth maps between bounded parameters and the unconstrained ones the
fitter steps in, so that no step ever leaves a parameter's limits.

A parameter with limits (lo, hi) is x = lo + (hi - lo) (1 + tanh u) / 2;
one with only a lower (upper) limit is x = lo + exp(u) (x = hi - exp(-u));
an unbounded one is x = u. All are smooth and monotone, so the fit sees a
well-behaved problem and a limit is approached but never crossed.
"""

import numpy as np

# Keep internal values away from the flat ends of tanh/exp, where the
# derivative dx/du vanishes and the fitter would stall.
_MAX_INTERNAL = 18.0


class ParameterTransform:
    """Elementwise transform for a vector of parameters with limits.

    lower, upper: arrays (-inf / +inf where unbounded), same length as the
    parameter vector.
    """

    def __init__(self, lower, upper):
        self.lower = np.asarray(lower, dtype=float)
        self.upper = np.asarray(upper, dtype=float)
        if self.lower.shape != self.upper.shape:
            raise ValueError("lower and upper limits must have the same shape")
        if np.any(self.lower >= self.upper):
            raise ValueError("every lower limit must be below its upper limit")
        self._both = np.isfinite(self.lower) & np.isfinite(self.upper)
        self._low_only = np.isfinite(self.lower) & ~np.isfinite(self.upper)
        self._high_only = ~np.isfinite(self.lower) & np.isfinite(self.upper)

    def to_internal(self, x):
        """Unconstrained u for parameters x (x strictly inside its limits is
        mapped exactly; x on a limit is moved just inside)."""
        x = np.asarray(x, dtype=float)
        u = x.copy()
        b = self._both
        if np.any(b):
            t = (x[b] - self.lower[b]) / (self.upper[b] - self.lower[b])
            u[b] = np.arctanh(np.clip(2.0 * t - 1.0, -np.tanh(_MAX_INTERNAL), np.tanh(_MAX_INTERNAL)))
        lo = self._low_only
        if np.any(lo):
            u[lo] = np.log(np.maximum(x[lo] - self.lower[lo], np.exp(-_MAX_INTERNAL)))
        hi = self._high_only
        if np.any(hi):
            u[hi] = -np.log(np.maximum(self.upper[hi] - x[hi], np.exp(-_MAX_INTERNAL)))
        return u

    def to_external(self, u):
        """Parameters x for internal values u (always within the limits)."""
        u = np.clip(np.asarray(u, dtype=float), -_MAX_INTERNAL, _MAX_INTERNAL)
        x = u.copy()
        b = self._both
        x[b] = self.lower[b] + (self.upper[b] - self.lower[b]) * 0.5 * (1.0 + np.tanh(u[b]))
        lo = self._low_only
        x[lo] = self.lower[lo] + np.exp(u[lo])
        hi = self._high_only
        x[hi] = self.upper[hi] - np.exp(-u[hi])
        return x

    def derivative(self, u):
        """dx/du, elementwise (the chain-rule factor for Jacobian columns)."""
        u = np.clip(np.asarray(u, dtype=float), -_MAX_INTERNAL, _MAX_INTERNAL)
        d = np.ones_like(u)
        b = self._both
        d[b] = (self.upper[b] - self.lower[b]) * 0.5 / np.cosh(u[b]) ** 2
        lo = self._low_only
        d[lo] = np.exp(u[lo])
        hi = self._high_only
        d[hi] = np.exp(-u[hi])
        return d
