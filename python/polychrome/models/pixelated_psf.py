"""The pixelated PSF model (AutoProf's "pixelated psf model"): every PSF pixel free."""

import math

import numpy as np

from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, ParameterSpec
from .psf_model import PSFModel
from .registry import register

LN10 = math.log(10.0)
# initialize(): pixels without positive data start this far (dex) below the faintest positive one
EMPTY_PIXEL_DEX = 3.0


@register
class PixelatedPSF(PSFModel):
    """A PSF given pixel by pixel: pixel (i, j) holds 10**pixels[i, j] x the pixel area (flux).

    Parameter (AutoProf's name): ``pixels``, log10 of each pixel's surface
    brightness (flux/arcsec^2), one value per pixel of the window (shape
    (ny, nx), odd on both axes), each in [-100, 100]; so every pixel stays
    positive. With ``normalize_psf`` (default) the render is divided by its
    sum, so one direction (all pixels up by the same amount) has no effect:
    a fit reports it as unconstrained; set ``normalize_psf=False`` to fit a
    star's flux with it. ``initialize()`` takes the target's pixels (those
    without positive data 1000 times fainter than the faintest positive
    one; blank data give a flat PSF). No interpolation: the pixels are the PSF's.
    """

    model_type = "pixelated psf model"
    parameter_specs = (ParameterSpec("pixels", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS,
                                     shape=None),)

    def _attach(self, target, window):
        super()._attach(target, window)
        value = self.parameters["pixels"].value
        if value is not None and np.shape(value) != tuple(window.shape):
            raise ValueError(f"model {self.name!r}: pixels must have the window's shape {tuple(window.shape)} "
                             f"(one log10 surface brightness per PSF pixel), got {np.shape(value)}")

    def _parameter_shape(self, spec):
        return None if self._window_box is None else tuple(self._window_box.shape)

    def _raw(self, jacobian):
        pixels = np.asarray(self._values()["pixels"], float)
        image = self._target.pixel_area * 10.0 ** pixels
        if not jacobian:
            return image, None
        rows = np.zeros((image.size,) + image.shape)
        flat = np.arange(image.size)
        rows.reshape(image.size, -1)[flat, flat] = LN10 * image.ravel()
        return image, rows

    def initialize(self, foreground=None):
        if self.parameters["pixels"].value is not None:
            return self
        data = np.asarray(self._target[self._window_box].data, float) / self._target.pixel_area
        positive = data > 0
        if not positive.any():  # blank data: a flat PSF of unit sum
            self.parameters["pixels"].value = np.full(data.shape, -np.log10(data.size * self._target.pixel_area))
            return self
        floor = float(data[positive].min()) * 10.0 ** -EMPTY_PIXEL_DEX
        self.parameters["pixels"].value = np.log10(np.where(positive, data, floor))
        return self
