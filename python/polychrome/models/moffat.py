"""The Moffat galaxy model."""

import math

import numpy as np

from .galaxy_model import GEOMETRY_SPECS, GalaxyModel
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .registry import register
from .sersic import size_grid


@register
class MoffatGalaxy(GalaxyModel):
    """I(R) = 10**I0 / (1 + (R/Rd)^2)^n on elliptical radius R.

    Parameters, in order: ``center`` [x, y] arcsec, ``q``, ``PA`` rad,
    ``n`` (power index, [0.1, 10]; the flux is finite for n > 1), ``Rd``
    (semi-major core radius, arcsec, > 0), ``I0`` (log10 central surface
    brightness, flux/arcsec^2).
    """

    model_type = "moffat galaxy model"
    profile = "moffat"
    parameter_specs = GEOMETRY_SPECS + (
        ParameterSpec("n", "", limits=(0.1, 10.0)),
        ParameterSpec("Rd", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("I0", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS),
    )

    def total_flux(self):
        """Analytic total flux (image flux units): pi q Rd^2 10**I0 / (n - 1); inf for n <= 1."""
        v = self._values()
        if v["n"] <= 1:
            return math.inf
        return math.pi * v["q"] * v["Rd"] ** 2 * 10 ** v["I0"] / (v["n"] - 1)

    _profile_names = ("n", "Rd", "I0")

    @staticmethod
    def _log_shape(R, n, Rd):
        return -n * np.log10(1.0 + (R / Rd) ** 2)

    @staticmethod
    def _shape_grids(profile):
        return {"n": np.geomspace(0.6, 8.0, 14), "Rd": size_grid(profile.half_light_radius, 0.05, 3.0, 25)}

    @staticmethod
    def _shape_defaults(profile):
        return {"n": 2.5, "Rd": profile.half_light_radius}
