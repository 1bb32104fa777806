"""CPU of the initialize phase alone of bench/survey.py's isolated-galaxy fields, per source.

python bench/survey_initialize_only.py FOLDER [--passes 4] [--limit GROUPS] [--starts FILE.npy]
    (FOLDER: a field of bench/survey.py with a paths.json, e.g. bench/output/survey/isolated1-*)

Every group is cut out once, then built and initialised ``--passes`` times exactly as
GroupFitter fits it (its _fit_once, the LM fit stopped before it starts); prints the initialize
CPU ms per source of each pass (process_time; the least is the least disturbed by other work on
the machine). ``--starts`` saves the start values of every group's parameters (the last pass's,
concatenated in group order) to compare two versions' starts bit for bit. For instruction counts run it under ``valgrind --tool=callgrind`` with --passes 0
and 1: the difference of the totals is one pass of build + initialize.
"""

import argparse
import contextlib
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from survey_fit_only import field  # noqa: E402

import polychrome as pc  # noqa: E402
from polychrome.survey import group_fit  # noqa: E402
from polychrome.survey.cutouts import group_cutouts  # noqa: E402
from polychrome.survey.grouping import plan_groups  # noqa: E402


class _Initialized(Exception):
    """Raised where the LM fit would start: the group is built and initialised."""


class _NoFit:
    starts = []  # the start vector of each group's model, as the LM fit would get it

    def __init__(self, model, *args, **kwargs):
        _NoFit.starts.append(model.parameters.get_vector())
        raise _Initialized


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--passes", type=int, default=4)
    parser.add_argument("--limit", type=int, default=None, help="only the first LIMIT groups")
    parser.add_argument("--starts", type=pathlib.Path, default=None, help="save the last pass's start values here")
    args = parser.parse_args()
    pc.set_threads(1)
    catalog, images, spec, _, _ = field(args.folder)
    fitter = group_fit.GroupFitter(images, spec)
    tasks = plan_groups(catalog, images, spec)[:args.limit]
    cuts = [group_cutouts(task, images, spec) for task in tasks]
    group_fit.LM = _NoFit
    sources = sum(len(task.sources) for task in tasks)
    for _ in range(args.passes):
        fitter.phase_seconds = dict.fromkeys(fitter.phase_seconds, 0.0)
        _NoFit.starts.clear()
        for task, cut in zip(tasks, cuts):
            fitter._lap_start = time.process_time()  # the phases are counted from the last lap
            with contextlib.suppress(_Initialized):
                fitter._fit_once(cut, task, [spec.candidates[0]] * len(task.sources), 1e9)
        print(f"{args.folder.name}: initialize {1e3 * fitter.phase_seconds['initialize'] / sources:.3f} ms CPU "
              f"per source, build {1e3 * fitter.phase_seconds['build'] / sources:.3f}")
    if args.starts is not None:
        np.save(args.starts, np.concatenate(_NoFit.starts))


if __name__ == "__main__":
    main()
