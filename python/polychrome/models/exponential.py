"""The exponential-disk galaxy model (a Sersic with n = 1)."""

from .galaxy_model import GEOMETRY_SPECS, GalaxyModel
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .registry import register
from .sersic import sersic_log_shape, sersic_total_flux, size_grid


@register
class ExponentialGalaxy(GalaxyModel):
    """I(R) = 10**Ie exp(-b_1 (R/Re - 1)) on elliptical radius R (b_1 ~ 1.678).

    Parameters, in order: ``center`` [x, y] arcsec, ``q``, ``PA`` rad,
    ``Re`` (semi-major half-light radius, arcsec, > 0), ``Ie`` (log10
    surface brightness at Re, flux/arcsec^2).
    """

    model_type = "exponential galaxy model"
    profile = "exponential"
    parameter_specs = GEOMETRY_SPECS + (
        ParameterSpec("Re", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("Ie", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS),
    )

    def total_flux(self):
        """Analytic total flux (image flux units), integrated to infinity."""
        v = self._values()
        return sersic_total_flux(1.0, v["Re"], v["Ie"], v["q"])

    _profile_names = ("Re", "Ie")

    @staticmethod
    def _log_shape(R, Re):
        return sersic_log_shape(R, 1.0, Re)

    @staticmethod
    def _shape_grids(profile):
        return {"Re": size_grid(profile.half_light_radius)}

    @staticmethod
    def _shape_defaults(profile):
        return {"Re": profile.half_light_radius}
