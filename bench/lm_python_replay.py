"""The Python of whole survey LM fits alone: the core's calls replayed from a recording.

python bench/lm_python_replay.py FOLDER [--groups 20] [--repeat 20] [--callgrind]
    (FOLDER: a field of bench/survey.py, e.g. bench/output/survey/isolated1-*)

Fits the first GROUPS groups as lm_fit_overhead.py does, keeping each group's fit.LM and start
values; fits each once more with the core's ``render_convolved`` / ``render`` /
``normal_equations`` (and ``render_convolved_normal_equations``, both in one) recorded (their results, in call order), then REPEAT times with those
functions replaced by a replay of the recording (the fits are deterministic: the same calls in
the same order; each replayed call is checked against the recorded one's arguments' shapes and
jacobian flag). What is left is the fit's own Python (setup, LM loop, problem plumbing, end)
plus the replay's lookup (a list index: well under a microsecond a call). Prints CPU us per fit
and per evaluation, and a digest of the results (two versions must print the same).

Instruction counts of the Python alone (no render is run, so callgrind is fast):
    valgrind --tool=callgrind --instr-atstart=no python bench/lm_python_replay.py FOLDER --callgrind
("Collected" / (fits x repeat) is the instructions per fit; ``python`` the interpreter itself).
"""

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import lm_fit_overhead  # noqa: E402
import survey_fit_only  # noqa: E402

import polychrome as pc  # noqa: E402
from polychrome import _core  # noqa: E402

# (render_convolved_normal_equations: a fit's stacked plan in one call, in the core since 2026-12-04)
_EQUATIONS = ("normal_equations", "render_convolved_normal_equations")
_REPLAYED = tuple(name for name in ("render_convolved", "render") + _EQUATIONS if hasattr(_core, name))
# the positional arguments of a render call that passes jacobian_out (see render.ProfileRenderer.unchecked)
_ARGUMENTS_WITH_OUT = {"render_convolved": 18, "render": 16}


class _Recording:
    """The core's calls of some fits: recorded once, then replayed in the same order."""

    def __init__(self):
        self.calls = []  # (name, jacobian flag or None, result)
        self.position = 0
        self.originals = {name: getattr(_core, name) for name in _REPLAYED}

    def record(self):
        def recorder(name):
            original = self.originals[name]

            def call(*args, **kwargs):
                result = original(*args, **kwargs)
                if name in _EQUATIONS:
                    self.calls.append((name, None, (result[0], result[1].copy(), result[2].copy())))
                elif args[9]:  # with the Jacobian: (image, jacobian), the image's copy suffices
                    self.calls.append((name, True, (result[0].copy(), result[1].copy())))
                else:
                    self.calls.append((name, False, result.copy()))
                return result
            return call

        for name in _REPLAYED:
            setattr(_core, name, recorder(name))

    def replay(self):
        self.position = 0

        def replayer(name):
            def call(*args, **kwargs):
                recorded_name, jacobian, result = self.calls[self.position]
                self.position += 1
                if recorded_name != name or (jacobian is not None and bool(args[9]) != jacobian):
                    raise RuntimeError(f"replay out of step at call {self.position}: {name} for {recorded_name}")
                if name in _EQUATIONS:
                    return result[0], result[1].copy(), result[2].copy()
                if not jacobian:
                    return result.copy()  # (a fresh array, as the core's: a caller may write into it)
                # jacobian_out (the stack), the last of all the arguments where given, is left as it is
                out = args[-1] if len(args) == _ARGUMENTS_WITH_OUT[name] else None
                return (result[0].copy(), result[1].copy()) if out is None else (result[0].copy(), out)
            return call

        for name in _REPLAYED:
            setattr(_core, name, replayer(name))

    def restore(self):
        for name, original in self.originals.items():
            setattr(_core, name, original)


def _fit_all(fits):
    results = []
    for fitter, free, values in fits:
        # each quantity back at its start, stored as the fit stores it (set_values' checks cost
        # ~5% of a fit's Python and are not the fit's)
        for (parameter, _), value in zip(free.quantities, values):
            parameter.quantity.value = value.copy()
        results.append(fitter.fit())
    return results


def _starts(fits):
    """fits with each start vector as the quantities' own arrays (see _fit_all)."""
    return [(fitter, free, [free.quantities[k][0].quantity.value.copy() for k in range(len(free.quantities))])
            for fitter, free, _ in fits]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--callgrind", action="store_true",
                        help="switch callgrind's instrumentation on around the replayed fits (run under "
                             "valgrind --tool=callgrind --instr-atstart=no)")
    args = parser.parse_args()
    pc.set_threads(1)
    fits = lm_fit_overhead._collect(args.folder, args.groups)
    for _, free, values in fits:
        free.set_values(values)
    fits = _starts(fits)
    recording = _Recording()
    recording.record()
    reference = _fit_all(fits)
    evaluations = sum(name in _EQUATIONS for name, _, _ in recording.calls)
    recording.replay()
    try:
        _fit_all(fits)  # once, unmeasured: checks the replay follows the recording
        results = []
        with survey_fit_only.callgrind_instrumented(args.callgrind):
            start = time.process_time()
            for _ in range(args.repeat):
                recording.position = 0
                results = _fit_all(fits)
            total = time.process_time() - start
    finally:
        recording.restore()
    count = len(fits) * args.repeat
    print(f"LM fits, core replayed: {1e6 * total / count:.1f} us CPU per fit, "
          f"{1e6 * total / (evaluations * args.repeat):.1f} us per normal-equation evaluation "
          f"({len(fits)} fits x {args.repeat}; per fit {evaluations / len(fits):.2f} normal equations, "
          f"{sum(name != 'normal_equations' for name, _, _ in recording.calls) / len(fits):.2f} renders)")
    for result, expected in zip(results, reference):
        if result.chi2 != expected.chi2 or not np.array_equal(result.x, expected.x):
            raise RuntimeError("a replayed fit differs from the recorded one")
    digest = np.array([[r.chi2, r.iterations, float(np.sum(r.x)), float(np.sum(r.uncertainties))]
                       for r in results])
    print("digest (chi2, iterations, sum x, sum uncertainties):", digest.mean(axis=0).tolist())


if __name__ == "__main__":
    main()
