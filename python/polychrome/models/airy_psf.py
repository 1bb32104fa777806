"""The Airy PSF model (AutoProf's "airy psf model"): diffraction by a circular aperture."""

import numpy as np

from .. import _core
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, ParameterSpec
from .psf_model import PSFModel
from .registry import register

# FWHM of the Airy pattern times aRL: 1.029 lambda/D with lambda/D = 1/(2 aRL)
FWHM_TIMES_ARL = 0.5145
# error allowed per pixel, relative to the peak surface brightness times the pixel area
AIRY_TOLERANCE = 1e-10
ARL_LIMITS = (1e-6, 1e6)


@register
class AiryPSF(PSFModel):
    """The Airy pattern I(r) = 10**I0 [2 J1(x)/x]^2, x = 2 pi aRL r, centred on the PSF grid.

    Parameters (AutoProf's names and order): ``I0`` (log10 central surface
    brightness, flux/arcsec^2; 0 and locked by default: with
    ``normalize_psf`` the render sums to 1 over the grid whatever I0),
    ``aRL`` (a / (R lambda): aperture radius over focal distance times
    wavelength, 1/arcsec, in [1e-6, 1e6]; the first dark ring is at
    0.6098 / aRL arcsec = 1.22 lambda/D, the FWHM 0.5145 / aRL). Rendered by
    the core (``_core.render_airy``): tensor Gauss-Legendre per pixel, the
    order chosen from the pattern's band limit (2 aRL cycles/arcsec) so
    that every pixel is within 1e-10 of the peak times the pixel area of
    its exact integral; analytic derivatives (dJ1(x)/x / dx = -J2(x)/x).
    ``initialize()`` sets aRL = 0.5145 / FWHM of the target's light (the
    diameter of the area above half its peak).
    """

    model_type = "airy psf model"
    parameter_specs = (ParameterSpec("I0", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS),
                       ParameterSpec("aRL", "1/arcsec", limits=ARL_LIMITS))
    _amplitude = "I0"

    def _raw(self, jacobian):
        v = self._values()
        window = self._window_box
        result = _core.render_airy(tuple(window.shape), tuple(window.origin), np.asarray(self._target.pixelscale),
                                   self.psf_center(), float(v["aRL"]), float(v["I0"]), bool(jacobian),
                                   AIRY_TOLERANCE)
        if not jacobian:
            return result, None
        image, core = result  # rows aRL, I0
        return image, core[::-1].copy()

    def initialize(self, foreground=None):
        if self.parameters["aRL"].value is None:
            self.parameters["aRL"].value = FWHM_TIMES_ARL / self._data_fwhm()
        return self
