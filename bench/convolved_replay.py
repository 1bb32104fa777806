"""Replay recorded ``_core.render_convolved`` calls as they were made (render, PSF convolution and all),
to count the convolution's instructions and to compare two builds' outputs plane by plane.

python bench/convolved_replay.py run CALLS.pkl [--passes 1] [--single]   # for valgrind --tool=callgrind
python bench/convolved_replay.py dump CALLS.pkl OUT.npz [--single]        # every call's image and Jacobian
python bench/convolved_replay.py compare CALLS.pkl REF.npz [--single]     # this build against a dump of another

--single: every call with single_precision_jacobian=True (the Jacobian's planes convolved in single
precision, as a model at a noise tolerance asks; builds before it lack the argument).

CALLS.pkl: a list of (args, kwargs) of render_convolved (recorded by bench/survey_record_calls.py;
/work/h-site/calls1_now.pkl, calls3_now.pkl). ``compare`` counts the calls whose image is bit-identical
to the reference's and, per Jacobian plane, the largest |difference| over the plane's largest |value|
(the relative error the single-precision convolution of the Jacobian planes may add); it prints the
distribution of that ratio over all planes and the worst call and plane.

Instructions of the convolution alone: valgrind --tool=callgrind --toggle-collect='*PsfConvolver::convolve*'
python bench/convolved_replay.py run CALLS.pkl (a native build with -g; see bench/README.md).
"""

import argparse
import pickle

import numpy as np

from polychrome import _core

EXTRA = {}  # keyword arguments added to every call (--single)


def load(path):
    with open(path, "rb") as f:
        return pickle.load(f)


def outputs(calls):
    """(image, jacobian or None) of every call, copies: a recorded call may pass a jacobian_out array
    that later calls write again."""
    for args, kwargs in calls:
        kwargs = {**kwargs, **EXTRA}
        result = _core.render_convolved(*args, **kwargs)
        image, jac = result if isinstance(result, tuple) else (result, None)
        yield image.copy(), None if jac is None else jac.copy()


def cmd_run(calls, passes):
    for _ in range(passes):
        for args, kwargs in calls:
            _core.render_convolved(*args, **kwargs, **EXTRA)


def cmd_dump(calls, path):
    arrays = {}
    for k, (image, jac) in enumerate(outputs(calls)):
        arrays[f"image{k}"] = image
        if jac is not None:
            arrays[f"jac{k}"] = jac
    np.savez(path, **arrays)


def cmd_compare(calls, path):
    ref = np.load(path)
    identical_images = identical_jacobians = jacobian_calls = 0
    ratios, where = [], []
    for k, (image, jac) in enumerate(outputs(calls)):
        identical_images += bool(np.array_equal(image.view(np.int64), ref[f"image{k}"].view(np.int64)))
        if jac is None:
            continue
        jacobian_calls += 1
        ref_jac = ref[f"jac{k}"]
        identical_jacobians += bool(np.array_equal(jac.view(np.int64), ref_jac.view(np.int64)))
        for p in range(jac.shape[0]):
            peak = np.max(np.abs(ref_jac[p]))
            diff = np.max(np.abs(jac[p] - ref_jac[p]))
            ratios.append(diff / peak if peak > 0 else (0.0 if diff == 0 else np.inf))
            where.append((k, p))
    print(f"{len(calls)} calls: images bit-identical {identical_images}; {jacobian_calls} with a Jacobian, "
          f"bit-identical {identical_jacobians}")
    if ratios:
        r = np.array(ratios)
        worst = int(np.argmax(r))
        q = np.quantile(r, [0.5, 0.9, 0.99, 1.0])
        print(f"{len(r)} Jacobian planes, max |diff| / max |ref| per plane: median {q[0]:.2e}, 90% {q[1]:.2e}, "
              f"99% {q[2]:.2e}, max {q[3]:.2e} (call {where[worst][0]}, plane {where[worst][1]})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "dump", "compare"])
    parser.add_argument("calls")
    parser.add_argument("path", nargs="?")
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--single", action="store_true")
    a = parser.parse_args()
    if a.single:
        EXTRA["single_precision_jacobian"] = True
    calls = load(a.calls)
    if a.command == "run":
        cmd_run(calls, a.passes)
    elif a.command == "dump":
        cmd_dump(calls, a.path)
    else:
        cmd_compare(calls, a.path)


if __name__ == "__main__":
    main()
