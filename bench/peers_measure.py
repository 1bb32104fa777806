"""How the peers.py cases measure and report: errors against a reference,
wall times of repeated calls, each renderer or fitter in a fresh process, and
the table of rendering results."""

import dataclasses
import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

# Pixels fainter than this fraction of the reference peak are left out of the
# maximum relative error (their relative error says little about a renderer).
BRIGHT_FRACTION = 1e-4


# ----------------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------------


def max_relative_error(image, reference):
    """Largest |image/reference - 1| over pixels brighter than
    BRIGHT_FRACTION x the reference peak (dimensionless)."""
    bright = reference > BRIGHT_FRACTION * reference.max()
    return float(np.max(np.abs(image[bright] / reference[bright] - 1.0)))


def flux_relative_error(image, reference):
    """Relative error of the image's summed flux (dimensionless)."""
    return float(image.sum() / reference.sum() - 1.0)


def call_seconds(render, sersic, repeat):
    """Wall times (s) of `repeat` calls of render(), each with slightly
    different parameters, after one untimed warm-up call."""
    render(sersic.perturbed(-1))
    times = []
    for k in range(repeat):
        s = sersic.perturbed(k)
        t0 = time.perf_counter()
        render(s)
        times.append(time.perf_counter() - t0)
    return times


def median_seconds(function, args, repeat):
    """(median wall time (s), last result) of `repeat` calls function(*args)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


@dataclasses.dataclass
class Result:
    """One renderer's row: median and fastest time (s), errors against the
    reference, or why it was skipped."""

    name: str
    seconds: float = float("nan")
    min_seconds: float = float("nan")
    max_rel_error: float = float("nan")
    flux_rel_error: float = float("nan")
    skipped: str = ""


def run_isolated(function, *args):
    """function(*args) in a fresh process, so that state one library leaves
    behind cannot change another's speed (pyimfit, for one, lowers the
    process-wide OpenMP thread count).

    The process is spawned, not forked: `function` and `args` are pickled, so
    `function` must be a module-level function (or a functools.partial of
    one) of a module the child can import; the child inherits sys.path, on
    which the bench/ folder of the running script stands."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


# ----------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------


# A median this much above the fastest call means the timing was disturbed.
NOISY_MEDIAN_OVER_MIN = 1.3


def print_table(results, baseline):
    """One row per renderer; 'x polychrome' = its median time / polychrome's.
    Rows whose median exceeds NOISY_MEDIAN_OVER_MIN x their min are starred."""
    print(f"{'renderer':<22}{'median ms':>10}{'min ms':>9}{'x polychrome':>14}{'max rel err':>14}"
          f"{'flux rel err':>14}")
    noisy = False
    for r in results:
        if r.skipped:
            print(f"{r.name:<22}  {r.skipped}")
            continue
        star = "*" if r.seconds > NOISY_MEDIAN_OVER_MIN * r.min_seconds else ""
        noisy = noisy or bool(star)
        print(f"{r.name + star:<22}{1e3 * r.seconds:>10.3f}{1e3 * r.min_seconds:>9.3f}"
              f"{r.seconds / baseline.seconds:>14.1f}"
              f"{r.max_rel_error:>14.2e}{r.flux_rel_error:>14.2e}")
    if noisy:
        print(f"* median > {NOISY_MEDIAN_OVER_MIN}x min: the machine was busy, rerun when idle")
