"""NL2SOL's augmented quadratic model: J^T W J plus a secant estimate of the term it leaves out.

Half the Hessian of chi^2 is J^T W J - sum_i w_i r_i d2m_i (r = data - model); the
Gauss-Newton model keeps the first part only. Where the residuals are at the noise level and
the model is curved in its parameters (a faint source's Sersic n, Re, q and the sky), the
left-out sum makes the true curvature along a valley ~1.5-2.5x J^T W J's, and Gauss-Newton
steps overshoot across it, each accepted at rho ~0.3. NL2SOL (Dennis, Gay & Welsch 1981,
ACM TOMS 7, 348-368) keeps a quasi-Newton estimate S of that sum from the gradients the fit
already has. After an accepted step s, chi^2/2's gradient changed by y = g_old - g_new
(g = J^T W (data - model), the fitter's gradient, is minus half chi^2's), and S is updated to
satisfy the secant condition ((J^T W J)_new + S) s = y, i.e. S s = y# = y - (J^T W J)_new s,
by a symmetric rank-2 correction, after "sizing" S by tau = min(1, |s.y#| / |s.S.s|) (S
shrinks where the residuals, and with them the term, have shrunk).

Model switching: S is updated after every accepted step whichever model took it, and the fit
changes model when the one in use predicted the last step's chi^2 decrease poorly (rho <
``SWITCH_RHO``) and the other predicted it better. The augmented model is used only where
J^T W J + S + the damping is positive definite (else that step is Gauss-Newton's).
"""

import math

import numpy as np
from scipy.linalg.lapack import dpotrf as _dpotrf

# The model in use is kept while it predicts the actual chi^2 decrease to within this ratio
# (below it, the other model takes over if it predicted the step better).
SWITCH_RHO = 0.6


class AugmentedModel:
    """S (P x P, the units of J^T W J: chi^2/2 curvature), and which model the next step uses.

    ``augmented``: the next step is to use J^T W J + S (else J^T W J alone); ``updates``:
    how many secant updates S has had (0: S is 0)."""

    def __init__(self, size):
        self.matrix = np.zeros((size, size))
        self.updates = 0
        self.augmented = False
        self._step = self._s_step = None  # the last step curvature_along saw, and S times it

    def step_matrix(self, damped):
        """(matrix, augmented) for the next step: ``damped`` (J^T W J + the damping) plus S when
        the augmented model is in use and that sum is positive definite."""
        if self.augmented:
            matrix = damped + self.matrix
            if _dpotrf(matrix, lower=False, clean=False)[1] == 0:
                return matrix, True
        return damped, False

    def curvature_along(self, step):
        """step.S.step (units of J^T W J): what S adds to the step's quadratic-model chi^2. (S step
        is kept for update(), which the fitter calls with the same step after an accepted one.)"""
        if not self.updates:
            return 0.0
        self._step, self._s_step = step, self.matrix.dot(step)
        return float(step.dot(self._s_step))

    def choose(self, actual, predicted, other):
        """After a step: the actual chi^2 decrease and those predicted by the model that took the
        step and by the other. Switch models when the first predicted it poorly and the second
        better (NL2SOL's rule; a predicted increase is a poor prediction); a non-finite chi^2 says
        nothing about either."""
        if not self.updates or not math.isfinite(actual):
            return
        poor = not (predicted > 0.0 and actual >= SWITCH_RHO * predicted)
        if poor and abs(actual - other) < abs(actual - predicted):
            self.augmented = not self.augmented

    def update(self, step, gradient_old, gradient_new, hessian_new):
        """S after the accepted ``step`` (P,), from J^T W r before and after it and J^T W J after.

        Skipped (S kept) when y.s <= 0: chi^2 is not convex along the step, and the correction's
        denominator would flip its sign. The rank-2 correction (v y^T + y v^T) / y.s -
        (v.s) y y^T / (y.s)^2, v = y# - tau S s, is formed as w y^T + y w^T with
        w = v / y.s - (v.s) y / (2 (y.s)^2): fewer numpy calls (this runs after every accepted
        step), the same matrix to rounding."""
        y = gradient_old - gradient_new
        ys = float(y.dot(step))
        if not ys > 0.0:
            return
        v = y_sharp = y - hessian_new.dot(step)
        sized = None
        if self.updates:
            s_step = self._s_step if step is self._step else self.matrix.dot(step)
            along = float(step.dot(s_step))
            tau = min(1.0, abs(float(step.dot(y_sharp))) / abs(along)) if along != 0.0 else 1.0
            v = y_sharp - tau * s_step
            sized = self.matrix if tau == 1.0 else tau * self.matrix
        w = v * (1.0 / ys) - (float(v.dot(step)) / (2.0 * ys * ys)) * y
        half = w[:, None] * y  # (np.multiply.outer's products, without ufunc.outer's per-call cost)
        correction = half + half.T  # exactly symmetric, as S is
        if sized is not None:
            correction += sized  # (in place: a float sum is the same either way round)
        self.matrix = correction
        self.updates += 1
