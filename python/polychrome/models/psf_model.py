"""PSFModel: the base of the PSF models ("gaussian psf model", ...), rendered centred on a PSF grid.

A PSF model's target is the image of a PSF: a PSFImage (taken as a target
image of variance 1 on the PSF's own grid), or a TargetImage holding a star
or a stack of stars with its variance. It renders on the target's whole
grid (an odd number of pixels on each axis; of an even-sized target, its
largest odd box from pixel (0, 0); or a given window), centred on the centre
of the window's central pixel, with no PSF of its own (psf_mode "none"), and like
AutoProf's PSF models it is normalised to unit sum over that grid (option
``normalize_psf``, default True); its amplitude parameter (``flux`` or
``I0``, AutoProf's names) then has no effect and is locked at 0 unless
given. It can be fitted to its target like any model, and be another
model's live PSF (``psf=`` of a galaxy or point model; see live_psf).
"""

import numpy as np

from ..image import PSFImage, TargetImage
from .component_model import ComponentModel
from .live_psf import normalised

LN10 = float(np.log(10.0))


def psf_target(psf):
    """A TargetImage of the PSFImage ``psf`` on its own grid (the centre of its central pixel at
    plane (0, 0)), variance 1."""
    return TargetImage(psf.data, pixelscale=psf.pixelscale, origin=psf.origin)


class PSFModel(ComponentModel):
    """Base of the PSF models. Subclasses set ``model_type``, ``parameter_specs``,
    ``_amplitude`` (the name of the amplitude parameter, locked at 0 unless given) and implement
    ``_raw(jacobian)``: the unnormalised render on the grid and, with ``jacobian``, its derivatives
    (one row per parameter element, in order)."""

    psf_modes = ("none",)
    options = {"normalize_psf": True}
    _amplitude = None

    def __init__(self, name=None, model_type=None, target=None, window=None, psf_mode=None,
                 parameters=None, **kwargs):
        super().__init__(name=name, model_type=model_type, target=target, window=window, psf_mode=psf_mode,
                         parameters=parameters, **kwargs)
        amplitude = self.parameters[self._amplitude] if self._amplitude else None
        if amplitude is not None and amplitude.value is None:
            amplitude.value = 0.0
            amplitude.locked = True

    def _check_options(self):
        if not isinstance(self.normalize_psf, (bool, np.bool_)):
            raise TypeError(f"model {self.name!r}: normalize_psf must be True or False, got {self.normalize_psf!r}")
        self.normalize_psf = bool(self.normalize_psf)

    @property
    def target(self):
        """The TargetImage holding the PSF (a PSFImage given is turned into one on its grid)."""
        return self._target

    @target.setter
    def target(self, target):
        if isinstance(target, PSFImage):
            target = psf_target(target)
        ComponentModel.target.fset(self, target)

    def _window_on(self, target, bounds):
        """The given window; without one the whole target when it is odd-sized, else its largest
        odd-sized box from pixel (0, 0) (a star cutout of even size loses its last row/column)."""
        if bounds is None:
            ny, nx = target.shape
            bounds = [[0, nx - 1 + nx % 2], [0, ny - 1 + ny % 2]]
        return super()._window_on(target, bounds)

    def _attach(self, target, window):
        if window.shape[0] % 2 == 0 or window.shape[1] % 2 == 0:
            raise ValueError(f"model {self.name!r}: a {self.model_type} renders on an odd number of pixels "
                             f"on each axis (its centre is the central pixel), got a window of {tuple(window.shape)}")

    @property
    def render_window(self):
        """The whole window: a PSF model always renders on all of its grid."""
        return self._window_box

    def psf_center(self):
        """Plane position (arcsec) of the centre of the window's central pixel: the PSF's centre."""
        (x0, x1), (y0, y1) = self._window_box.pixel_bounds
        x, y = self._target.pixel_to_plane((x0 + x1 - 1) / 2.0, (y0 + y1 - 1) / 2.0)
        return float(np.asarray(x)), float(np.asarray(y))

    def _grid(self):
        return {"pixelscale": self._target.pixelscale, "origin": self._window_box.origin}

    def _render(self, jacobian):
        self._values()
        raw, raw_jacobian = self._raw(jacobian)
        if not self.normalize_psf:
            return raw, raw_jacobian
        return normalised(raw, raw_jacobian)

    def normalised_psf(self, jacobian):
        """(P, dP or None): the render divided by its sum, and its derivatives (whatever
        ``normalize_psf``): what a model using this one as its PSF convolves with."""
        self._values()
        return normalised(*self._raw(jacobian))

    def _raw(self, jacobian):
        """(image, derivatives or None) of the un-normalised render on the PSF grid: each PSF type
        defines it (gaussian_psf.py, moffat_psf.py, airy_psf.py, pixelated_psf.py, eigen_psf.py)."""
        raise NotImplementedError(f"{type(self).__name__} defines no _raw(): a PSF type must render itself")

    def _data_fwhm(self):
        """The FWHM (arcsec) of the target's light: the diameter of the disc whose area is that of
        the pixels at or above half the brightest; one pixel without positive data."""
        data = np.asarray(self._target[self._window_box].data, float)
        pixel = float(np.sqrt(self._target.pixel_area))
        peak = float(data.max()) if data.size else 0.0
        if not peak > 0.0:
            return pixel
        area = np.count_nonzero(data >= 0.5 * peak) * self._target.pixel_area
        return max(2.0 * float(np.sqrt(area / np.pi)), pixel)

    def initialize(self, foreground=None):
        """Set the shape parameters that have no value from the FWHM of the target's light (see
        each type); the amplitude is 0 (locked) unless given."""
        return self
