"""fit.LM(model, ...).fit(): Levenberg-Marquardt on a model's analytic,
PSF-convolved Jacobians (the AutoProf tutorial's call)."""

import math

import numpy as np

from .levenberg_marquardt import levenberg_marquardt_checked
from .log_scaled_problem import LogScaledProblem
from .model_problem import ModelProblem
from .total_flux_problem import TotalFluxProblem, sersic_flux_links
from .options import checked_options
from ..models import Model
from ..param import FreeParameters, Parameter


class LM:
    """Levenberg-Marquardt fit of `model` to its target(s).

    Parameters
    ----------
    model : a polychrome model (component or group)
        Its free parameters (locked ones left out, linked ones once) are fitted.
    verbose : int >= 0
        1: one line per step (damping L, chi^2/ndf, accept/reject, largest
        gradient).
    max_iter : int >= 1
        Most steps tried.
    epsilon4 : float in [0, 1)
        Least ratio of actual to predicted chi^2 decrease to accept a step.
    tolerance : float > 0
        Converged once the Gauss-Newton step from the best point (kept within
        the limits) would lower chi^2 by less than this (chi^2 units; times
        chi^2/ndf when that exceeds 1). Every parameter is then within
        sqrt(tolerance) of its uncertainty of the minimum: 0.03 sigma by
        default. Where only short steps are trusted (a curved, poorly
        constrained valley), a step lowering chi^2 by less than this, and
        predicted to, ends the fit too: the message then says "stalled".
    relative_tolerance : None or float in [0, 1)
        Also converged once an accepted step lowers chi^2 by less than this
        fraction of it (the rule before `tolerance`; it stops slow, degenerate
        fits short of their minimum). None (default): not used.
    damping : float in (0, 1e9]
        Initial damping L (Marquardt's, scaled by the diagonal of J^T W J).
    max_time : None or float > 0
        Seconds of wall clock for the fit (None: no limit). The fit stops
        after the step that passes the deadline, at the best point met; its
        message then starts with "time limit" (not a success).
    log_parameters : iterable of Parameter objects or str, default ()
        Free parameters the fitter steps in their natural logarithm (see
        log_scaled_problem): a str names every free parameter of that name
        ("n", "Re") or one column of the result ("gal:Re"). Suits positive
        scale parameters (sizes, a Sersic index): fewer evaluations, the same
        minimum, the uncertainties of the linear fit (to first order). Each
        must have a value > 0 and a lower limit >= 0 (ValueError otherwise),
        and a str must name a free parameter. () (default): every parameter
        linear.
    total_flux : bool, default False
        Step each Sersic component's log10 total flux instead of its Ie where
        its Ie, n, Re and q are free and Ie has no limits of its own (see
        total_flux_problem): the same minimum and uncertainties, a straighter
        valley for faint sources.
    free : None or FreeParameters
        ``FreeParameters(model.all_parameters())`` when the caller has made it
        already (a survey fit reads its names first): the fit's vector is its
        layout, and it is not made again. It must have been made after the
        last lock, unlock or link of the model's parameters. None (default):
        made here.
    """

    def __init__(self, model, verbose=0, max_iter=100, epsilon4=0.1, tolerance=1e-3, relative_tolerance=None,
                 damping=1e-3, max_time=None, log_parameters=(), total_flux=False, free=None):
        self.options = checked_options(max_iter, epsilon4, tolerance, relative_tolerance, damping, verbose,
                                       max_time)
        (self.max_iter, self.epsilon4, self.tolerance, self.relative_tolerance, self.damping,
         self.verbose, self.max_time) = self.options
        if not isinstance(model, Model):
            raise TypeError(f"model must be a polychrome Model, got {type(model).__name__}")
        model._require_target()
        self.model = model
        if log_parameters is None or isinstance(log_parameters, (str, Parameter)):
            log_parameters = () if log_parameters is None else (log_parameters,)
        self.log_parameters = tuple(log_parameters)
        self.total_flux = bool(total_flux)
        if free is not None and not isinstance(free, FreeParameters):
            raise TypeError(f"free must be a FreeParameters or None, got {type(free).__name__}")
        self.free = free
        for entry in self.log_parameters:
            if not isinstance(entry, (str, Parameter)):
                raise TypeError(f"log_parameters must hold Parameter objects or parameter names (str), "
                                f"got {type(entry).__name__}")

    def fit(self):
        """Run the fit; the model's parameters end at the best values with
        .uncertainty from the covariance (inf for parameters the data do not
        constrain). Returns the FitResult (message, chi2, chi2_ndf, iterations,
        covariance, uncertainties, unconstrained, x, names). An exception
        during the fit (KeyboardInterrupt included) leaves the parameters at
        the best point met and propagates. Automatic render windows are held
        within a step and follow the model between accepted steps."""
        with self.model.automatic_windows_held():
            # (restored below, and on exceptions; the model's targets checked in __init__)
            problem = ModelProblem(self.model, keep_model_current=False, free=self.free, checked=True)
            start = problem.free.get_values()
            names = self.model._column_names(problem.free)
            indices = self._log_indices(problem.free, names)
            links = sersic_flux_links(self.model, problem.free, problem.components) if self.total_flux else []
            result = self._run(problem, start, indices, names, links)
            if links and _any_unconstrained(result):
                # an unresolved source's shape fades at fixed flux: the fit may stop on that
                # plateau (see total_flux_problem); fits in Ie from there, then (when that ends
                # singular too) from the start, decide: the lowest chi^2 is kept
                for begin in (result.x, start):
                    # the model at the run's start: its limits (a centre's region) read the centre
                    # there (the evaluations do not write the model, see ModelProblem)
                    problem.restore(begin)
                    plain = self._run(problem, begin, indices, names, [])
                    plain.iterations += result.iterations
                    if plain.chi2 <= result.chi2 or not np.isfinite(result.chi2):
                        result = plain
                    else:
                        result.iterations = plain.iterations
                    if not _any_unconstrained(plain):
                        break
            problem.restore(result.x)
        # (no NaN among the few uncertainties: Python floats, numpy's two calls cost more)
        if result.uncertainties.size and not any(map(math.isnan, result.uncertainties.tolist())):
            problem.free.set_uncertainties(result.uncertainties)
        result.names = names
        if result.unconstrained is not None and result.unconstrained.any():
            loose = [name for name, flag in zip(result.names, result.unconstrained) if flag]
            result.message += f": {', '.join(loose)}"
        return result

    def _run(self, problem, start, indices, names, links):
        """levenberg_marquardt on ``problem`` from x = ``start``, stepping the ``indices`` in ln and
        the Sersic brightnesses of ``links`` as total fluxes; the FitResult in x."""
        fitted, y0, wrappers = fitted_problem(problem, start, indices, names, links)
        lower, upper, cyclic = fitted.limits()
        result = levenberg_marquardt_checked(fitted, y0, lower, upper, cyclic, self.options,
                                             normalise=fitted.normalise)
        return result_in_model_space(result, wrappers)

    def _log_indices(self, free, names):
        """Sorted entries of the parameter vector that log_parameters names (see the class)."""
        indices = set()
        for entry in self.log_parameters:
            if isinstance(entry, Parameter):
                found = [free.slice_of(entry)] if free.slice_of(entry) is not None else []
            elif entry in names:
                found = [slice(names.index(entry), names.index(entry) + 1)]
            else:
                found = [free.slice_of(p) for p in free.parameters if p.name == entry]
                found = [columns for columns in found if columns is not None]
            if not found:
                what = f"parameter {entry.name!r}" if isinstance(entry, Parameter) else repr(entry)
                raise ValueError(f"log_parameters: {what} names no free parameter of this model "
                                 f"(free: {names})")
            for columns in found:
                indices.update(range(columns.start, columns.stop))
        return sorted(indices)


