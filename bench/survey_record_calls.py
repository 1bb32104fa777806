"""Record the core's render_convolved calls of survey group fits, for bench/render_replay.py.

    python bench/survey_record_calls.py bench/output/survey/isolated1-* OUT.pkl [--groups 20]

FIELD: a folder of bench/survey.py's isolated cases (with its paths.json); its groups are fitted
with GroupFitter under survey.ISOLATED_MODEL on one thread, and every ``_core.render_convolved``
call (initialize's candidates and the fit's evaluations) is pickled as (args, kwargs), the PSF
convolver included (it pickles as its PSF).
"""

import argparse
import pathlib
import pickle
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from survey_fit_only import field  # noqa: E402

import polychrome as pc  # noqa: E402
import polychrome.render as render_module  # noqa: E402
from polychrome import _core  # noqa: E402
from polychrome.survey.group_fit import GroupFitter  # noqa: E402
from polychrome.survey.grouping import plan_groups  # noqa: E402


class _RecordingCore:
    """Stands for polychrome._core inside polychrome.render: records render_convolved calls."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return getattr(_core, name)

    def render_convolved(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return _core.render_convolved(*args, **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("field", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--groups", type=int, default=20, help="groups fitted (default 20)")
    args = parser.parse_args()
    catalog, images, spec, _, _ = field(args.field)
    pc.set_threads(1)
    fitter = GroupFitter(images, spec)
    recorder = _RecordingCore()
    render_module._core = recorder  # renderers look up _core.render_convolved when they are built
    for task in plan_groups(catalog, images, spec)[:args.groups]:
        fitter.fit(task)
    render_module._core = _core
    with open(args.out, "wb") as out:
        pickle.dump(recorder.calls, out)
    print(f"{len(recorder.calls)} calls of {args.groups} groups written to {args.out}")


if __name__ == "__main__":
    main()
