"""The base of every image: a 2-D array on a pixel grid placed on the tangent plane."""

import numpy as np

from ..utils.coordinates import pixelscale_matrix
from .array_checks import as_image_array
from .plane_mapping import PlaneMapping
from .tangent_plane import TangentPlane, as_celestial_wcs
from .window import Window


def resolve_mapping(shape, pixelscale, origin, wcs, reference_wcs):
    """Build the PlaneMapping of an image of ``shape`` (ny, nx) from its constructor arguments.

    Without ``wcs``: ``pixelscale`` (default 1.0 arcsec/pixel) and ``origin``
    (default (0, 0) arcsec). With ``wcs`` (astropy WCS or FITS header): the
    image is placed on the tangent plane of ``reference_wcs`` (a WCS, header
    or TangentPlane; default the image's own WCS) and pixelscale/origin come
    from the WCS: ``origin`` must not be given too, and a ``pixelscale``
    given too (as the AutoProf tutorial does) must agree with it to 1%.
    """
    if wcs is None:
        if reference_wcs is not None:
            raise ValueError("reference_wcs needs wcs: an image without WCS cannot be placed by one")
        return PlaneMapping(1.0 if pixelscale is None else pixelscale,
                            (0.0, 0.0) if origin is None else origin)
    if origin is not None:
        raise ValueError("give either wcs or origin, not both: with a WCS the origin comes from it")
    wcs = as_celestial_wcs(wcs, "wcs")
    if wcs.pixel_shape is not None and tuple(wcs.pixel_shape) != (shape[1], shape[0]):
        raise ValueError(f"wcs describes an image of (nx, ny) = {tuple(wcs.pixel_shape)} pixels but "
                         f"data has shape (ny, nx) = {tuple(shape)}")
    if reference_wcs is None or isinstance(reference_wcs, TangentPlane):
        plane = reference_wcs
    else:
        plane = TangentPlane(reference_wcs)
    mapping = PlaneMapping.from_wcs(wcs, shape, plane)
    if pixelscale is not None:
        _check_scale_agrees(pixelscale, mapping.pixelscale)
    return mapping


# Largest relative difference between a pixelscale given beside a WCS and the WCS's own.
_SCALE_AGREEMENT = 0.01


def _check_scale_agrees(pixelscale, wcs_matrix):
    """A pixelscale given beside a WCS (as the AutoProf tutorial does) must be the WCS's:
    a scalar its mean pixel size, sqrt|det|; a matrix the matrix itself, to 1%."""
    given = np.asarray(pixelscale, dtype=float)
    if given.ndim == 0:
        size = float(np.sqrt(abs(np.linalg.det(wcs_matrix))))
        if not abs(float(given) - size) <= _SCALE_AGREEMENT * size:
            raise ValueError(f"pixelscale {float(given)} arcsec disagrees with the wcs, whose pixels are "
                             f"{size:.6g} arcsec; leave pixelscale out (the WCS sets it)")
        return
    matrix = pixelscale_matrix(given)
    if not np.linalg.norm(matrix - wcs_matrix) <= _SCALE_AGREEMENT * np.linalg.norm(wcs_matrix):
        raise ValueError(f"pixelscale {matrix.tolist()} disagrees with the wcs's {wcs_matrix.tolist()} "
                         "(arcsec per pixel); leave pixelscale out (the WCS sets it)")