def fitted_problem(problem, start, indices, names, links):
    """(fitted, y0, wrappers): the problem the fitter steps (``problem`` seen in ln on the
    ``indices`` and in log10 total flux on the Sersic ``links``), its start y0 for x = ``start``,
    and the wrappers from the innermost out (none: ``problem`` itself, y0 = ``start``)."""
    # (the flux wrapper inside the log one: n, Re and q reach it in their own units)
    wrappers = []
    y0 = start
    if links:
        wrappers.append(TotalFluxProblem(problem, links, y0))
        y0 = wrappers[-1].start
    if indices:
        wrappers.append(LogScaledProblem(wrappers[-1] if wrappers else problem, indices, y0, names))
        y0 = wrappers[-1].start
    return (wrappers[-1] if wrappers else problem), y0, wrappers


def result_in_model_space(result, wrappers):
    """The fitter's FitResult (in y of the outermost of ``wrappers``) mapped back to the model's x
    through each, outermost first (in place; returned). The uncertainties are taken once, from the
    covariance in x (each mapping uses the covariance, not the uncertainties, of the one before)."""
    for index, wrapper in enumerate(reversed(wrappers), start=1):
        result = wrapper.result_in_model_space(result, uncertainties=index == len(wrappers))
    return result


def _any_unconstrained(result):
    """True when the FitResult has parameters the data do not constrain (J^T W J singular)."""
    return result.unconstrained is not None and bool(result.unconstrained.any())
