"""ParameterSpec: how a model type declares one of its parameters, and how user values become Parameters."""

import dataclasses
import functools
import math

import numpy as np

from .. import _core
from ..param import Parameter

# Smallest positive float: a lower limit that makes an interval open at 0
# ("> 0") with the inclusive limits of Parameter.
POSITIVE = float(np.nextafter(0.0, 1.0))

_DICT_KEYS = ("value", "uncertainty", "limits", "locked")


@dataclasses.dataclass(frozen=True)
class ParameterSpec:
    """The declaration of one parameter of a model type.

    name : str
        Its name (e.g. "q", "center", "I(R)").
    units : str
        Units of the value, for display and documentation.
    limits : (lo, hi)
        Default inclusive limits (None on a side = unbounded).
    cyclic : bool
        The value wraps into [lo, hi) (PA on [0, pi)).
    shape : tuple or None
        Shape of the value: () scalar, (2,) a pair; None when the model
        decides (spline knot values: one per knot).
    """

    name: str
    units: str = ""
    limits: tuple = (None, None)
    cyclic: bool = False
    shape: tuple = ()


# Default limits that keep every render finite and within the renderer's
# stated accuracy (see polychrome.render_profile):
# axis ratio: the core's smallest q, where its accuracy was measured;
MIN_AXIS_RATIO = float(_core.render_ranges()["min_axis_ratio"])
# sizes (Re, sigma, Rd), arcsec: from a micro-arcsecond to beyond the whole sky,
# well inside the core's 1e-12 to 1e12 pixels for any pixel scale from 1e-6 to 1e6 arcsec;
SIZE_LIMITS = (1e-6, 1e6)
# log10 brightnesses (surface brightness in flux/arcsec^2, or total flux):
# 10**100 times any window's area stays far from overflow, and a linear value
# given by mistake (e.g. Ie = 500) is refused;
LOG10_BRIGHTNESS_LIMITS = (-100.0, 100.0)
# linear sky surface brightness, flux/arcsec^2 (and its gradient, flux/arcsec^3).
LINEAR_SKY_LIMITS = (-1e100, 1e100)

CENTER = ParameterSpec("center", "arcsec", shape=(2,))
AXIS_RATIO = ParameterSpec("q", "b/a", limits=(MIN_AXIS_RATIO, 1.0))
POSITION_ANGLE = ParameterSpec("PA", "rad", limits=(0.0, math.pi), cyclic=True)


def make_parameter(spec, given, model_name, shape):
    """A Parameter for ``spec`` from a user's ``given`` value.

    ``given`` is None (no value yet), a number or array (the value), or a
    dict with any of "value", "uncertainty", "limits" (replacing the
    default ones) and "locked". ``shape`` is the required shape of the
    value (None: any). Errors name the model and the parameter.
    """
    if not isinstance(given, dict):  # the declaration's own limits, checked once per declaration
        limits = _declared_limits(spec)
        if limits is not None:
            parameter = Parameter.of_checked(spec.name, spec.units, limits, False, spec.cyclic)
            if given is not None:
                _set_value(parameter, spec, given, shape, model_name)
            return parameter
    fields = {"value": given}
    if isinstance(given, dict):
        unknown = [key for key in given if key not in _DICT_KEYS]
        if unknown:
            raise ValueError(f"model {model_name!r}: parameter {spec.name!r} given as a dict with unknown "
                             f"key(s) {unknown}; allowed keys: {list(_DICT_KEYS)}")
        fields = {"value": None, **given}
    limits, locked = fields.get("limits", spec.limits), fields.get("locked", False)
    try:
        if type(locked) is bool and type(spec.units) is str and _plain_limits(limits):
            checked = _checked_limits(spec.name, spec.units, limits, _zero_signs(limits), spec.cyclic)
            parameter = Parameter.of_checked(spec.name, spec.units, checked, locked, spec.cyclic)
        else:
            parameter = Parameter(spec.name, limits=limits, locked=locked, units=spec.units, cyclic=spec.cyclic)
    except (TypeError, ValueError) as err:
        raise type(err)(f"model {model_name!r}: {err}") from None
    if fields["value"] is not None:
        _set_value(parameter, spec, fields["value"], shape, model_name)
    if fields.get("uncertainty") is not None:
        parameter.uncertainty = fields["uncertainty"]
    return parameter


def _set_value(parameter, spec, value, shape, model_name):
    """Give ``parameter`` (of ``spec``) the user's ``value`` of required ``shape``; errors name the model."""
    check_shape(spec.name, _shape_of(value), shape, model_name)
    try:
        parameter.value = value
    except (TypeError, ValueError) as err:
        raise type(err)(f"model {model_name!r}: {err}") from None


# id(spec) -> (spec, the limits a Parameter of it stores): by identity, since equal declarations
# may differ in the sign of a zero limit (see _zero_signs); the spec is held so that its id stays its own
_DECLARED_LIMITS = {}
_DECLARED_KEPT = 256


def _declared_limits(spec):
    """The limits a Parameter of ``spec`` given no value stores (make_parameter's general path for
    ``given=None``), kept per declaration: a survey builds the same few parameters for every source
    and image. None for a declaration that path must judge itself (limits not a plain pair of
    numbers, units not a string, or limits it refuses: its error names the model)."""
    entry = _DECLARED_LIMITS.get(id(spec))
    if entry is not None and entry[0] is spec:
        return entry[1]
    if type(spec.units) is not str or not _plain_limits(spec.limits):
        return None
    try:
        limits = _checked_limits(spec.name, spec.units, spec.limits, _zero_signs(spec.limits), spec.cyclic)
    except (TypeError, ValueError):
        return None
    if len(_DECLARED_LIMITS) >= _DECLARED_KEPT:
        _DECLARED_LIMITS.clear()
    _DECLARED_LIMITS[id(spec)] = (spec, limits)
    return limits


def _plain_limits(limits):
    """True for limits (lo, hi) of None, ints and floats (hashable: _checked_limits keeps them).
    (A loop: a generator in all() costs ten times more for two values, at every parameter made.)"""
    if type(limits) is not tuple:
        return False
    for v in limits:
        if v is not None and type(v) is not float and type(v) is not int:
            return False
    return True


def _zero_signs(limits):
    """The sign of each zero among ``limits`` (0.0 and -0.0 are one key to a cache, not to as_limits)."""
    return tuple([math.copysign(1.0, v) if v == 0 else None for v in limits])


@functools.lru_cache(maxsize=256)
def _checked_limits(name, units, limits, zero_signs, cyclic):
    """The limits a Parameter(name, limits=limits, units=units, cyclic=cyclic) stores, or its
    error: checked once per declaration and limits (a survey builds the same few for every source)."""
    return Parameter(name, limits=limits, units=units, cyclic=cyclic).limits


def _shape_of(value):
    """np.shape(value), without numpy's conversion for a float or a flat list of floats."""
    if isinstance(value, float):
        return ()
    if type(value) is list and all(isinstance(v, float) for v in value):
        return (len(value),)
    return np.shape(value)


def check_shape(name, actual, required, model_name):
    """Raise ValueError unless a value of shape ``actual`` fits ``required`` (None: any)."""
    if required is not None and tuple(actual) != tuple(required):
        what = "a scalar" if required == () else f"shape {tuple(required)}"
        raise ValueError(f"model {model_name!r}: parameter {name!r} must be {what}, got shape {tuple(actual)}")
