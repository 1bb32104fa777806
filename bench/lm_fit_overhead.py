"""The Python cost of whole survey LM fits (setup, loop, evaluations, end), outside the core.

python bench/lm_fit_overhead.py FOLDER [--groups 20] [--repeat 3]
    (FOLDER: a field of bench/survey.py, e.g. bench/output/survey/isolated1-*)

Fits the first GROUPS groups as survey_fit_only.py does (one thread), keeping each group's
fit.LM and its start values; then fits each again from those values REPEAT times (the same
evaluations: the fits are deterministic): CPU ms per fit in all and outside the core's calls,
and a digest of the fitted values (two versions must print the same).

Instruction counts of these fits alone (callgrind, instrumentation on just around them):
    valgrind --tool=callgrind --instr-atstart=no python bench/lm_fit_overhead.py FOLDER --callgrind
(``python`` the interpreter itself, not a pyenv shim); "Collected" / (fits x repeat) is the
instructions per fit, core included: subtract the pybind dispatcher's inclusive count
(callgrind_annotate --inclusive=yes, the first ``_core`` line) for the Python side.
"""

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import survey_fit_only  # noqa: E402  (its imports set up the survey pieces)

import polychrome as pc  # noqa: E402
from polychrome.fit import lm  # noqa: E402
from polychrome.param import FreeParameters  # noqa: E402


def _collect(folder, groups):
    """Fit ``groups`` groups of the field; return [(LM, FreeParameters, start vector)] of each fit."""
    fits = []

    def record(fitter):
        free = FreeParameters(fitter.model.all_parameters())
        fits.append((fitter, free, free.get_values()))

    survey_fit_only.fit_recording(folder, groups, lm.LM, "fit", record)
    return fits


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--callgrind", action="store_true",
                        help="switch callgrind's instrumentation on around the fits (run under "
                             "valgrind --tool=callgrind --instr-atstart=no); the core calls are not timed")
    args = parser.parse_args()
    pc.set_threads(1)
    fits = _collect(args.folder, args.groups)
    spent = {"core": 0.0} if args.callgrind else survey_fit_only.timed_core()
    results = []
    with survey_fit_only.callgrind_instrumented(args.callgrind):
        start = time.process_time()
        for _ in range(args.repeat):
            for fitter, free, values in fits:
                free.set_values(values)
                results.append(fitter.fit())
        total = time.process_time() - start
    count = len(results)
    print(f"LM fits: {1e3 * total / count:.3f} ms CPU per fit, {1e3 * (total - spent['core']) / count:.3f} ms "
          f"outside the core ({len(fits)} fits x {args.repeat})")
    digest = np.array([[r.chi2, r.iterations, float(np.sum(r.x)), float(np.sum(r.uncertainties))]
                       for r in results[-len(fits):]])
    print("digest (chi2, iterations, sum x, sum uncertainties):", digest.mean(axis=0).tolist())


if __name__ == "__main__":
    main()
