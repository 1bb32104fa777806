"""A fit problem stepped in the logarithm of chosen positive parameters.

The Levenberg-Marquardt fitter works on a vector y with y_i = ln x_i for the
chosen entries (a Sersic index, a radius) and y_i = x_i for the rest. A scale
parameter's chi^2 valley is far closer to a quadratic in ln x than in x (a
radius doubles or halves; it does not move by a fixed number of arcsec), so
the fitter's quadratic model holds over longer steps and it needs fewer
evaluations (issue 11: 14.5 -> 12.3 evaluations per survey source).

With D = diag(dx/dy) (x_i on the log entries, 1 elsewhere) the normal
equations transform as g_y = D g_x and H_y = D H_x D; limits map to their
logarithms (a lower limit of 0 to -inf); the result maps back with x = exp(y),
C_x = D C_y D and H_x = D^-1 H_y D^-1, so that the uncertainties are those of
the linear fit at the same point (to rounding: the covariance is the inverse
of the same J^T W J).
"""

import math

import numpy as np

from .. import _core
from .levenberg_marquardt import uncertainties_from
from .normal_equations import NormalEquations

# exp() of a value below this is finite (exp(709.78) is the largest float)
_EXP_FINITE_BELOW = 709.0


class LogScaledProblem:
    """``problem`` (a ModelProblem, or any object with its interface) seen in ln x on the entries
    ``indices`` of the parameter vector (ints). ``problem.limits()`` and the start ``x0`` are
    checked here: every log entry needs a value > 0 and a lower limit >= 0 (ValueError naming
    ``names[i]`` otherwise: a parameter allowed below 0 cannot be stepped in its logarithm
    without losing part of its range)."""

    def __init__(self, problem, indices, x0, names=None):
        self.problem = problem
        self.size = problem.size
        # sorted distinct entries (np.unique's, without its per-call cost)
        listed = sorted(set(np.asarray(indices, dtype=int).ravel().tolist()))
        self.indices = np.array(listed, dtype=int)
        if listed and (listed[0] < 0 or listed[-1] >= self.size):
            raise ValueError(f"log-scaled indices must be in [0, {self.size}), got {indices!r}")
        # the log entries as the index used on vectors: a slice when they are one run (n, Re), which
        # numpy reads and writes for less than an index array (the same elements)
        run = bool(listed) and listed == list(range(listed[0], listed[0] + len(listed)))
        self._log = slice(listed[0], listed[0] + len(listed)) if run else self.indices
        self._names = names if names is not None else [f"parameter {i}" for i in range(self.size)]
        x0 = np.asarray(x0, dtype=float)
        lower, upper, self._cyclic = problem.limits()
        # (the checks on Python floats: a few entries, where numpy's scalars cost more per read)
        cyclic, lower_listed, x0_listed = self._cyclic.tolist(), lower.tolist(), x0.tolist()
        for i in listed:
            name = self._names[i]
            if cyclic[i]:
                raise ValueError(f"log_parameters: {name} is cyclic (it wraps); it cannot be stepped in ln")
            if lower_listed[i] < 0.0:
                raise ValueError(f"log_parameters: {name} must have a lower limit >= 0 to be stepped in ln "
                                 f"(0 maps to ln = -inf; a parameter allowed below 0 stays linear), "
                                 f"got {lower_listed[i]!r}")
            if not (math.isfinite(x0_listed[i]) and x0_listed[i] > 0.0):
                raise ValueError(f"log_parameters: {name} must have a finite value > 0 (in its own units) "
                                 f"to be stepped in ln, got {x0_listed[i]!r}")
        self._lower = self._log_entries(lower)
        self._upper = self._log_entries(upper)
        self.start = self.to_fit_space(x0)
        # dx/dy of the last evaluation (see _terms_at): ones off the log entries, always (_scale copies it)
        self._column_scale = np.ones(self.size)
        self._log_list = listed
        # the problem takes x as a list of floats (ModelProblem and the wrappers here), else an array
        self._inner_terms = getattr(problem, "_terms_at", None)
        self._inner_chi2 = getattr(problem, "_chi2_at", None)
        # (chi^2, ndata, g_x, H_x, dx/dy) of a problem that is itself a wrapper (TotalFluxProblem)
        self._inner_terms_in_x = getattr(problem, "_terms_in_x_at", None)
        # the problem's normalisation (a fold of q through 1) when it reads only linear entries: then
        # it is asked in y whether it changes anything (the usual answer: no) before x is made
        fold = getattr(problem, "fold", None)
        self._linear_fold = (fold if fold is not None and set(fold.q_indices()).isdisjoint(listed)
                             else None)
        # the problem's hook after an accepted step, None when it can never change the model (no
        # automatic window follows the parameters): then x need not be made for it
        hook = getattr(problem, "after_accepted_step", None)
        self._hook = None if hook is None or not getattr(problem, "windows_follow", True) else hook

    def _log_entries(self, values):
        """values (a copy) with the log entries replaced by their ln (0 -> -inf, inf -> inf)."""
        out = np.array(values, dtype=float)
        logged = out[self._log]
        if 0.0 not in logged.tolist():  # np.errstate (costlier than these logs) only where ln 0 is met
            out[self._log] = np.log(logged)
            return out
        with np.errstate(divide="ignore"):
            out[self._log] = np.log(logged)
        return out

    def to_fit_space(self, x):
        """y for the model's x (ln on the log entries)."""
        return self._log_entries(x)

    def to_model_space(self, y):
        """x for the fitter's y (exp on the log entries; a copy)."""
        x = np.array(y, dtype=float)
        x[self._log] = _exp(x[self._log])
        return x

    def _scale(self, x):
        """dx/dy at x: x on the log entries, 1 elsewhere."""
        scale = self._column_scale.copy()  # (ones off the log entries, which are written here)
        scale[self._log] = x[self._log]
        return scale

    def limits(self):
        """(lower, upper, cyclic) in y: ln of the limits on the log entries."""
        return self._lower.copy(), self._upper.copy(), self._cyclic.copy()

    def chi2(self, y):
        """(chi^2, number of data) at y."""
        return self._chi2_at(np.asarray(y, dtype=float).tolist())

    def normal_equations(self, y):
        """chi^2 with g_y = D g_x and H_y = D H_x D at y (D = dx/dy)."""
        y = np.asarray(y, dtype=float)
        if y.shape != (self.size,):
            return NormalEquations(*self._terms_at(y.tolist()))
        # (the log entries' exps taken off the fitter's array itself: the same values, no list
        # and array made of them at each evaluation)
        return NormalEquations(*self._terms_at(y.tolist(), _exp(y[self._log])))

    def _terms_at(self, y, exps=None):
        """(chi^2, ndata, g_y, H_y) at y, a list of ``size`` floats: the problem's terms at x(y)
        transformed in one core call, through the problem's own transform too where it is a
        wrapper that hands its terms over untransformed (TotalFluxProblem._terms_in_x_at).
        ``exps``: the exps of y's log entries (an array) where the caller has them."""
        x, exps = self._model_floats(y, exps)
        if self._inner_terms_in_x is not None:
            chi2, ndata, g, H, transform = self._inner_terms_in_x(x)
        elif self._inner_terms is not None:
            (chi2, ndata, g, H), transform = self._inner_terms(x), None
        else:
            ne = self.problem.normal_equations(np.array(x))
            chi2, ndata, g, H, transform = ne.chi2, ne.ndata, ne.gradient, ne.hessian, None
        # (dx/dy written into this wrapper's own buffer, ones off the log entries: the core call
        # returns new arrays and keeps no reference, so no copy is made per evaluation)
        scale = self._column_scale
        scale[self._log] = exps
        return (chi2, ndata) + _core.lm_transformed_equations(g, H, transform, scale)

    def _chi2_at(self, y):
        """chi2() at y, a list of ``size`` floats."""
        x, _ = self._model_floats(y)
        return self._inner_chi2(x) if self._inner_chi2 is not None else self.problem.chi2(np.array(x))

    def _model_floats(self, y, exps=None):
        """(x, exp of the log entries) for y, a list of floats: x a list of floats
        (to_model_space's values), the exps an array (``exps`` when given: the caller's)."""
        if exps is None:
            exps = _exp(np.array([y[i] for i in self._log_list]))
        x = list(y)
        for i, value in zip(self._log_list, exps.tolist()):
            x[i] = value
        return x, exps

    def after_accepted_step(self, y):
        """The problem's hook at x(y) (see ModelProblem.after_accepted_step)."""
        return False if self._hook is None else self._hook(self.to_model_space(y))

    def restore(self, y):
        """Set the model's parameters to x(y)."""
        self.problem.restore(self.to_model_space(y))

    def normalise(self, y):
        """y of the problem's canonical form of x(y) (e.g. q folded through 1); the log entries the
        normalisation leaves alone keep their y exactly (y itself when nothing changes and the
        problem says so without x: see __init__)."""
        normalise = getattr(self.problem, "normalise", None)
        if normalise is None or (self._linear_fold is not None and not self._linear_fold.changes(y)):
            return y
        x = self.to_model_space(y)
        canonical = normalise(x)
        out = np.array(canonical, dtype=float)
        log = self._log
        changed = canonical[log] != x[log]
        if changed.any():
            out[log] = np.where(changed, np.log(np.where(changed, canonical[log], 1.0)), y[log])
        else:  # (the usual case: nothing to fold)
            out[log] = y[log]
        return out

    def result_in_model_space(self, result, uncertainties=True):
        """The fitter's FitResult (in y) mapped to x in place and returned: x = exp(y),
        covariance D C_y D, hessian D^-1 H_y D^-1, uncertainties sqrt(diag C_x) (with
        ``uncertainties`` False left as they were: a caller mapping the result on through another
        wrapper, whose mapping sets them, see lm.result_in_model_space)."""
        x = self.to_model_space(result.x)
        scale = self._scale(x)
        result.x = x
        result.covariance = result.covariance * scale[:, None] * scale[None, :]
        result.map_hessian(lambda hessian: hessian / scale[:, None] / scale[None, :])
        if uncertainties:
            result.uncertainties = uncertainties_from(result.covariance)
        return result


def _exp(values):
    """np.exp of a few values (an array), inf beyond the largest float without a warning (a value
    above a finite upper limit only: the model then says inf). np.errstate, which costs more than
    the exp of a few values, is entered only when a value could overflow (or is NaN)."""
    if all(map(_EXP_FINITE_BELOW.__gt__, values.tolist())):  # (each value < the bound; NaN is not)
        return np.exp(values)
    with np.errstate(over="ignore"):
        return np.exp(values)
