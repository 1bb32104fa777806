"""The posterior of a model's free parameters given its data, for the samplers and Grad.

log p(x) = -chi^2(x) / 2 (Gaussian pixel noise of the targets' variances)
with a flat prior inside the parameters' limits (a centre without limits of
its own is bounded by its window, as in LM) and -inf outside. Its gradient is
J^T W (data - model), the same analytic, PSF-convolved Jacobian products the
Levenberg-Marquardt fit uses. Cyclic parameters (PA) are not bounded: the
posterior is periodic in them and values are wrapped when written.
"""

import numpy as np

from .model_problem import ModelProblem
from ..models import Model


class Posterior:
    """log p and its gradient over the flat vector of ``model``'s free quantities.

    ``names``: one per element ("model:parameter[k]"); ``start``: the current
    values; ``lower``/``upper``: the bounds (-inf/inf where none; cyclic ones
    unbounded here). Use inside ``model.automatic_windows_held()`` so that the
    pixel sets stay fixed while sampling.
    """

    def __init__(self, model):
        if not isinstance(model, Model):
            raise TypeError(f"model must be a polychrome Model, got {type(model).__name__}")
        model._require_target()
        self.model = model
        self.problem = ModelProblem(model)
        if self.problem.size == 0:
            raise ValueError(f"model {model.name!r} has no free parameters to sample")
        lower, upper, cyclic = self.problem.limits()
        self.cyclic = np.asarray(cyclic, bool)
        self.lower = np.where(self.cyclic, -np.inf, lower)
        self.upper = np.where(self.cyclic, np.inf, upper)
        self.names = model._column_names(self.problem.free)
        self.start = self.problem.free.get_values()
        self.size = self.problem.size
        self._ndata = None

    def inside(self, x):
        """True when every element of x is within its bounds."""
        return bool(np.all(x >= self.lower) and np.all(x <= self.upper))

    def log_prob(self, x):
        """-chi^2 / 2 at x, or -inf outside the bounds (or where the model does not render finitely)."""
        x = np.asarray(x, dtype=float)
        if not (np.all(np.isfinite(x)) and self.inside(x)):
            return -np.inf
        chi2, self._ndata = self.problem.chi2(x)
        return -0.5 * chi2 if np.isfinite(chi2) else -np.inf

    def log_prob_and_gradient(self, x):
        """(-chi^2 / 2, J^T W r) at x; (-inf, zeros) outside the bounds."""
        x = np.asarray(x, dtype=float)
        if not (np.all(np.isfinite(x)) and self.inside(x)):
            return -np.inf, np.zeros(self.size)
        equations = self.problem.normal_equations(x)
        self._ndata = equations.ndata
        if not (np.isfinite(equations.chi2) and np.all(np.isfinite(equations.gradient))):
            return -np.inf, np.zeros(self.size)
        return -0.5 * equations.chi2, np.asarray(equations.gradient, dtype=float)

    @property
    def ndata(self):
        """Number of pixels in chi^2 (known after the first evaluation)."""
        if self._ndata is None:
            self.log_prob(self.start)
        return self._ndata

    def restore(self, x):
        """Write x into the model (cyclic values wrapped)."""
        self.problem.restore(np.asarray(x, dtype=float))
