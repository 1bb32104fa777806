"""The map between an image's pixels and the tangent plane (arcsec).

Pixel coordinates follow numpy and astropy: ``x`` is the column, ``y`` the
row, and the centre of pixel ``data[i, j]`` is at ``(x, y) = (j, i)``; the
pixel covers ``[j - 0.5, j + 0.5] x [i - 0.5, i + 0.5]``. The affine map of
DESIGN.md is then ``plane = origin + pixelscale @ (x + 0.5, y + 0.5)``.
"""

import math

import numpy as np

from ..utils.arguments import check_numeric
from ..utils.coordinates import pixelscale_matrix
from .exact_wcs_pickle import restore_exact_wcs, state_with_exact_wcs
from .tangent_plane import TangentPlane

_FIT_GRID_POINTS = 17  # per axis, over the whole image including its outer edges


def _as_origin(origin, name="origin"):
    check_numeric(origin, name, "two finite numbers (x, y) in arcsec")
    try:
        o = np.asarray(origin, dtype=float)
    except (TypeError, ValueError):
        o = None
    if o is None or o.shape != (2,) or not all(map(math.isfinite, o.tolist())):  # (two floats: no numpy reduction)
        raise ValueError(f"{name} must be two finite numbers (x, y) in arcsec, got {origin!r}")
    return o.copy()


