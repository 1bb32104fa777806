"""Parameter: a named, bounded, lockable model quantity that can be linked to others."""

import math

import numpy as np

from .numpy_values import numpy_value
from .shared_quantity import SharedQuantity, as_flag, as_limits


def _as_output(array):
    """A stored value as given back: a numpy float64 (a float with ``.item()``) or an array copy, both
    saying the numpy way when asked for PyTorch's methods (see numpy_values)."""
    return numpy_value(array)


class Parameter:
    """One model parameter.

    Parameters
    ----------
    name : str
        Its name within its model (e.g. "q", "center").
    value : float or array-like, optional
        Scalar or array (e.g. center [x, y] arcsec, spline knot values);
        None until initialised. Must lie within ``limits``.
    uncertainty : float or array-like, optional
        1-sigma uncertainty, same units and shape as the value.
    limits : (lo, hi), optional
        Inclusive bounds on every element (None on a side = unbounded).
    locked : bool
        A locked parameter is held fixed by fits.
    units : str
        Units of the value, for display (e.g. "arcsec", "rad").
    cyclic : bool
        The value wraps into ``[lo, hi)`` instead of being bounded (e.g. PA
        on [0, pi)); needs finite limits.

    Linking: ``b.link_to(a)`` makes ``b`` and ``a`` one shared quantity
    (setting either changes both; a fit sees it once); ``b.unlink()`` gives
    ``b`` its own copy again.
    """

    def __init__(self, name, value=None, uncertainty=None, limits=None, locked=False, units="", cyclic=False):
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}")
        self.name = name
        if not isinstance(units, str):
            raise TypeError(f"parameter {name!r}: units must be a string, got {units!r}")
        self.units = units
        limits = as_limits(limits, name)
        if cyclic and not (math.isfinite(limits[0]) and math.isfinite(limits[1])):
            raise ValueError(f"parameter {name!r}: a cyclic parameter needs finite limits, got {limits}")
        self._hold(SharedQuantity(limits, as_flag(locked, name), cyclic))
        if value is not None:
            self.value = value
        if uncertainty is not None:  # a new quantity has none
            self.uncertainty = uncertainty

    @classmethod
    def of_checked(cls, name, units, limits, locked, cyclic):
        """A Parameter without a value from arguments the constructor has already accepted once:
        ``limits`` as the constructor stores them (``Parameter(name, limits=..., units=units,
        cyclic=cyclic).limits``), ``locked`` a bool. For makers of many parameters of one
        declaration (models.parameter_spec.make_parameter), without checking them again."""
        parameter = cls.__new__(cls)
        parameter.name, parameter.units = name, units
        parameter._hold(SharedQuantity.of_checked(limits, locked, cyclic))
        return parameter

    def _hold(self, quantity):
        """Make ``quantity`` (a new SharedQuantity) this parameter's."""
        self._quantity = quantity
        quantity.members.append(self)

    # --- state shared with linked parameters --------------------------------------
    @property
    def value(self):
        """Current value: a float, a numpy array (copy), or None if not set."""
        return _as_output(self._quantity.value)

    @value.setter
    def value(self, value):
        if value is None:
            raise ValueError(f"parameter {self.name!r}: value cannot be set to None")
        self._quantity.value = self._quantity.checked_value(value, self.name)

    def set_value(self, value, override_locked=False):
        """Set the value (AutoProf's spelling of ``parameter.value = value``; a locked parameter may
        be given a value either way, so ``override_locked`` changes nothing)."""
        self.value = value

    @property
    def uncertainty(self):
        """1-sigma uncertainty (float, array or None)."""
        return _as_output(self._quantity.uncertainty)

    @uncertainty.setter
    def uncertainty(self, uncertainty):
        self._quantity.uncertainty = self._quantity.checked_uncertainty(uncertainty, self.name)

    def set_uncertainty(self, uncertainty, override_locked=False):
        """Set the 1-sigma uncertainty (AutoProf's spelling of ``parameter.uncertainty = ...``)."""
        self.uncertainty = uncertainty

    @property
    def limits(self):
        """(lo, hi), -inf/inf where unbounded."""
        return self._quantity.limits

    @limits.setter
    def limits(self, limits):
        limits = as_limits(limits, self.name)
        if self.cyclic and not np.all(np.isfinite(limits)):
            raise ValueError(f"parameter {self.name!r}: a cyclic parameter needs finite limits, got {limits}")
        quantity = self._quantity
        old = quantity.limits
        quantity.limits = limits
        if quantity.value is not None:
            try:
                quantity.value = quantity.checked_value(quantity.value, self.name)
            except ValueError:
                quantity.limits = old
                raise

    @property
    def locked(self):
        """True when fits hold this parameter fixed."""
        return self._quantity.locked

    @locked.setter
    def locked(self, locked):
        self._quantity.locked = as_flag(locked, self.name)

    @property
    def cyclic(self):
        """True when the value wraps into [lo, hi)."""
        return self._quantity.cyclic

    @property
    def size(self):
        """Number of scalars in the value (0 while unset)."""
        return self._quantity.size

    @property
    def shape(self):
        """Shape of the value (() for a scalar), None while unset."""
        return None if self._quantity.value is None else self._quantity.value.shape

    # --- linking ------------------------------------------------------------------
    @property
    def quantity(self):
        """The SharedQuantity this parameter is a handle on (shared when linked)."""
        return self._quantity

    @property
    def linked(self):
        """Parameters (this one included) that share this parameter's quantity."""
        return list(self._quantity.members)

    def is_linked_to(self, other):
        """True when ``other`` shares this parameter's quantity."""
        return isinstance(other, Parameter) and other._quantity is self._quantity

    def link_to(self, other):
        """Make this parameter (and everything linked to it) one quantity with ``other``.

        This parameter adopts ``other``'s value, uncertainty and lock (if
        ``other`` has no value yet, it takes this one's). Values, when both
        set, must have the same shape. Both must have the same limits and
        cyclicity: one quantity has one allowed range, and silently taking
        either side's (a Sersic n linked to a Moffat n) would change what the
        other model may reach; set the limits you want on both first.
        """
        if not isinstance(other, Parameter):
            raise TypeError(f"parameter {self.name!r}: can only link to a Parameter, got {type(other).__name__}")
        if self.is_linked_to(other):
            return
        if self.shape is not None and other.shape is not None and self.shape != other.shape:
            raise ValueError(f"cannot link parameter {self.name!r} of shape {self.shape} to "
                             f"{other.name!r} of shape {other.shape}")
        if self.limits != other.limits or self.cyclic != other.cyclic:
            raise ValueError(f"cannot link parameter {self.name!r} (limits {list(self.limits)}"
                             f"{', cyclic' if self.cyclic else ''}) to {other.name!r} (limits "
                             f"{list(other.limits)}{', cyclic' if other.cyclic else ''}): a linked quantity has "
                             "one range; give both the same limits first (parameter.limits = (lo, hi))")
        if other._quantity.value is None and self._quantity.value is not None:
            other._quantity.value = other._quantity.checked_value(self._quantity.value, other.name)
        target = other._quantity
        for member in self._quantity.members:
            member._quantity = target
            target.members.append(member)

    def unlink(self):
        """Detach this parameter: it keeps a copy of the shared state, the others stay linked."""
        shared = self._quantity
        if len(shared.members) == 1:
            return
        shared.members.remove(self)
        own = SharedQuantity(shared.limits, shared.locked, shared.cyclic)
        own.value = None if shared.value is None else shared.value.copy()
        own.uncertainty = None if shared.uncertainty is None else shared.uncertainty.copy()
        own.members.append(self)
        self._quantity = own

    def __repr__(self):
        flags = (" locked" if self.locked else "") + (f" linked x{len(self.linked)}" if len(self.linked) > 1 else "")
        units = f" {self.units}" if self.units else ""
        value = None if self.value is None else np.asarray(self.value).tolist()
        uncertainty = None if self.uncertainty is None else np.asarray(self.uncertainty).tolist()
        return (f"Parameter({self.name!r}, value={value!r}{units}, uncertainty={uncertainty!r}, "
                f"limits={self.limits}{flags})")
