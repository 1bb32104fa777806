"""The survey's per-group work outside initialize and LM, timed alone: cutouts, model building, rows.

python bench/survey_overhead_phases.py FOLDER [--groups 60] [--repeats 7] [--profile PHASE]
    (FOLDER as for survey_fit_only.py, e.g. bench/output/survey/isolated3-*)

Fits the first GROUPS groups once with GroupFitter (one polychrome thread), keeping each group's
cutouts and chosen fit, then runs each phase on all of them REPEATS times and prints the least CPU
ms per source (time.process_time) of:
  cutouts  group_cutouts (the images' PSF-grid caches emptied first: each group of a real run
           meets new grids, see image_spec.psf_on_grid)
  build    GroupFitter._fit_once up to the group model's initialize (models, constraints, skies)
  rows     the row of every source (rows.empty_row + fitted_values.fill_row) from its kept fit.
--profile PHASE: a cProfile listing of that phase instead (SORT, TOP env vars as in survey_fit_only).
--callgrind PHASE: that phase REPEATS times with callgrind's instrumentation on around it only, e.g.
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \
        /root/.pyenv/versions/3.11.7/bin/python bench/survey_overhead_phases.py FOLDER --repeats 3 --callgrind rows
    (the file's "totals" / (REPEATS x sources) is the phase's instructions per source).
"""

import argparse
import contextlib
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from survey_fit_only import callgrind_instrumented, field  # noqa: E402

import polychrome as pc  # noqa: E402
from polychrome.models.group_model import GroupModel  # noqa: E402
from polychrome.survey.cutouts import group_cutouts  # noqa: E402
from polychrome.survey.fitted_values import fill_row  # noqa: E402
from polychrome.survey.group_fit import GroupFitter  # noqa: E402
from polychrome.survey.grouping import plan_groups  # noqa: E402
from polychrome.survey.image_spec import open_image  # noqa: E402
from polychrome.survey.rows import empty_row  # noqa: E402


class _Built(Exception):
    """Raised where the group model would be initialised: the build phase ends there."""


def _stop(model):
    raise _Built


def fitted_groups(folder, groups):
    """(GroupFitter, [(task, GroupCutouts, chosen FitAttempt)]) of the field's first ``groups`` groups."""
    catalog, images, spec, _, _ = field(folder)
    fitter = GroupFitter(images, spec)
    kept = []
    choose = fitter._fit_candidates

    def keeping(cut, task, started):
        chosen = choose(cut, task, started)
        kept.append((task, cut, chosen[0]))
        return chosen

    fitter._fit_candidates = keeping
    for task in plan_groups(catalog, images, spec)[:groups]:
        fitter.fit(task)
    return fitter, kept


def cutouts(fitter, kept):
    for image in fitter.images:
        open_image(image)._psf_grids.clear()
    for task, _, _ in kept:
        group_cutouts(task, fitter.images, fitter.spec)


def build(fitter, kept):
    initialize = GroupModel.initialize
    GroupModel.initialize = _stop
    try:
        for task, cut, attempt in kept:
            with contextlib.suppress(_Built):
                fitter._fit_once(cut, task, attempt.types, 10.0)
    finally:
        GroupModel.initialize = initialize


def rows(fitter, kept):
    for task, cut, attempt in kept:
        for k, source in enumerate(task.sources):
            row = empty_row(fitter.columns(), source, task)
            if cut.fit[k]:
                fill_row(row, k, attempt, cut, fitter.spec.shared)


PHASES = {"cutouts": cutouts, "build": build, "rows": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--groups", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--profile", choices=tuple(PHASES))
    parser.add_argument("--callgrind", choices=tuple(PHASES))
    args = parser.parse_args()
    pc.set_threads(1)
    fitter, kept = fitted_groups(args.folder, args.groups)
    sources = sum(len(task.sources) for task, _, _ in kept)
    if args.callgrind:
        PHASES[args.callgrind](fitter, kept)  # once outside: caches and imports as in a long run
        with callgrind_instrumented(True):
            for _ in range(args.repeats):
                PHASES[args.callgrind](fitter, kept)
        print(f"{args.folder.name}: {sources} sources, {args.callgrind} run {args.repeats} times under callgrind")
        return
    if args.profile:
        import cProfile
        import pstats
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.repeats):
            PHASES[args.profile](fitter, kept)
        profile.disable()
        stats = pstats.Stats(profile).sort_stats(os.environ.get("SORT", "tottime"))
        stats.print_stats(int(os.environ.get("TOP", "35")))
        return
    least = dict.fromkeys(PHASES, float("inf"))
    for _ in range(args.repeats):
        for name, phase in PHASES.items():
            start = time.process_time()
            phase(fitter, kept)
            least[name] = min(least[name], time.process_time() - start)
    if args.repeats:
        print(f"{args.folder.name}: {sources} sources, least of {args.repeats} runs, CPU ms per source: "
              + "  ".join(f"{name} {1e3 * s / sources:.3f}" for name, s in least.items())
              + f"  together {1e3 * sum(least.values()) / sources:.3f}")


if __name__ == "__main__":
    main()
