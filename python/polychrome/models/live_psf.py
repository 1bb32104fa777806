"""Live PSFs: a model (a PSF model, or any component with an odd-sized window) used as another
model's PSF, its parameters fitted with that model's.

The PSF is the live model's render on its window, divided by its sum (so
that convolution conserves flux), centred on the window's central pixel. A
model made a live PSF without a psf_mode of its own renders without a PSF
(psf_mode "none"), as AutoProf's models do by default.
The Jacobian of a source convolved with it gains one row per parameter of the
PSF model, chained through the convolution:
d(P * M)/d theta = (dP/d theta) * M, with M the source's unconvolved light on
the window grown by the PSF's half-sizes (so light scattered in from outside
is counted) and dP/d theta the derivative of the normalised PSF,
(dR - P sum(dR)) / sum(R) for the raw render R. Those convolutions use the
core's PSF objects: a kernel K whose sum may vanish is convolved as
(K + s delta) minus s times the source (s = 2 sum |K|, so that the core's
PSF is clearly positive), which is exact linear algebra.
"""

import math

import numpy as np

from ..image import PSFImage
from ..point_source import point_source_image
from ..psf import PointSourceRenderer, PsfConvolver


def normalised(raw, raw_jacobian=None):
    """(P, dP): ``raw`` (ny, nx) divided by its sum and, with ``raw_jacobian`` (n, ny, nx), the
    derivatives of that ratio; ValueError when the sum is not positive."""
    total = float(np.sum(raw))
    if not total > 0.0:
        raise ValueError(f"a PSF model's render must have a positive sum to be normalised, got {total}")
    image = raw / total
    if raw_jacobian is None:
        return image, None
    sums = raw_jacobian.sum(axis=(1, 2))
    return image, (raw_jacobian - image[None] * sums[:, None, None]) / total


def checked_psf_upscale(value, owner):
    """AutoProf's ``psf_upscale`` as an int >= 1 (1.0 accepted); ValueError naming the model
    ``owner`` and the allowed values otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (number >= 1.0 and number == round(number) and number < 2**31):
        raise ValueError(f"model {owner!r}: psf_upscale must be a whole number >= 1 (how many PSF pixels per "
                         f"image pixel on each axis), got {value!r}")
    return int(number)


class LivePsf:
    """A model used as a PSF: ``image()`` (a PSFImage of the normalised render, kept while the
    parameters keep their values), ``derivatives()`` (one row per parameter of the model, in the
    order of ``jacobian_parameters()``) and ``upsample_for(target)``."""

    def __init__(self, model):
        from .component_model import ComponentModel

        if not isinstance(model, ComponentModel):
            raise TypeError(f"psf must be a PSF image or a component model (e.g. a 'moffat psf model'), "
                            f"got {type(model).__name__}")
        if getattr(model, "_live_psf", None) is not None:
            raise ValueError(f"psf: model {model.name!r} has a live psf of its own; a live PSF cannot be "
                             "convolved with another live PSF")
        # a PSF is not itself blurred: a model that would take its target's PSF by default (psf_mode
        # not given) renders without one from now on (as AutoProf's models do by default)
        if model._requested_psf_mode is None and "none" in model.psf_modes:
            model.psf_mode = "none"
        self.model = model
        self._image_key = self._jacobian_key = None

    def _grid_model(self):
        model = self.model
        if model.target is None:
            raise ValueError(f"live psf model {model.name!r} has no target: give it one (a PSFImage or "
                             "TargetImage whose grid, an odd number of pixels on each axis, is the PSF's)")
        shape = tuple(model.render_window.shape)
        if shape[0] % 2 == 0 or shape[1] % 2 == 0:
            raise ValueError(f"live psf model {model.name!r}: its window must have an odd number of pixels "
                             f"on each axis (the PSF's centre is its central pixel), got shape {shape}")
        return model

    def _key(self):
        return tuple(None if p.value is None else p.quantity.value.tobytes() for p in self.model.parameters)

    def _raw(self, jacobian):
        model = self._grid_model()
        if hasattr(model, "normalised_psf"):
            return model.normalised_psf(jacobian)
        raw, raw_jacobian = model._render(jacobian)
        return normalised(raw, raw_jacobian)

    def image(self):
        """The PSF now: a PSFImage (unit sum) on the live model's grid."""
        key = self._key()
        if key != self._image_key:
            data, _ = self._raw(False)
            self._image = PSFImage(data, pixelscale=self.model.target.pixelscale)
            self._image_key = key
        return self._image

    def derivatives(self):
        """d(normalised PSF)/d(parameter): (rows, ny, nx), one row per element of the live model's
        parameters (locked ones included)."""
        key = self._key()
        if key != self._jacobian_key:
            _, self._derivatives = self._raw(True)
            self._jacobian_key = key
        return self._derivatives

    def parameters(self):
        return list(self.model.parameters)

    def free_rows(self):
        """Indices of the derivative rows of unlocked parameters (the others are never used)."""
        rows, start = [], 0
        for parameter in self.model.parameters:
            if not parameter.locked:
                rows.extend(range(start, start + parameter.size))
            start += parameter.size
        return rows, start

    def upsample_for(self, target):
        """How many PSF pixels per pixel of ``target`` (an integer >= 1): the PSF grid must be the
        target's pixel-scale matrix divided by that integer (to 1e-3); ValueError otherwise."""
        fine = np.asarray(self._grid_model().target.pixelscale, float)
        coarse = np.asarray(target.pixelscale, float)
        k = max(1, int(round(np.linalg.norm(coarse) / np.linalg.norm(fine))))
        if np.linalg.norm(coarse / k - fine) > 1e-3 * np.linalg.norm(fine):
            raise ValueError(f"live psf model {self.model.name!r}: its pixelscale {fine.tolist()} must be the "
                             f"target's {coarse.tolist()} divided by an integer (psf_upsample)")
        upscale = getattr(self.model, "psf_upscale", None)
        if upscale is not None and upscale != k:
            raise ValueError(f"live psf model {self.model.name!r}: psf_upscale={upscale}, but its grid (its "
                             f"target's pixelscale {fine.tolist()}) is {k} pixel(s) per pixel of the image "
                             f"(pixelscale {coarse.tolist()}): a live PSF renders on its own target's grid, so "
                             f"give it a target (e.g. a PSFImage) of pixelscale image pixelscale / {upscale}")
        return k


