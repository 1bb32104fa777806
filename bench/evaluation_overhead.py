"""The Python cost of one evaluation of a survey fit's ModelProblem (normal equations, chi^2).

python bench/evaluation_overhead.py FOLDER [--groups 20] [--repeat 20]
    (FOLDER: a field of bench/survey.py, e.g. bench/output/survey/isolated1-*)

Fits the first GROUPS groups as survey_fit_only.py does (one thread), keeps each fit's
ModelProblem, then evaluates each at its fitted vector REPEAT times: CPU microseconds per
``normal_equations`` and per ``chi2`` call, in all and outside the core's render and
normal-equation calls (the Python overhead; the core calls are timed by a thin wrapper), and
the mean of the normal equations' values (a check that two versions evaluate the same thing).

Instruction counts of the evaluations alone (callgrind, with instrumentation switched on just
around them):
    valgrind --tool=callgrind --instr-atstart=no python bench/evaluation_overhead.py FOLDER --callgrind --only normal_equations
(``python`` the interpreter itself, not a pyenv shim); "Collected" / (problems x repeat) is the
instructions per evaluation, core included: subtract the core's from callgrind_annotate
--inclusive=yes (or compare two versions: the core's work is the same).
"""

import argparse
import contextlib
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import survey_fit_only  # noqa: E402  (its imports set up the survey pieces)

import polychrome as pc  # noqa: E402
from polychrome.fit import model_problem  # noqa: E402


def _collect(folder, groups):
    """Fit ``groups`` groups of the field; return their ModelProblems (the last one of each fit)."""
    problems = []
    survey_fit_only.fit_recording(folder, groups, model_problem.ModelProblem, "__init__", problems.append)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", choices=("normal_equations", "chi2"), default=None,
                        help="time this evaluation alone (for instruction counts: --repeat 0 vs N)")
    parser.add_argument("--profile", action="store_true", help="cProfile the evaluations (sorted by own time)")
    parser.add_argument("--callgrind", action="store_true",
                        help="switch callgrind's instrumentation on around the evaluations (run under "
                             "valgrind --tool=callgrind --instr-atstart=no)")
    args = parser.parse_args()
    pc.set_threads(1)
    problems = _collect(args.folder, args.groups)
    points = [(p, p.free.get_values()) for p in problems]
    held = contextlib.ExitStack()  # the windows held, as within a fit
    for problem in problems:
        held.enter_context(problem.model.automatic_windows_held())
    spent = survey_fit_only.timed_core()
    for problem in problems:
        problem._plans = None  # rebuilt with the timed core calls
        problem.chi2(problem.free.get_values())
    digest = []
    if args.profile:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.enable()
    with survey_fit_only.callgrind_instrumented(args.callgrind):
        for what in ("normal_equations", "chi2") if args.only is None else (args.only,):
            spent["core"] = 0.0
            start = time.process_time()
            for _ in range(args.repeat):
                for problem, x in points:
                    getattr(problem, what)(x)
            total = time.process_time() - start
            calls = args.repeat * len(points)
            print(f"{what}: {1e6 * total / calls:.1f} us per call, {1e6 * (total - spent['core']) / calls:.1f} us "
                  f"outside the core ({len(points)} problems x {args.repeat})")
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    for problem, x in points:
        eq = problem.normal_equations(x)
        digest.append([eq.chi2, float(np.sum(eq.gradient)), float(np.sum(eq.hessian)), problem.chi2(x)[0]])
    print("digest (chi2, sum g, sum H, chi2()):", np.array(digest).mean(axis=0).tolist())


if __name__ == "__main__":
    main()
