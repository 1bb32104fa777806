"""The loop HMC and NUTS share: warm-up with dual-averaging step-size adaptation, then the kept
samples, the model's values restored afterwards."""

import numpy as np

from .chain_result import ChainResult
from .step_size import DualAveraging


class AdaptiveHamiltonianSampler:
    """Base of the gradient samplers. A subclass sets ``posterior``, ``max_iter``, ``warmup``,
    ``epsilon`` (leapfrog step, in the posterior's scaled units), ``target_acceptance`` and
    ``verbose``, and defines ``_transition(x, log_p, gradient, epsilon)`` -> (x, log_p, gradient,
    acceptance probability, a per-sample statistic) and ``_describe(epsilon, statistics)`` (the
    result's message)."""

    label = "sampler"

    def fit(self):
        """Run warm-up and sampling; returns a ChainResult (the chain as a numpy array of the free
        parameters, log posterior per sample, mean acceptance, a message). The model keeps its
        starting values."""
        posterior = self.posterior
        with posterior.model.automatic_windows_held():
            try:
                return self._run()
            finally:
                posterior.restore(posterior.start)

    def _run(self):
        posterior = self.posterior
        x = posterior.start.copy()
        log_p, gradient = posterior.log_prob_and_gradient(x)
        if not np.isfinite(log_p):
            raise ValueError(f"model {posterior.model.name!r}: the starting values lie outside the limits; "
                             "fit or initialise first")
        epsilon = self.epsilon
        adaptation = DualAveraging(epsilon, self.target_acceptance)
        for _ in range(self.warmup):
            x, log_p, gradient, acceptance, _ = self._transition(x, log_p, gradient, epsilon)
            epsilon = adaptation.update(acceptance)
        if self.warmup:
            epsilon = adaptation.final
        chain = np.empty((self.max_iter, posterior.size))
        log_probs = np.empty(self.max_iter)
        statistics = np.empty(self.max_iter)
        total = 0.0
        for k in range(self.max_iter):
            x, log_p, gradient, acceptance, statistics[k] = self._transition(x, log_p, gradient, epsilon)
            chain[k], log_probs[k] = x, log_p
            total += acceptance
            if self.verbose and (k + 1) % max(1, self.max_iter // 10) == 0:
                print(f"{self.label} {k + 1}/{self.max_iter}: mean acceptance {total / (k + 1):.3f}, "
                      f"step {epsilon:.3g}")
        return ChainResult(chain, log_probs, posterior.names, total / self.max_iter,
                           f"{self.label}: {self.max_iter} samples after {self.warmup} warm-up, "
                           f"step size {epsilon:.4g}, {self._describe(statistics)}")
