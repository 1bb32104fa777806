"""The Nuker galaxy model: a double power law (Lauer et al. 1995)."""

import math

import numpy as np

from .galaxy_model import GEOMETRY_SPECS, GalaxyModel
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .registry import register
from .sersic import size_grid

LN2 = math.log(2.0)


def nuker_log_shape(R, Rb, alpha, beta, gamma):
    """log10 of I(R) / Ib for the Nuker profile (broadcasting; R > 0)."""
    x = np.asarray(R, float) / Rb
    with np.errstate(divide="ignore"):
        ln_shape = ((beta - gamma) / alpha) * LN2 - gamma * np.log(x) + ((gamma - beta) / alpha) * np.log1p(x**alpha)
    return ln_shape / math.log(10.0)


@register
class NukerGalaxy(GalaxyModel):
    """I(R) = 10**Ib 2^((beta-gamma)/alpha) (R/Rb)^-gamma [1 + (R/Rb)^alpha]^((gamma-beta)/alpha).

    A double power law on elliptical radius R: log-log slope -gamma well
    inside the break radius Rb, -beta well outside, the transition the
    sharper the larger alpha; the surface brightness at Rb is 10**Ib.

    Parameters, in order (AstroPhot's names): ``center`` [x, y] arcsec,
    ``q``, ``PA`` rad, ``Rb`` (semi-major break radius, arcsec, [1e-6, 1e6]),
    ``alpha`` (sharpness, [0.1, 10]), ``beta`` (outer slope, [0, 10]; the
    total flux is finite for beta > 2), ``gamma`` (inner slope, [-2, 1.9]:
    a cusp for gamma > 0, whose centre pixel the core integrates exactly
    from the enclosed light; a core for gamma = 0; for gamma < 0, as AutoProf
    allows, a central hole: I rises as R^-gamma from 0 at the centre to a
    ring of brightest light at R = Rb (-gamma/beta)^(1/alpha)), ``Ib`` (log10 surface brightness at Rb,
    flux/arcsec^2, [-100, 100]). Rendered to the core's stated pixel
    accuracy (2e-5 relative at the default tolerance, cusps included).
    """

    model_type = "nuker galaxy model"
    profile = "nuker"
    parameter_specs = GEOMETRY_SPECS + (
        ParameterSpec("Rb", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("alpha", "", limits=(0.1, 10.0)),
        ParameterSpec("beta", "", limits=(0.0, 10.0)),
        ParameterSpec("gamma", "", limits=(-2.0, 1.9)),
        ParameterSpec("Ib", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS),
    )

    def total_flux(self):
        """Analytic total flux (image flux units): 2 pi q Rb^2 A B((2-gamma)/alpha, (beta-2)/alpha) / alpha,
        A = 10**Ib 2^((beta-gamma)/alpha); inf for beta <= 2."""
        v = self._values()
        alpha, beta, gamma = v["alpha"], v["beta"], v["gamma"]
        if beta <= 2.0:
            return math.inf
        a, b = (2.0 - gamma) / alpha, (beta - 2.0) / alpha
        log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
        ln_amplitude = v["Ib"] * math.log(10.0) + (beta - gamma) / alpha * LN2
        return 2.0 * math.pi * v["q"] * v["Rb"] ** 2 * math.exp(ln_amplitude + log_beta) / alpha

    _profile_names = ("Rb", "alpha", "beta", "gamma", "Ib")

    @staticmethod
    def _log_shape(R, Rb, alpha, beta, gamma):
        return nuker_log_shape(R, Rb, alpha, beta, gamma)

    # initialize() searches the break radius and the inner slope; alpha and beta start at
    # typical values (a 4-D search would cost ~10x more renders) and are left to the fit
    @staticmethod
    def _shape_grids(profile):
        return {"Rb": size_grid(profile.half_light_radius, 0.1, 3.0, 15), "alpha": [2.0], "beta": [4.0],
                "gamma": np.linspace(0.0, 1.5, 7)}

    @staticmethod
    def _shape_defaults(profile):
        return {"Rb": profile.half_light_radius, "alpha": 2.0, "beta": 4.0, "gamma": 0.5}
