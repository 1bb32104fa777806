"""A geometric grid of positive values: np.geomspace's numbers without its general-case cost."""

import numpy as np


def geometric_grid(start, stop, count):
    """``count`` values from ``start`` to ``stop`` (both > 0, any units; ``count`` >= 2), evenly
    spaced in log: the same numbers as ``np.geomspace(start, stop, count)`` (its steps: a linspace
    of the log10 ends, 10 to those powers, the ends set exactly), without its handling of signs,
    complex values, dtypes and axes (~5x its cost per call; initialize() makes a few per source).
    The linspace is np.linspace's own arithmetic (arange(count) times the step, plus the start,
    the last set to the end) without its argument handling: 77k -> ~25k instructions a call."""
    low, high = np.log10(start), np.log10(stop)
    result = np.power(10.0, _linspace(low, high, count))
    result[0], result[-1] = start, stop
    return result


def _linspace(low, high, count):
    """np.linspace(low, high, count)'s numbers for float64 scalars ``low``, ``high`` and
    ``count`` >= 2: its operations in its order (delta, step = delta / (count - 1), arange times
    the step in place, plus low in place, the last set to high; a zero step's special case)."""
    div = count - 1
    delta = np.subtract(high, low)
    step = delta / div
    values = np.arange(0, count, dtype=float)
    if step == 0:  # np.linspace's handling of denormal steps (gh-5437)
        values /= div
        values *= delta
    else:
        values *= step
    values += low
    values[-1] = high
    return values
