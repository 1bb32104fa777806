"""Dual averaging of a Hamiltonian sampler's step size during warm-up (Hoffman & Gelman 2014, sec. 3.2)."""

import numpy as np


class DualAveraging:
    """Adapts log(epsilon) so that the mean acceptance statistic approaches ``target``.

    ``update(acceptance)`` after each warm-up iteration gives the step size to
    use next; ``final`` the averaged step size to keep after warm-up.
    """

    def __init__(self, epsilon, target, gamma=0.05, t0=10.0, kappa=0.75):
        self.mu = np.log(10.0 * epsilon)
        self.target, self.gamma, self.t0, self.kappa = target, gamma, t0, kappa
        self.h_bar, self.log_bar, self.m = 0.0, 0.0, 0

    def update(self, acceptance):
        self.m += 1
        m = self.m
        weight = 1.0 / (m + self.t0)
        self.h_bar = (1.0 - weight) * self.h_bar + weight * (self.target - acceptance)
        log_epsilon = self.mu - np.sqrt(m) / self.gamma * self.h_bar
        step = m ** (-self.kappa)
        self.log_bar = step * log_epsilon + (1.0 - step) * self.log_bar
        return float(np.exp(log_epsilon))

    @property
    def final(self):
        return float(np.exp(self.log_bar))
