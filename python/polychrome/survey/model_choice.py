"""Choosing between candidate model types (e.g. point vs Sersic) by the Bayesian information criterion.

BIC = chi^2 + k ln(n): k free parameters, n unmasked pixels fitted. The
smallest wins: an extra parameter must lower chi^2 by ln(n) (~7 for a
48 x 48 cutout) to be worth having, so a star is not fitted as a tiny
galaxy, and a resolved galaxy is not a point.

Per group (ModelSpec.choice = "group", and always for an isolated source):
each candidate is fitted to the whole group and the group's BIC decides.
Per source in a blend ("source"): from the best uniform fit, each source in
turn is refitted as each other candidate (the other sources starting from
their fitted values) and the switch is kept when it lowers the group's BIC
(a greedy search: 2 + k fits for 2 candidates and k sources, instead of
2^k; the footprints of a blend overlap, so no source's BIC can be taken
from its own pixels alone).
"""

import math

import numpy as np


def bic(chi2, n_free, n_pixels):
    """chi2 + n_free * ln(n_pixels) (n_pixels >= 1)."""
    return float(chi2) + n_free * math.log(max(int(n_pixels), 1))


def best_uniform(attempts):
    """Index of the attempt (objects with .chi2, .n_free, .n_pixels) with the smallest BIC; attempts
    without a finite chi^2 never win unless all lack one."""
    scores = [bic(a.chi2, a.n_free, a.n_pixels) if np.isfinite(a.chi2) else math.inf for a in attempts]
    return int(np.argmin(scores))


POINT_TYPES = ("point model",)


def allowed_candidates(candidates, kind):
    """The candidates (tuple) a source with catalogue ``kind`` ('star', 'galaxy', '' or None) may take."""
    if kind == "star":
        narrowed = tuple(c for c in candidates if c in POINT_TYPES)
    elif kind == "galaxy":
        narrowed = tuple(c for c in candidates if c not in POINT_TYPES)
    else:
        narrowed = ()
    return narrowed or tuple(candidates)
