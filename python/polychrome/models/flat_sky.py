"""The flat sky model: a uniform background."""

import numpy as np

from .component_model import ComponentModel
from .initialization import WindowPixels
from .parameter_spec import LINEAR_SKY_LIMITS, ParameterSpec
from .registry import register


@register
class FlatSky(ComponentModel):
    """A constant surface brightness over the window.

    Parameter ``F``: the sky surface brightness, **linear** flux/arcsec^2
    (not log10: a background may be zero or negative after subtraction).
    Each pixel holds F times the pixel area. Sky models are not
    PSF-convolved (a unit-sum PSF leaves a constant unchanged): psf_mode
    "none" only.
    """

    model_type = "flat sky model"
    parameter_specs = (ParameterSpec("F", "flux/arcsec^2", limits=LINEAR_SKY_LIMITS),)
    psf_modes = ("none",)

    def _render(self, jacobian):
        area = self._target.pixel_area
        image = np.full(self._window.shape, self._values()["F"] * area)
        if not jacobian:
            return image, None
        return image, np.full((1,) + tuple(self._window.shape), area)

    def initialize(self, foreground=None):
        """Set ``F`` (when unset) to the sigma-clipped median of the window border, per arcsec^2
        (of the data less ``foreground``, flux per pixel on the window, when given)."""
        if self.parameters["F"].value is None:
            pixels = WindowPixels(self, foreground)
            self.parameters["F"].value = pixels.border_level()[0] / pixels.area
        return self
