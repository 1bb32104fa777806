"""Replay recorded ``_core.render_convolved`` calls as renders only (``_core.render`` with the same
arguments: no PSF, no padding, no convolution; the same image as the call with a 1x1 delta PSF up to the
FFT's rounding), to time the adaptive renderer and to check two builds against each other.

python bench/render_replay.py time CALLS.pkl [--reps 5]          # CPU us per call, with / without Jacobian
python bench/render_replay.py dump CALLS.pkl OUT.npz             # every call's image (and Jacobian)
python bench/render_replay.py compare CALLS.pkl REF.npz          # this build against a dump of another
python bench/render_replay.py callgrind CALLS.pkl [--jac 0|1]    # one pass, for valgrind --tool=callgrind
(each with --padded: the window grown by the PSF's half-sizes, the render inside render_convolved)

CALLS.pkl: a list of (args, kwargs) of render_convolved with every argument positional (kwargs empty) (recorded by
bench/survey_record_calls.py). ``compare`` checks every pixel of the image and of every Jacobian plane against
the reference to within the call's own tolerance: relative ``tolerance`` (arg 10) of the pixel's value
plus the absolute tolerance (arg 16) -- twice over, since either build may err by up to that much from the
exact integral -- and prints the largest excess found.
"""

import argparse
import pickle
import time

import numpy as np

from polychrome import _core

# Positions of render_convolved's arguments used here: the first 14 are render()'s own.
ARG_JACOBIAN, ARG_TOLERANCE, ARG_PSF_UPSAMPLE, ARG_ABSOLUTE = 9, 10, 15, 16
RENDER_ARGS = 14


ARG_SHAPE, ARG_ORIGIN, ARG_PIXELSCALE, ARG_PSF = 3, 4, 5, 14
PADDED = False  # --padded: render the window grown by the PSF's half-sizes, as render_convolved does


def render_only(args, jacobian=None):
    """render()'s arguments for a recorded render_convolved call (jacobian: override its flag); with
    PADDED, those of the renderer's call inside render_convolved: the window grown by the PSF's
    half-sizes (origin moved back by them) and the absolute tolerance over sum |PSF|."""
    if args[ARG_PSF_UPSAMPLE] != 1:
        raise ValueError("only calls at the pixel resolution (psf_upsample 1) replay as renders")
    psf = args[ARG_PSF]
    args = list(args[:RENDER_ARGS]) + [args[ARG_ABSOLUTE]]
    if PADDED:
        pad_y, pad_x = psf.pad
        ny, nx = args[ARG_SHAPE]
        args[ARG_SHAPE] = (ny + 2 * pad_y, nx + 2 * pad_x)
        args[ARG_ORIGIN] = tuple(np.asarray(args[ARG_ORIGIN]) - np.asarray(args[ARG_PIXELSCALE]) @ [pad_x, pad_y])
        if args[-1] > 0:
            args[-1] = args[-1] / np.abs(psf.psf).sum()
    if jacobian is not None:
        args[ARG_JACOBIAN] = jacobian
    return args


def load(path):
    with open(path, "rb") as f:
        return pickle.load(f)


def cpu_per_call(calls, reps):
    """Best of reps of the CPU time (us) per call of the whole list."""
    best = np.inf
    for _ in range(reps):
        start = time.process_time()
        for args in calls:
            _core.render(*args)
        best = min(best, time.process_time() - start)
    return 1e6 * best / len(calls)


def cmd_time(calls, reps):
    for jac in (True, False):
        sel = [render_only(a) for a, _ in calls if a[ARG_JACOBIAN] == jac]
        as_nojac = [render_only(a, False) for a, _ in calls if a[ARG_JACOBIAN] == jac]
        print(f"jacobian={jac}: {len(sel)} calls, render-only {cpu_per_call(sel, reps):.1f} us/call"
              + (f" (the same calls without Jacobian {cpu_per_call(as_nojac, reps):.1f} us)" if jac else ""))


def outputs(calls):
    result = []
    for args, _ in calls:
        out = _core.render(*render_only(args))
        parts = out if isinstance(out, tuple) else (out,)
        result.append([np.asarray(p, dtype=float) for p in parts if p is not None])
    return result


def cmd_dump(calls, path):
    flat = {f"c{i}_{j}": arr for i, parts in enumerate(outputs(calls)) for j, arr in enumerate(parts)}
    np.savez(path, **flat)


def cmd_compare(calls, path):
    ref = np.load(path)
    worst = 0.0
    worst_at = None
    identical = 0
    for i, ((args, _), parts) in enumerate(zip(calls, outputs(calls))):
        tol, absolute = args[ARG_TOLERANCE], args[ARG_ABSOLUTE]
        same = True
        for j, new in enumerate(parts):
            old = ref[f"c{i}_{j}"]
            same &= np.array_equal(old, new)
            # image: (ny, nx); Jacobian: (np, ny, nx). Each plane's pixels against its own scale: a
            # Jacobian plane's error bound is relative to the plane's largest value (its pixels may cross 0).
            planes = old.reshape(-1, old.shape[-2], old.shape[-1])
            for p, (o, n) in enumerate(zip(planes, new.reshape(planes.shape))):
                if j == 0:
                    allowed = 2 * (tol * np.abs(o) + absolute) + 1e-300
                else:
                    allowed = 2 * tol * np.abs(o).max() + 1e-300
                excess = np.max(np.abs(n - o) / allowed)
                if excess > worst:
                    worst, worst_at = excess, (i, j, p)
        identical += same
    print(f"{len(calls)} calls, {identical} bit-identical; largest |new - old| / allowed = {worst:.3g} at "
          f"(call, output, plane) {worst_at}")
    return worst <= 1.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["time", "dump", "compare", "callgrind"])
    parser.add_argument("calls")
    parser.add_argument("path", nargs="?")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--jac", type=int, choices=[0, 1])
    parser.add_argument("--padded", action="store_true",
                        help="render the padded window (cutout + PSF half-sizes) as render_convolved does")
    opts = parser.parse_args()
    global PADDED
    PADDED = opts.padded
    calls = load(opts.calls)
    if opts.command == "time":
        cmd_time(calls, opts.reps)
    elif opts.command == "dump":
        cmd_dump(calls, opts.path)
    elif opts.command == "compare":
        raise SystemExit(0 if cmd_compare(calls, opts.path) else 1)
    else:
        for args, _ in calls:
            if opts.jac is None or args[ARG_JACOBIAN] == bool(opts.jac):
                _core.render(*render_only(args))


if __name__ == "__main__":
    main()