def _kernel_and_offset(kernel):
    """(K + s delta as a positive-sum kernel, its sum, s) for a kernel K whose sum may vanish."""
    s = 2.0 * float(np.abs(kernel).sum())
    shifted = np.array(kernel, float)
    shifted[kernel.shape[0] // 2, kernel.shape[1] // 2] += s
    return shifted, float(shifted.sum()), s


def convolved_with_derivatives(padded, derivatives, rows, upsample):
    """[len(rows), wy, wx]: each derivative kernel ``derivatives[r]`` convolved with ``padded``
    (the source's light on the window grown by the kernels' half-sizes, fine pixels) and summed
    back ``upsample`` x ``upsample`` into the window's pixels."""
    ny, nx = derivatives.shape[1:]
    hy, hx = ny // 2, nx // 2
    wy, wx = padded.shape[0] - 2 * hy, padded.shape[1] - 2 * hx
    centre = padded[hy:hy + wy, hx:hx + wx]
    out = np.zeros((len(rows), wy // upsample, wx // upsample))
    for k, row in enumerate(rows):
        kernel = derivatives[row]
        if not np.any(kernel):
            continue
        positive, total, s = _kernel_and_offset(kernel)
        fine = total * PsfConvolver(positive).convolve(padded) - s * centre
        out[k] = fine.reshape(wy // upsample, upsample, wx // upsample, upsample).sum(axis=(1, 3))
    return out


def shifted_derivatives(derivatives, rows, shape, center, flux, pixelscale, origin, upsample):
    """[len(rows), ny, nx]: ``flux`` times each derivative kernel moved to ``center`` as a point
    source is (the same Fourier shift; see point_source_image), on a window of ``shape``."""
    grid = dict(pixelscale=pixelscale, origin=origin, psf_upsample=upsample)
    delta = np.zeros(derivatives.shape[1:])
    delta[delta.shape[0] // 2, delta.shape[1] // 2] = 1.0
    base = point_source_image(PointSourceRenderer(delta), shape, center, 1.0, **grid)
    out = np.zeros((len(rows),) + tuple(shape))
    for k, row in enumerate(rows):
        kernel = derivatives[row]
        if not np.any(kernel):
            continue
        positive, total, s = _kernel_and_offset(kernel)
        moved = point_source_image(PointSourceRenderer(positive), shape, center, 1.0, **grid)
        out[k] = flux * (total * moved - s * base)
    return out