class Image:
    """A 2-D image ``data[y, x]`` with its map to the tangent plane (arcsec).

    Parameters
    ----------
    data : array-like, 2-D
        Pixel values, ``data[y, x]`` (stored as a float64 copy).
    pixelscale : float or 2x2 array, optional
        Arcsec per pixel (default 1.0); matrix columns are the plane
        displacement of one step in x and in y. With ``wcs`` it comes
        from the WCS; one given too must agree with it to 1%.
    origin : (float, float), optional
        Plane position (arcsec) of the outer corner of pixel (0, 0), default
        (0, 0). Not with ``wcs``.
    wcs : astropy.wcs.WCS or astropy.io.fits.Header, optional
        Celestial WCS of the image; pixelscale and origin then come from it.
    reference_wcs : astropy.wcs.WCS, FITS header or TangentPlane, optional
        Whose tangent plane the image is placed on (default: its own WCS).
    """

    def __init__(self, data, pixelscale=None, origin=None, wcs=None, reference_wcs=None):
        data = as_image_array(data, "data")
        self._set_grid(data, resolve_mapping(data.shape, pixelscale, origin, wcs, reference_wcs))

    def _set_grid(self, data, mapping, root=None, offset=(0, 0)):
        self.data = data
        self.mapping = mapping
        self._root = self if root is None else root
        self._offset = (int(offset[0]), int(offset[1]))

    def __getstate__(self):
        """Pickle state. A view pickles as an image of its own: its pixels without the parent's
        (which may be a whole mosaic); unpickled it is a root image, so windows of the old parent
        no longer index it, as its arrays no longer share memory with any parent."""
        state = dict(self.__dict__)
        if self._root is not self:
            state["_root"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self._root is None:
            self._root = self

    # --- geometry -----------------------------------------------------------------
    @property
    def shape(self):
        """(ny, nx) in pixels."""
        return self.data.shape

    @property
    def pixelscale(self):
        """2x2 pixel-scale matrix, arcsec/pixel (columns: steps in x, in y)."""
        return self.mapping.pixelscale

    @property
    def origin(self):
        """Plane position (arcsec) of the outer corner of pixel (0, 0)."""
        return self.mapping.origin

    @property
    def wcs(self):
        """The image's celestial astropy WCS, or None."""
        return self.mapping.wcs

    @property
    def plane(self):
        """The TangentPlane the image is placed on (WCS images), or None."""
        return self.mapping.plane

    @property
    def affine_error(self):
        """Largest distance (arcsec) over the image between the affine and the exact WCS map."""
        return self.mapping.affine_error

    @property
    def pixel_area(self):
        """Area of one pixel on the plane, arcsec^2."""
        return self.mapping.pixel_area

    def plane_corners(self):
        """Plane positions (x, y arrays of 4, arcsec) of the image's four outer corners (exact map),
        measured once per mapping and shape (do not modify them)."""
        key = (self.mapping, self.shape)
        cached = getattr(self, "_plane_corners", None)
        if cached is None or cached[0][0] is not key[0] or cached[0][1] != key[1]:
            ny, nx = self.shape
            corners = self.pixel_to_plane(np.array([-0.5, nx - 0.5, -0.5, nx - 0.5]),
                                          np.array([-0.5, -0.5, ny - 0.5, ny - 0.5]))
            cached = self._plane_corners = (key, corners)
        return cached[1]

    def pixel_to_plane(self, x, y):
        """Plane (x, y), arcsec, of pixel coordinates (x = column, y = row; centres at integers).

        Exact through astropy for WCS images, affine otherwise. Vectorised.
        """
        return self.mapping.pixel_to_plane(x, y)

    def plane_to_pixel(self, x, y):
        """Pixel coordinates (x = column, y = row) of plane (x, y) in arcsec; exact for WCS images."""
        return self.mapping.plane_to_pixel(x, y)

    def pixel_to_plane_affine(self, x, y):
        """Plane (x, y), arcsec, by the affine map ``origin + pixelscale @ (x + 0.5, y + 0.5)``."""
        return self.mapping.pixel_to_plane_affine(x, y)

    def plane_to_pixel_affine(self, x, y):
        """Pixel coordinates of plane (x, y), arcsec, by the inverse affine map."""
        return self.mapping.plane_to_pixel_affine(x, y)

    def pixel_center_grid(self):
        """Plane coordinates (X, Y), arcsec, of every pixel centre, each shaped like ``data`` (affine)."""
        y, x = np.indices(self.shape, dtype=float)
        return self.pixel_to_plane_affine(x, y)

    def place_on(self, reference_wcs):
        """Re-place this WCS image, in place, on the tangent plane of ``reference_wcs``.

        ``reference_wcs`` is a WCS, FITS header or TangentPlane. Views made
        before keep their old placement.
        """
        if not self.mapping.has_wcs:
            raise ValueError("place_on needs an image built with a wcs")
        if self._root is not self:
            raise ValueError("place_on applies to whole images, not to views; re-place the parent")
        plane = reference_wcs if isinstance(reference_wcs, TangentPlane) else TangentPlane(reference_wcs)
        self.mapping = PlaneMapping.from_wcs(self.mapping.wcs, self.shape, plane).moved(self.mapping.offset)

    def shift_origin(self, shift):
        """Move this image, in place, by ``shift`` = (dx, dy) arcsec on the plane.

        For a registration correction, e.g. when one image's WCS is off
        from the others' (as the AutoProf tutorial does with
        ``header.shift_origin``): every pixel's plane position, exact and
        affine, moves by ``shift``. Applies to whole images; windows keep
        their pixels, views made before keep their old placement.
        """
        if self._root is not self:
            raise ValueError("shift_origin applies to whole images, not to views; shift the parent")
        self.mapping = self.mapping.moved(shift)

    # --- windows and views ----------------------------------------------------------
    @property
    def window(self):
        """The Window covering the whole image."""
        return Window(self)

    def _bounds_in_self(self, window):
        if window.image is self:
            return window.x_start, window.x_stop, window.y_start, window.y_stop
        if window.image._root is not self._root:
            raise ValueError("window belongs to a different image and cannot index this one")
        dx = window.image._offset[0] - self._offset[0]
        dy = window.image._offset[1] - self._offset[1]
        x0, x1 = max(window.x_start + dx, 0), min(window.x_stop + dx, self.shape[1])
        y0, y1 = max(window.y_start + dy, 0), min(window.y_stop + dy, self.shape[0])
        if x0 >= x1 or y0 >= y1:
            raise ValueError(f"window {window.pixel_bounds} lies wholly outside this view of shape {self.shape}")
        return x0, x1, y0, y1

    def __getitem__(self, window):
        """The view of this image inside ``window`` (a Window of this image, or of its parent).

        Arrays of the view share memory with this image; its origin is shifted
        so that every pixel keeps its plane position.
        """
        slices = rows, cols = self.window_slices(window)
        (x0, x1), (y0, y1) = (cols.start, cols.stop), (rows.start, rows.stop)
        view = object.__new__(type(self))
        view._set_grid(self.data[slices], self.mapping.shifted(x0, y0, (y1 - y0, x1 - x0)),
                       root=self._root, offset=(self._offset[0] + x0, self._offset[1] + y0))
        self._fill_view(view, slices)
        return view

    def window_slices(self, window):
        """(rows, columns): the slices of this image's arrays inside ``window`` (a Window of this
        image, or of its parent), those of its view ``image[window]``, without making the view."""
        if not isinstance(window, Window):
            raise TypeError(f"images are indexed by a Window, got {type(window).__name__}")
        x0, x1, y0, y1 = self._bounds_in_self(window)
        return slice(y0, y1), slice(x0, x1)

    def _fill_view(self, view, slices):
        """Copy the subclass's own attributes into ``view`` (arrays sliced by ``slices``)."""

    def __repr__(self):
        return f"{type(self).__name__}(shape={self.shape}, {self.mapping!r})"
