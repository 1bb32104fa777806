"""fit.LM(model, ...).fit(): Levenberg-Marquardt on a model's analytic,
PSF-convolved Jacobians (the AutoProf tutorial's call)."""

import numpy as np

from .levenberg_marquardt import levenberg_marquardt
from .model_problem import ModelProblem
from .options import checked_options
from ..models import Model


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
    """

    def __init__(self, model, verbose=0, max_iter=100, epsilon4=0.1, tolerance=1e-3, relative_tolerance=None,
                 damping=1e-3, max_time=None):
        self.options = checked_options(max_iter, epsilon4, tolerance, relative_tolerance, damping, verbose,
                                       max_time)
        (self.max_iter, self.epsilon4, self.tolerance, self.relative_tolerance, self.damping,
         self.verbose, self.max_time) = self.options
        if not isinstance(model, Model):
            raise TypeError(f"model must be a polychrome Model, got {type(model).__name__}")
        model._require_target()
        self.model = model

    def fit(self):
        """Run the fit; the model's parameters end at the best values with
        .uncertainty from the covariance (inf for parameters the data do not
        constrain). Returns the FitResult (message, chi2, chi2_ndf, iterations,
        covariance, uncertainties, unconstrained, x, names). An exception
        during the fit (KeyboardInterrupt included) leaves the parameters at
        the best point met and propagates. Automatic render windows are held
        within a step and follow the model between accepted steps."""
        with self.model.automatic_windows_held():
            problem = ModelProblem(self.model)
            lower, upper, cyclic = problem.limits()
            start = problem.free.get_values()
            result = levenberg_marquardt(problem, start, lower, upper, cyclic, normalise=problem.normalise,
                                         **self.options._asdict())
            problem.restore(result.x)
        if result.uncertainties.size and not np.any(np.isnan(result.uncertainties)):
            problem.free.set_uncertainties(result.uncertainties)
        result.names = self.model._column_names(problem.free)
        if result.unconstrained is not None and np.any(result.unconstrained):
            loose = [name for name, flag in zip(result.names, result.unconstrained) if flag]
            result.message += f": {', '.join(loose)}"
        return result
