"""Default threads against one thread, alternated call by call, under load.

Renders a 256 x 256 Sersic convolved with a 25 x 25 Moffat PSF (image only,
and image + Jacobian) with the default thread count and with threads=1,
alternating the two so that both see the same load, and prints the median and
the worst of each. ``--busy N`` starts N busy-looping processes first (the
contention of issue 10: two busy processes on a 2-core machine); on a machine
that others already load, run it as is and read the load average it prints.

    python bench/threads_contention.py [--busy N] [--calls N] [--size N]
"""

import argparse
import multiprocessing
import os
import statistics
import time

import numpy as np

import polychrome


def busy_loop():
    while True:
        pass


def moffat_psf(size=25, fwhm=4.0, beta=3.0):
    alpha = fwhm / (2.0 * np.sqrt(2.0 ** (1.0 / beta) - 1.0))
    y, x = np.mgrid[:size, :size] - size // 2
    psf = (1.0 + (x * x + y * y) / alpha**2) ** -beta
    return psf / psf.sum()


def timings(render, calls):
    """(default, one thread) wall times in ms, the two alternated call by call."""
    default, single = [], []
    for _ in range(calls):
        for threads, into in ((None, default), (1, single)):
            start = time.perf_counter()
            render(threads)
            into.append(1e3 * (time.perf_counter() - start))
    return default, single


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--busy", type=int, default=0, help="busy processes to start first")
    parser.add_argument("--calls", type=int, default=300, help="calls per variant")
    parser.add_argument("--size", type=int, default=256, help="image side, pixels")
    args = parser.parse_args()

    workers = [multiprocessing.Process(target=busy_loop, daemon=True) for _ in range(args.busy)]
    for w in workers:
        w.start()
    try:
        conv = polychrome.PsfConvolver(moffat_psf())
        n = args.size
        print(f"load average {os.getloadavg()[0]:.2f}, CPUs usable {polychrome.get_threads()}, "
              f"busy processes started {args.busy}, {n}x{n} Sersic * 25x25 PSF, {args.calls} calls each")
        print(f"{'case':<16}{'threads':>9}{'median ms':>11}{'p90 ms':>9}{'worst ms':>10}")
        for jacobian in (False, True):
            def render(threads, jacobian=jacobian):
                kw = {} if threads is None else {"threads": threads}
                polychrome.render_profile("sersic", {"n": 2.5, "Re": n / 25, "Ie": 1.0}, (n, n),
                                          center=(n / 2 + 0.3, n / 2 - 0.2), q=0.6, PA=0.5,
                                          psf=conv, jacobian=jacobian, **kw)
            render(None)
            render(1)
            default, single = timings(render, args.calls)
            case = "image+jacobian" if jacobian else "image"
            for label, t in (("default", default), ("1", single)):
                p90 = np.percentile(t, 90)
                print(f"{case:<16}{label:>9}{statistics.median(t):>11.2f}{p90:>9.2f}{max(t):>10.2f}")
    finally:
        for w in workers:
            w.terminate()


if __name__ == "__main__":
    main()
