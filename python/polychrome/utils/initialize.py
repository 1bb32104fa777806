"""Helpers that build starting material for fits: analytic PSF images, and (from
segmentation_windows) windows, centroids and shapes from a segmentation map.

Both PSFs are *pixel-integrated* (each pixel holds the integral of the
profile over its area, not a point sample), centred on the central pixel,
truncated to ``width_pixels`` x ``width_pixels`` and normalised to sum 1.
"""

import math

import numpy as np

from .coordinates import pixelscale_matrix
from .segmentation_windows import (centroids_from_segmentation_map, filter_windows, scale_windows,  # noqa: F401
                                   segmentation_map, shapes_from_segmentation_map, windows_from_segmentation_map)

_GAUSS_LEGENDRE_ORDER = 8  # nodes per axis per (sub-)pixel for the Moffat quadrature


def _checked_width(width_pixels):
    if isinstance(width_pixels, bool) or not isinstance(width_pixels, (int, np.integer)):
        raise TypeError(f"width_pixels must be an odd positive integer, got {width_pixels!r}")
    if width_pixels < 1 or width_pixels % 2 == 0:
        raise ValueError(f"width_pixels must be an odd positive integer, got {width_pixels}")
    return int(width_pixels)


def _checked_positive(value, name):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return value


def _gaussian_interval(a, b):
    """Integral of the unit normal density between a*sqrt(2) and b*sqrt(2), a < b.

    Uses erfc on the tails so that far-wing pixels keep their relative precision.
    """
    if a >= 0:
        return 0.5 * (math.erfc(a) - math.erfc(b))
    if b <= 0:
        return 0.5 * (math.erfc(-b) - math.erfc(-a))
    return 0.5 * (math.erf(b) - math.erf(a))


def gaussian_psf(sigma_arcsec, width_pixels, pixelscale):
    """A circular Gaussian PSF integrated exactly over each pixel (error function).

    Parameters
    ----------
    sigma_arcsec : float
        Gaussian standard deviation, arcsec (FWHM = 2.3548 sigma).
    width_pixels : int
        Odd side length of the returned array, pixels.
    pixelscale : float or 2x2 array
        Arcsec per pixel; a matrix must have orthogonal columns (rotated or
        flipped rectangular pixels), since the pixel integral is separable
        only then.

    Returns
    -------
    numpy.ndarray, shape (width_pixels, width_pixels)
        Summing to 1; each pixel exact to floating-point rounding (relative
        precision kept in the far wings by using erfc there).
    """
    sigma = _checked_positive(sigma_arcsec, "sigma_arcsec")
    width = _checked_width(width_pixels)
    matrix = pixelscale_matrix(pixelscale)
    column_x, column_y = matrix[:, 0], matrix[:, 1]
    if abs(column_x @ column_y) > 1e-12 * np.linalg.norm(column_x) * np.linalg.norm(column_y):
        raise ValueError("pixelscale must have orthogonal columns for gaussian_psf "
                         f"(rectangular pixels), got {matrix.tolist()}")
    edges = np.arange(width + 1) - width / 2.0  # pixel edges, pixels from the centre

    def pixel_fractions(step):
        scaled = edges * step / (math.sqrt(2.0) * sigma)
        return np.array([_gaussian_interval(a, b) for a, b in zip(scaled[:-1], scaled[1:])])

    psf = np.outer(pixel_fractions(np.linalg.norm(column_y)), pixel_fractions(np.linalg.norm(column_x)))
    return psf / psf.sum()


def _moffat_pixel_integrals(n, rd, matrix, offset_x, offset_y, subdivisions):
    """Integrals of (1 + (r/Rd)^2)^-n over the pixels centred at pixel offsets (offset_x, offset_y).

    Each pixel is split into subdivisions x subdivisions cells, each with an
    8 x 8 Gauss-Legendre rule; the integrals are in pixel-area units.
    """
    nodes, weights = np.polynomial.legendre.leggauss(_GAUSS_LEGENDRE_ORDER)
    cell = 1.0 / subdivisions
    starts = -0.5 + cell * np.arange(subdivisions)
    u = (starts[:, None] + 0.5 * cell * (nodes[None, :] + 1.0)).ravel()  # node positions within a pixel
    w = np.tile(0.5 * cell * weights, subdivisions)
    du, dv = np.meshgrid(u, u)  # du along x, dv along y
    weight = np.outer(w, w)
    values = np.empty(len(offset_x))
    for k, (ox, oy) in enumerate(zip(offset_x, offset_y)):
        px = matrix[0, 0] * (ox + du) + matrix[0, 1] * (oy + dv)
        py = matrix[1, 0] * (ox + du) + matrix[1, 1] * (oy + dv)
        values[k] = np.sum(weight * (1.0 + (px * px + py * py) / (rd * rd)) ** (-n))
    return values


def moffat_psf(n, Rd_arcsec, width_pixels, pixelscale):
    """A circular Moffat PSF, (1 + (R/Rd)^2)^-n, integrated numerically over each pixel.

    Every pixel is integrated with an 8 x 8 Gauss-Legendre rule; the pixels
    within two pixels of the centre, where the profile bends fastest, are
    split into s x s cells (s chosen so that a cell is at most Rd/4 across,
    up to 64) each with the same rule. Against adaptive quadrature
    (scipy dblquad) every pixel agrees to better than 1e-10 relative for Rd
    from 0.1 to 4 pixels (tests/test_initialize.py).

    Parameters
    ----------
    n : float
        Moffat power index (> 0.5 so that the flux is finite).
    Rd_arcsec : float
        Moffat core radius, arcsec.
    width_pixels : int
        Odd side length of the returned array, pixels.
    pixelscale : float or 2x2 array
        Arcsec per pixel (any non-singular matrix).

    Returns
    -------
    numpy.ndarray, shape (width_pixels, width_pixels), summing to 1.
    """
    n = _checked_positive(n, "n")
    if n <= 0.5:
        raise ValueError(f"n must be > 0.5 for a Moffat profile of finite flux, got {n}")
    rd = _checked_positive(Rd_arcsec, "Rd_arcsec")
    width = _checked_width(width_pixels)
    matrix = pixelscale_matrix(pixelscale)
    half = width // 2
    oy, ox = np.indices((width, width)) - half
    psf = _moffat_pixel_integrals(n, rd, matrix, ox.ravel(), oy.ravel(), 1).reshape(width, width)
    core = (np.abs(ox) <= 2) & (np.abs(oy) <= 2)
    largest_step = np.linalg.norm(matrix, axis=0).max()
    subdivisions = int(min(64, max(1, np.ceil(4.0 * largest_step / rd))))
    if subdivisions > 1:
        psf[core] = _moffat_pixel_integrals(n, rd, matrix, ox[core], oy[core], subdivisions)
    return psf / psf.sum()
