"""Images on the sky plane: targets, models and residuals (matplotlib).

Each function takes (fig, ax, obj, ...) and draws on `ax`; for an image list
`ax` is an array of axes, one per image. Images are drawn in plane
coordinates (arcsec, origin lower) with pcolormesh on the pixel corners, so
rotated or sheared pixel grids appear as they lie on the sky.
"""

import numpy as np


def _corners(image):
    """Plane x, y (arcsec) of the pixel corners, shape (ny+1, nx+1) each."""
    ny, nx = image.shape
    jj, ii = np.meshgrid(np.arange(nx + 1) - 0.5, np.arange(ny + 1) - 0.5)
    x, y = image.pixel_to_plane_affine(jj, ii)
    return np.asarray(x), np.asarray(y)


def _as_list(obj):
    return list(obj) if hasattr(obj, "__len__") and not hasattr(obj, "shape") else [obj]


def _axes_for(ax, count):
    axes = np.atleast_1d(ax).ravel()
    if axes.size < count:
        raise ValueError(f"need {count} axes for {count} images, got {axes.size}")
    return axes


def _asinh_norm(values, linear_fraction=0.02):
    """An asinh stretch from the noise level (robust) to the maximum."""
    from matplotlib.colors import AsinhNorm

    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return AsinhNorm()
    noise = 1.4826 * np.median(np.abs(finite - np.median(finite)))
    peak = float(finite.max())
    width = max(noise, linear_fraction * (peak - float(np.median(finite))), 1e-30)
    return AsinhNorm(linear_width=width, vmin=float(np.median(finite)) - 3 * noise, vmax=peak)


def _draw(fig, ax, image, values, norm, cmap, label, colorbar):
    x, y = _corners(image)
    mesh = ax.pcolormesh(x, y, values, norm=norm, cmap=cmap, shading="flat")
    ax.set_aspect("equal")
    ax.set_xlabel("x [arcsec]")
    ax.set_ylabel("y [arcsec]")
    if colorbar:
        fig.colorbar(mesh, ax=ax, label=label)
    return mesh


def target_image(fig, ax, target, cmap="gray_r", colorbar=False):
    """Draw a target (or each image of a target list) with an asinh stretch;
    masked pixels are left blank."""
    images = _as_list(target)
    axes = _axes_for(ax, len(images))
    meshes = []
    for a, image in zip(axes, images):
        values = np.where(image.mask, np.nan, image.data)
        meshes.append(_draw(fig, a, image, values, _asinh_norm(values), cmap, "flux / pixel", colorbar))
    return meshes


def model_image(fig, ax, model, cmap="inferno", colorbar=True):
    """Draw a model image (a ModelImage, a list of them, or anything with
    .sample() returning those) with an asinh stretch."""
    sampled = model.sample() if hasattr(model, "sample") else model
    images = _as_list(sampled)
    axes = _axes_for(ax, len(images))
    return [_draw(fig, a, image, image.data, _asinh_norm(image.data), cmap, "flux / pixel", colorbar)
            for a, image in zip(axes, images)]


def residual_image(fig, ax, target, model, normalized=True, cmap="RdBu_r", colorbar=True):
    """Draw (data - model), divided by sigma when `normalized`, with a colour
    scale symmetric about zero (+-3 x the robust scatter, at least the
    largest |value| of 99% of pixels). target and model: an image and its
    model image (or lists of them, same order and shapes)."""
    from matplotlib.colors import Normalize

    targets, models = _as_list(target), _as_list(model.sample() if hasattr(model, "sample") else model)
    if len(targets) != len(models):
        raise ValueError(f"{len(targets)} targets but {len(models)} model images")
    axes = _axes_for(ax, len(targets))
    meshes = []
    for a, t, m in zip(axes, targets, models):
        values = t.data - np.asarray(getattr(m, "data", m))
        if normalized:
            values = values / np.sqrt(t.variance)
        values = np.where(t.mask, np.nan, values)
        finite = np.abs(values[np.isfinite(values)])
        limit = float(np.quantile(finite, 0.99)) if finite.size else 1.0
        limit = limit if limit > 0 else 1.0
        label = "(data - model) / sigma" if normalized else "data - model"
        meshes.append(_draw(fig, a, t, values, Normalize(-limit, limit), cmap, label, colorbar))
    return meshes


def model_window(fig, ax, target, windows, color="tab:red"):
    """Outline windows (a Window, a WindowList, or one list per target image)
    on a target drawn by target_image."""
    from matplotlib.patches import Polygon

    images = _as_list(target)
    axes = _axes_for(ax, len(images))
    per_image = _as_list(windows)
    if len(images) == 1 and len(per_image) > 1 and not isinstance(per_image[0], (list, tuple)):
        per_image = [per_image]
    patches = []
    for a, image, group in zip(axes, images, per_image):
        for window in _as_list(group):
            (x0, x1), (y0, y1) = window.pixel_bounds
            corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float) - 0.5
            px, py = image.pixel_to_plane_affine(corners[:, 0], corners[:, 1])
            patch = Polygon(np.column_stack([px, py]), closed=True, fill=False, edgecolor=color)
            a.add_patch(patch)
            patches.append(patch)
    return patches
