"""Writing the fitter's vector into the model's parameters, many times a fit.

``FreeParameters.set_values(x, clip_to_limits=True)`` checks each value as a
user's assignment must be checked (type, shape, finiteness, limits) and costs
tens of microseconds per quantity; the fitter writes a vector at every
evaluation. Here the layout, limits and cyclicity are read once, and each
write clips (or wraps) the whole vector at once and stores one array per
quantity: the same values as ``set_values`` with ``clip_to_limits`` (the
checks it would make cannot fail on a clipped finite vector; a non-finite
vector goes through ``set_values``, which says what is wrong).
"""

import math

import numpy as np


class VectorWriter:
    """Writes flat vectors into the quantities of a FreeParameters (fixed layout)."""

    def __init__(self, free):
        self.free = free
        lower, upper, cyclic, self._targets = [], [], [], []
        for parameter, size in free.quantities:
            lo, hi = parameter.limits
            lower += [lo] * size
            upper += [hi] * size
            cyclic += [bool(parameter.cyclic)] * size
            self._targets.append((parameter.quantity, free.slice_of(parameter), parameter.shape))
        self._lower, self._upper = np.array(lower, float), np.array(upper, float)
        self._cyclic = np.array(cyclic, bool)
        self._any_cyclic = bool(self._cyclic.any())
        self._period = np.where(self._cyclic, self._upper - self._lower, 1.0)

    def write(self, x):
        """Set the quantities to x (shape (size,)), clipped into their limits, cyclic ones wrapped."""
        x = np.asarray(x, dtype=float)
        # a NaN or inf makes the sum non-finite (a finite sum may still overflow: then look closer)
        if x.shape != (self.free.size,) or not (math.isfinite(float(x.sum())) or bool(np.isfinite(x).all())):
            self.free.set_values(x, clip_to_limits=True)  # raises, naming the problem
            return
        values = np.minimum(np.maximum(x, self._lower), self._upper)  # np.clip, without its overhead
        if self._any_cyclic:
            c = self._cyclic
            values[c] = self._lower[c] + np.mod(x[c] - self._lower[c], self._period[c])
        for quantity, columns, shape in self._targets:
            quantity.value = values[columns].reshape(shape).copy()
