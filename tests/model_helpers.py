"""Helpers shared by the model tests: targets, centroids and finite-difference Jacobians."""

import numpy as np

import polychrome as pc
from polychrome.param import FreeParameters
from polychrome.utils.initialize import gaussian_psf


def make_target(shape=(64, 64), pixelscale=0.5, origin=(0.0, 0.0), psf_sigma=None, psf_width=15,
                psf_upsample=1):
    """A blank TargetImage; with ``psf_sigma`` (arcsec) a Gaussian PSF of ``psf_width`` pixels."""
    psf = None
    if psf_sigma is not None:
        psf = gaussian_psf(psf_sigma, psf_width, pixelscale / psf_upsample)
    return pc.image.TargetImage(np.zeros(shape), pixelscale=pixelscale, origin=origin, psf=psf,
                                psf_upsample=psf_upsample)


def centroid(model_image, near):
    """Flux-weighted mean plane position (arcsec) of a ModelImage.

    Moments are taken about ``near`` (arcsec) so that per-pixel errors are
    not amplified by large coordinates.
    """
    x, y = model_image.pixel_center_grid()
    data = model_image.data
    offset = np.array([np.sum((x - near[0]) * data), np.sum((y - near[1]) * data)]) / data.sum()
    return np.asarray(near, float) + offset


def data_of(sampled):
    """The pixel arrays of a ModelImage or ModelImageList, as a list."""
    return [sampled.data] if isinstance(sampled, pc.image.ModelImage) else [im.data for im in sampled]


def finite_difference_jacobian(model, step=1e-3):
    """Central differences of ``model.sample()`` with respect to its free quantities.

    Returns one array [n_free, ny, nx] per target. ``step`` is absolute (in
    each parameter's units): much smaller steps let the adaptive
    integration's subdivision choices (pixel jumps ~1e-8 relative) dominate.
    """
    free = FreeParameters(model.all_parameters())
    start = free.get_values()
    columns = []
    for k in range(free.size):
        h = step
        plus, minus = start.copy(), start.copy()
        plus[k] += h
        minus[k] -= h
        free.set_values(plus)
        up = data_of(model.sample())
        free.set_values(minus)
        down = data_of(model.sample())
        columns.append([(u - d) / (2 * h) for u, d in zip(up, down)])
    free.set_values(start)
    return [np.array([column[t] for column in columns]) for t in range(len(columns[0]))]
