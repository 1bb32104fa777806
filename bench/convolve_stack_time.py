"""CPU time of the PSF convolution of a fit's plane stacks and of recorded normal-equation calls.

python bench/convolve_stack_time.py stacks [--reps 40]            # PsfConvolver.convolve, min of reps
python bench/convolve_stack_time.py ne NE_CALLS.pkl [--reps 20]   # render_convolved_normal_equations
python bench/convolve_stack_time.py dump OUT.npz [NE_CALLS.pkl]   # outputs, for `check` with another build
python bench/convolve_stack_time.py check REF.npz [NE_CALLS.pkl]  # this build against a dump

`stacks`: a 37 x 37 Moffat PSF; windows 44 and 50 (FFT 80 x 80 and 90 x 90), each as a 7-plane stack
(the image in double, 6 planes in single precision, as render_convolved_normal_equations convolves an
isolated galaxy's image and Jacobian), all 7 in double, and one double plane (an initialize candidate);
random planes (a fixed seed), threads=1. Prints microseconds per convolve call, the minimum over
--reps timings of --inner calls each (time.process_time): the minimum is fairly robust to other load.
`ne`: every recorded call of NE_CALLS.pkl (a list of argument lists, /work/prompts16/rec_ne.py) --reps
times; per call the minimum over the repetitions, summed: microseconds per call.
Compare two builds by running this under each (alternately, a few times each).
`dump` / `check`: the stacks' outputs (and the NE calls' results) of one build, and per plane the
largest |difference| of another over the plane's largest |value|; double planes must be bit-identical.
"""

import argparse
import pickle
import time

import numpy as np

import polychrome as pc
from polychrome import _core

WINDOWS = (44, 50)


def moffat_psf(size=37, fwhm=4.0, beta=3.0):
    half = size // 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    alpha = fwhm / (2.0 * np.sqrt(2.0 ** (1.0 / beta) - 1.0))
    psf = (1.0 + (x * x + y * y) / alpha ** 2) ** -beta
    return psf / psf.sum()


def stacks():
    """(label, convolver, stack, double_arrays) of the cases timed."""
    conv = _core.PsfConvolver(moffat_psf())
    rng = np.random.default_rng(0)
    cases = []
    for w in WINDOWS:
        pad = w + 36
        stack = rng.standard_normal((7, pad, pad))
        stack[1:] *= 10.0 ** rng.uniform(-3, 3, size=(6, 1, 1))
        cases.append((f"w{w} fft{conv.fft_shape((w, w))[0]} 7 planes img double + 6 single", conv, stack, 1))
        cases.append((f"w{w} fft{conv.fft_shape((w, w))[0]} 7 planes all double", conv, stack, None))
        cases.append((f"w{w} fft{conv.fft_shape((w, w))[0]} 1 plane double", conv, stack[:1].copy(), None))
    return cases


def time_min(fn, reps, inner):
    best = float("inf")
    for _ in range(reps):
        t = time.process_time()
        for _ in range(inner):
            fn()
        best = min(best, (time.process_time() - t) / inner)
    return best


def cmd_stacks(reps, inner):
    for label, conv, stack, k in stacks():
        conv.convolve(stack, threads=1, double_arrays=k)  # plans and spectra built
        us = 1e6 * time_min(lambda: conv.convolve(stack, threads=1, double_arrays=k), reps, inner)
        print(f"{label:50s} {us:8.1f} us")


def load_calls(path):
    with open(path, "rb") as f:
        return pickle.load(f)


def cmd_ne(path, reps):
    calls = load_calls(path)
    for c in calls:
        _core.render_convolved_normal_equations(*c)
    best = np.full(len(calls), np.inf)
    for _ in range(reps):
        for i, c in enumerate(calls):
            t = time.process_time()
            _core.render_convolved_normal_equations(*c)
            best[i] = min(best[i], time.process_time() - t)
    print(f"{len(calls)} NE calls: {1e6 * best.sum() / len(calls):.1f} us per call (sum of per-call minima)")


def flatten(result):
    if isinstance(result, np.ndarray):
        return [result.copy()]
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in flatten(r)]
    return [np.asarray(result, dtype=float)]


def outputs(ne_path):
    out = {}
    for i, (_, conv, stack, k) in enumerate(stacks()):
        out[f"stack{i}"] = conv.convolve(stack, threads=1, double_arrays=k)
        out[f"stack{i}_k"] = np.asarray(-1 if k is None else k)
    if ne_path:
        for i, c in enumerate(load_calls(ne_path)):
            for j, a in enumerate(flatten(_core.render_convolved_normal_equations(*c))):
                out[f"ne{i}_{j}"] = a
    return out


def cmd_check(ref_path, ne_path):
    ref = np.load(ref_path)
    new = outputs(ne_path)
    worst = 0.0
    for key in sorted(k for k in new if k.startswith("stack") and not k.endswith("_k")):
        k = int(ref[key + "_k"])
        for p, (a, b) in enumerate(zip(new[key], ref[key])):
            if k < 0 or p < k:
                assert np.array_equal(a, b), f"{key} plane {p} (double) differs"
            else:
                rel = np.abs(a - b).max() / np.abs(b).max()
                worst = max(worst, rel)
    print(f"stacks: double planes bit-identical, single planes within {worst:.2e} of their largest |value|")
    ne_keys = [k for k in new if k.startswith("ne")]
    if ne_keys:
        same = sum(np.array_equal(new[k], ref[k]) for k in ne_keys)
        rel = max(np.abs(new[k] - ref[k]).max() / max(np.abs(ref[k]).max(), 1e-300) for k in ne_keys)
        print(f"NE calls: {same} of {len(ne_keys)} outputs bit-identical, largest relative difference {rel:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["stacks", "ne", "dump", "check"])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--inner", type=int, default=20)
    args = parser.parse_args()
    pc.set_threads(1)
    if args.command == "stacks":
        cmd_stacks(args.reps, args.inner)
    elif args.command == "ne":
        cmd_ne(args.paths[0], args.reps)
    elif args.command == "dump":
        np.savez(args.paths[0], **outputs(args.paths[1] if len(args.paths) > 1 else None))
    else:
        cmd_check(args.paths[0], args.paths[1] if len(args.paths) > 1 else None)


if __name__ == "__main__":
    main()
