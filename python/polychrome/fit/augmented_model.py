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

from .. import _core

# The model in use is kept while it predicts the actual chi^2 decrease to within this ratio
# (below it, the other model takes over if it predicted the step better).
SWITCH_RHO = 0.6


class AugmentedModel:
    """S (P x P, the units of J^T W J: chi^2/2 curvature), and which model the next step uses.

    ``augmented``: the next step is to use J^T W J + S (else J^T W J alone); ``updates``:
    how many secant updates S has had (0: S is 0). The step itself (J^T W J + the damping + S
    where that sum is positive definite) and S's curvature along it are the core's
    (``_core.lm_damped_step``, given ``secant``)."""

    def __init__(self, size):
        self.matrix = np.zeros((size, size))
        self.updates = 0
        self.augmented = False

    @property
    def secant(self):
        """S for the core's step, or None while S has had no update (S = 0)."""
        return self.matrix if self.updates else None

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
        """S after the accepted ``step`` (P,), from J^T W r before and after it and J^T W J after
        (in place, by the core's ``lm_secant_update``: sized by tau, then the symmetric rank-2
        correction; see cpp/include/polychrome/lm_secant.hpp).

        Skipped (S kept) when y.s <= 0: chi^2 is not convex along the step, and the correction's
        denominator would flip its sign."""
        if _core.lm_secant_update(self.matrix, self.updates > 0, step, gradient_old, gradient_new, hessian_new):
            self.updates += 1
