"""Zernike polynomials on a pixel grid: the default basis of the "basis psf model"."""

import math

import numpy as np

MAX_ZERNIKE_ORDER = 20


def zernike_indices(order):
    """[(n, m)] of every Zernike polynomial of radial degree n <= ``order`` (m = -n, -n + 2, ..., n),
    by n then m: (order + 1)(order + 2) / 2 of them."""
    return [(n, m) for n in range(order + 1) for m in range(-n, n + 1, 2)]


def zernike_radial(n, m, rho):
    """R_n^|m|(rho) = sum_k (-1)^k (n - k)! / (k! ((n + |m|)/2 - k)! ((n - |m|)/2 - k)!) rho^(n - 2k)."""
    m = abs(m)
    total = np.zeros_like(rho)
    for k in range((n - m) // 2 + 1):
        c = (-1) ** k * math.factorial(n - k) / (
            math.factorial(k) * math.factorial((n + m) // 2 - k) * math.factorial((n - m) // 2 - k))
        total = total + c * rho ** (n - 2 * k)
    return total


def zernike_basis(order, shape):
    """The Zernike polynomials of degree <= ``order`` (an integer in [0, 20]) at the pixel centres of a
    grid of ``shape`` (ny, nx): array (K, ny, nx), unnormalised (Z = R_n^|m|(rho) cos(m phi) for
    m >= 0, R_n^|m|(rho) sin(|m| phi) for m < 0), zero outside the unit disc. rho is the distance
    from the grid's centre in units of half the larger side (in pixels), phi the angle from +x
    (columns) towards +y (rows), as AstroPhot 0.18 lays them on its N x N PSF grids."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 0 <= order <= MAX_ZERNIKE_ORDER:
        raise ValueError(f"the Zernike order must be an integer in [0, {MAX_ZERNIKE_ORDER}], got {order!r}")
    ny, nx = shape
    half = 0.5 * max(ny, nx)
    y, x = np.mgrid[:ny, :nx].astype(float)
    x = (x - 0.5 * (nx - 1)) / half
    y = (y - 0.5 * (ny - 1)) / half
    rho, phi = np.hypot(x, y), np.arctan2(y, x)
    inside = rho <= 1.0
    images = []
    for n, m in zernike_indices(int(order)):
        angular = np.cos(m * phi) if m >= 0 else np.sin(-m * phi)
        images.append(np.where(inside, zernike_radial(n, m, rho) * angular, 0.0))
    return np.array(images)
