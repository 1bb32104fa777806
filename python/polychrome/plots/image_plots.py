"""Images on the sky plane: targets, models and residuals (matplotlib).

Each function takes (fig, ax, obj, ...) and draws on `ax`; for an image list
`ax` is an array of axes, one per image. Images are drawn in plane
coordinates (arcsec, origin lower) with pcolormesh on the pixel corners, so
rotated or sheared pixel grids appear as they lie on the sky; with
``axes="pixels"`` in the pixel indices of the whole image instead.
"""

import numpy as np


AXES = ("arcsec", "pixels")


def _check_axes(axes):
    if axes not in AXES:
        raise ValueError(f"axes must be one of {AXES}, got {axes!r}")


def _pixel_offset(image):
    """(x, y) of the image's pixel (0, 0) among the pixels of the image it was cut from
    (a window view, or a ModelImage of a window); (0, 0) for a whole image."""
    window = getattr(image, "source_window", None)
    if window is not None:
        base = window.image._offset
        return base[0] + window.x_start, base[1] + window.y_start
    return image._offset


def _to_axes(image, x, y, axes):
    """Pixel positions (x, y) of `image` as drawn: plane arcsec, or pixels of the whole image."""
    if axes == "pixels":
        ox, oy = _pixel_offset(image)
        return np.asarray(x, float) + ox, np.asarray(y, float) + oy
    px, py = image.pixel_to_plane_affine(x, y)
    return np.asarray(px), np.asarray(py)


def _corners(image, axes="arcsec"):
    """x, y of the pixel corners as drawn (see _to_axes), shape (ny+1, nx+1) each."""
    ny, nx = image.shape
    jj, ii = np.meshgrid(np.arange(nx + 1) - 0.5, np.arange(ny + 1) - 0.5)
    return _to_axes(image, jj, ii, axes)


def _as_list(obj):
    return list(obj) if hasattr(obj, "__len__") and not hasattr(obj, "shape") else [obj]


def _axes_for(ax, count):
    axes = np.atleast_1d(ax).ravel()
    if axes.size < count:
        raise ValueError(f"need {count} axes for {count} images, got {axes.size}")
    return axes


