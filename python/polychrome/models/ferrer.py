"""The modified Ferrer galaxy model (AstroPhot's "ferrer galaxy model"): a bar or lens of compact support."""

import math

import numpy as np

from .galaxy_model import GEOMETRY_SPECS, GalaxyModel
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .registry import register
from .sersic import size_grid

# alpha's lower limit: AstroPhot's range is (0, 10); the core takes [0.001, 10] (1/alpha finite)
MIN_ALPHA = 1e-3

# beta's upper end: AstroPhot's range is [0, 2) (2 would make the profile a step); the core takes [0, 1.99]
MAX_BETA = 1.99


def ferrer_log_shape(R, rout, alpha, beta):
    """log10 of I(R) / I0 for the modified Ferrer profile (broadcasting; -inf from the edge rout on)."""
    x = np.asarray(R, float) / rout
    inside = x < 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_shape = alpha * np.log1p(-np.where(inside, x, 0.0) ** (2.0 - beta))
    return np.where(inside, ln_shape, -np.inf) / math.log(10.0)


@register
class FerrerGalaxy(GalaxyModel):
    """I(R) = 10**I0 (1 - (R/rout)^(2 - beta))^alpha for R < rout, 0 beyond (the modified Ferrer profile).

    A flat-topped (beta = 0) or centrally peaked (beta near 2) profile on
    elliptical radius R that falls to exactly 0 at the outer radius rout,
    the more steeply the smaller alpha: bars and lenses (Laurikainen et al.
    2005). The same formula as AstroPhot 0.18's "ferrer galaxy model".

    Parameters, in order (AstroPhot's names): ``center`` [x, y] arcsec, ``q``,
    ``PA`` rad, ``rout`` (semi-major outer radius, arcsec, [1e-6, 1e6]),
    ``alpha`` (outer slope, [0.001, 10]: the light falls as (rout - R)^alpha near
    the edge, a step for alpha -> 0), ``beta`` (central slope, [0, 1.99]; AstroPhot: [0, 2)),
    ``I0`` (log10 of the central surface brightness, flux/arcsec^2,
    [-100, 100]; AstroPhot's I0 is the linear brightness: polychrome's I0 is
    log10 of it, as for every polychrome brightness). Rendered exactly across
    the edge: the pixels it crosses (away from the centre) are integrated
    exactly, to ~1e-11 relative each, Jacobian included
    (tests/test_compact_edge_pixels.py); the others adaptively: within 1e-5
    relative per pixel at the default tolerance (1e-5; 7e-6 measured at most,
    see tests/test_ferrer_king.py).
    """

    model_type = "ferrer galaxy model"
    profile = "ferrer"
    parameter_specs = GEOMETRY_SPECS + (
        ParameterSpec("rout", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("alpha", "", limits=(MIN_ALPHA, 10.0)),
        ParameterSpec("beta", "", limits=(0.0, MAX_BETA)),
        ParameterSpec("I0", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS),
    )

    def total_flux(self):
        """Analytic total flux (image flux units): 2 pi q rout^2 10**I0 B(2/(2-beta), alpha+1) / (2-beta)."""
        v = self._values()
        p = 2.0 - v["beta"]
        a, b = 2.0 / p, v["alpha"] + 1.0
        log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
        return 2.0 * math.pi * v["q"] * v["rout"] ** 2 * math.exp(v["I0"] * math.log(10.0) + log_beta) / p

    _profile_names = ("rout", "alpha", "beta", "I0")

    @staticmethod
    def _log_shape(R, rout, alpha, beta):
        return ferrer_log_shape(R, rout, alpha, beta)

    # initialize() searches rout (beyond the light's half-light radius: rout is ~2.5 of them for alpha = 2,
    # beta = 0) and alpha; beta starts flat-topped and is left to the fit
    @staticmethod
    def _shape_grids(profile):
        return {"rout": size_grid(profile.half_light_radius, 1.2, 8.0, 15), "alpha": [0.5, 1.0, 2.0, 4.0],
                "beta": [0.0]}

    def _initial_profile(self, profile, q):
        # candidates whose edge lies inside the measured radii have log10 I = -inf there: the grid fit
        # discards them (an infinite chi^2) without numpy's warnings
        with np.errstate(invalid="ignore"):
            return super()._initial_profile(profile, q)

    @staticmethod
    def _shape_defaults(profile):
        return {"rout": 2.5 * profile.half_light_radius, "alpha": 2.0, "beta": 0.0}
