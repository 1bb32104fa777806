"""ap.fit.Iter and ap.fit.Iter_LM: Levenberg-Marquardt over parts of a model's parameters in turn.

Iter fits one component of a group at a time (the others held, their light
still in the model), cycling until a whole cycle lowers chi^2 by less than
``relative_tolerance`` of it: each step's normal matrix is one component's,
so a field of many sources fits in the memory and time of its largest
member. Iter_LM does the same over chunks of at most ``chunks`` parameter
values in the model's order (a component's vector parameters are never
split), for models too large for one normal matrix. Like any block-wise
descent it converges slowly when a chunk boundary separates strongly
correlated parameters (a Sersic's n, Re and Ie): chunks that hold whole
components converge in a few cycles.

The uncertainties each step sets are conditional on the other parameters
held: run ``ap.fit.LM`` once at the end for the full covariance when the
model is small enough.
"""

import copy
import dataclasses

import numpy as np

from ..models import Model
from ..param import FreeParameters
from .lm import LM
from .sampler_options import positive_int


@dataclasses.dataclass
class CycleResult:
    """Outcome of Iter / Iter_LM (and Grad): message ("success ..." or why it stopped), chi2, ndf,
    chi2_ndf at the end, iterations (cycles, or steps for Grad), x and names of the free values."""

    message: str
    chi2: float
    ndf: int
    chi2_ndf: float
    iterations: int
    x: np.ndarray = None
    names: list = None

    @property
    def success(self):
        return self.message.startswith("success")


def _chi2(model):
    from .model_problem import ModelProblem

    problem = ModelProblem(model)
    chi2, ndata = problem.chi2(problem.free.get_values())
    return chi2, ndata - problem.size, problem


def _fit_subset(model, quantities, lm_options):
    """LM over the quantities (SharedQuantity objects) ``quantities`` only, every other free one held."""
    wanted = {id(q) for q in quantities}
    held = [q for q in {id(p.quantity): p.quantity for p in model.all_parameters()}.values()
            if not q.locked and id(q) not in wanted]
    for quantity in held:
        quantity.locked = True
    try:
        return LM(model, **lm_options).fit()
    finally:
        for quantity in held:
            quantity.locked = False


class _Cycling:
    def __init__(self, model, max_iter, relative_tolerance, verbose, lm_max_iter):
        if not isinstance(model, Model):
            raise TypeError(f"model must be a polychrome Model, got {type(model).__name__}")
        model._require_target()
        self.model = model
        self.max_iter = positive_int(max_iter, "max_iter")
        if not (isinstance(relative_tolerance, (int, float)) and 0 < relative_tolerance < 1):
            raise ValueError(f"relative_tolerance must be a number in (0, 1), got {relative_tolerance!r}")
        self.relative_tolerance = float(relative_tolerance)
        self.verbose = verbose
        self.lm_options = {"max_iter": positive_int(lm_max_iter, "lm_max_iter")}

    def _parts(self):
        """Yield (label, parameters) for each part fitted in turn: Iter's models, Iter_LM's chunks."""
        raise NotImplementedError(f"{type(self).__name__} defines no _parts(): a cyclic fitter names its parts")

    def _cycle(self, number):
        """One pass over the parts."""
        for label, quantities in self._parts():
            result = _fit_subset(self.model, quantities, self.lm_options)
            if self.verbose:
                print(f"{type(self).__name__} cycle {number}: {label}: chi2/ndf {result.chi2_ndf:.6g} "
                      f"({result.message})")

    def fit(self):
        """Cycle over the parts until chi^2 settles; returns a CycleResult."""
        model = self.model
        chi2, ndf, _ = _chi2(model)
        message = f"reached max_iter = {self.max_iter} cycles without converging"
        cycles = 0
        for cycles in range(1, self.max_iter + 1):
            before = chi2
            self._cycle(cycles)
            chi2, ndf, _ = _chi2(model)
            if self.verbose:
                print(f"{type(self).__name__} cycle {cycles}: chi2/ndf = {chi2 / max(ndf, 1):.6g}")
            if before - chi2 < self.relative_tolerance * chi2:
                message = f"success: a cycle lowered chi^2 by less than {self.relative_tolerance:g} of it"
                break
        chi2, ndf, problem = _chi2(model)
        return CycleResult(message, chi2, ndf, chi2 / max(ndf, 1), cycles, problem.free.get_values(),
                           model._column_names(problem.free))


class Iter(_Cycling):
    """Fit a group one component at a time with LM, cycling (see the module docstring).

    Parameters
    ----------
    model : a polychrome model (a group; a single component is one LM fit per cycle)
    max_iter : int
        Most cycles over the components.
    relative_tolerance : float in (0, 1)
        Converged once a cycle lowers chi^2 by less than this fraction of it.
    lm_max_iter : int
        Most LM steps per component per cycle.
    verbose : int
        1: a line per component fit and per cycle.
    """

    def __init__(self, model, max_iter=20, relative_tolerance=1e-3, verbose=0, lm_max_iter=50):
        super().__init__(model, max_iter, relative_tolerance, verbose, lm_max_iter)

    def _cycle(self, number):
        """Fit each component alone on the data less the light of all the others (rendered once per
        cycle and kept up to date), so that a step costs one component's renders."""
        model = self.model
        components = [c for c in model.components() if any(not p.locked for p in c.parameters)]
        light = {}  # id(target) -> the summed light of every component on the whole target
        for target in model.targets:
            light[id(target)] = model.light_on(target.window)
        for component in components:
            target = component.target
            own_before = component.light_on(target.window)
            rest = light[id(target)] - own_before
            stand_in = copy.copy(target)  # the same grid, noise, mask and PSF; the others' light removed
            stand_in._root = stand_in
            stand_in.data = target.data - rest
            component.target = stand_in
            try:
                result = LM(component, **self.lm_options).fit()
            finally:
                component.target = target
            if any(len(p.linked) > 1 for p in component.parameters):  # shared with others: their light moved
                light = {id(t): model.light_on(t.window) for t in model.targets}
            else:
                light[id(target)] = rest + component.light_on(target.window)
            if self.verbose:
                print(f"Iter cycle {number}: {component.name}: chi2/ndf {result.chi2_ndf:.6g} ({result.message})")


class Iter_LM(_Cycling):
    """LM over chunks of the free parameters in turn, cycling (see the module docstring).

    Parameters
    ----------
    model : a polychrome model
    chunks : int
        Most parameter values per chunk (a vector parameter, e.g. a centre,
        is never split: a chunk may exceed this by the size of one).
    max_iter, relative_tolerance, lm_max_iter, verbose : as Iter.
    """

    def __init__(self, model, chunks=50, max_iter=20, relative_tolerance=1e-3, verbose=0, lm_max_iter=50):
        super().__init__(model, max_iter, relative_tolerance, verbose, lm_max_iter)
        self.chunks = positive_int(chunks, "chunks")

    def _parts(self):
        free = FreeParameters(self.model.all_parameters())
        chunk, size, index = [], 0, 0
        for parameter, count in free.quantities:
            if chunk and size + count > self.chunks:
                index += 1
                yield f"chunk {index}", chunk
                chunk, size = [], 0
            chunk.append(parameter.quantity)
            size += count
        if chunk:
            yield f"chunk {index + 1}", chunk
