"""The cyclic entries of a parameter vector (position angles) wrapped into their ranges.

The fitter wraps its vector after every step and writes it into the model at every
evaluation, a vector with one or a few cyclic entries each time. They are wrapped here
one by one in Python floats: ``start + (value - start) % period`` with Python's float
``%``, which is numpy's ``np.mod`` for floats (both take C's fmod and move a remainder
whose sign differs from the period's by one period; a zero remainder takes the period's
sign), so the digits are those of ``start + np.mod(x - start, period)``, without numpy's
per-call cost for a handful of values.
"""

import numpy as np


class CyclicEntries:
    """The entries ``cyclic`` (a (P,) bool array) of a vector, each wrapped into
    [lower, upper) of its own (``lower``, ``upper``: (P,) arrays, or lists of floats; only the
    cyclic entries' values are used, and they must be finite with upper > lower)."""

    def __init__(self, cyclic, lower, upper):
        # (a Python list of the flags: made twice a fit, where np.flatnonzero costs more; a list of
        # bools, VectorWriter's, as it is)
        flags = cyclic if type(cyclic) is list else np.asarray(cyclic, dtype=bool).ravel().tolist()
        index = [i for i, flag in enumerate(flags) if flag]
        if not index:
            self._entries = []
            return
        if type(lower) is not list or type(upper) is not list:  # (lists: Python floats, VectorWriter's)
            lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
        # (the period upper - lower in Python floats: the same double subtraction as numpy's)
        self._entries = [(i, float(lower[i]), float(upper[i]) - float(lower[i])) for i in index]

    @property
    def indices(self):
        """The cyclic entries' indices (ints, ascending)."""
        return [i for i, _, _ in self._entries]

    def wrap_in_place(self, x):
        """Wrap the cyclic entries of the float array ``x`` (P,) into their ranges, in place; return x."""
        return self.wrap_into(x, x)

    def wrap_into(self, x, out):
        """Write the cyclic entries of ``x`` (P,), wrapped into their ranges, into those of the float
        array ``out`` (P,; its other entries left alone); return out. (Lists of floats serve as well
        as arrays, for either.)"""
        for i, start, period in self._entries:
            out[i] = start + (float(x[i]) - start) % period
        return out

    def step_spans(self, reach, size):
        """The (P,) float array (``size`` entries) of each cyclic entry's ``reach`` times its period
        (the farthest one step may move it: the core's ``lm_damped_step`` holds it within x -/+ that
        span), 0 elsewhere; None when there is no cyclic entry."""
        if not self._entries:
            return None
        spans = np.zeros(size)
        for i, _, period in self._entries:
            spans[i] = reach * period
        return spans
