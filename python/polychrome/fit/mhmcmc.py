"""ap.fit.MHMCMC: random-walk Metropolis-Hastings sampling of a model's posterior."""

import numpy as np

from .chain_result import ChainResult
from .posterior import Posterior
from .sampler_options import positive_float, positive_int


class MHMCMC:
    """Metropolis-Hastings with Gaussian proposals, from the model's current values.

    Parameters
    ----------
    model : a polychrome model (component or group); its free parameters are sampled.
    max_iter : int
        Proposals made (the chain has ``max_iter`` rows, repeats included).
    epsilon : float
        Proposal step: with ``proposal_covariance`` the proposal is
        N(0, epsilon^2 C); without, each parameter steps by N(0, epsilon^2)
        in its own units (AutoProf's meaning).
    proposal_covariance : (P, P) or (P,) array, optional
        E.g. LM's ``result.covariance`` (then epsilon ~ 2.4 / sqrt(P) is efficient).
    report_after : number
        With verbose, print the acceptance every ``report_after`` proposals.
    seed : int, optional
        For numpy's default_rng.

    ``fit()`` returns a ChainResult; the model keeps the values it started from.
    """

    def __init__(self, model, max_iter=1000, epsilon=1e-4, proposal_covariance=None, verbose=0,
                 report_after=np.inf, seed=None):
        self.posterior = Posterior(model)
        self.max_iter = positive_int(max_iter, "max_iter")
        self.epsilon = positive_float(epsilon, "epsilon")
        size = self.posterior.size
        if proposal_covariance is None:
            self.cholesky = np.eye(size)
        else:
            from .sampler_options import inverse_mass

            self.cholesky = np.linalg.cholesky(inverse_mass(proposal_covariance, size, None))
        self.verbose = verbose
        self.report_after = report_after
        self.rng = np.random.default_rng(seed)

    def fit(self):
        posterior = self.posterior
        model = posterior.model
        with model.automatic_windows_held():
            x = posterior.start.copy()
            log_p = posterior.log_prob(x)
            if not np.isfinite(log_p):
                raise ValueError(f"model {model.name!r}: the starting values lie outside the limits or do not "
                                 "render finitely; fit or initialise first")
            chain = np.empty((self.max_iter, posterior.size))
            log_probs = np.empty(self.max_iter)
            accepted = 0
            try:
                for k in range(self.max_iter):
                    proposal = x + self.epsilon * (self.cholesky @ self.rng.standard_normal(posterior.size))
                    log_q = posterior.log_prob(proposal)
                    if np.log(self.rng.uniform()) < log_q - log_p:
                        x, log_p = proposal, log_q
                        accepted += 1
                    chain[k], log_probs[k] = x, log_p
                    if self.verbose and (k + 1) % self.report_after == 0:
                        print(f"MHMCMC {k + 1}/{self.max_iter}: acceptance {accepted / (k + 1):.3f}")
            finally:
                posterior.restore(posterior.start)
        return ChainResult(chain, log_probs, posterior.names, accepted / self.max_iter,
                           f"MHMCMC: {self.max_iter} proposals")
