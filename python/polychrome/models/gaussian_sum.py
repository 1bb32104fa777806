"""Sums of concentric elliptical Gaussians rendered by the core's Gaussian profile: the common
engine of the multi-Gaussian expansion and the Gaussian ellipsoid."""

import math

import numpy as np

from ..render import ProfileRenderer

LN10 = math.log(10.0)


class GaussianSum:
    """Renders sum_k F_k exp(-R_k^2 / (2 sigma_k^2)) / (2 pi q_k sigma_k^2) on one grid, R_k the
    elliptical radius of axis ratio q_k and angle PA_k about a shared centre.

    Each term is one render of the core's "gaussian" profile (same integration, same stated
    accuracy, PSF-convolved when a PSF is given); ``renderer_options`` are ProfileRenderer's
    grid and PSF arguments. A call returns the image (flux per pixel) and, with ``jacobian``,
    the derivatives ``[2 + 4 K, ny, nx]``: d/dx, d/dy of the centre (summed over the terms),
    then per term k the rows d/dq_k, d/dPA_k, d/dsigma_k and d/d(log10 F_k), d/dq_k and
    d/dsigma_k at fixed total flux F_k.
    """

    def __init__(self, shape, **renderer_options):
        self._renderer = ProfileRenderer("gaussian", shape, **renderer_options)

    def __call__(self, center, q, PA, sigma, log10_flux, jacobian=False):
        q, PA, sigma, log10_flux = (np.atleast_1d(np.asarray(v, float)) for v in (q, PA, sigma, log10_flux))
        image, rows = None, []
        centre_rows = None
        for qk, pk, sk, fk in zip(q, PA, sigma, log10_flux):
            log10_i0 = fk - math.log10(2.0 * math.pi * qk * sk * sk)
            result = self._renderer([sk, log10_i0], center, qk, pk, jacobian)
            term, core = result if jacobian else (result, None)
            image = term if image is None else image + term
            if not jacobian:
                continue
            # core rows: x, y, q, PA, sigma, log10 I0
            d_log_i0 = core[5]
            centre_rows = core[:2].copy() if centre_rows is None else centre_rows + core[:2]
            rows.append(np.stack([core[2] - d_log_i0 / (qk * LN10), core[3],
                                  core[4] - d_log_i0 * (2.0 / (sk * LN10)), d_log_i0]))
        if not jacobian:
            return image, None
        return image, np.concatenate([centre_rows] + rows, axis=0)
