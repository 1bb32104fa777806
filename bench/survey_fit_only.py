"""Survey group fits without the simulation: for instruction counts (perf stat) of the fits alone.

python bench/survey_fit_only.py simulate FOLDER [--sources 100]   # once: FITS files + catalogues (GalSim)
python bench/survey_fit_only.py fit FOLDER [--case 1band|3band] [--profile] [--limit GROUPS]
    (FOLDER with a paths.json, e.g. bench/output/survey/isolated3-*: that field of bench/survey.py,
    its isolated-galaxy model spec)

Instruction counts where perf has no hardware counters: run ``fit`` under
``valgrind --tool=callgrind`` with --limit 0 and --limit 20; the difference of the
totals ("Collected") is 20 groups' fits.

``fit`` plans the groups and fits each with GroupFitter on one polychrome thread (the same
fields and specs as survey_group_costs.py), printing CPU ms per source by phase, the number of
normal-equation and chi^2 evaluations per source and the LM iterations' distribution, and saving
two digests in the field's folder (to compare two versions' fits: the same sources in the same
order; see compare_survey_fits.py): fitted_CASE.npy (the fitted values and uncertainties, their
names in fitted_CASE_columns.npy) and fitstats_CASE.npy (per source: chi^2, iterations, flags).
"""

import argparse
import contextlib
import os
import json
import pathlib
import subprocess
import sys
import time

import numpy as np
from astropy.table import Table

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import survey_group_costs as costs  # noqa: E402

import polychrome as pc  # noqa: E402
from polychrome.fit import model_problem  # noqa: E402
from polychrome.survey.group_fit import GroupFitter  # noqa: E402
from polychrome.survey.grouping import plan_groups  # noqa: E402
from polychrome.survey.image_spec import ImageSpec  # noqa: E402
from polychrome.survey.model_spec import ModelSpec  # noqa: E402

BANDS = {"3band": [("a", 0.1, 0.0, 0.6), ("b", 0.2, 30.0, 0.8), ("c", 0.4, 0.0, 1.2)],
         "1band": [("r", 0.2, 0.0, 0.8)]}


def simulate(folder, sources):
    for case, bands in BANDS.items():
        sub = folder / case
        sub.mkdir(parents=True, exist_ok=True)
        catalog, images = costs.field(sub, sources, bands)
        if case == "1band":
            catalog["size"] = 1.0  # 48 x 48 cutouts (see survey_group_costs)
        catalog.write(sub / "catalog.fits", overwrite=True)
        (sub / "images.json").write_text(json.dumps([image.to_dict() for image in images]))


def _counting():
    """Count ModelProblem's evaluations: every one passes through _terms_at (normal equations) or
    _chi2_at (chi^2), whether called by the fitter or by a wrapper (log, total flux) around it."""
    counts = {"normal_equations": 0, "chi2": 0}
    names = ("_terms_at", "_chi2_at") if hasattr(model_problem.ModelProblem, "_terms_at") \
        else ("normal_equations", "chi2")  # (a version before 2026-12-04's evalplan: A/B runs)
    ne, chi2 = (getattr(model_problem.ModelProblem, name) for name in names)

    def counted_ne(self, x):
        counts["normal_equations"] += 1
        return ne(self, x)

    def counted_chi2(self, x):
        counts["chi2"] += 1
        return chi2(self, x)

    setattr(model_problem.ModelProblem, names[0], counted_ne)
    setattr(model_problem.ModelProblem, names[1], counted_chi2)
    return counts


def field(folder, case="1band"):
    """(catalog, images, spec, folder of the results, case name) of a field: a bench/survey.py one
    (FOLDER/paths.json, its isolated-galaxy spec) or FOLDER/CASE of ``simulate``."""
    if (folder / "paths.json").exists():  # a field of bench/survey.py (bench/output/survey/isolated*)
        import survey
        paths = json.loads((folder / "paths.json").read_text())
        images = [ImageSpec.from_dict(d) for d in paths["images"]]
        return Table.read(paths["catalog"]), images, ModelSpec.from_dict(survey.ISOLATED_MODEL), folder, folder.name
    sub = folder / case
    images = [ImageSpec.from_dict(d) for d in json.loads((sub / "images.json").read_text())]
    return Table.read(sub / "catalog.fits"), images, ModelSpec(), sub, case


