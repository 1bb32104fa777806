"""The LM path of chosen survey sources: every evaluation's parameters (model units) and chi^2.

python bench/survey_fit_paths.py FOLDER ROW [ROW ...] [--verbose]
    FOLDER: a field of bench/survey.py (bench/output/survey/isolated*); ROW: a source's row in
    survey_fit_only.py's digests (fitstats_*.npy: the slowest by their iterations). Each line:
    NE (normal equations) or C2 (chi^2 only), chi^2 (* where it is the lowest so far), x.
    --verbose: the fitter's own line per step (damping, accept/reject, predicted decrease) too.

Used to find where the slow fits spend their iterations (see fit/total_flux_problem.py and
levenberg_marquardt._POOR_RHO).
"""

import argparse
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import survey_fit_only  # noqa: E402

import polychrome as pc  # noqa: E402
from polychrome.fit import lm, model_problem  # noqa: E402
from polychrome.survey.group_fit import GroupFitter  # noqa: E402
from polychrome.survey.grouping import plan_groups  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("rows", type=int, nargs="+")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    pc.set_threads(1)
    np.set_printoptions(linewidth=250, precision=4, suppress=True)
    catalog, images, spec, _, _ = survey_fit_only.field(args.folder)
    fitter = GroupFitter(images, spec)
    tasks = plan_groups(catalog, images, spec)
    path = []
    problem = model_problem.ModelProblem
    normal_equations, chi2 = problem.normal_equations, problem.chi2

    def recorded_ne(self, x):
        result = normal_equations(self, x)
        path.append(("NE", x.copy(), result.chi2))
        return result

    def recorded_chi2(self, x):
        result = chi2(self, x)
        path.append(("C2", x.copy(), result[0]))
        return result

    problem.normal_equations, problem.chi2 = recorded_ne, recorded_chi2
    fit = lm.LM.fit

    def named_fit(self):
        self.options = self.options._replace(verbose=int(args.verbose))
        result = fit(self)
        print(f"    {result.names}\n    {result.message}")
        return result

    lm.LM.fit = named_fit
    for row in args.rows:
        path.clear()
        print(f"=== row {row}")
        out = fitter.fit(tasks[1 + row])  # (survey_fit_only's rows follow its warm-up group)
        best = np.inf
        for kind, x, value in path:
            mark = "*" if value < best else " "
            best = min(best, value)
            print(f"{kind} {value:12.4f}{mark} {x}")
        print(f"    iterations {out[0]['iterations']}, flags {out[0]['flags']}")


if __name__ == "__main__":
    main()
