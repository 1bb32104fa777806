"""The window forms of AutoProf scripts, turned into polychrome's pixel bounds.

AutoProf 0.8 took a model window in two forms: ``[[x_start, x_stop],
[y_start, y_stop]]`` (pixel indices, as polychrome's) and a flat
``(x_min, x_max, y_min, y_max)``, a box on the plane in **arcsec** (the
GroupModels tutorial builds it as pixel numbers times the pixel scale).
Later AstroPhot versions read a flat four as pixel indices; where the two
readings differ and the arcsec one does not fit the image, the error says
so rather than guess.
"""

import numpy as np

from ..image import Window


def _is_flat_four(window):
    if isinstance(window, (Window, str)) or window is None:
        return False
    try:
        array = np.asarray(window, dtype=float)
    except (TypeError, ValueError):
        return False
    return array.shape == (4,)


def autoprof_window(window, target, model_name):
    """``window`` as polychrome takes it: a flat (x_min, x_max, y_min, y_max) arcsec box becomes the
    pixel bounds [[x0, x1], [y0, y1]] of the pixels it overlaps on ``target`` (clipped to the image);
    every other form is returned unchanged.

    Raises ValueError naming the model when the flat form comes without a
    target (arcsec need the image's plane), and when the box lies partly
    outside the image as arcsec while it would fit as pixel indices (the
    AstroPhot >= 0.15 reading): then give [[x0, x1], [y0, y1]] for pixels, or
    arcsec inside the image.
    """
    if not _is_flat_four(window):
        return window
    x_min, x_max, y_min, y_max = (float(v) for v in np.asarray(window, dtype=float))
    if target is None:
        raise ValueError(f"model {model_name!r}: window {list(np.asarray(window).tolist())} is AutoProf's "
                         "(x_min, x_max, y_min, y_max) box in arcsec, which needs the target to place it; give "
                         "target= with it, or pixel bounds [[x_start, x_stop], [y_start, y_stop]]")
    if not (x_max > x_min and y_max > y_min):
        raise ValueError(f"model {model_name!r}: window (x_min, x_max, y_min, y_max) in arcsec must have "
                         f"x_min < x_max and y_min < y_max, got {[x_min, x_max, y_min, y_max]}")
    xs, ys = (np.asarray(v, dtype=float) for v in target.plane_corners())
    lo, hi = (xs.min(), ys.min()), (xs.max(), ys.max())
    slack = 1e-9 * max(1.0, float(np.max(np.abs(np.concatenate([xs, ys])))))
    inside = (x_min >= lo[0] - slack and x_max <= hi[0] + slack and
              y_min >= lo[1] - slack and y_max <= hi[1] + slack)
    ny, nx = target.shape
    fits_as_pixels = 0 <= x_min < x_max <= nx and 0 <= y_min < y_max <= ny
    if not inside and fits_as_pixels and not np.allclose(target.pixelscale, np.eye(2)):
        raise ValueError(
            f"model {model_name!r}: window {[x_min, x_max, y_min, y_max]} is ambiguous: as AutoProf 0.8's "
            f"(x_min, x_max, y_min, y_max) in arcsec it reaches outside the image (plane x {lo[0]:.4g} to "
            f"{hi[0]:.4g}, y {lo[1]:.4g} to {hi[1]:.4g} arcsec), but it would fit as pixel indices; for pixels "
            "give [[x_start, x_stop], [y_start, y_stop]], for arcsec a box inside the image")
    try:
        return Window.from_plane_box(target, (x_min, x_max), (y_min, y_max)).pixel_bounds
    except ValueError as err:
        raise ValueError(f"model {model_name!r}: window (x_min, x_max, y_min, y_max) = "
                         f"{[x_min, x_max, y_min, y_max]} arcsec does not overlap the target: {err}") from None
