"""SharedQuantity: the storage behind one or more linked parameters.

A Parameter is a named handle on a SharedQuantity. Linking parameters makes
their handles point at one SharedQuantity, so they are one quantity: one
value, one uncertainty, one set of limits, one lock.
"""

import math

import numpy as np


def as_limits(limits, name):
    """Return (lo, hi) floats (None -> -inf / +inf), or raise naming parameter ``name``."""
    if limits is None:
        return (-np.inf, np.inf)
    try:
        lo, hi = limits
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r}: limits must be (lo, hi) or None, got {limits!r}") from None
    lo = -np.inf if lo is None else float(lo)
    hi = np.inf if hi is None else float(hi)
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise ValueError(f"parameter {name!r}: limits must satisfy lo < hi, got {limits!r}")
    return (lo, hi)


def as_value_array(value, name, what="value"):
    """Return ``value`` as a finite float array (0-d for scalars), or raise naming ``name``."""
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"parameter {name!r}: {what} must be a number or an array of numbers, "
                        f"got {value!r}") from None
    if not np.isfinite(array).all():  # the method: no numpy dispatch per call (parameters are set often)
        raise ValueError(f"parameter {name!r}: {what} must be finite, got {value!r}")
    return array


def as_flag(value, name, what="locked"):
    """Return ``value`` as a bool, or raise TypeError naming parameter ``name``.

    Only True and False (Python or numpy booleans) are accepted: ``bool("false")``
    is True, so a string (or a number) here is a mistake to report, not to guess.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"parameter {name!r}: {what} must be True or False, got {value!r}")


def _plain_value(value, quantity):
    """What checked_value stores for a float, or a list of floats, that fits ``quantity`` (finite,
    within its limits unless cyclic, of its value's shape), checked in Python floats: a model's
    values are mostly given so, and numpy's checks of a few numbers cost ten times more. None for
    anything else (checked_value's numpy path then checks it, and says what is wrong)."""
    lo, hi = quantity.limits
    if isinstance(value, float):
        if not math.isfinite(value) or (quantity.value is not None and quantity.value.shape != ()):
            return None
        if quantity.cyclic:
            # numpy's remainder is Python's (fmod, then the divisor's sign), and lo + np.mod(0-d
            # array) a numpy float: the same digits and type as the numpy path's
            period = hi - lo
            return np.float64(lo + (value - lo) % period) if math.isfinite(period) else None
        return np.array(value, dtype=float) if lo <= value <= hi else None
    if type(value) is list and not quantity.cyclic and \
            all(isinstance(v, float) and lo <= v <= hi and math.isfinite(v) for v in value):
        if quantity.value is not None and quantity.value.shape != (len(value),):
            return None
        return np.array(value, dtype=float)
    return None


class SharedQuantity:
    """Value, uncertainty, limits, lock and cyclicity of one fitted quantity.

    ``members`` lists the Parameters that currently share it.
    """

    def __init__(self, limits=(-np.inf, np.inf), locked=False, cyclic=False):
        self.value = None
        self.uncertainty = None
        self.limits = limits
        self.locked = as_flag(locked, "(shared)")
        self.cyclic = bool(cyclic)
        self.members = []

    @classmethod
    def of_checked(cls, limits, locked, cyclic):
        """A new quantity without a value from arguments already checked: ``limits`` as as_limits
        returns them, ``locked`` a bool (see Parameter.of_checked)."""
        quantity = cls.__new__(cls)
        quantity.value, quantity.uncertainty, quantity.limits = None, None, limits
        quantity.locked, quantity.cyclic, quantity.members = locked, bool(cyclic), []
        return quantity

    @property
    def size(self):
        """Number of scalars in the value (0 while unset)."""
        return 0 if self.value is None else int(self.value.size)

    def checked_value(self, value, name):
        """Validate ``value`` against shape, limits and cyclicity; return the array to store."""
        plain = _plain_value(value, self)
        if plain is not None:
            return plain
        array = as_value_array(value, name)
        if self.value is not None and array.shape != self.value.shape:
            raise ValueError(f"parameter {name!r}: value must keep shape {self.value.shape}, got {array.shape}")
        lo, hi = self.limits
        if self.cyclic:
            array = lo + np.mod(array - lo, hi - lo)
        elif (array < lo).any() or (array > hi).any():
            raise ValueError(f"parameter {name!r}: value {array.tolist()} outside its limits [{lo}, {hi}]")
        return array

    def checked_uncertainty(self, uncertainty, name):
        """Validate an uncertainty (None, or non-negative of the value's shape; inf: a value
        the data do not constrain, as a fit reports it)."""
        if uncertainty is None:
            return None
        try:
            array = np.array(uncertainty, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"parameter {name!r}: uncertainty must be a number or an array of numbers, "
                            f"got {uncertainty!r}") from None
        if np.any(np.isnan(array)) or np.any(array == -np.inf):
            raise ValueError(f"parameter {name!r}: uncertainty must be >= 0 or inf (unconstrained), "
                             f"got {uncertainty!r}")
        if np.any(array < 0):
            raise ValueError(f"parameter {name!r}: uncertainty must be >= 0, got {array.tolist()}")
        if self.value is not None and array.shape != self.value.shape:
            raise ValueError(f"parameter {name!r}: uncertainty must have the value's shape "
                             f"{self.value.shape}, got {array.shape}")
        return array
