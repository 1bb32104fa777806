"""The empirical King galaxy model (Elson 1999; AstroPhot's "king galaxy model"): a star cluster's profile."""

import math

import numpy as np

from .galaxy_model import GEOMETRY_SPECS, GalaxyModel
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .registry import register
from .sersic import size_grid

# alpha's lower limit: AstroPhot's range is (0, 10); the core takes [0.001, 10] (1/alpha finite)
MIN_ALPHA = 1e-3

# King's (1962) concentration, AstroPhot's default for alpha, which it holds fixed unless asked
DEFAULT_ALPHA = 2.0


def king_log_shape(R, Rc, Rt, alpha):
    """log10 of I(R) / I0 for the empirical King profile (broadcasting; -inf from the edge Rt on)."""
    R = np.asarray(R, float)
    qb = -np.log1p((Rt / Rc) ** 2) / alpha
    s = np.exp(-np.log1p((R / Rc) ** 2) / alpha)
    b = np.exp(qb)
    inside = (R < Rt) & (s > b)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_shape = alpha * (np.log(np.where(inside, s - b, 1.0)) - np.log(-np.expm1(qb)))
    return np.where(inside, ln_shape, -np.inf) / math.log(10.0)


@register
class KingGalaxy(GalaxyModel):
    """I(R) = 10**I0 [((1 + (R/Rc)^2)^(-1/alpha) - b) / (1 - b)]^alpha for R < Rt, 0 beyond; b = (1 + (Rt/Rc)^2)^(-1/alpha).

    The empirical King profile (Elson 1999; King 1962 for alpha = 2) on
    elliptical radius R: a core of radius Rc, then a fall to exactly 0 at
    the truncation (tidal) radius Rt. The same formula as AstroPhot 0.18's
    "king galaxy model".

    Parameters, in order (AstroPhot's names): ``center`` [x, y] arcsec, ``q``,
    ``PA`` rad, ``Rc`` (semi-major core radius, arcsec, [1e-6, 1e6]), ``Rt``
    (semi-major truncation radius, arcsec, [1e-6, 1e6]; Rt < Rc is allowed, as
    in AstroPhot), ``alpha`` (concentration, [0.001, 10]; 2 by default and, as in
    AstroPhot, locked unless asked otherwise: a value given as a number stays
    locked, ``alpha={"value": 2.5, "locked": False}`` or
    ``model["alpha"].locked = False`` frees it), ``I0`` (log10 of the central
    surface brightness, flux/arcsec^2, [-100, 100]; AstroPhot's I0 is the
    linear brightness: polychrome's I0 is log10 of it, as for every polychrome
    brightness). Rendered exactly across the edge Rt: the pixels it crosses
    (away from the centre) are integrated exactly, to ~1e-11 relative, Jacobian
    included (tests/test_compact_edge_pixels.py; accuracy as FerrerGalaxy's).
    """

    model_type = "king galaxy model"
    profile = "king"
    parameter_specs = GEOMETRY_SPECS + (
        ParameterSpec("Rc", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("Rt", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("alpha", "", limits=(MIN_ALPHA, 10.0)),
        ParameterSpec("I0", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        alpha = self.parameters["alpha"]
        if alpha.value is None:  # AstroPhot's default, locked (its "dynamic": False)
            shape = self._parameter_shape(next(s for s in self.parameter_specs if s.name == "alpha"))
            alpha.value = np.full(shape, DEFAULT_ALPHA) if shape else DEFAULT_ALPHA

    def _from_autoprof_names(self, values):
        values = dict(super()._from_autoprof_names(values))
        given = values.get("alpha")
        if isinstance(given, dict):
            values["alpha"] = {"locked": True, **given}
        else:
            values["alpha"] = {"value": given, "locked": True}
        return values

    def total_flux(self):
        """Total flux (image flux units): 2 pi q int_0^Rt I(R) R dR, by adaptive quadrature (no closed form
        for general alpha)."""
        from scipy import integrate

        v = self._values()
        Rc, Rt, alpha = v["Rc"], v["Rt"], v["alpha"]

        def light(R):
            return 10.0 ** king_log_shape(R, Rc, Rt, alpha) * R

        inner = min(Rc, Rt)
        parts = integrate.quad(light, 0.0, inner, limit=200)[0]
        if Rt > inner:
            parts += integrate.quad(light, inner, Rt, limit=200)[0]
        return 2.0 * math.pi * v["q"] * 10.0 ** v["I0"] * parts

    _profile_names = ("Rc", "Rt", "alpha", "I0")

    @staticmethod
    def _log_shape(R, Rc, Rt, alpha):
        return king_log_shape(R, Rc, Rt, alpha)

    # initialize() searches the core and truncation radii; alpha keeps its default (locked)
    @staticmethod
    def _shape_grids(profile):
        return {"Rc": size_grid(profile.half_light_radius, 0.05, 2.0, 13),
                "Rt": size_grid(profile.half_light_radius, 1.5, 40.0, 13), "alpha": [DEFAULT_ALPHA]}

    def _initial_profile(self, profile, q):
        # candidates whose edge lies inside the measured radii have log10 I = -inf there: the grid fit
        # discards them (an infinite chi^2) without numpy's warnings
        with np.errstate(invalid="ignore"):
            return super()._initial_profile(profile, q)

    @staticmethod
    def _shape_defaults(profile):
        return {"Rc": 0.5 * profile.half_light_radius, "Rt": 5.0 * profile.half_light_radius, "alpha": DEFAULT_ALPHA}
