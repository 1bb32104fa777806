"""How the OpenMP runtime's idle threads wait, set before the core loads it.

GNU OpenMP (libgomp) lets a thread that has finished its share of a parallel
region spin for up to ~300000 iterations before it sleeps. On a machine that
other processes also load, those spinning threads take CPU time from the
threads still working (and from the other processes), and a render with the
default thread count became several times slower than one thread (issue 10).
A passive wait policy makes idle threads sleep at once; the runtime reads it
once, when it is loaded, which for most programs is when polychrome's core is
first imported.
"""

import contextlib
import os

# Variables through which a user chooses the wait policy: theirs is kept.
_USER_CHOICES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


@contextlib.contextmanager
def passive_wait_policy():
    """Within the block, OMP_WAIT_POLICY=PASSIVE unless the user chose a policy.

    Import the core inside it. Afterwards the environment is as it was, so
    that child processes and other programs see the user's own settings. No
    effect when another library loaded the OpenMP runtime earlier.
    """
    chosen = any(name in os.environ for name in _USER_CHOICES)
    if not chosen:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        yield
    finally:
        if not chosen:
            os.environ.pop("OMP_WAIT_POLICY", None)
