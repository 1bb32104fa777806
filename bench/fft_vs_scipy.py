"""polychrome's 2D real FFT against scipy.fft (pocketfft), side by side.

For each square size, times forward + inverse (rfft2 then irfft2, float64,
single thread: scipy workers=1, polychrome threads=1) in one process,
alternating the two libraries in every repetition so that both see the same
machine state, and prints the median times and their ratio. The acceptance
target (issue 3) is polychrome / scipy <= 1.5 on every size.

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

    def ours():
        return _core.irfft2(_core.rfft2(x), shape)

    def theirs():
        return scipy.fft.irfft2(scipy.fft.rfft2(x, workers=1), shape, workers=1)

    # Warm up (plans, caches) and check that both agree.
    err = np.max(np.abs(ours() - theirs())) / np.max(np.abs(x))
    t_ours, t_theirs = [], []
    start = time.perf_counter()
    while len(t_ours) < 7 or (time.perf_counter() - start < budget and len(t_ours) < 2000):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        theirs()
        t2 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_theirs.append(t2 - t1)
    return np.median(t_ours), np.median(t_theirs), len(t_ours), err


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=DEFAULT_SIZES)
    parser.add_argument("--budget", type=float, default=0.5, help="seconds per size")
    args = parser.parse_args()

    print(f"scipy {scipy.__version__}, numpy {np.__version__}; float64, single thread;"
          f" time = rfft2 + irfft2, median")
    print(f"{'n':>6} {'polychrome_ms':>14} {'scipy_ms':>10} {'ratio':>7} {'reps':>6} {'max_diff':>9}")
    worst = 0.0
    for n in args.sizes:
        ours, theirs, reps, err = time_pair(n, args.budget)
        ratio = ours / theirs
        worst = max(worst, ratio)
        print(f"{n:>6} {ours * 1e3:>14.3f} {theirs * 1e3:>10.3f} {ratio:>7.2f} {reps:>6} {err:>9.1e}")
    verdict = "PASS" if worst <= TARGET else "FAIL"
    print(f"verdict: {verdict}: worst ratio polychrome/scipy = {worst:.2f} "
          f"(target <= {TARGET} on every size)")


if __name__ == "__main__":
    main()
