"""ap.fit.NUTS: the No-U-Turn sampler on the analytic gradient of a model's posterior.

Hoffman & Gelman (2014), their efficient NUTS (slice sampling, Algorithm 3)
with a mass matrix and dual averaging of the step size during warm-up
(Algorithm 6): each iteration doubles a leapfrog trajectory forward or
backward until it makes a U-turn (or reaches ``max_tree_depth``), and draws
the next sample from the states of the trajectory within the slice.
"""

import numpy as np

from .adaptive_sampling import AdaptiveHamiltonianSampler
from .hamiltonian import Dynamics
from .posterior import Posterior
from .sampler_options import default_scale, inverse_mass, positive_float, positive_int

# A state whose energy exceeds the slice by this much ends the tree (a divergence).
_MAX_ENERGY_ERROR = 1000.0


class _Tree:
    """The result of building a subtree: its two ends, a proposal, the count of states in the slice,
    whether to keep going, and the acceptance statistic's sum and count."""

    __slots__ = ("x_minus", "p_minus", "g_minus", "x_plus", "p_plus", "g_plus", "x", "log_p", "gradient",
                 "n", "ok", "alpha", "n_alpha")


class NUTS(AdaptiveHamiltonianSampler):
    """The No-U-Turn sampler.

    Parameters
    ----------
    model : a polychrome model; its free parameters are sampled from their current values.
    max_iter : int
        Samples kept (after warm-up).
    warmup : int
        Iterations first run (not kept) while the step size adapts.
    epsilon : float
        Initial leapfrog step size (adapted during warm-up; kept when warmup = 0).
    inv_mass : (P, P) or (P,) array, optional
        Inverse mass matrix, the expected posterior covariance (e.g. LM's
        ``result.covariance``, AutoProf's argument); default diagonal from the
        parameters' uncertainties.
    max_tree_depth : int
        At most 2**max_tree_depth leapfrog steps per iteration.
    target_acceptance : float in (0, 1)
    seed : int, optional

    ``fit()`` returns a ChainResult; the model keeps the values it started from.
    """

    label = "NUTS"

    def __init__(self, model, max_iter=1000, warmup=100, epsilon=0.5, inv_mass=None, max_tree_depth=10,
                 target_acceptance=0.8, verbose=0, seed=None):
        self.posterior = Posterior(model)
        self.max_iter = positive_int(max_iter, "max_iter")
        self.warmup = positive_int(warmup, "warmup", minimum=0)
        self.epsilon = positive_float(epsilon, "epsilon")
        self.max_tree_depth = positive_int(max_tree_depth, "max_tree_depth")
        if not 0.0 < target_acceptance < 1.0:
            raise ValueError(f"target_acceptance must be in (0, 1), got {target_acceptance!r}")
        self.target_acceptance = float(target_acceptance)
        self.dynamics = Dynamics(self.posterior, inverse_mass(inv_mass, self.posterior.size,
                                                              default_scale(self.posterior)))
        self.verbose = verbose
        self.rng = np.random.default_rng(seed)

    def _no_u_turn(self, x_minus, x_plus, p_minus, p_plus):
        span = x_plus - x_minus
        velocity_minus = self.dynamics.inv_mass @ p_minus
        velocity_plus = self.dynamics.inv_mass @ p_plus
        return span @ velocity_minus >= 0 and span @ velocity_plus >= 0

    def _build(self, x, p, g, log_u, direction, depth, epsilon, energy0):
        dynamics = self.dynamics
        if depth == 0:
            x1, p1, log_p1, g1 = dynamics.leapfrog(x, p, g, direction * epsilon)
            joint = log_p1 - dynamics.kinetic(p1) if np.isfinite(log_p1) else -np.inf
            tree = _Tree()
            tree.x_minus = tree.x_plus = tree.x = x1
            tree.p_minus = tree.p_plus = p1
            tree.g_minus = tree.g_plus = tree.gradient = g1
            tree.log_p = log_p1
            tree.n = int(log_u <= joint)
            tree.ok = log_u < joint + _MAX_ENERGY_ERROR
            tree.alpha = float(min(1.0, np.exp(joint + energy0))) if np.isfinite(joint) else 0.0
            tree.n_alpha = 1
            return tree
        tree = self._build(x, p, g, log_u, direction, depth - 1, epsilon, energy0)
        if not tree.ok:
            return tree
        if direction == -1:
            other = self._build(tree.x_minus, tree.p_minus, tree.g_minus, log_u, direction, depth - 1, epsilon,
                                energy0)
            tree.x_minus, tree.p_minus, tree.g_minus = other.x_minus, other.p_minus, other.g_minus
        else:
            other = self._build(tree.x_plus, tree.p_plus, tree.g_plus, log_u, direction, depth - 1, epsilon,
                                energy0)
            tree.x_plus, tree.p_plus, tree.g_plus = other.x_plus, other.p_plus, other.g_plus
        total = tree.n + other.n
        if total > 0 and self.rng.uniform() < other.n / total:
            tree.x, tree.log_p, tree.gradient = other.x, other.log_p, other.gradient
        tree.alpha += other.alpha
        tree.n_alpha += other.n_alpha
        tree.n = total
        tree.ok = other.ok and self._no_u_turn(tree.x_minus, tree.x_plus, tree.p_minus, tree.p_plus)
        return tree

    def _transition(self, x, log_p, gradient, epsilon):
        """(x, log p, gradient, mean acceptance statistic, tree depth) after one NUTS iteration."""
        dynamics = self.dynamics
        p0 = dynamics.momentum(self.rng)
        energy0 = -log_p + dynamics.kinetic(p0)  # H at the start
        log_u = -energy0 + np.log(self.rng.uniform())  # the slice, on the joint log density
        x_minus = x_plus = x
        p_minus = p_plus = p0
        g_minus = g_plus = gradient
        n, ok, depth = 1, True, 0
        alpha, n_alpha = 0.0, 0
        while ok and depth < self.max_tree_depth:
            direction = 1 if self.rng.uniform() < 0.5 else -1
            if direction == -1:
                tree = self._build(x_minus, p_minus, g_minus, log_u, -1, depth, epsilon, energy0)
                x_minus, p_minus, g_minus = tree.x_minus, tree.p_minus, tree.g_minus
            else:
                tree = self._build(x_plus, p_plus, g_plus, log_u, 1, depth, epsilon, energy0)
                x_plus, p_plus, g_plus = tree.x_plus, tree.p_plus, tree.g_plus
            if tree.ok and self.rng.uniform() < tree.n / n:
                x, log_p, gradient = tree.x, tree.log_p, tree.gradient
            n += tree.n
            alpha += tree.alpha
            n_alpha += tree.n_alpha
            ok = tree.ok and self._no_u_turn(x_minus, x_plus, p_minus, p_plus)
            depth += 1
        return x, log_p, gradient, alpha / max(n_alpha, 1), depth

    def _describe(self, statistics):
        return f"mean tree depth {statistics.mean():.2f}"
