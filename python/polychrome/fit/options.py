"""Validation of the Levenberg-Marquardt options (one place for LM and levenberg_marquardt)."""

import collections
import math
import numbers

LMOptions = collections.namedtuple("LMOptions",
                                   "max_iter epsilon4 tolerance relative_tolerance damping verbose max_time")


def _number(name, value, what):
    if type(value) is not float:  # (a float as it is: the ABC's isinstance costs more than the rest)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number ({what}), got {value!r}")
        value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite ({what}), got {value!r}")
    return value


def checked_options(max_iter, epsilon4, tolerance, relative_tolerance, damping, verbose, max_time=None):
    """The options as an LMOptions (int, float, float, float or None, float, int, float or None), or raise
    naming the bad one.

    max_iter: integer >= 1 (steps); epsilon4: in [0, 1) (ratio of actual to
    predicted chi^2 decrease); tolerance: > 0 (chi^2 units); relative_tolerance:
    None or in [0, 1) (fraction of chi^2); damping: > 0 (Marquardt's L,
    dimensionless); verbose: integer >= 0; max_time: None or > 0 (seconds of wall
    clock for the whole fit).
    """
    if (type(max_iter) is not int and (isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral))
            or max_iter < 1):
        raise ValueError(f"max_iter must be an integer >= 1 (most steps tried), got {max_iter!r}")
    epsilon4 = _number("epsilon4", epsilon4, "least ratio of actual to predicted chi^2 decrease")
    if not 0.0 <= epsilon4 < 1.0:
        raise ValueError(f"epsilon4 must be in [0, 1) (least ratio of actual to predicted chi^2 decrease), "
                         f"got {epsilon4!r}")
    tolerance = _number("tolerance", tolerance, "predicted chi^2 decrease, chi^2 units")
    if not tolerance > 0.0:
        raise ValueError(f"tolerance must be > 0 (predicted chi^2 decrease, chi^2 units), got {tolerance!r}")
    if relative_tolerance is not None:
        relative_tolerance = _number("relative_tolerance", relative_tolerance, "fraction of chi^2")
        if not 0.0 <= relative_tolerance < 1.0:
            raise ValueError(f"relative_tolerance must be None or in [0, 1) (fraction of chi^2), "
                             f"got {relative_tolerance!r}")
    damping = _number("damping", damping, "initial Marquardt damping L, dimensionless")
    if not 0.0 < damping <= 1e9:
        raise ValueError(f"damping must be in (0, 1e9] (initial Marquardt damping L, dimensionless), "
                         f"got {damping!r}")
    if isinstance(verbose, bool):
        verbose = int(verbose)
    if (type(verbose) is not int and not isinstance(verbose, numbers.Integral)) or verbose < 0:
        raise ValueError(f"verbose must be an integer >= 0, got {verbose!r}")
    if max_time is not None:
        max_time = _number("max_time", max_time, "seconds of wall clock")
        if not max_time > 0.0:
            raise ValueError(f"max_time must be None or > 0 (seconds of wall clock), got {max_time!r}")
    return LMOptions(int(max_iter), epsilon4, tolerance, relative_tolerance, damping, int(verbose), max_time)
