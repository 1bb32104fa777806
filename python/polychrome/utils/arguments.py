"""Validation of common call arguments, with messages naming the argument."""

import numpy as np


def as_shape(shape, name="shape", minimum=0):
    """Return ``shape`` as a pair ``(ny, nx)`` of ints >= ``minimum``, or raise ValueError."""
    try:
        ny, nx = shape
        ny, nx = int(ny), int(nx)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (ny, nx) of integers, got {shape!r}") from None
    if ny < minimum or nx < minimum:
        kind = "non-negative" if minimum == 0 else f">= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {(ny, nx)}")
    return ny, nx


def as_point(value, name):
    """Return ``value`` as a pair of floats ``(x, y)``, or raise ValueError."""
    try:
        x, y = value
        return float(x), float(y)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of numbers (x, y), got {value!r}") from None


def check_numeric(value, name, expected, allow_bool=False):
    """Raise TypeError naming ``name`` when ``value`` is text, or booleans unless ``allow_bool``.

    numpy converts "0.5", ["1", "2"] and True to numbers without a word; an
    argument that must be numbers (``expected`` says which, with units) is
    refused instead. Other odd inputs are left to the caller's conversion to report.
    """
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        return  # ragged or odd input: the caller's conversion reports it
    refused = "US" if allow_bool else "USb"
    text = raw.dtype.kind in refused
    if raw.dtype.kind == "O":
        odd = (str, bytes) if allow_bool else (str, bytes, bool, np.bool_)
        text = any(isinstance(item, odd) for item in raw.ravel())
    if text:
        shown = repr(value) if len(repr(value)) <= 60 else f"{type(value).__name__} of dtype {raw.dtype}"
        raise TypeError(f"{name} must be {expected}, got {shown}")
