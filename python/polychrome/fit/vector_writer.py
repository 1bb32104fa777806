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

from .cyclic_entries import CyclicEntries


class VectorWriter:
    """Writes flat vectors into the quantities of a FreeParameters (fixed layout)."""

    def __init__(self, free):
        self.free = free
        lower, upper, cyclic, self._targets = [], [], [], []
        # scalar quantities take their entry as a float (a 0-d array made from it), others a copy of
        # their slice in their shape; columns: each quantity's slice of the vector (all three made
        # in this one walk of the quantities)
        self._scalars, self._arrays, columns_by_quantity = [], [], {}
        start = 0  # (FreeParameters lays the quantities out in this order: free.slice_of's slices, ~2k
        # instructions a call cheaper)
        for parameter, size in free.quantities:
            quantity = parameter.quantity  # (read once: each of the parameter's properties passes through it)
            lo, hi = quantity.limits
            if size == 1:
                lower.append(lo)
                upper.append(hi)
                cyclic.append(bool(quantity.cyclic))
            else:
                lower += [lo] * size
                upper += [hi] * size
                cyclic += [bool(quantity.cyclic)] * size
            columns, shape = slice(start, start + size), quantity.value.shape
            target = (quantity, columns, shape)
            self._targets.append(target)
            if shape == ():
                self._scalars.append((quantity, start))
            else:
                self._arrays.append(target)
            columns_by_quantity[quantity] = columns
            start += size
        self._lower, self._upper = np.array(lower, float), np.array(upper, float)
        self._shape = (free.size,)
        self._lower_list, self._upper_list = self._lower.tolist(), self._upper.tolist()
        self._cyclic_flags = np.array(cyclic, bool)
        # (the limits as Python floats: the arrays' values, read without numpy's scalars)
        self._cyclic = CyclicEntries(cyclic, self._lower_list, self._upper_list)
        # columns_of(quantity): its slice of the vector, None when it is not free here (quantities
        # hash by identity: one lookup, no id() call)
        self.columns_of = columns_by_quantity.get

    def limits(self):
        """(lower, upper, cyclic): the quantities' own limits per entry of the vector (-inf/inf where
        none) and which entries are cyclic (wrapped into [lower, upper)); new arrays."""
        return self._lower.copy(), self._upper.copy(), self._cyclic_flags.copy()

    def write(self, x):
        """Set the quantities to x (shape (size,)), clipped into their limits, cyclic ones wrapped."""
        x = np.asarray(x, dtype=float)
        values = self.clipped(x.tolist()) if x.shape == self._shape else None
        if values is None:
            self.free.set_values(x, clip_to_limits=True)  # raises, naming the problem
            return
        self.store(values)

    def clipped(self, floats):
        """The list ``floats`` (size Python floats) clipped into the limits, cyclic entries wrapped
        (a new list: what ``write`` stores); None when some value is not finite (``write`` then
        lets ``set_values`` say what is wrong)."""
        # a NaN or inf makes the sum non-finite (a finite sum may still overflow: then look closer)
        if not (math.isfinite(sum(floats)) or all(map(math.isfinite, floats))):
            return None
        # np.minimum(np.maximum(x, lower), upper) in Python floats, for finite x: each takes its limit
        # where the value equals it (a signed zero included), as numpy's do. (Conditional
        # expressions: the builtins min and max cost more per call than numpy's two ufuncs.)
        values = [hi if (low := lo if v <= lo else v) >= hi else low
                  for v, lo, hi in zip(floats, self._lower_list, self._upper_list)]
        return self._cyclic.wrap_into(floats, values)  # the cyclic ones wrapped, not clipped

    def store(self, values):
        """Set the quantities to ``values`` (a list of size floats, as ``clipped`` returns them)."""
        for quantity, column in self._scalars:
            quantity.value = np.array(values[column])
        for quantity, columns, shape in self._arrays:
            array = np.array(values[columns])  # (a new array: the quantity's own)
            quantity.value = array if array.shape == shape else array.reshape(shape)
