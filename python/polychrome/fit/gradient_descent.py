"""ap.fit.Grad: gradient descent (Adam) on chi^2 with the analytic gradient -2 J^T W r."""

import numpy as np

from ..models import Model
from .cyclic_fits import CycleResult
from .posterior import Posterior
from .sampler_options import positive_int


class Grad:
    """Minimise chi^2 by Adam steps (Kingma & Ba 2015) on the analytic gradient.

    Parameters
    ----------
    model : a polychrome model; its free parameters start from their current values.
    max_iter : int
        Steps taken.
    optim_kwargs : dict
        Adam's settings: ``lr`` (the step, about how far each parameter moves
        per step in its own units; default 1e-3), ``betas`` (0.9, 0.999),
        ``eps`` 1e-8 (AutoProf passed these to torch's Adam).
    verbose : int
        1: a line every ``max_iter // 10`` steps.

    Steps are kept inside the limits (cyclic parameters wrap). The model
    ends at the lowest chi^2 met; ``fit()`` returns a CycleResult. LM
    converges in far fewer evaluations on least-squares problems: Grad is
    for a few rough steps from a poor start, as in AutoProf.
    """

    def __init__(self, model, max_iter=1000, optim_kwargs=None, verbose=0):
        if not isinstance(model, Model):
            raise TypeError(f"model must be a polychrome Model, got {type(model).__name__}")
        self.model = model
        self.max_iter = positive_int(max_iter, "max_iter")
        options = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}
        unknown = [key for key in (optim_kwargs or {}) if key not in options]
        if unknown:
            raise ValueError(f"optim_kwargs: unknown key(s) {unknown}; Adam takes {list(options)}")
        options.update(optim_kwargs or {})
        if not (isinstance(options["lr"], (int, float)) and options["lr"] > 0):
            raise ValueError(f"optim_kwargs['lr'] must be a positive number, got {options['lr']!r}")
        self.options = options
        self.verbose = verbose

    def fit(self):
        posterior = Posterior(self.model)
        lr, (beta1, beta2), eps = self.options["lr"], self.options["betas"], self.options["eps"]
        lower, upper = posterior.lower, posterior.upper
        x = posterior.start.copy()
        best_x, best_log_p = x.copy(), -np.inf
        m = np.zeros_like(x)
        v = np.zeros_like(x)
        with self.model.automatic_windows_held():
            try:
                for k in range(1, self.max_iter + 1):
                    log_p, gradient = posterior.log_prob_and_gradient(x)
                    if log_p > best_log_p:
                        best_x, best_log_p = x.copy(), log_p
                    descent = -gradient  # d(chi^2/2)/dx
                    m = beta1 * m + (1 - beta1) * descent
                    v = beta2 * v + (1 - beta2) * descent ** 2
                    step = lr * (m / (1 - beta1 ** k)) / (np.sqrt(v / (1 - beta2 ** k)) + eps)
                    x = np.clip(x - step, np.nextafter(lower, np.inf), np.nextafter(upper, -np.inf))
                    if self.verbose and k % max(1, self.max_iter // 10) == 0:
                        print(f"Grad step {k}: chi2/ndf = {-2 * log_p / max(posterior.ndata - posterior.size, 1):.6g}")
                log_p = posterior.log_prob(x)
                if log_p > best_log_p:
                    best_x, best_log_p = x.copy(), log_p
            finally:
                posterior.restore(best_x)
        chi2 = -2.0 * best_log_p
        ndf = posterior.ndata - posterior.size
        return CycleResult(f"success: {self.max_iter} Adam steps (lr {lr:g}) taken; the lowest chi^2 kept",
                           chi2, ndf, chi2 / max(ndf, 1), self.max_iter, best_x, posterior.names)
