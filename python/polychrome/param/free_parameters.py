"""The distinct free quantities of a collection of parameters, as one flat vector.

A fitter works on a flat vector of numbers. Locked parameters are left out;
parameters linked together (one SharedQuantity) appear once, at the place of
the first of them met. ``FreeParameters.slice_of(parameter)`` tells where any
parameter's elements sit in the vector, so the Jacobian columns of linked
parameters can be summed into the same entries.
"""

import numpy as np

from .parameter import Parameter

# (0.0 <= value, as a bound method for map)
_ZERO = 0.0


def free_quantities(parameters):
    """[(parameter, size)] for each distinct free quantity, in order of first appearance.

    ``parameter`` is the first member met of each shared quantity; locked
    quantities are excluded. A free parameter without a value raises
    ValueError (it has no size yet).
    """
    seen = set()
    result = []
    for parameter in parameters:
        if not isinstance(parameter, Parameter):
            raise TypeError(f"expected Parameters, got {type(parameter).__name__}")
        quantity = parameter.quantity
        if quantity.locked or id(quantity) in seen:
            continue
        if quantity.value is None:
            raise ValueError(f"parameter {parameter.name!r} is free but has no value yet")
        seen.add(id(quantity))
        result.append((parameter, quantity.size))
    return result


class FreeParameters:
    """Flat-vector view of the free quantities of ``parameters`` (iterable of Parameter).

    The layout is fixed at construction: lock, unlock or relink, then build
    a new one.
    """

    def __init__(self, parameters):
        self.parameters = list(parameters)
        self.quantities = free_quantities(self.parameters)
        self._slices = {}
        start = 0
        for parameter, size in self.quantities:
            self._slices[id(parameter.quantity)] = slice(start, start + size)
            start += size
        self.size = start

    @property
    def names(self):
        """Name of each free quantity (its first parameter's name), in order."""
        return [parameter.name for parameter, _ in self.quantities]

    def slice_of(self, parameter):
        """Slice of the flat vector holding ``parameter``'s elements, or None if it is not free here."""
        return self._slices.get(id(parameter.quantity))

    def slice_of_quantity(self, quantity):
        """``slice_of`` for a parameter's SharedQuantity (a caller that holds the quantities)."""
        return self._slices.get(id(quantity))

    def get_values(self):
        """The flat vector of current values."""
        if not self.quantities:
            return np.zeros(0)
        return np.concatenate([p.quantity.value.ravel() for p, _ in self.quantities])  # (arrays, see SharedQuantity)

    def set_values(self, vector, clip_to_limits=False):
        """Write a flat vector back (validated against limits; cyclic ones wrap).

        With ``clip_to_limits`` values beyond a limit are moved onto it
        instead of raising ValueError.
        """
        vector = self._checked_vector(vector, "vector")
        for parameter, _ in self.quantities:
            values = vector[self._slices[id(parameter.quantity)]].reshape(parameter.shape)
            if clip_to_limits and not parameter.cyclic:
                values = np.clip(values, *parameter.limits)
            parameter.value = values

    def get_uncertainties(self):
        """The flat vector of uncertainties (NaN where none is set)."""
        parts = []
        for parameter, size in self.quantities:
            u = parameter.quantity.uncertainty
            parts.append(np.full(size, np.nan) if u is None else np.ravel(u))
        return np.concatenate(parts) if parts else np.zeros(0)

    def set_uncertainties(self, vector):
        """Write a flat vector of uncertainties (>= 0) back to the quantities."""
        vector = self._checked_vector(vector, "uncertainties")
        # all valid (>= 0, inf allowed: no NaN, no negative): each stored as its setter would store it
        # (a new array in the value's shape; a scalar's made from its float) without the setter's
        # checks, which cost more than a small fit's end; otherwise through the setters, whose checks
        # name the parameter at fault. (Python floats: a few values, numpy's per-call cost exceeds
        # the work.)
        listed = vector.tolist()
        valid = all(map(_ZERO.__le__, listed))  # (NaN is not >= 0)
        for parameter, _ in self.quantities:
            quantity = parameter.quantity
            columns = self._slices[id(quantity)]
            if not valid:
                parameter.uncertainty = vector[columns].reshape(parameter.shape)
            elif quantity.value.shape == ():
                quantity.uncertainty = np.array(listed[columns.start])
            else:
                quantity.uncertainty = vector[columns].reshape(quantity.value.shape).copy()

    def _checked_vector(self, vector, name):
        vector = np.asarray(vector, dtype=float)
        if vector.shape != (self.size,):
            raise ValueError(f"{name} must have shape ({self.size},), got {vector.shape}")
        return vector

    def __repr__(self):
        return f"FreeParameters({self.names}, size={self.size})"
