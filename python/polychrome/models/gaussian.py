"""The Gaussian galaxy model, parametrised by its total flux."""

import math

from .galaxy_model import GEOMETRY_SPECS, GalaxyModel
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .registry import register
from .sersic import size_grid

# half-light radius of a Gaussian over its sigma: sqrt(2 ln 2)
HALF_LIGHT_SIGMAS = math.sqrt(2.0 * math.log(2.0))

LN10 = math.log(10.0)


@register
class GaussianGalaxy(GalaxyModel):
    """I(R) = I0 exp(-R^2 / (2 sigma^2)) on elliptical radius R, I0 = F / (2 pi q sigma^2).

    Parameters, in order: ``center`` [x, y] arcsec, ``q``, ``PA`` rad,
    ``sigma`` (semi-major standard deviation, arcsec, > 0), ``flux`` (log10
    of the total flux F, image flux units). The core renders (sigma, log10
    I0); the Jacobian is converted by the chain rule, so d/dq and d/dsigma
    are taken at fixed total flux.
    """

    model_type = "gaussian galaxy model"
    profile = "gaussian"
    parameter_specs = GEOMETRY_SPECS + (
        ParameterSpec("sigma", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("flux", "log10(flux)", limits=LOG10_BRIGHTNESS_LIMITS),
    )

    def _core_parameters(self, values):
        sigma = values["sigma"]
        return [sigma, values["flux"] - math.log10(2 * math.pi * values["q"] * sigma**2)]

    def _core_to_model_jacobian(self, jacobian, values):
        # rows: x, y, q, PA, sigma, log10 I0; log10 I0 = flux - log10(2 pi q sigma^2)
        d_log_i0 = jacobian[5]
        jacobian[2] -= d_log_i0 / (values["q"] * LN10)
        jacobian[4] -= d_log_i0 * (2.0 / (values["sigma"] * LN10))
        return jacobian

    def total_flux(self):
        """Total flux (image flux units): 10**flux."""
        return 10 ** self._values()["flux"]

    _profile_names = ("sigma", "flux")
    _brightness_from_flux = True

    @staticmethod
    def _log_shape(R, sigma):
        return -R**2 / (2.0 * sigma**2) / LN10

    @staticmethod
    def _shape_grids(profile):
        return {"sigma": size_grid(profile.half_light_radius / HALF_LIGHT_SIGMAS)}

    @staticmethod
    def _shape_defaults(profile):
        return {"sigma": profile.half_light_radius / HALF_LIGHT_SIGMAS}

    def _fixed_amplitude(self, values, q):
        return None  # the amplitude (central brightness) depends on sigma: fit it

    def _brightness(self, amplitude, values, q):
        return amplitude + math.log10(2 * math.pi * q * values["sigma"] ** 2)
