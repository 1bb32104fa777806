"""How far a PSF carries light: the radius beyond which every PSF pixel is below a level.

Automatic model windows (see ``models.automatic_window``) are grown by this
radius so that the light a PSF scatters out of a window stays below a chosen
fraction of the noise.
"""

import math

import numpy as np


class PsfExtent:
    """The radial reach of a PSF image, measured once.

    Parameters
    ----------
    data : 2-D array
        The PSF, odd-sized, centred, summing to 1 (a PSFImage's ``data``).
    pixelscale : 2x2 array
        Arcsec per PSF pixel (matrix columns: steps in x and in y).

    Attributes
    ----------
    pixel_area : float
        Area of one PSF pixel, arcsec^2.
    absolute_sum : float
        Sum of |PSF| (1 for a non-negative PSF; more when it has negative pixels).
    fwhm : float
        Full width at half maximum, arcsec: the diameter of the disc with the
        area of the pixels at or above half the peak.
    reach : float
        Distance (arcsec) from the centre to the outer corner of the farthest PSF pixel.
    """

    def __init__(self, data, pixelscale):
        data = np.abs(np.asarray(data, float))
        ny, nx = data.shape
        rows, cols = np.indices(data.shape, dtype=float)
        offsets = np.asarray(pixelscale, float) @ np.stack([(cols - nx // 2).ravel(), (rows - ny // 2).ravel()])
        radius = np.hypot(offsets[0], offsets[1])
        order = np.argsort(radius)[::-1]  # farthest first
        self._radius = radius[order]
        # the largest |PSF| at or beyond each radius (in the farthest-first order)
        self._outer_peak = np.maximum.accumulate(data.ravel()[order])
        self.pixel_area = abs(float(np.linalg.det(pixelscale)))
        self._half_diagonal = 0.5 * math.sqrt(float(np.sum(np.asarray(pixelscale, float) ** 2)))
        self.absolute_sum = float(data.sum())
        self.reach = float(self._radius[0]) + self._half_diagonal
        self.fwhm = 2.0 * math.sqrt(np.count_nonzero(data >= 0.5 * data.max()) * self.pixel_area / math.pi)

    def radius_below(self, level, image_pixel_area):
        """The smallest radius (arcsec) beyond which the PSF puts less than ``level`` of a point
        source's flux into any image pixel (``image_pixel_area`` arcsec^2); 0 when no pixel reaches it.

        A PSF pixel holds its fraction of the flux per PSF pixel; an image
        pixel of ``image_pixel_area`` holds about that times the ratio of
        the areas. The radius is that of the farthest PSF pixel at or above
        the level, plus half a PSF pixel diagonal.
        """
        if not level > 0:
            return self.reach
        per_psf_pixel = level * self.pixel_area / image_pixel_area
        # _outer_peak rises along the farthest-first order: the first index at or above the level
        k = int(np.searchsorted(self._outer_peak, per_psf_pixel, side="left"))
        if k >= self._radius.size:
            return 0.0
        return float(self._radius[k]) + self._half_diagonal

    def peak_fraction(self, image_pixel_area):
        """The largest fraction of a point source's flux the PSF puts into one image pixel (about)."""
        return float(self._outer_peak[-1]) * image_pixel_area / self.pixel_area
