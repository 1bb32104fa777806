"""Measurements kept for the length of one ``initialize()`` of a group.

A group's initialize() looks at each image many times: each source's
measuring box (``automatic_window.measuring_bounds``), the image's sky, the
pixels of each window (``initialization.WindowPixels``), for the ranking by
S/N and again for the start of each source. Inside a ``measurements_kept()``
block the data cannot change, so each of these is measured once and kept;
outside one, nothing is kept (the data may change between calls).
"""

import contextlib
import contextvars

# {key: result} of the innermost block of this thread (or asyncio task); None outside one.
_kept = contextvars.ContextVar("polychrome_measurements_kept", default=None)


@contextlib.contextmanager
def measurements_kept():
    """A block (a group's initialize()) in which the images' data, masks and variances do not
    change: measurements are made once and kept (see ``remembered``). Nested blocks share the
    outermost one's memory; it is dropped at its end."""
    token = _kept.set({}) if _kept.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _kept.reset(token)


def remembered(key, measure):
    """``measure()``, or what it gave for ``key`` (hashable; images by id) earlier in the current
    ``measurements_kept()`` block. Callers must not modify what they get."""
    kept = _kept.get()
    if kept is None:
        return measure()
    if key not in kept:
        kept[key] = measure()
    return kept[key]
