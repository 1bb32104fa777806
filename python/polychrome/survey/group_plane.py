"""GroupPlane: the gnomonic (TAN) tangent plane at a group's centre, in arcsec (x West, y North).

Every cutout of a group is placed on this one plane, so that a source's
centre is one pair of numbers shared by images of different pixel scales
and orientations. The projection is the FITS TAN one (Calabretta & Greisen
2002), written out in numpy so that a group costs no astropy WCS calls
for it; ``wcs()`` gives the same plane as an astropy WCS.
"""

import math

import numpy as np

ARCSEC_PER_RADIAN = 180.0 * 3600.0 / math.pi


class GroupPlane:
    """The TAN plane tangent at (ra0, dec0) deg; plane (0, 0) arcsec is the tangent point.

    x grows to the West and y to the North (polychrome's plane convention,
    see image.tangent_plane), so a north-up, east-left image has a
    pixel-scale matrix with positive diagonal.
    """

    def __init__(self, ra0, dec0):
        self.ra0, self.dec0 = float(ra0), float(dec0)
        self._a0, self._d0 = math.radians(self.ra0), math.radians(self.dec0)
        self._sin_d0, self._cos_d0 = math.sin(self._d0), math.cos(self._d0)

    def _standard(self, lib, ra, dec):
        """(xi, eta, cos c) of ra, dec deg before the division by cos c: the TAN projection's one
        formula, on numpy arrays (``lib`` numpy) or on one point's Python floats (``lib`` math)."""
        a = lib.radians(ra) - self._a0
        d = lib.radians(dec)
        sin_d, cos_d = lib.sin(d), lib.cos(d)
        cos_a = lib.cos(a)
        cos_c = self._sin_d0 * sin_d + self._cos_d0 * cos_d * cos_a
        return cos_d * lib.sin(a), self._cos_d0 * sin_d - self._sin_d0 * cos_d * cos_a, cos_c

    def to_plane(self, ra, dec):
        """Plane (x, y) in arcsec of ra, dec in deg (arrays); NaN for points 90 deg or more away."""
        xi, eta, cos_c = self._standard(np, np.asarray(ra, float), np.asarray(dec, float))
        if (cos_c > 0).all():  # (every point of a group: no error state to set, nothing to replace)
            scale = ARCSEC_PER_RADIAN / cos_c
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(cos_c > 0, ARCSEC_PER_RADIAN / cos_c, np.nan)
        return -(xi * scale), eta * scale  # (xi East; -(xi s) is -xi s to the bit)

    def plane_points(self, ra, dec):
        """[(x, y)] plane arcsec of ``ra``, ``dec`` (sequences of floats, deg), point by point in
        Python floats: to_plane's numbers to the bit (numpy's float64 sin and cos are the C
        library's, as math's; a test pins it) without numpy's per-call cost, which outweighs a
        group's few points many times over. NaN for points 90 deg or more away."""
        points = []
        for r, d in zip(ra, dec):
            xi, eta, cos_c = self._standard(math, float(r), float(d))
            scale = ARCSEC_PER_RADIAN / cos_c if cos_c > 0 else math.nan
            points.append((-(xi * scale), eta * scale))
        return points

    def _inverse_terms(self, x, y):
        """(xi, cos d0 - eta sin d0, sin d0 + eta cos d0) of plane x, y arcsec: the inverse TAN
        projection's elementwise part (before its arctan2 and hypot), on numpy arrays or on one
        point's Python floats."""
        xi = -x / ARCSEC_PER_RADIAN
        eta = y / ARCSEC_PER_RADIAN
        return xi, self._cos_d0 - eta * self._sin_d0, self._sin_d0 + eta * self._cos_d0

    def to_sky(self, x, y):
        """(ra, dec) in deg (ra in [0, 360)) of plane (x, y) arcsec (arrays)."""
        xi, denominator, numerator = self._inverse_terms(np.asarray(x, float), np.asarray(y, float))
        a = np.arctan2(xi, denominator)
        d = np.arctan2(numerator, np.hypot(xi, denominator))
        return np.mod(np.degrees(a + self._a0), 360.0), np.degrees(d)

    def sky_points(self, x, y):
        """([ra], [dec]) deg (ra in [0, 360)) of plane points ``x``, ``y`` (sequences of floats,
        arcsec) as lists of Python floats: to_sky's numbers to the bit, its elementwise arithmetic in
        Python floats (_inverse_terms, to_sky's own) and numpy's own arctan2 and hypot
        (not libm's: they differ in the last bit) in one call each over all the points, instead of
        to_sky's ~15 numpy calls on a group's few points (the cutouts' probes, a row's centre)."""
        xi, denominator, numerator = [], [], []
        for u, v in zip(x, y):
            terms = self._inverse_terms(float(u), float(v))
            xi.append(terms[0])
            denominator.append(terms[1])
            numerator.append(terms[2])
        hypot = np.hypot(xi, denominator).tolist()
        count = len(xi)
        angles = np.arctan2(xi + numerator, denominator + hypot).tolist()
        return ([math.degrees(a + self._a0) % 360.0 for a in angles[:count]],
                [math.degrees(d) for d in angles[count:]])

    def wcs(self):
        """This plane as an astropy TAN WCS: its 0-based pixel coordinates are the plane's (x West,
        y North) in arcsec (CDELT (-1, 1) arcsec, the tangent point at pixel (0, 0))."""
        from astropy.wcs import WCS

        wcs = WCS(naxis=2)
        wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        wcs.wcs.crval = [self.ra0, self.dec0]
        wcs.wcs.crpix = [1.0, 1.0]
        wcs.wcs.cdelt = [-1.0 / 3600.0, 1.0 / 3600.0]
        wcs.wcs.cunit = ["deg", "deg"]
        wcs.wcs.set()
        return wcs
