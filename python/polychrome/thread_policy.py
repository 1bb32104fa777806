"""How many threads polychrome's core uses: the one place that decides.

Every call into the core that can use threads (rendering, PSF convolution,
FFTs, the fitter's normal equations) asks :func:`resolve_threads`, in this
order of precedence:

1. an explicit ``threads=n`` argument of that call (``None`` or 0: not given);
2. the user setting: the innermost ``with polychrome.threads(n):`` block of
   the calling thread (or asyncio task), else ``polychrome.set_threads(n)``;
3. the environment variable ``OMP_NUM_THREADS`` (its first entry), read at
   every call;
4. the CPUs this process may use (affinity mask, cgroup quota; see
   :func:`polychrome.utils.cpus.usable_cpus`).

Whatever the source, the count is capped at the CPUs this process may use
(more threads than CPUs only wait for each other), and in a child made by
``os.fork()`` it is 1 (the parent's helper threads do not exist there; the
core also checks this itself). Without an explicit request the count is a
ceiling: a call uses no more threads than there are CPUs not busy with other
work at that moment (Linux: the kernel's count of runnable threads), so that
on a loaded machine the default is never slower than one thread; an explicit
``threads=n`` is taken as asked. The core itself runs serially where the work
is too small for threads to pay.
"""

import contextlib
import contextvars
import numbers
import os
import threading

from . import _core
from .utils.cpus import runnable_elsewhere, usable_cpus

#: Largest thread count accepted: larger requests are mistakes (no machine has
#: that many CPUs) and raise ValueError (the OpenMP runtime polychrome once
#: used crashed when asked for 100000 threads).
MAX_THREADS = 65536

# The process that imported polychrome; another pid means a fork child.
_IMPORTING_PID = os.getpid()

# set_threads()'s value (None: not set); a lock makes set-and-read atomic.
_setting_lock = threading.Lock()
_process_setting = None
# The innermost `with threads(n)` of this thread / task (None: none).
_scoped_setting = contextvars.ContextVar("polychrome_threads", default=None)


def _checked(n, name, allow_default):
    """``n`` as an int in [1, MAX_THREADS] (or None for "not given"), else ValueError."""
    if type(n) is int and 1 <= n <= MAX_THREADS:  # the common case, quickly
        return n
    if n is None:
        if allow_default:
            return None
        raise ValueError(f"{name} must be an integer from 1 to {MAX_THREADS}, got None")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"{name} must be an integer number of threads "
                         f"({'0 or None for the default, ' if allow_default else ''}"
                         f"1 to {MAX_THREADS}), got {n!r}")
    n = int(n)
    if n == 0 and allow_default:
        return None
    low = 0 if allow_default else 1
    if not low <= n <= MAX_THREADS:
        raise ValueError(f"{name} must be from {low} to {MAX_THREADS} "
                         f"({'0 = the default; ' if allow_default else ''}counts above the CPUs "
                         f"this process may use are capped to them), got {n}")
    return n


def _environment_threads():
    """OMP_NUM_THREADS's first entry as a positive int, or None when unset or not one."""
    value = os.environ.get("OMP_NUM_THREADS")
    if not value:
        return None
    value = value.split(",")[0].strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def forked_child():
    """True in a process made by ``os.fork()`` after polychrome was imported (it runs serially)."""
    return os.getpid() != _IMPORTING_PID


def _limit(requested, cpus):
    """The count by the order of the module docstring, for a checked request (None: not given)
    and the usable CPUs."""
    if forked_child():
        return 1
    n = requested
    if n is None:
        n = _scoped_setting.get()
    if n is None:
        n = _process_setting
    if n is None:
        n = _environment_threads()
    return cpus if n is None else min(n, cpus)


def _setting_of_one():
    """True when the user setting (the innermost ``with threads(n)``, else set_threads) is 1: then
    the count is 1 whatever the CPUs, the environment or the fork (see _limit)."""
    scoped = _scoped_setting.get()
    return scoped == 1 if scoped is not None else _process_setting == 1


def thread_limit(threads=None):
    """The thread count chosen by the order in the module docstring (>= 1), before any load check.

    Parameters
    ----------
    threads : int or None
        An explicit request: 1 to :data:`MAX_THREADS`, or None / 0 for "not
        given". Negative, larger or non-integer values raise ValueError.
    """
    return _limit(_checked(threads, "threads", allow_default=True), usable_cpus())


def resolve_threads(threads=None):
    """Threads for one call into the core (>= 1): what the core's bindings ask.

    An explicit ``threads`` (1 to :data:`MAX_THREADS`) gives
    :func:`thread_limit` of it; otherwise the limit is lowered to the CPUs
    that no other runnable thread of the machine is using now (at least 1).
    None or 0: not given; negative, larger or non-integer values raise
    ValueError.
    """
    if threads is None and _setting_of_one():
        return 1  # a survey worker's case, asked ~11 times a source: no CPU or load lookup
    requested = _checked(threads, "threads", allow_default=True)
    cpus = usable_cpus()
    limit = _limit(requested, cpus)
    if limit == 1 or requested is not None:
        return limit
    elsewhere = runnable_elsewhere()
    if elsewhere is None:
        return limit
    # the pool's own helpers still polling after the previous call are runnable
    # threads too, but not other work: counting them would make every call
    # after the first run on one thread
    elsewhere = max(0, elsewhere - _core.awake_pool_helpers())
    return max(1, min(limit, cpus - elsewhere))


def get_threads():
    """The most threads a call without an explicit ``threads=`` uses here (>= 1).

    The user setting, else OMP_NUM_THREADS, else the usable CPUs, capped at
    the usable CPUs (1 in a fork child); a call uses fewer while other work
    keeps CPUs busy, or when its work is too small to pay for threads.
    """
    return thread_limit(None)


def set_threads(n):
    """Set the process-wide default thread count of the core; ``None`` removes it.

    Takes precedence over ``OMP_NUM_THREADS`` and the CPU count, yields to an
    explicit ``threads=`` argument and to an enclosing
    :func:`polychrome.threads` block. ``n``: 1 to :data:`MAX_THREADS` (capped
    at the CPUs this process may use). Returns the previous setting. Safe to
    call from any thread.
    """
    global _process_setting
    n = _checked(n, "threads", allow_default=False) if n is not None else None
    with _setting_lock:
        previous, _process_setting = _process_setting, n
    return previous


@contextlib.contextmanager
def threads(n):
    """Context manager: the core uses ``n`` threads inside the block (1 to :data:`MAX_THREADS`).

    Applies to the calling thread (and asyncio task) only, so that blocks in
    several threads do not interfere; nests (the innermost wins); an explicit
    ``threads=`` argument still takes precedence inside it. Example::

        with polychrome.threads(1):
            result = polychrome.fit.LM(model).fit()
    """
    token = _scoped_setting.set(_checked(n, "threads", allow_default=False))
    try:
        yield
    finally:
        _scoped_setting.reset(token)
