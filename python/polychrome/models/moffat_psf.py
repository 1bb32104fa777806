"""The Moffat PSF model (AutoProf's "moffat psf model")."""

import math

from ..render import ProfileRenderer
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .psf_model import PSFModel
from .registry import register


@register
class MoffatPSF(PSFModel):
    """A circular Moffat PSF, I(R) = 10**I0 / (1 + (R/Rd)^2)^n, rendered by the core (pixel
    integrals to 1e-5 relative) centred on the PSF grid.

    Parameters (AutoProf's names), in order: ``n`` (power index, [0.1, 10];
    the flux is finite for n > 1), ``Rd`` (core radius, arcsec, [1e-6, 1e6];
    FWHM = 2 Rd sqrt(2^(1/n) - 1)), ``I0`` (log10 central surface brightness,
    flux/arcsec^2; 0 and locked by default: with ``normalize_psf`` the render
    sums to 1 over the grid whatever I0). ``initialize()`` sets n = 2.5 and Rd
    from the FWHM of the target's light (the diameter of the area above half
    its peak).
    """

    model_type = "moffat psf model"
    parameter_specs = (ParameterSpec("n", "", limits=(0.1, 10.0)),
                       ParameterSpec("Rd", "arcsec", limits=SIZE_LIMITS),
                       ParameterSpec("I0", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS))
    _amplitude = "I0"

    def _raw(self, jacobian):
        v = self._values()
        renderer = ProfileRenderer("moffat", self._window_box.shape, **self._grid())
        result = renderer([v["n"], v["Rd"], v["I0"]], self.psf_center(), 1.0, 0.0, jacobian)
        if not jacobian:
            return result, None
        image, core = result  # rows x, y, q, PA, n, Rd, I0
        return image, core[4:7].copy()

    def initialize(self, foreground=None):
        if self.parameters["n"].value is None:
            self.parameters["n"].value = 2.5
        if self.parameters["Rd"].value is None:
            n = float(self.parameters["n"].value)
            self.parameters["Rd"].value = self._data_fwhm() / (2.0 * math.sqrt(2.0 ** (1.0 / n) - 1.0))
        return self
