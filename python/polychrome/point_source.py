"""Point sources: a flux at a sub-pixel position spread by the PSF."""

import numpy as np

from . import _core
from .psf import as_point_source_renderer, check_psf_upsample
from .utils.arguments import as_point, as_shape
from .utils.coordinates import pixelscale_matrix


def point_source_image(psf, shape, position, flux, *, pixelscale=1.0, origin=(0.0, 0.0),
                       psf_upsample=1, jacobian=False):
    """Image of a point source: ``flux`` times the PSF centred on ``position``.

    The PSF is moved to the sub-pixel position by a Fourier phase shift: the
    exact translation of its band-limited (trigonometric) interpolant. It is
    exact for a PSF that is Nyquist-sampled (spectrum negligible at half the
    sampling frequency) and negligible near its edges; the flux is conserved
    exactly (light that falls outside the image is lost); whole-pixel offsets
    return the PSF itself. An undersampled PSF rings at the level of its
    spectrum at the Nyquist frequency: give it finer, with ``psf_upsample``.

    Parameters
    ----------
    psf : 2D array or PointSourceRenderer
        PSF image, odd sizes, centre pixel ``(ny // 2, nx // 2)``; normalised
        to unit sum. Pass a :class:`polychrome.psf.PointSourceRenderer` to
        reuse its transform across calls.
    shape : (int, int)
        Image shape ``(ny, nx)``.
    position : (float, float)
        Plane position ``(x, y)`` of the source, arcsec.
    flux : float
        Total flux (image units, e.g. counts); the image sums to it when the
        PSF lies inside the image.
    pixelscale : float or 2x2 array
        Arcsec per pixel (matrix columns: steps in x and in y). Rotated and
        sheared pixels are accepted: the PSF is defined on the pixel grid, so
        it is shifted in pixel coordinates.
    origin : (float, float)
        Plane position (arcsec) of the outer corner of pixel (0, 0).
    psf_upsample : int
        The PSF's pixels are the image's divided by this (>= 1); the shifted
        PSF is summed over each image pixel's block.
    jacobian : bool
        Also return ``[d/dx, d/dy, d/dflux]`` of every pixel, shape
        ``(3, ny, nx)`` (position derivatives per arcsec).

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        Image ``[ny, nx]`` in flux per pixel, and with ``jacobian=True`` the
        Jacobian.
    """
    renderer = as_point_source_renderer(psf)
    k = check_psf_upsample(psf_upsample)
    flux = float(np.asarray(flux, dtype=float))
    return _core.point_source(renderer, as_shape(shape), as_point(origin, "origin"),
                              pixelscale_matrix(pixelscale), as_point(position, "position"),
                              flux, k, bool(jacobian))
