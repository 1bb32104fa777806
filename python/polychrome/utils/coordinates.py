"""Conversions between pixel and tangent-plane coordinates (arcsec)."""

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
    if not np.all(np.isfinite(p)):
        raise ValueError("pixelscale matrix must be finite")
    if p[0, 0] * p[1, 1] - p[0, 1] * p[1, 0] == 0:
        raise ValueError("pixelscale matrix must be non-singular")
    return p.copy()
