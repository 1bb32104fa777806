"""Validation of common call arguments, with messages naming the argument."""


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
