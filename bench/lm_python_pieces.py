"""The pieces of a survey LM fit's Python, one at a time, with the core faked.

python bench/lm_python_pieces.py FOLDER [--groups 20] [--repeat 5] [--piece setup|plan|eval|step|finish]
                                        [--callgrind]
    (FOLDER: a field of bench/survey.py, e.g. bench/output/survey/isolated1-*)

Fits the first GROUPS groups (as lm_fit_overhead.py does) to get their models and start values,
then times each piece of what fit.LM does with them, at each fit's start, REPEAT times over all
fits, with _core.render_convolved and _core.normal_equations replaced by constant results of the
right shapes (the Python around them is what is measured), every model's windows held as in a fit
(until 2026-12-04 the evaluations ran with the windows free, which re-sized them at each one):

    setup   ModelProblem, column names, log indices, the total-flux links, the wrappers fit.LM puts
            around the problem (TotalFluxProblem, LogScaledProblem: lm.fitted_problem), limits, the
            LM's _Box (per fit)
    plan    the evaluation plan (renderers, stack) and one write of the vector (per fit)
    eval    one normal-equation evaluation through those wrappers (per evaluation)
    step    one step's small-matrix work: the attainable decrease and the damped step (limits
            held), the wraps, normalise, the predicted decrease, the finiteness test (per step)
    finish  the covariance, the result mapped to x, the values and uncertainties written back

Prints CPU us per piece (all pieces, or --piece). Instructions of one piece (callgrind counts
memset/memcpy of large blocks byte by byte: see README):
    valgrind --tool=callgrind --instr-atstart=no python bench/lm_python_pieces.py FOLDER --piece eval --callgrind
("Collected" / (fits x repeat) is the instructions per piece).
"""

import argparse
import contextlib
import importlib
import inspect
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import lm_fit_overhead  # noqa: E402
import survey_fit_only  # noqa: E402

import polychrome as pc  # noqa: E402
from polychrome import _core  # noqa: E402
from polychrome.fit import lm  # noqa: E402
from polychrome.fit.model_problem import ModelProblem  # noqa: E402
from polychrome.fit.total_flux_problem import sersic_flux_links  # noqa: E402

lmm = importlib.import_module("polychrome.fit.levenberg_marquardt")


# fit.LM's problem (its model written only at restore where the renderers read the vector:
# keep_model_current=False), or a plain one for a version without that option (A/B runs)
_LM_OPTIONS = {"keep_model_current": False} if "keep_model_current" in inspect.signature(ModelProblem).parameters \
    else {}


def _problem(model):
    """The ModelProblem fit.LM makes."""
    return ModelProblem(model, **_LM_OPTIONS)


class _FakeCore:
    """Constant results of the right shapes for render_convolved, normal_equations and
    render_convolved_normal_equations."""

    def __init__(self):
        self.images = {}
        self.gradient, self.hessian = np.arange(8.0) + 1.0, np.eye(8) * 3.0 + 0.1

    def render_convolved(self, *args):
        shape, out = tuple(args[3]), args[-1] if len(args) == 18 else None
        image = self.images.get(shape)
        if image is None:  # (made once per shape: setdefault's np.ones at every call cost ~8k instructions)
            image = self.images[shape] = np.ones(shape)
        if not args[9]:
            return image.copy()
        return image.copy(), out if out is not None else np.ones((len(args[1]) + 4,) + shape)

    def normal_equations(self, residual, weight, jacobian):
        size = jacobian.shape[0]
        return 1.0, self.gradient[:size].copy(), self.hessian[:size, :size].copy()

    def render_convolved_normal_equations(self, *args):
        size = args[-4].shape[0]  # (the stack's rows)
        return 1.0, self.gradient[:size].copy(), self.hessian[:size, :size].copy()


