"""polychrome's 2D real FFT against scipy.fft (pocketfft), side by side.

For each square size, times forward + inverse (rfft2 then irfft2, float64,
single thread: scipy workers=1, polychrome threads=1) in one process and
prints the median times and their ratio. The acceptance target (issue 3) is
polychrome / scipy <= 1.5 on every size.

Two schedules, both reported, the verdict taking the worse:
- "alternating": the libraries take turns call by call, so both see the same
  machine state. Note that pocketfft frees its large temporaries on every
  call, which returns memory to the OS and makes the *next* caller's fresh
  arrays page-fault; with alternation that cost lands partly on polychrome.
- "blocked": runs of 5 calls of one library, then 5 of the other, and so on:
  each library in the allocator state it creates itself, as in a program
  that uses only one of them.

Usage: python bench/fft_vs_scipy.py [sizes...] [--budget SECONDS_PER_SIZE]
"""

import argparse
import time

import numpy as np
import scipy.fft

from polychrome import _core

DEFAULT_SIZES = [64, 100, 128, 200, 243, 250, 256, 360, 500, 512, 1000, 1024]
TARGET = 1.5


def time_pair(n, budget):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, n))
    shape = x.shape

    plans = _core.FftPlans()  # reused across calls, as a convolution engine does

    def ours():
        return _core.irfft2(_core.rfft2(x, plans=plans), shape, plans=plans)

    def theirs():
        return scipy.fft.irfft2(scipy.fft.rfft2(x, workers=1), shape, workers=1)

    # Warm up (plans, caches) and check that both agree.
    err = np.max(np.abs(ours() - theirs())) / np.max(np.abs(x))

    def run(run_length):
        t_ours, t_theirs = [], []
        start = time.perf_counter()
        while len(t_ours) < 10 or (time.perf_counter() - start < budget / 2
                                   and len(t_ours) < 2000):
            for f, times in ((ours, t_ours), (theirs, t_theirs)):
                for _ in range(run_length):
                    t0 = time.perf_counter()
                    f()
                    times.append(time.perf_counter() - t0)
        return np.median(t_ours), np.median(t_theirs), len(t_ours)

    return run(1), run(5), err


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=DEFAULT_SIZES)
    parser.add_argument("--budget", type=float, default=0.5, help="seconds per size")
    args = parser.parse_args()

    print(f"scipy {scipy.__version__}, numpy {np.__version__}; float64, single thread;"
          f" time = rfft2 + irfft2, median, ms")
    print(f"{'':>6} {'--------- alternating ---------':>31} {'----------- blocked -----------':>31}")
    print(f"{'n':>6} {'polychrome':>11} {'scipy':>9} {'ratio':>9} {'polychrome':>11} {'scipy':>9}"
          f" {'ratio':>9} {'reps':>6} {'max_diff':>9}")
    worst = 0.0
    for n in args.sizes:
        (a_ours, a_theirs, reps), (b_ours, b_theirs, _), err = time_pair(n, args.budget)
        a_ratio, b_ratio = a_ours / a_theirs, b_ours / b_theirs
        worst = max(worst, a_ratio, b_ratio)
        print(f"{n:>6} {a_ours * 1e3:>11.3f} {a_theirs * 1e3:>9.3f} {a_ratio:>9.2f}"
              f" {b_ours * 1e3:>11.3f} {b_theirs * 1e3:>9.3f} {b_ratio:>9.2f} {reps:>6} {err:>9.1e}")
    verdict = "PASS" if worst <= TARGET else "FAIL"
    print(f"verdict: {verdict}: worst ratio polychrome/scipy = {worst:.2f} over both schedules"
          f" (target <= {TARGET} on every size)")


if __name__ == "__main__":
    main()
