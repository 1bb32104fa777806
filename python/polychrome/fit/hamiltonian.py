"""Hamiltonian dynamics on a model's posterior: the leapfrog step with a mass matrix.

Position x (the free parameters), momentum p ~ N(0, M) with M the inverse of
``inv_mass`` (the expected posterior covariance), H = -log p(x) + p^T
inv_mass p / 2; the force is the analytic gradient J^T W r.
"""

import numpy as np


class Dynamics:
    """Leapfrog integration of H for ``posterior`` (a Posterior) with ``inv_mass`` (P, P)."""

    def __init__(self, posterior, inv_mass):
        self.posterior = posterior
        self.inv_mass = inv_mass
        self.mass_cholesky = np.linalg.cholesky(np.linalg.inv(inv_mass))

    def momentum(self, rng):
        """A momentum drawn from N(0, M)."""
        return self.mass_cholesky @ rng.standard_normal(len(self.inv_mass))

    def kinetic(self, p):
        return 0.5 * float(p @ self.inv_mass @ p)

    def leapfrog(self, x, p, gradient, epsilon):
        """One leapfrog step: (x, p, log p(x), gradient) after it; log p is -inf outside the bounds."""
        p = p + 0.5 * epsilon * gradient
        x = x + epsilon * (self.inv_mass @ p)
        log_p, gradient = self.posterior.log_prob_and_gradient(x)
        p = p + 0.5 * epsilon * gradient
        return x, p, log_p, gradient
