"""Conversions between pixel and tangent-plane coordinates (arcsec)."""

import math

import numpy as np

from .arguments import check_numeric


def pixelscale_matrix(pixelscale):
    """Return the 2x2 pixel-scale matrix (arcsec/pixel) for a scalar or 2x2 input.

    A scalar ``s`` means square pixels aligned with the plane axes, ``s * I``.
    Column 0 of the matrix is the plane displacement of one pixel step in x
    (column index), column 1 that of one step in y (row index).
    """
    check_numeric(pixelscale, "pixelscale", "a number or a 2x2 matrix of numbers (arcsec per pixel)")
    if isinstance(pixelscale, (int, float)):  # fast path for the common case
        scale = float(pixelscale)
        if not (scale > 0 and scale != float("inf")):
            raise ValueError(f"pixelscale must be a positive finite number, got {scale!r}")
        return np.array([[scale, 0.0], [0.0, scale]])
    p = np.asarray(pixelscale, dtype=float)
    if p.ndim == 0:
        if not np.isfinite(p) or p <= 0:
            raise ValueError(f"pixelscale must be a positive finite number, got {float(p)!r}")
        return float(p) * np.eye(2)
    if p.shape != (2, 2):
        raise ValueError(f"pixelscale must be a scalar or a 2x2 matrix, got shape {p.shape}")
    # the four entries as Python floats (the same products as numpy's; its calls cost more than
    # the checks of four numbers, and a grid's matrix is checked at every renderer made)
    (a, b), (c, d) = p.tolist()
    if not all(map(math.isfinite, (a, b, c, d))):
        raise ValueError("pixelscale matrix must be finite")
    if a * d - b * c == 0:
        raise ValueError("pixelscale matrix must be non-singular")
    return p.copy()
