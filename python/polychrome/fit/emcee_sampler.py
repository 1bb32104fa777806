"""ap.fit.Emcee: the affine-invariant ensemble sampler of emcee on a model's posterior.

emcee (Foreman-Mackey et al. 2013) is an optional dependency: ``pip install
emcee`` (or polychrome's "samplers" extra). It needs no gradient.
"""

import numpy as np

from .chain_result import ChainResult
from .posterior import Posterior
from .sampler_options import default_scale, inverse_mass, positive_int


class Emcee:
    """emcee's EnsembleSampler over the model's free parameters.

    Parameters
    ----------
    model : a polychrome model; the walkers start in a small Gaussian ball around its current values.
    nwalkers : int, optional
        Walkers (default 2 x the number of parameters + 2, at least 8).
    max_iter : int
        Steps per walker kept (after ``warmup``).
    warmup : int
        Steps per walker first run and discarded.
    covariance : (P, P) or (P,) array, optional
        Shape of the starting ball (e.g. LM's ``result.covariance``); default
        the parameters' uncertainties (1e-3 x |value| where unset). The ball
        is 0.1 of it, moved inside the limits.
    seed : int, optional

    ``fit()`` returns a ChainResult whose chain is the walkers' samples after
    warm-up, flattened (nwalkers x max_iter rows); the model keeps its values.
    """

    def __init__(self, model, nwalkers=None, max_iter=1000, warmup=200, covariance=None, verbose=0, seed=None):
        try:
            import emcee
        except ImportError:
            raise ImportError("ap.fit.Emcee needs the emcee package (an optional dependency): pip install emcee; "
                              "ap.fit.NUTS, HMC and MHMCMC need nothing more") from None
        self._emcee = emcee
        self.posterior = Posterior(model)
        size = self.posterior.size
        self.nwalkers = max(8, 2 * size + 2) if nwalkers is None else positive_int(nwalkers, "nwalkers", 2 * size)
        self.max_iter = positive_int(max_iter, "max_iter")
        self.warmup = positive_int(warmup, "warmup", minimum=0)
        self.covariance = inverse_mass(covariance, size, default_scale(self.posterior))
        self.verbose = verbose
        self.rng = np.random.default_rng(seed)

    def _starts(self):
        posterior = self.posterior
        cholesky = np.linalg.cholesky(self.covariance)
        starts = []
        while len(starts) < self.nwalkers:
            x = posterior.start + 0.1 * cholesky @ self.rng.standard_normal(posterior.size)
            if np.isfinite(posterior.log_prob(x)):
                starts.append(x)
            elif len(starts) == 0 and not np.isfinite(posterior.log_prob(posterior.start)):
                raise ValueError(f"model {posterior.model.name!r}: the starting values lie outside the limits")
        return np.array(starts)

    def fit(self):
        posterior = self.posterior
        with posterior.model.automatic_windows_held():
            try:
                starts = self._starts()
                sampler = self._emcee.EnsembleSampler(self.nwalkers, posterior.size, posterior.log_prob)
                sampler.random_state = np.random.RandomState(int(self.rng.integers(2 ** 31))).get_state()
                sampler.run_mcmc(starts, self.warmup + self.max_iter, progress=bool(self.verbose))
            finally:
                posterior.restore(posterior.start)
        chain = sampler.get_chain(discard=self.warmup, flat=True)
        log_probs = sampler.get_log_prob(discard=self.warmup, flat=True)
        return ChainResult(chain, log_probs, posterior.names, float(np.mean(sampler.acceptance_fraction)),
                           f"emcee: {self.nwalkers} walkers x {self.max_iter} steps after {self.warmup} warm-up")
