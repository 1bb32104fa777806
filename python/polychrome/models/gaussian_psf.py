"""The Gaussian PSF model (AutoProf's "gaussian psf model")."""

import math

from ..render import ProfileRenderer
from .gaussian import LN10
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .psf_model import PSFModel
from .registry import register


@register
class GaussianPSF(PSFModel):
    """A circular Gaussian PSF, I(R) = F exp(-R^2 / (2 sigma^2)) / (2 pi sigma^2), rendered by the
    core (pixel integrals to 1e-5 relative) centred on the PSF grid.

    Parameters (AutoProf's names), in order: ``sigma`` (standard deviation,
    arcsec, in [1e-6, 1e6]), ``flux`` (log10 of the total flux F; 0 and
    locked by default: with ``normalize_psf`` the render sums to 1 over the
    grid whatever F). ``initialize()`` sets sigma = FWHM / 2.3548 from the
    FWHM of the target's light (the diameter of the area above half its peak).
    """

    model_type = "gaussian psf model"
    parameter_specs = (ParameterSpec("sigma", "arcsec", limits=SIZE_LIMITS),
                       ParameterSpec("flux", "log10(flux)", limits=LOG10_BRIGHTNESS_LIMITS))
    _amplitude = "flux"

    def _raw(self, jacobian):
        v = self._values()
        sigma = v["sigma"]
        renderer = ProfileRenderer("gaussian", self._window_box.shape, **self._grid())
        log_i0 = v["flux"] - math.log10(2.0 * math.pi * sigma**2)
        result = renderer([sigma, log_i0], self.psf_center(), 1.0, 0.0, jacobian)
        if not jacobian:
            return result, None
        image, core = result  # rows x, y, q, PA, sigma, log10 I0
        rows = core[4:6].copy()
        rows[0] -= core[5] * (2.0 / (sigma * LN10))  # at fixed total flux
        return image, rows

    def initialize(self, foreground=None):
        if self.parameters["sigma"].value is None:
            self.parameters["sigma"].value = self._data_fwhm() / (2.0 * math.sqrt(2.0 * math.log(2.0)))
        return self