def fit(folder, case, profile, limit=None):
    catalog, images, spec, sub, case = field(folder, case)
    fitter = GroupFitter(images, spec)
    tasks = plan_groups(catalog, images, spec)
    fitter.fit(tasks[0])
    fitter.phase_seconds = dict.fromkeys(fitter.phase_seconds, 0.0)
    counts = _counting()
    start = time.process_time()
    if profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
    rows = [row for task in tasks[1:][:limit] for row in fitter.fit(task)]
    if profile:
        prof.disable()
        pstats.Stats(prof).sort_stats(os.environ.get("SORT", "tottime")).print_stats(int(os.environ.get("TOP", "35")))
    total = time.process_time() - start
    count = len(rows)
    if not count:
        return
    phases = "  ".join(f"{p} {1e3 * s / count:.2f}" for p, s in fitter.phase_seconds.items())
    print(f"{case}: {count} sources, {1e3 * total / count:.2f} ms CPU per source; {phases}")
    print(f"    per source: {counts['normal_equations'] / count:.2f} normal equations, "
          f"{counts['chi2'] / count:.2f} chi2; flagged {sum(r['flags'] != 0 for r in rows)}")
    iterations = np.array([r["iterations"] for r in rows])
    print(f"    iterations: median {np.median(iterations):g}, mean {iterations.mean():.2f}, "
          f">= 20: {int(np.sum(iterations >= 20))} sources with {iterations[iterations >= 20].sum()} of "
          f"{iterations.sum()}")
    keys = [k for k in rows[0] if k.startswith(("mag_", "Re", "n", "q", "PA")) and not k.endswith("_time")]
    values = np.array([[float(r[k]) for k in keys] for r in rows])
    np.save(sub / f"fitted_{case}.npy", values)
    np.save(sub / f"fitted_{case}_columns.npy", np.array(keys))
    stats = [[r["chi2"], r["iterations"], r["flags"]] for r in rows]  # the fits' own figures per source
    np.save(sub / f"fitstats_{case}.npy", np.array(stats, float))
    print(f"    columns {keys}")


def fit_recording(folder, groups, owner, name, record):
    """Fit the first ``groups`` groups of the field (``fit``) with the method ``owner.name`` wrapped
    so that ``record(self)`` sees each call's object before the call; restores the method after."""
    original = getattr(owner, name)

    def recording(self, *args, **kwargs):
        record(self)
        return original(self, *args, **kwargs)

    setattr(owner, name, recording)
    try:
        fit(folder, "1band", False, groups)
    finally:
        setattr(owner, name, original)


@contextlib.contextmanager
def callgrind_instrumented(active):
    """Callgrind's instrumentation switched on for the block when ``active`` (the process runs under
    ``valgrind --tool=callgrind --instr-atstart=no``), and off after it; nothing otherwise."""
    if not active:
        yield
        return
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)


def timed_core():
    """Wrap the core calls an evaluation makes (render, render_convolved, normal_equations and the
    fused render_convolved_normal_equations of a galaxy-and-sky plan, in polychrome._core); return the
    {"core": CPU seconds} they accumulate."""
    from polychrome import _core

    spent = {"core": 0.0}

    def wrap(function):
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent["core"] += time.process_time() - start
        return timed

    for name in ("render", "render_convolved", "normal_equations", "render_convolved_normal_equations"):
        setattr(_core, name, wrap(getattr(_core, name)))
    return spent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("simulate", "fit"))
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--case", choices=tuple(BANDS), default="1band")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--limit", type=int, default=None, help="fit only the first LIMIT groups (after a warm-up one)")
    args = parser.parse_args()
    pc.set_threads(1)
    if args.action == "simulate":
        simulate(args.folder, args.sources)
    else:
        fit(args.folder, args.case, args.profile, args.limit)


if __name__ == "__main__":
    main()