class _Pieces:
    def __init__(self, fits):
        self.fits, self.prepared, self.equations, self.starts = fits, [], {}, {}

    def setup(self):
        """Make each fit's problem, its wrapped problem and box (kept in ``prepared`` the first time
        only, with the wrappers and start in y: the other pieces use those)."""
        prepared = []
        for fitter, _, _ in self.fits:
            with fitter.model.automatic_windows_held():
                problem = _problem(fitter.model)
                start = problem.free.get_values()
                names = fitter.model._column_names(problem.free)
                indices = fitter._log_indices(problem.free, names)
                links = sersic_flux_links(fitter.model, problem.free, problem.components) if fitter.total_flux else []
                fitted, y0, wrappers = lm.fitted_problem(problem, start, indices, names, links)
                lower, upper, cyclic = fitted.limits()
                box = lmm._Box(start.size, lower, upper, cyclic)
            prepared.append((fitter, problem, fitted, box))
            self.starts.setdefault(id(fitted), (y0, wrappers))
        if not self.prepared:
            self.prepared = prepared

    def _start(self, fitted):
        return self.starts[id(fitted)][0]

    def plan(self):
        for fitter, problem, fitted, _ in self.prepared:
            problem._plans = None
            with fitter.model.automatic_windows_held():
                x = self._start(fitted)
                for wrapper in reversed(self.starts[id(fitted)][1]):
                    x = wrapper.to_model_space(x)
                problem._evaluated_at(x)

    def eval(self):
        for _, _, fitted, _ in self.prepared:
            fitted.normal_equations(self._start(fitted))

    def step(self):
        for _, problem, fitted, box in self.prepared:
            y = self._start(fitted)
            ne = self.equations[id(problem)]
            g, H = ne.gradient, ne.hessian
            diag = np.maximum(np.zeros(y.size), H.diagonal())
            _core.lm_attainable_decrease(H, g, diag, lmm._L_MIN, y, box.lower, box.upper)
            step = _core.lm_damped_step(H, g, diag, 1e-3, None, False, y, box.lower, box.upper, box.cyclic_span,
                                        lmm._BOUNDARY_FRACTION)[0]  # (with the predicted decrease)
            box.wrap(fitted.normalise(box.wrap_in_place(y + step)))
            lmm._finite_equations(ne)

    def finish(self):
        for _, problem, fitted, _ in self.prepared:
            result = lmm._finish("success", self._start(fitted), self.equations[id(problem)], 5, problem.size)
            result = lm.result_in_model_space(result, self.starts[id(fitted)][1])
            problem.restore(result.x)
            problem.free.set_uncertainties(result.uncertainties)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--piece", choices=("setup", "plan", "eval", "step", "finish"))
    parser.add_argument("--callgrind", action="store_true",
                        help="switch callgrind's instrumentation on around the piece's repeats")
    args = parser.parse_args()
    pc.set_threads(1)
    fits = lm_fit_overhead._collect(args.folder, args.groups)
    for _, free, values in fits:
        free.set_values(values)
    pieces = _Pieces(fits)
    fake = _FakeCore()
    faked = [name for name in ("render_convolved", "normal_equations", "render_convolved_normal_equations")
             if hasattr(_core, name)]  # (the last: in the core since 2026-12-04)
    real = {name: getattr(_core, name) for name in faked}
    pieces.setup()
    for _, problem, fitted, _ in pieces.prepared:  # the real equations at the start, for step/finish
        problem._plans = None
        pieces.equations[id(problem)] = fitted.normal_equations(pieces._start(fitted))
    for name in faked:
        setattr(_core, name, getattr(fake, name))
    pieces.plan()  # plans whose renderers call the fake (a renderer binds the core's function)
    held = contextlib.ExitStack()  # every piece with the windows held, as within fit.LM's fit
    for fitter, _, _ in fits:
        held.enter_context(fitter.model.automatic_windows_held())
    try:
        for name in [args.piece] if args.piece else ["setup", "plan", "eval", "step", "finish"]:
            piece = getattr(pieces, name)
            piece()  # once, unmeasured
            with survey_fit_only.callgrind_instrumented(args.callgrind):
                start = time.process_time()
                for _ in range(args.repeat):
                    piece()
                spent = time.process_time() - start
            print(f"{name:7s} {1e6 * spent / (args.repeat * len(fits)):8.1f} us CPU each ({len(fits)} fits x {args.repeat})")
    finally:
        held.close()
        for name, function in real.items():
            setattr(_core, name, function)


if __name__ == "__main__":
    main()
