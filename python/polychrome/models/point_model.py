"""The point model: a point source (star, quasar, supernova) shaped by the target's PSF."""

import math

import numpy as np

from ..point_source import point_source_image
from .automatic_window import point_bounds
from .component_model import ComponentModel
from .initialization import WindowPixels, centroid
from .live_psf import shifted_derivatives
from .parameter_spec import CENTER, LOG10_BRIGHTNESS_LIMITS, ParameterSpec
from .registry import register

LN10 = math.log(10.0)


@register
class PointModel(ComponentModel):
    """The target's PSF, scaled to a total flux and moved to a sub-pixel position.

    Parameters, in order: ``center`` [x, y] arcsec, ``flux`` (log10 of the
    total flux, image flux units). Needs a target with a PSF; psf_mode
    "full" only. The PSF is shifted by a Fourier phase shift (see
    :func:`polychrome.point_source_image`); light falling outside the window
    is lost.
    """

    model_type = "point model"
    parameter_specs = (CENTER, ParameterSpec("flux", "log10(flux)", limits=LOG10_BRIGHTNESS_LIMITS))
    psf_modes = ("full",)

    def _attach(self, target, window):
        if not self._has_psf_on(target):
            raise ValueError(f"model {self.name!r}: a point model needs a target with a psf (or a psf of its own)")

    def total_flux(self):
        """Total flux (image flux units): 10**flux."""
        return 10 ** self._values()["flux"]

    def _needed_bounds(self):
        values = self._values()
        flux = 10 ** values["flux"]
        return point_bounds(self._target, values["center"], flux, self._psf_image().extent,
                            lambda window: self._image_on(window, values["center"], flux, False))

    def _image_on(self, window, center, flux, jacobian):
        """The point source's image (and Jacobian) on ``window``, a Window of the target."""
        return point_source_image(self._psf_image().point_source_renderer, window.shape, center, flux,
                                  psf_upsample=self._psf_upsample(), jacobian=jacobian,
                                  pixelscale=self._target.pixelscale, origin=window.origin)

    def _render(self, jacobian):
        values = self._values()
        flux = 10 ** values["flux"]
        result = self._image_on(self._window, values["center"], flux, jacobian)
        if not jacobian:
            return result, None
        image, jac = result
        jac[2] *= LN10 * flux  # d/d(log10 flux)
        if self._live_psf is not None:
            live = self._live_psf
            rows, count = live.free_rows()
            psf_rows = np.zeros((count,) + image.shape)
            if rows:
                psf_rows[rows] = shifted_derivatives(live.derivatives(), rows, self._window.shape, values["center"],
                                                     flux, self._target.pixelscale, self._window.origin,
                                                     self._psf_upsample())
            jac = np.concatenate([jac, psf_rows])
        return image, jac

    def initialize(self, foreground=None):
        """Set unset ``center`` (iterated centroid) and ``flux`` (log10 of the sky-subtracted window sum).

        The sky is the sigma-clipped median of the window border. A
        non-positive sum gives the flux of a one-sigma source (the summed
        noise) so that the start stays finite. The PSF is not used.
        ``foreground`` (flux per pixel on the window, optional) is subtracted
        from the data first (neighbours already initialised). A live PSF model's
        parameters without a value are initialised first (from its own target).
        """
        self._initialize_live_psf()
        pixels = WindowPixels(self, foreground)
        sky, _ = pixels.border_level()
        flux = pixels.values - sky
        if self.parameters["center"].value is None:
            self.parameters["center"].value = centroid(pixels, flux)
        if self.parameters["flux"].value is None:
            total = float(np.sum(flux))
            floor = max(math.sqrt(float(np.sum(pixels.variance))), 1e-30)
            self.parameters["flux"].value = math.log10(total if total > floor else floor)
        return self