def _levels(values):
    """(median, robust noise, maximum) of the finite values; None when there are none."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    median = float(np.median(finite))
    return median, 1.4826 * float(np.median(np.abs(finite - median))), float(finite.max())


STRETCHES = ("asinh", "log", "linear")


def _check_stretch(stretch):
    if stretch not in STRETCHES:
        raise ValueError(f"stretch must be one of {STRETCHES}, got {stretch!r}")


def _stretch_norm(values, stretch, linear_fraction=0.02):
    """The colour normalisation of a stretch: asinh (linear over the noise, to the peak), log
    (from the noise level above the median to the peak) or linear (median - 3 noise to the peak)."""
    from matplotlib.colors import AsinhNorm, LogNorm, Normalize

    levels = _levels(values)
    if levels is None:
        return AsinhNorm() if stretch == "asinh" else Normalize()
    median, noise, peak = levels
    if stretch == "asinh":
        width = max(noise, linear_fraction * (peak - median), 1e-30)
        return AsinhNorm(linear_width=width, vmin=median - 3 * noise, vmax=peak)
    if stretch == "linear":
        return Normalize(vmin=median - 3 * noise, vmax=peak)
    floor = median + noise if median + noise > 0 else 1e-3 * peak
    floor = floor if 0 < floor < peak else max(peak, 1e-300) * 1e-3
    return LogNorm(vmin=floor, vmax=max(peak, floor * 10), clip=True)


def _draw(fig, ax, image, values, norm, cmap, label, colorbar, axes="arcsec"):
    x, y = _corners(image, axes)
    mesh = ax.pcolormesh(x, y, values, norm=norm, cmap=cmap, shading="flat")
    ax.set_aspect("equal")
    unit = "arcsec" if axes == "arcsec" else "pixel"
    ax.set_xlabel(f"x [{unit}]")
    ax.set_ylabel(f"y [{unit}]")
    if colorbar:
        fig.colorbar(mesh, ax=ax, label=label)
    return mesh


def target_image(fig, ax, target, cmap="gray_r", colorbar=False, axes="arcsec", stretch="asinh"):
    """Draw a target (or each image of a target list); masked pixels are left
    blank. axes: "arcsec" (plane coordinates) or "pixels" (pixel indices of
    the whole image, pixel centres at integers). stretch: "asinh" (default),
    "log" or "linear"."""
    _check_axes(axes)
    _check_stretch(stretch)
    images = _as_list(target)
    axs = _axes_for(ax, len(images))
    meshes = []
    for a, image in zip(axs, images):
        values = np.where(image.mask, np.nan, image.data)
        meshes.append(_draw(fig, a, image, values, _stretch_norm(values, stretch), cmap, "flux / pixel",
                            colorbar, axes))
    return meshes


def model_image(fig, ax, model, cmap="inferno", colorbar=True, axes="arcsec", stretch="asinh"):
    """Draw a model image (a ModelImage, a list of them, or anything with
    .sample() returning those); axes and stretch as in target_image."""
    _check_axes(axes)
    _check_stretch(stretch)
    sampled = model.sample() if hasattr(model, "sample") else model
    images = _as_list(sampled)
    axs = _axes_for(ax, len(images))
    return [_draw(fig, a, image, image.data, _stretch_norm(image.data, stretch), cmap, "flux / pixel",
                  colorbar, axes) for a, image in zip(axs, images)]


def residual_image(fig, ax, model, target=None, normalize_residuals=True, cmap="RdBu_r", colorbar=True,
                   axes="arcsec"):
    """Draw (data - model) on the model's window(s), divided by sigma when
    `normalize_residuals`, with a colour scale symmetric about zero (at least
    the largest |value| of 99% of the unmasked pixels).

    model: a Model (sampled here), or model images (a ModelImage, a list of
    them, or arrays the shape of the target). target: the image(s) the model
    is compared with, default ``model.target``. The AutoProf call
    ``residual_image(fig, ax, model, normalize_residuals=True)`` works, and
    so does the order (target, model). axes as in target_image.
    """
    from matplotlib.colors import Normalize

    _check_axes(axes)
    if _is_target(model):
        model, target = target, model
    if target is None:
        if not hasattr(model, "target"):
            raise ValueError("residual_image: give the target when the model is an image, not a Model")
        target = model.target
    targets, models = _as_list(target), _as_list(model.sample() if hasattr(model, "sample") else model)
    if len(targets) != len(models):
        raise ValueError(f"{len(targets)} targets but {len(models)} model images")
    axs = _axes_for(ax, len(targets))
    meshes = []
    for a, t, m in zip(axs, targets, models):
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
        meshes.append(_draw(fig, a, t, values, Normalize(-limit, limit), cmap, label, colorbar, axes))
    return meshes


def _is_target(obj):
    from ..image import TargetImage, TargetImageList

    return isinstance(obj, (TargetImage, TargetImageList))


def model_window(fig, ax, model, windows=None, color="tab:red", axes="arcsec"):
    """Outline windows on their target images.

    ``model_window(fig, ax, model)`` (the AutoProf call) draws the model's
    target(s) and the window of every component on them.
    ``model_window(fig, ax, target, windows)`` outlines ``windows`` (a
    Window, a WindowList, or one list per target image) on a target already
    drawn by target_image (with the same ``axes``). Returns the rectangles
    (matplotlib Polygons).
    """
    from matplotlib.patches import Polygon

    _check_axes(axes)
    if windows is None:
        if not hasattr(model, "components"):
            raise ValueError("model_window: give the windows when the third argument is not a Model")
        images = model.targets
        windows = [[c.window for c in model.components() if c.target is image] for image in images]
        target_image(fig, ax, images if len(images) > 1 else images[0], axes=axes)
    else:
        images = _as_list(model)
    axs = _axes_for(ax, len(images))
    per_image = _as_list(windows)
    if len(images) == 1 and len(per_image) > 1 and not isinstance(per_image[0], (list, tuple)):
        per_image = [per_image]
    patches = []
    for a, image, group in zip(axs, images, per_image):
        for window in _as_list(group):
            (x0, x1), (y0, y1) = window.pixel_bounds
            corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float) - 0.5
            px, py = _to_axes(image, corners[:, 0], corners[:, 1], axes)
            patch = Polygon(np.column_stack([px, py]), closed=True, fill=False, edgecolor=color)
            a.add_patch(patch)
            patches.append(patch)
    return patches
