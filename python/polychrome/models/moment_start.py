"""The start shared by the models initialised from the light's moments (multi-Gaussian
expansion, Gaussian ellipsoid): centre, flux and the second moments, less the PSF's."""

import dataclasses

import numpy as np

from .initialization import WindowPixels, centroid, deconvolved_shape, psf_covariance, shape_moments


@dataclasses.dataclass
class MomentStart:
    """What the data say of a source on a model's window (sky-subtracted by the border's level).

    ``pixels`` (WindowPixels), ``flux`` (sky-subtracted flux per unmasked pixel), ``center``
    [x, y] arcsec (the given one, else the iterated centroid), ``q``, ``PA`` (rad) and
    ``sigma_major`` (arcsec) of the second moments (less the PSF's with psf_mode "full"),
    ``total`` (the sky-subtracted flux of the window, at least the summed noise: positive).
    """

    pixels: WindowPixels
    flux: np.ndarray
    center: np.ndarray
    q: float
    PA: float
    sigma_major: float
    total: float


def moment_start(model, foreground=None, given_center=None):
    """The MomentStart of ``model`` on its initialization window (``foreground``, flux per pixel
    on the window, subtracted first: neighbours already initialised)."""
    pixels = WindowPixels(model, foreground)
    sky, _ = pixels.border_level()
    flux = pixels.values - sky
    center = np.asarray(given_center, float) if given_center is not None else centroid(pixels, flux)
    q, PA, sigma_major = shape_moments(pixels, flux, center)
    if model._uses_psf():
        q, PA, sigma_major = deconvolved_shape(q, PA, sigma_major, psf_covariance(model.target), pixels.pixel)
    noise = float(np.sqrt(np.sum(pixels.variance)))
    total = max(float(np.sum(flux)), noise, 1e-30)
    return MomentStart(pixels, flux, center, float(q), float(PA), float(sigma_major), total)
