"""A geometric grid of positive values: np.geomspace's numbers without its general-case cost."""

import numpy as np


def geometric_grid(start, stop, count):
    """``count`` values from ``start`` to ``stop`` (both > 0, any units; ``count`` >= 2), evenly
    spaced in log: the same numbers as ``np.geomspace(start, stop, count)`` (its steps: a linspace
    of the log10 ends, 10 to those powers, the ends set exactly), without its handling of signs,
    complex values, dtypes and axes (~5x its cost per call; initialize() makes a few per source)."""
    result = np.power(10.0, np.linspace(np.log10(start), np.log10(stop), count))
    result[0], result[-1] = start, stop
    return result
