"""The common tangent plane on which WCS images are placed (arcsec).

Plane convention (fixed for the whole package):

* the plane is the projection plane of a *reference* celestial WCS (its
  projection, e.g. TAN, about its reference point CRVAL);
* plane x increases to the **West** and plane y to the **North**, in arcsec, so
  that an ordinary north-up, east-left image gets a pixel-scale matrix with
  positive diagonal, ``diag(s, s)``, exactly what a scalar ``pixelscale=s``
  means for an image without WCS;
* the plane's zero is the outer corner of the reference WCS's pixel (0, 0), so
  the reference image itself has ``origin = (0, 0)``.

Sky positions are converted between celestial frames (ICRS, FK5, ...) by
astropy, so images whose WCS use different frames line up correctly.
"""

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from .exact_wcs_pickle import restore_exact_wcs, state_with_exact_wcs

ARCSEC_PER_DEGREE = 3600.0


def as_celestial_wcs(wcs, argname="wcs"):
    """Return the 2-axis celestial part of ``wcs`` (an astropy WCS or a FITS header).

    Raises TypeError for other types and ValueError when there is no
    celestial pair of axes.
    """
    if isinstance(wcs, fits.Header):
        wcs = WCS(wcs)
    if not isinstance(wcs, WCS):
        raise TypeError(f"{argname} must be an astropy.wcs.WCS or an astropy.io.fits.Header, "
                        f"got {type(wcs).__name__}")
    if not wcs.has_celestial:
        raise ValueError(f"{argname} has no celestial (longitude/latitude) axes")
    celestial = wcs.celestial
    if celestial.pixel_n_dim != 2:
        raise ValueError(f"{argname} must map 2 pixel axes to the sky, it maps {celestial.pixel_n_dim}")
    return celestial


def _plane_wcs(reference):
    """A distortion-free WCS whose 0-based pixel coordinates are plane arcsec (West, North).

    It shares the reference's projection, reference point, poles and frame;
    its pixel (0, 0) is the tangent point until the zero is moved.
    """
    ref = reference.wcs
    lng, lat = ref.lng, ref.lat
    plane = WCS(naxis=2)
    plane.wcs.ctype = [ref.ctype[lng].replace("-SIP", ""), ref.ctype[lat].replace("-SIP", "")]
    plane.wcs.crval = [ref.crval[lng], ref.crval[lat]]
    plane.wcs.cunit = ["deg", "deg"]
    plane.wcs.cdelt = [-1.0 / ARCSEC_PER_DEGREE, 1.0 / ARCSEC_PER_DEGREE]
    plane.wcs.crpix = [1.0, 1.0]
    plane.wcs.lonpole = ref.lonpole
    plane.wcs.latpole = ref.latpole
    axis_map = {lng + 1: 1, lat + 1: 2}
    plane.wcs.set_pv([(axis_map[i], m, v) for i, m, v in ref.get_pv() if i in axis_map])
    plane.wcs.radesys = ref.radesys
    plane.wcs.equinox = ref.equinox
    plane.wcs.dateobs = ref.dateobs
    plane.wcs.mjdobs = ref.mjdobs
    plane.wcs.set()
    return plane


class TangentPlane:
    """The tangent plane of a reference WCS, in arcsec (x West, y North).

    Parameters
    ----------
    reference_wcs : astropy.wcs.WCS or astropy.io.fits.Header
        The reference celestial WCS; its projection defines the plane and the
        outer corner of its pixel (0, 0) is the plane's zero.
    """

    def __init__(self, reference_wcs):
        self.reference_wcs = as_celestial_wcs(reference_wcs, "reference_wcs")
        self.plane_wcs = _plane_wcs(self.reference_wcs)
        corner = self.reference_wcs.pixel_to_world(-0.5, -0.5)
        corner_x, corner_y = self.plane_wcs.world_to_pixel(corner)
        self.plane_wcs.wcs.crpix = [1.0 - float(corner_x), 1.0 - float(corner_y)]
        self.plane_wcs.wcs.set()

    def sky_to_plane(self, sky):
        """Plane position (x, y) in arcsec of an astropy SkyCoord (any frame)."""
        if not isinstance(sky, SkyCoord):
            raise TypeError(f"sky must be an astropy SkyCoord, got {type(sky).__name__}")
        x, y = self.plane_wcs.world_to_pixel(sky)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def plane_to_sky(self, x, y):
        """SkyCoord (in the reference frame) of plane position (x, y) in arcsec."""
        return self.plane_wcs.pixel_to_world(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def pixel_to_plane(self, wcs, x, y):
        """Exact plane position (arcsec) of 0-based pixel coordinates (x, y) of ``wcs``.

        Pixel centres are at integer coordinates (astropy's convention).
        """
        return self.sky_to_plane(wcs.pixel_to_world(np.asarray(x, dtype=float),
                                                    np.asarray(y, dtype=float)))

    def plane_to_pixel(self, wcs, x, y):
        """Exact 0-based pixel coordinates in ``wcs`` of plane position (x, y), arcsec."""
        px, py = wcs.world_to_pixel(self.plane_to_sky(x, y))
        return np.asarray(px, dtype=float), np.asarray(py, dtype=float)

    def is_same_as(self, other):
        """True when ``other`` is the same plane (same projection, reference point and zero)."""
        return isinstance(other, TangentPlane) and bool(
            self.plane_wcs.wcs.compare(other.plane_wcs.wcs, tolerance=1e-12))

    # astropy's own WCS pickle rounds the header numbers; keep them exact (see exact_wcs_pickle)
    def __getstate__(self):
        return state_with_exact_wcs(self)

    def __setstate__(self, state):
        restore_exact_wcs(self, state)

    def __repr__(self):
        lng, lat = self.plane_wcs.wcs.crval
        return f"TangentPlane(tangent point RA/lon={lng:.7f} deg, Dec/lat={lat:.7f} deg)"
