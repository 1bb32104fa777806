"""The Python cost of one evaluation of a survey fit's ModelProblem (normal equations, chi^2).

python bench/evaluation_overhead.py FOLDER [--groups 20] [--repeat 20]
    (FOLDER: a field of bench/survey.py, e.g. bench/output/survey/isolated1-*)

Fits the first GROUPS groups as survey_fit_only.py does (one thread), keeps each fit's
ModelProblem, then evaluates each at its fitted vector REPEAT times: CPU microseconds per
``normal_equations`` and per ``chi2`` call, in all and outside the core's render and
normal-equation calls (the Python overhead; the core calls are timed by a thin wrapper), and
the mean of the normal equations' values (a check that two versions evaluate the same thing).
"""

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import survey_fit_only  # noqa: E402,F401  (its imports set up the survey pieces)

import polychrome as pc  # noqa: E402
from polychrome import _core  # noqa: E402
from polychrome.fit import model_problem  # noqa: E402


def _collect(folder, groups):
    """Fit ``groups`` groups of the field; return their ModelProblems (the last one of each fit)."""
    problems = []
    init = model_problem.ModelProblem.__init__

    def recording(self, model):
        init(self, model)
        problems.append(self)

    model_problem.ModelProblem.__init__ = recording
    try:
        survey_fit_only.fit(folder, "1band", False, groups)
    finally:
        model_problem.ModelProblem.__init__ = init
    return problems


def _timed_core():
    """Wrap the core calls an evaluation makes; return the {name: CPU seconds} they accumulate."""
    spent = {"core": 0.0}

    def wrap(function):
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent["core"] += time.process_time() - start
        return timed

    for name in ("render", "render_convolved", "normal_equations"):
        setattr(_core, name, wrap(getattr(_core, name)))
    return spent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    pc.set_threads(1)
    problems = _collect(args.folder, args.groups)
    points = [(p, p.free.get_values()) for p in problems]
    spent = _timed_core()
    for problem in problems:
        problem._plans = None  # rebuilt with the timed core calls
        problem.chi2(problem.free.get_values())
    digest = []
    for what in ("normal_equations", "chi2"):
        spent["core"] = 0.0
        start = time.process_time()
        for _ in range(args.repeat):
            for problem, x in points:
                result = getattr(problem, what)(x)
        total = time.process_time() - start
        calls = args.repeat * len(points)
        print(f"{what}: {1e6 * total / calls:.1f} us per call, {1e6 * (total - spent['core']) / calls:.1f} us "
              f"outside the core ({len(points)} problems x {args.repeat})")
    for problem, x in points:
        eq = problem.normal_equations(x)
        digest.append([eq.chi2, float(np.sum(eq.gradient)), float(np.sum(eq.hessian)), problem.chi2(x)[0]])
    print("digest (chi2, sum g, sum H, chi2()):", np.array(digest).mean(axis=0).tolist())


if __name__ == "__main__":
    main()
