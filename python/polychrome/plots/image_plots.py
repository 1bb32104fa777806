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


def residual_image(fig, ax, model, target=None, normalize_residuals=True, cmap="RdBu_r", colorbar=True):
    """Draw (data - model) on the model's window(s), divided by sigma when
    `normalize_residuals`, with a colour scale symmetric about zero (at least
    the largest |value| of 99% of the unmasked pixels).

    model: a Model (sampled here), or model images (a ModelImage, a list of
    them, or arrays the shape of the target). target: the image(s) the model
    is compared with, default ``model.target``. The AutoProf call
    ``residual_image(fig, ax, model, normalize_residuals=True)`` works, and
    so does the order (target, model).
    """
    from matplotlib.colors import Normalize

    if _is_target(model):
        model, target = target, model
    if target is None:
        if not hasattr(model, "target"):
            raise ValueError("residual_image: give the target when the model is an image, not a Model")
        target = model.target
    targets, models = _as_list(target), _as_list(model.sample() if hasattr(model, "sample") else model)
    if len(targets) != len(models):
        raise ValueError(f"{len(targets)} targets but {len(models)} model images")
    axes = _axes_for(ax, len(targets))
    meshes = []
    for a, t, m in zip(axes, targets, models):
        window = getattr(m, "source_window", None)
        if window is not None and window.image is t:
            t = t[window]
        values = t.data - np.asarray(getattr(m, "data", m))
        if normalize_residuals:
            values = values / np.sqrt(t.variance)
        values = np.where(t.mask, np.nan, values)
        finite = np.abs(values[np.isfinite(values)])
        limit = float(np.quantile(finite, 0.99)) if finite.size else 1.0
        limit = limit if limit > 0 else 1.0
        label = "(data - model) / sigma" if normalize_residuals else "data - model"
        meshes.append(_draw(fig, a, t, values, Normalize(-limit, limit), cmap, label, colorbar))
    return meshes


def _is_target(obj):
    from ..image import TargetImage, TargetImageList

    return isinstance(obj, (TargetImage, TargetImageList))


def model_window(fig, ax, model, windows=None, color="tab:red"):
    """Outline windows on their target images.

    ``model_window(fig, ax, model)`` (the AutoProf call) draws the model's
    target(s) and the window of every component on them.
    ``model_window(fig, ax, target, windows)`` outlines ``windows`` (a
    Window, a WindowList, or one list per target image) on a target already
    drawn by target_image. Returns the rectangles (matplotlib Polygons).
    """
    from matplotlib.patches import Polygon

    if windows is None:
        if not hasattr(model, "components"):
            raise ValueError("model_window: give the windows when the third argument is not a Model")
        images = model.targets
        windows = [[c.window for c in model.components() if c.target is image] for image in images]
        target_image(fig, ax, images if len(images) > 1 else images[0])
    else:
        images = _as_list(model)
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
