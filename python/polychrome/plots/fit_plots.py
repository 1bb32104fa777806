"""Plots of fit results: surface-brightness profiles and the covariance."""

import numpy as np


def _annulus_means(image, center, q, pa, edges):
    """Mean flux/arcsec^2 of `image` in elliptical annuli (semi-major radii
    `edges`, arcsec) about `center`; NaN where an annulus holds no pixel."""
    ny, nx = image.shape
    jj, ii = np.meshgrid(np.arange(nx), np.arange(ny))
    x, y = image.pixel_to_plane_affine(jj, ii)
    dx, dy = np.asarray(x) - center[0], np.asarray(y) - center[1]
    a = dx * np.cos(pa) + dy * np.sin(pa)
    b = -dx * np.sin(pa) + dy * np.cos(pa)
    radius = np.hypot(a, b / q)
    values = np.asarray(image.data, dtype=float) / image.pixel_area
    keep = ~np.asarray(getattr(image, "mask", np.zeros(image.shape, bool)), bool)
    which = np.digitize(radius[keep], edges) - 1
    sums = np.bincount(which[(which >= 0) & (which < len(edges) - 1)],
                       weights=values[keep][(which >= 0) & (which < len(edges) - 1)], minlength=len(edges) - 1)
    counts = np.bincount(which[(which >= 0) & (which < len(edges) - 1)], minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def radial_light_profile(fig, ax, model, bins=25, r_max=None):
    """Data and model mean surface brightness in elliptical annuli about a
    galaxy model's centre (its own q and PA), against semi-major radius
    (arcsec). In mag/arcsec^2 when the target has a zeropoint, else in
    flux/arcsec^2 (log scale). Returns the two line objects (data, model)."""
    center = np.asarray(model["center"].value, dtype=float)
    q, pa = float(model["q"].value), float(model["PA"].value)
    target = model.target[model.window]
    sampled = model.sample()
    scale = float(np.sqrt(abs(np.linalg.det(target.pixelscale))))
    r_max = r_max if r_max is not None else 0.5 * scale * max(target.shape)
    edges = np.geomspace(0.5 * scale, r_max, bins + 1)
    mid = np.sqrt(edges[:-1] * edges[1:])
    data = _annulus_means(target, center, q, pa, edges)
    fitted = _annulus_means(sampled, center, q, pa, edges)
    zeropoint = getattr(model.target, "zeropoint", None)
    if zeropoint is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            data, fitted = (zeropoint - 2.5 * np.log10(v) for v in (data, fitted))
        ax.invert_yaxis()
        ax.set_ylabel("surface brightness [mag/arcsec$^2$]")
    else:
        ax.set_yscale("log")
        ax.set_ylabel("surface brightness [flux/arcsec$^2$]")
    filled = np.isfinite(data) & np.isfinite(fitted)  # annuli narrower than a pixel may hold none
    (data_line,) = ax.plot(mid[filled], data[filled], "o", ms=3, label="data")
    (model_line,) = ax.plot(mid[filled], fitted[filled], "-", label="model")
    ax.set_xscale("log")
    ax.set_xlabel("semi-major radius [arcsec]")
    ax.legend()
    return data_line, model_line


def covariance_matrix(fig, ax, covariance, names, values=None, sigmas=(1.0, 2.0)):
    """Corner plot of a fit covariance: for each pair of parameters the
    1- and 2-sigma ellipses of their 2-D marginal, on a grid of axes
    (`ax`: an (n, n) array; n = len(names)); diagonal panels show the 1-D
    Gaussians. `values` centres the ellipses (default 0). Returns the
    number of ellipses drawn."""
    from matplotlib.patches import Ellipse

    covariance = np.asarray(covariance, dtype=float)
    n = len(names)
    if covariance.shape != (n, n):
        raise ValueError(f"covariance has shape {covariance.shape}, {n} names were given")
    axes = np.asarray(ax)
    if axes.shape != (n, n):
        raise ValueError(f"need an ({n}, {n}) array of axes, got shape {axes.shape}")
    centre = np.zeros(n) if values is None else np.asarray(values, dtype=float)
    width = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    drawn = 0
    for i in range(n):
        for j in range(n):
            a = axes[i, j]
            if j > i:
                a.set_visible(False)
                continue
            if i == j:
                grid = np.linspace(-4, 4, 200)
                a.plot(centre[i] + grid * width[i], np.exp(-0.5 * grid**2))
                a.set_yticks([])
            else:
                block = covariance[np.ix_([j, i], [j, i])]
                eigenvalues, eigenvectors = np.linalg.eigh(block)
                angle = np.degrees(np.arctan2(eigenvectors[1, -1], eigenvectors[0, -1]))
                for s in sigmas:  # Mahalanobis distance s: semi-axes s sqrt(eigenvalue)
                    a.add_patch(Ellipse((centre[j], centre[i]), 2 * s * np.sqrt(max(eigenvalues[-1], 0)),
                                        2 * s * np.sqrt(max(eigenvalues[0], 0)), angle=angle, fill=False))
                    drawn += 1
                a.set_xlim(centre[j] - 3 * width[j], centre[j] + 3 * width[j])
                a.set_ylim(centre[i] - 3 * width[i], centre[i] + 3 * width[i])
            if i == n - 1:
                a.set_xlabel(names[j])
            if j == 0 and i > 0:
                a.set_ylabel(names[i])
    return drawn
