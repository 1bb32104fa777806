"""ap.fit.HMC: Hamiltonian Monte Carlo on the analytic gradient of a model's posterior."""

import numpy as np

from .adaptive_sampling import AdaptiveHamiltonianSampler
from .hamiltonian import Dynamics
from .posterior import Posterior
from .sampler_options import default_scale, inverse_mass, positive_float, positive_int


class HMC(AdaptiveHamiltonianSampler):
    """Hamiltonian Monte Carlo with a fixed number of leapfrog steps per trajectory.

    Parameters
    ----------
    model : a polychrome model; its free parameters are sampled from its current values.
    max_iter : int
        Samples kept (after warm-up).
    warmup : int
        Trajectories first run (not kept) while the step size adapts (dual
        averaging toward ``target_acceptance``).
    epsilon : float
        Leapfrog step size (in units where the posterior's spread is about 1
        when ``inv_mass`` is its covariance); the start of the adaptation.
    leapfrog_steps : int
        Leapfrog steps per trajectory, at most: each trajectory takes a
        random number between half of it and it, with the step size jittered
        by +-20%, so that no trajectory length resonates with the posterior.
    inv_mass : (P, P) or (P,) array, optional
        The inverse mass matrix: the expected posterior covariance, e.g. LM's
        ``result.covariance`` (AutoProf's argument). Default: diagonal, the
        squares of the parameters' uncertainties (1e-3 x |value| where unset).
    target_acceptance : float in (0, 1)
    seed : int, optional

    The force is J^T W (data - model) from the analytic Jacobian. ``fit()``
    returns a ChainResult; the model keeps the values it started from.
    """

    label = "HMC"

    def __init__(self, model, max_iter=1000, warmup=100, epsilon=1e-1, leapfrog_steps=10, inv_mass=None,
                 target_acceptance=0.65, verbose=0, seed=None):
        self.posterior = Posterior(model)
        self.max_iter = positive_int(max_iter, "max_iter")
        self.warmup = positive_int(warmup, "warmup", minimum=0)
        self.epsilon = positive_float(epsilon, "epsilon")
        self.leapfrog_steps = positive_int(leapfrog_steps, "leapfrog_steps")
        if not 0.0 < target_acceptance < 1.0:
            raise ValueError(f"target_acceptance must be in (0, 1), got {target_acceptance!r}")
        self.target_acceptance = float(target_acceptance)
        size = self.posterior.size
        self.dynamics = Dynamics(self.posterior, inverse_mass(inv_mass, size, default_scale(self.posterior)))
        self.verbose = verbose
        self.rng = np.random.default_rng(seed)

    def _transition(self, x, log_p, gradient, epsilon):
        """(x, log p, gradient, acceptance probability, leapfrog steps taken) after one
        Metropolis-corrected trajectory."""
        dynamics = self.dynamics
        p = dynamics.momentum(self.rng)
        energy = -log_p + dynamics.kinetic(p)
        y, q, log_q, grad_q = x, p, log_p, gradient
        # each trajectory's length is jittered (Neal 2011, sec. 5.4.2.2): a fixed one can come back
        # near its start on a Gaussian posterior (a half or whole period), leaving the chain stuck
        epsilon = epsilon * self.rng.uniform(0.8, 1.2)
        steps = int(self.rng.integers((self.leapfrog_steps + 1) // 2, self.leapfrog_steps + 1))
        for _ in range(steps):
            y, q, log_q, grad_q = dynamics.leapfrog(y, q, grad_q, epsilon)
            if not np.isfinite(log_q):
                return x, log_p, gradient, 0.0, steps
        change = energy - (-log_q + dynamics.kinetic(q))
        acceptance = float(min(1.0, np.exp(change))) if np.isfinite(change) else 0.0
        if self.rng.uniform() < acceptance:
            return y, log_q, grad_q, acceptance, steps
        return x, log_p, gradient, acceptance, steps

    def _describe(self, statistics):
        return f"at most {self.leapfrog_steps} leapfrog steps, {statistics.mean():.1f} on average"