class PlaneMapping:
    """Pixel <-> plane transform of one image: affine, optionally backed by an exact WCS.

    Parameters
    ----------
    pixelscale : float or 2x2 array
        Arcsec per pixel; matrix columns are the plane displacement of one
        pixel step in x and in y.
    origin : (float, float)
        Plane position (arcsec) of the outer corner of pixel (0, 0).
    wcs : astropy.wcs.WCS, optional
        The image's own celestial WCS; with ``plane`` it gives the exact map.
    plane : TangentPlane, optional
        The common tangent plane the image is placed on.
    affine_error : float
        Largest distance (arcsec) between the affine and the exact map over
        the image, 0 for images without WCS.
    offset : (float, float)
        Shift (arcsec) added on the plane after the exact WCS map (a
        registration correction, see ``moved``); already in ``origin``.
    """

    def __init__(self, pixelscale=1.0, origin=(0.0, 0.0), wcs=None, plane=None, affine_error=0.0,
                 offset=(0.0, 0.0)):
        self.pixelscale = pixelscale_matrix(pixelscale)
        self.origin = _as_origin(origin)
        self.offset = _as_origin(offset, "offset")
        if (wcs is None) != (plane is None):
            raise ValueError("wcs and plane must be given together")
        self.wcs = wcs
        self.plane = plane
        self.affine_error = float(affine_error)

    @classmethod
    def affine_of_checked(cls, pixelscale, origin):
        """``PlaneMapping(pixelscale, origin)`` (no WCS) from a pixel-scale matrix that
        pixelscale_matrix has returned (a 2x2 float64 array, finite, non-singular) and an origin
        (a (2,) float64 array, arcsec), which the mapping owns from then on: without checking the
        matrix again or copying either (a survey maps two grids per image per group, its cutout's
        and its PSF's). Raises ValueError for an origin that is not finite."""
        x, y = origin.tolist()
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"origin must be two finite numbers (x, y) in arcsec, got {origin!r}")
        mapping = cls.__new__(cls)
        mapping.pixelscale, mapping.origin, mapping.offset = pixelscale, origin, np.zeros(2)
        mapping.wcs = mapping.plane = None
        mapping.affine_error = 0.0
        return mapping

    @classmethod
    def from_wcs(cls, wcs, shape, plane=None):
        """Place an image of ``shape`` (ny, nx) with celestial ``wcs`` on ``plane``.

        ``plane`` defaults to the tangent plane of ``wcs`` itself. The affine
        part is a least-squares fit of the exact map (image pixel -> sky ->
        plane) on a 17 x 17 grid spanning the image, edges included;
        ``affine_error`` is the largest residual of that fit, arcsec.
        """
        plane = TangentPlane(wcs) if plane is None else plane
        ny, nx = shape
        gx, gy = np.meshgrid(np.linspace(-0.5, nx - 0.5, _FIT_GRID_POINTS),
                             np.linspace(-0.5, ny - 0.5, _FIT_GRID_POINTS))
        gx, gy = gx.ravel(), gy.ravel()
        px, py = plane.pixel_to_plane(wcs, gx, gy)
        design = np.column_stack([np.ones_like(gx), gx + 0.5, gy + 0.5])
        coeff_x, *_ = np.linalg.lstsq(design, px, rcond=None)
        coeff_y, *_ = np.linalg.lstsq(design, py, rcond=None)
        residual = np.hypot(design @ coeff_x - px, design @ coeff_y - py)
        origin = (coeff_x[0], coeff_y[0])
        pixelscale = np.array([[coeff_x[1], coeff_x[2]], [coeff_y[1], coeff_y[2]]])
        return cls(pixelscale, origin, wcs=wcs, plane=plane, affine_error=residual.max())

    @property
    def has_wcs(self):
        """True when the exact map goes through a WCS."""
        return self.wcs is not None

    def pixel_to_plane_affine(self, x, y):
        """Plane position (arcsec) of pixel coordinates (x, y) by the affine map."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        p = self.pixelscale
        return (self.origin[0] + p[0, 0] * (x + 0.5) + p[0, 1] * (y + 0.5),
                self.origin[1] + p[1, 0] * (x + 0.5) + p[1, 1] * (y + 0.5))

    def plane_bounds(self, xs, ys):
        """(lower [x, y], upper [x, y]) arcsec: the box holding the plane positions of the pixel
        coordinates ``xs``, ``ys`` (a few, lists of floats) -- ``pixel_to_plane``'s numbers and their
        min and max. Without a WCS the affine map is taken in Python floats (the same operations
        as ``pixel_to_plane_affine``'s on arrays, without numpy's per-call cost for a handful)."""
        if self.has_wcs:
            px, py = self.pixel_to_plane(np.array(xs, float), np.array(ys, float))
            return np.array([px.min(), py.min()]), np.array([px.max(), py.max()])
        (p00, p01), (p10, p11) = self.pixelscale.tolist()
        ox, oy = self.origin.tolist()
        px = [ox + p00 * (x + 0.5) + p01 * (y + 0.5) for x, y in zip(xs, ys)]
        py = [oy + p10 * (x + 0.5) + p11 * (y + 0.5) for x, y in zip(xs, ys)]
        return np.array([min(px), min(py)]), np.array([max(px), max(py)])

    def pixel_box_to_plane(self, x_start, y_start, shape):
        """Plane positions (x, y arrays of ``shape`` (ny, nx), arcsec) of the centres of the pixels
        in columns x_start.. and rows y_start.. (ints): ``pixel_to_plane``'s numbers. The affine
        map's sum, origin + column term + row term, is added by broadcasting a row of the first two
        onto a column of the last (the same operations per pixel, on 1-D arrays but the last)."""
        ny, nx = shape
        if self.has_wcs:
            rows, cols = np.indices(shape)
            return self.pixel_to_plane(cols + x_start, rows + y_start)
        x = np.arange(x_start, x_start + nx, dtype=float) + 0.5
        y = np.arange(y_start, y_start + ny, dtype=float)[:, None] + 0.5
        p = self.pixelscale
        return ((self.origin[0] + p[0, 0] * x) + p[0, 1] * y, (self.origin[1] + p[1, 0] * x) + p[1, 1] * y)

    def pixel_point_to_plane(self, x, y):
        """Plane position (two floats, arcsec) of one pixel coordinate (x, y) (numbers):
        ``pixel_to_plane``'s numbers, the affine map in Python floats (the same operations in
        the same order, without numpy's per-call cost for one point)."""
        if self.has_wcs:
            px, py = self.pixel_to_plane(x, y)
            return float(px), float(py)
        (p00, p01), (p10, p11) = self.pixelscale.tolist()
        ox, oy = self.origin.tolist()
        x, y = float(x) + 0.5, float(y) + 0.5
        return ox + p00 * x + p01 * y, oy + p10 * x + p11 * y

    def plane_point_to_pixel(self, x, y):
        """Pixel coordinates (two floats) of one plane position (x, y) (numbers, arcsec):
        ``plane_to_pixel``'s numbers, the inverse affine map in Python floats (as
        pixel_point_to_plane)."""
        if self.has_wcs:
            px, py = self.plane_to_pixel(x, y)
            return float(px), float(py)
        ox, oy = self.origin.tolist()
        dx, dy = float(x) - ox, float(y) - oy
        if getattr(self, "_inverse", None) is None:
            self._inverse = np.linalg.inv(self.pixelscale)
        (i00, i01), (i10, i11) = self._inverse.tolist()
        return i00 * dx + i01 * dy - 0.5, i10 * dx + i11 * dy - 0.5

    @property
    def pixel_area(self):
        """Area of one pixel on the plane, arcsec^2 (|det pixelscale|)."""
        if getattr(self, "_pixel_area", None) is None:
            self._pixel_area = abs(float(np.linalg.det(self.pixelscale)))
        return self._pixel_area

    def plane_to_pixel_affine(self, x, y):
        """Pixel coordinates of plane position (x, y) (arcsec) by the affine map."""
        dx = np.asarray(x, dtype=float) - self.origin[0]
        dy = np.asarray(y, dtype=float) - self.origin[1]
        if getattr(self, "_inverse", None) is None:
            self._inverse = np.linalg.inv(self.pixelscale)
        inv = self._inverse
        return inv[0, 0] * dx + inv[0, 1] * dy - 0.5, inv[1, 0] * dx + inv[1, 1] * dy - 0.5

    def pixel_to_plane(self, x, y):
        """Plane position (arcsec) of pixel coordinates (x, y): exact (through the WCS) when there is one."""
        if self.has_wcs:
            px, py = self.plane.pixel_to_plane(self.wcs, x, y)
            return px + self.offset[0], py + self.offset[1]
        return self.pixel_to_plane_affine(x, y)

    def plane_to_pixel(self, x, y):
        """Pixel coordinates of plane position (x, y) (arcsec): exact when there is a WCS."""
        if self.has_wcs:
            return self.plane.plane_to_pixel(self.wcs, np.asarray(x, dtype=float) - self.offset[0],
                                             np.asarray(y, dtype=float) - self.offset[1])
        return self.plane_to_pixel_affine(x, y)

    def moved(self, shift):
        """The same map with every plane position moved by ``shift`` (dx, dy), arcsec."""
        shift = _as_origin(shift, "shift")
        return PlaneMapping(self.pixelscale, self.origin + shift, wcs=self.wcs, plane=self.plane,
                            affine_error=self.affine_error, offset=self.offset + shift)

    def shifted(self, x_start, y_start, shape):
        """The mapping of the sub-image whose pixel (0, 0) is this image's (x_start, y_start).

        ``shape`` (ny, nx) is the sub-image's shape; the affine part is kept
        (only the origin moves), the WCS is sliced.
        """
        origin = self.origin + self.pixelscale @ np.array([x_start, y_start], dtype=float)
        wcs = None
        if self.has_wcs:
            ny, nx = shape
            wcs = self.wcs.slice((slice(y_start, y_start + ny), slice(x_start, x_start + nx)))
        return PlaneMapping(self.pixelscale, origin, wcs=wcs, plane=self.plane,
                            affine_error=self.affine_error, offset=self.offset)

    # astropy's own WCS pickle rounds the header numbers; keep them exact (see exact_wcs_pickle)
    def __getstate__(self):
        return state_with_exact_wcs(self)

    def __setstate__(self, state):
        restore_exact_wcs(self, state)

    def __repr__(self):
        kind = "WCS" if self.has_wcs else "affine"
        return (f"PlaneMapping({kind}, pixelscale={self.pixelscale.tolist()}, "
                f"origin={self.origin.tolist()})")
