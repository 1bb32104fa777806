"""Window: a rectangular box of pixels of one image."""

import math

import numpy as np


def _as_bound(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise TypeError(f"{name} must be an integer pixel index, got {value!r}")
    return int(value)


def as_pixel_bounds(pixel_bounds):
    """``[[x_start, x_stop], [y_start, y_stop]]`` as integers with start < stop, or ValueError/TypeError."""
    try:
        (x0, x1), (y0, y1) = pixel_bounds
    except (TypeError, ValueError):
        raise ValueError("pixel_bounds must be [[x_start, x_stop], [y_start, y_stop]], "
                         f"got {pixel_bounds!r}") from None
    x0, x1 = _as_bound(x0, "pixel_bounds x_start"), _as_bound(x1, "pixel_bounds x_stop")
    y0, y1 = _as_bound(y0, "pixel_bounds y_start"), _as_bound(y1, "pixel_bounds y_stop")
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"pixel_bounds must have start < stop on both axes, got {pixel_bounds!r}")
    return [[x0, x1], [y0, y1]]


class Window:
    """A box of pixels ``[x_start, x_stop) x [y_start, y_stop)`` of one image, clipped to it.

    Parameters
    ----------
    image : Image
        The image the box belongs to.
    pixel_bounds : [[x_start, x_stop], [y_start, y_stop]], optional
        Pixel indices (column range, row range), stop excluded, as in
        AutoProf/AstroPhot windows. Parts outside the image are clipped
        away; a box wholly outside raises ValueError. Default: the whole image.
    """

    def __init__(self, image, pixel_bounds=None):
        ny, nx = image.shape
        if pixel_bounds is None:  # the whole image (never empty): nothing to check or clip
            self.image = image
            self.x_start, self.x_stop, self.y_start, self.y_stop = 0, nx, 0, ny
            return
        (x0, x1), (y0, y1) = as_pixel_bounds(pixel_bounds)
        if x1 <= 0 or y1 <= 0 or x0 >= nx or y0 >= ny:
            raise ValueError(f"window {[[x0, x1], [y0, y1]]} lies wholly outside the image of "
                             f"shape (ny, nx) = {(ny, nx)}")
        self.image = image
        self.x_start, self.x_stop = max(x0, 0), min(x1, nx)
        self.y_start, self.y_stop = max(y0, 0), min(y1, ny)

    @classmethod
    def from_plane_box(cls, image, x_range, y_range):
        """The smallest window holding every pixel that overlaps a box on the plane.

        ``x_range`` and ``y_range`` are (min, max) plane coordinates in
        arcsec. The box's corners are mapped to pixels exactly (through the
        WCS for WCS images); the window is clipped to the image.
        """
        try:
            xa, xb = (float(v) for v in x_range)
            ya, yb = (float(v) for v in y_range)
        except (TypeError, ValueError):
            raise ValueError(f"x_range and y_range must be (min, max) pairs in arcsec, "
                             f"got {x_range!r}, {y_range!r}") from None
        if not all(np.isfinite([xa, xb, ya, yb])) or xb <= xa or yb <= ya:
            raise ValueError(f"x_range and y_range must be finite with min < max, got {x_range!r}, {y_range!r}")
        px, py = image.plane_to_pixel(np.array([xa, xb, xa, xb]), np.array([ya, ya, yb, yb]))
        bounds = [[math.floor(px.min() + 0.5), math.ceil(px.max() + 0.5)],
                  [math.floor(py.min() + 0.5), math.ceil(py.max() + 0.5)]]
        bounds = [[lo, max(hi, lo + 1)] for lo, hi in bounds]
        return cls(image, bounds)

    @property
    def pixel_bounds(self):
        """[[x_start, x_stop], [y_start, y_stop]] pixel indices, stop excluded."""
        return [[self.x_start, self.x_stop], [self.y_start, self.y_stop]]

    @property
    def shape(self):
        """(ny, nx) of the box, pixels."""
        return (self.y_stop - self.y_start, self.x_stop - self.x_start)

    @property
    def slices(self):
        """(row slice, column slice) selecting the box from the image's arrays."""
        return (slice(self.y_start, self.y_stop), slice(self.x_start, self.x_stop))

    @property
    def origin(self):
        """Plane position (arcsec) of the outer corner of the box's first pixel."""
        return self.image.origin + self.image.pixelscale @ np.array([self.x_start, self.y_start], float)

    def union(self, other):
        """The smallest window of the same image holding this window and ``other``."""
        self._check_same_image(other)
        return Window(self.image, [[min(self.x_start, other.x_start), max(self.x_stop, other.x_stop)],
                                   [min(self.y_start, other.y_start), max(self.y_stop, other.y_stop)]])

    def grown(self, pixels):
        """This window enlarged by ``pixels`` (int >= 0) on every side, clipped to the image."""
        pixels = _as_bound(pixels, "pixels")
        if pixels < 0:
            raise ValueError(f"pixels must be >= 0, got {pixels}")
        return Window(self.image, [[self.x_start - pixels, self.x_stop + pixels],
                                   [self.y_start - pixels, self.y_stop + pixels]])

    def _check_same_image(self, other):
        if not isinstance(other, Window):
            raise TypeError(f"expected a Window, got {type(other).__name__}")
        if other.image is not self.image:
            raise ValueError("the two windows belong to different images")

    def __or__(self, other):
        return self.union(other)

    def __eq__(self, other):
        return (isinstance(other, Window) and other.image is self.image
                and other.pixel_bounds == self.pixel_bounds)

    def __hash__(self):
        return hash((id(self.image), self.x_start, self.x_stop, self.y_start, self.y_stop))

    def __repr__(self):
        return f"Window({self.pixel_bounds}, image shape={self.image.shape})"
