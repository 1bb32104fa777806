"""fit.LM(model, ...).fit(): Levenberg-Marquardt on a model's analytic,
PSF-convolved Jacobians (the AutoProf tutorial's call)."""

import numpy as np

from .levenberg_marquardt import levenberg_marquardt
from .model_problem import ModelProblem
from ..models import Model


class LM:
    """Levenberg-Marquardt fit of `model` to its target(s).

    Parameters
    ----------
    model : a polychrome model (component or group)
        Its free parameters (locked ones left out, linked ones once) are fitted.
    verbose : int
        1: one line per step (damping L, chi^2/ndf, accept/reject, largest
        gradient).
    max_iter : int
        Most steps tried.
    epsilon4 : float
        Least ratio of actual to predicted chi^2 decrease to accept a step.
    relative_tolerance : float
        Converged once an accepted step lowers chi^2 by less than this fraction.
    damping : float
        Initial damping L (Marquardt's, scaled by the diagonal of J^T W J).
    """

    def __init__(self, model, verbose=0, max_iter=100, epsilon4=0.1, relative_tolerance=1e-6,
                 damping=1e-3):
        if int(max_iter) < 1:
            raise ValueError(f"max_iter must be >= 1, got {max_iter}")
        if not 0 <= float(epsilon4) < 1:
            raise ValueError(f"epsilon4 must be in [0, 1), got {epsilon4}")
        if not isinstance(model, Model):
            raise TypeError(f"model must be a polychrome Model, got {type(model).__name__}")
        model._require_target()
        self.model = model
        self.verbose = int(verbose)
        self.max_iter = int(max_iter)
        self.epsilon4 = float(epsilon4)
        self.relative_tolerance = float(relative_tolerance)
        self.damping = float(damping)

    def fit(self):
        """Run the fit; the model's parameters end at the best values with
        .uncertainty from the covariance. Returns the FitResult (message,
        chi2, chi2_ndf, iterations, covariance, uncertainties, x)."""
        with self.model.automatic_windows_held():  # render windows change only between accepted steps
            problem = ModelProblem(self.model)
            lower, upper, cyclic = problem.limits()
            start = problem.free.get_values()
            result = levenberg_marquardt(problem, start, lower, upper, cyclic, max_iter=self.max_iter,
                                         epsilon4=self.epsilon4, relative_tolerance=self.relative_tolerance,
                                         damping=self.damping, verbose=self.verbose,
                                         normalise=problem.normalise)
            problem.free.set_values(result.x, clip_to_limits=True)
        if result.uncertainties.size and np.all(np.isfinite(result.uncertainties)):
            problem.free.set_uncertainties(result.uncertainties)
        result.names = problem.free.names
        return result
