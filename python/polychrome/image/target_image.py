"""TargetImage: an observed image with its uncertainties, mask, PSF and zeropoint."""

import warnings

import numpy as np

from ..utils.arguments import check_numeric
from ..utils.coordinates import pixelscale_matrix
from ..utils.linear_percentile import linear_percentile
from .array_checks import as_image_array, as_mask_array, check_same_shape
from .image import Image, resolve_mapping
from .plane_mapping import PlaneMapping
from .psf_image import PSFImage


def _variance_from(variance, weight, mask, shape):
    """Variance array from ``variance`` or ``weight`` (1/variance), checked on unmasked pixels."""
    if variance is not None and weight is not None:
        raise ValueError("give variance or weight, not both")
    if variance is None and weight is None:
        return np.ones(shape), False
    name = "variance" if weight is None else "weight"
    values = as_image_array(variance if weight is None else weight, name)
    check_same_shape(values, name, shape)
    used = values[~mask]
    if not ((used > 0) & (used < np.inf)).all():  # one pass when all is well; which check fails, below
        _raise_unusable(used, name)
    if weight is None:
        return values, True
    # the variance 1/weight must be a finite double: weights below about 1/DBL_MAX (subnormal
    # ones, e.g. 1e-320) would give an infinite variance and uncertainties of 0
    with np.errstate(over="ignore"):
        unrepresentable = ~np.isfinite(1.0 / used)
    if np.any(unrepresentable):
        raise ValueError(f"weight (1/variance, flux^-2) must be in ({1.0 / np.finfo(float).max:.3g}, inf) on "
                         f"every unmasked pixel so that the variance 1/weight is finite; "
                         f"{int(np.sum(unrepresentable))} pixel(s) are smaller (e.g. {float(used.min()):.3g}); "
                         "mask them (mask=) or fix the map")
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 / values, True


def _raise_unusable(used, name):
    """Raise the ValueError that says why some of the unmasked pixels ``used`` of a variance or weight
    map are not positive and finite."""
    if np.any(np.isnan(used)):
        raise ValueError(f"{name} has {int(np.sum(np.isnan(used)))} NaN pixel(s) that are not masked; "
                         "mask them (mask=) or fix the map")
    if np.any(~(used > 0)):
        raise ValueError(f"{name} must be positive on every unmasked pixel; {int(np.sum(~(used > 0)))} "
                         "pixel(s) are zero or negative; mask them (mask=) or fix the map")
    raise ValueError(f"{name} has {int(np.sum(np.isinf(used)))} infinite pixel(s) that are not masked")


class TargetImage(Image):
    """An observed image to be fitted.

    Parameters
    ----------
    data : array-like, 2-D
        Observed flux per pixel, ``data[y, x]`` (stored as a float64 copy).
        NaN or inf pixels are masked (with a warning) and set to 0.
    variance : array-like, optional
        Per-pixel variance, flux^2; positive and finite on unmasked pixels.
    weight : array-like, optional
        Per-pixel inverse variance, 1/flux^2 (instead of ``variance``).
        Without either, every pixel has variance 1.
    mask : array-like, optional
        True (or non-zero) where a pixel must not be fitted.
    psf : array-like or PSFImage, optional
        The PSF, odd-sized on both axes, finite, positive sum; **stored
        normalised to sum 1**, on a grid ``psf_upsample`` times finer.
    psf_upsample : int
        How many PSF pixels per image pixel along each axis (>= 1).
    pixelscale : float or 2x2 array, optional
        Arcsec per pixel (default 1.0). With ``wcs`` it comes from the
        WCS; one given too (as in the AutoProf tutorial) must agree to 1%.
    origin : (float, float), optional
        Plane position (arcsec) of the outer corner of pixel (0, 0), default
        (0, 0); not with ``wcs``.
    zeropoint : float, optional
        Magnitude zeropoint: mag = zeropoint - 2.5 log10(flux).
    wcs : astropy.wcs.WCS or astropy.io.fits.Header, optional
        Celestial WCS; the image is placed on the tangent plane of
        ``reference_wcs`` (see ``tangent_plane``), pixelscale and origin are
        the affine fit of the exact map, ``pixel_to_plane`` is exact.
    reference_wcs : astropy.wcs.WCS, FITS header or TangentPlane, optional
        Reference for the tangent plane (default the image's own ``wcs``).
    filename : str, optional
        Read the image from a FITS file written by ``save`` (AutoProf's
        ``Target_Image(filename=...)``) instead of ``data``; arguments given
        too replace what the file holds.
    psf_upscale : int, optional
        AutoProf's name for ``psf_upsample`` (a whole float such as 2.0 accepted).
    """

    def __init__(self, data=None, variance=None, weight=None, mask=None, psf=None, psf_upsample=1,
                 pixelscale=None, origin=None, zeropoint=None, wcs=None, reference_wcs=None, filename=None,
                 psf_upscale=None):
        if psf_upscale is not None:  # AutoProf's name for psf_upsample
            if psf_upsample not in (1, psf_upscale):
                raise ValueError(f"psf_upscale={psf_upscale!r} (AutoProf's name) and psf_upsample={psf_upsample!r} "
                                 "differ: give one of them")
            whole = isinstance(psf_upscale, float) and psf_upscale.is_integer()
            psf_upsample = int(psf_upscale) if whole else psf_upscale
        if filename is not None:  # AutoProf's Target_Image(filename=...): a file written by save()
            from ..io.target_file import target_arguments

            if data is not None:
                raise TypeError("give data or filename, not both")
            saved = target_arguments(filename)
            given = {"variance": variance, "weight": weight, "mask": mask, "psf": psf, "pixelscale": pixelscale,
                     "origin": origin, "zeropoint": zeropoint, "wcs": wcs}
            saved.update({key: value for key, value in given.items() if value is not None})
            if weight is not None:
                saved.pop("variance", None)
            data, variance, weight, mask, psf = (saved.get(k) for k in ("data", "variance", "weight", "mask", "psf"))
            psf_upsample = saved.get("psf_upsample", psf_upsample)
            pixelscale, origin, zeropoint, wcs = (saved.get(k) for k in ("pixelscale", "origin", "zeropoint", "wcs"))
        if data is None:
            raise TypeError("TargetImage needs data (a 2-D array) or filename (a FITS file written by save())")
        data = as_image_array(data, "data")
        mask = np.zeros(data.shape, bool) if mask is None else as_mask_array(mask, data.shape)
        finite = np.isfinite(data)
        if not finite.all():
            bad = ~finite
            warnings.warn(f"data has {int(bad.sum())} NaN or inf pixel(s); they are masked and set to 0",
                          stacklevel=2)
            mask = mask | bad
            data[bad] = 0.0
        self.variance, self.has_variance = _variance_from(variance, weight, mask, data.shape)
        self.mask = mask
        self.zeropoint = self._checked_zeropoint(zeropoint)
        self._set_grid(data, resolve_mapping(data.shape, pixelscale, origin, wcs, reference_wcs))
        self.psf_upsample = self._checked_upsample(psf_upsample)
        if psf is None and self.psf_upsample != 1:
            raise ValueError(f"psf_upsample={self.psf_upsample} needs a psf (it says how much finer the "
                             "psf's pixels are than the image's); give psf= or leave psf_upsample at 1")
        self.psf = None if psf is None else self._psf_on_grid(psf)

    @classmethod
    def from_valid_arrays(cls, data, variance, mask, pixelscale, origin, zeropoint=None):
        """The TargetImage ``TargetImage(data, variance=variance, mask=mask, pixelscale=pixelscale,
        origin=origin, zeropoint=zeropoint)``, holding the arrays themselves instead of checked copies:
        for a caller that has just made them valid (the survey's cutouts, one per image per group).

        data: 2-D float64 array, finite everywhere (flux per pixel); variance: float64 array of its
        shape, positive and finite on every pixel (flux^2); mask: bool array of its shape (True =
        not fitted); pixelscale: 2x2 (arcsec per pixel); origin: (x, y) arcsec. The image owns the
        arrays from then on. No PSF: assign one on the image's grid afterwards.
        """
        image = cls.__new__(cls)
        image.variance, image.has_variance = variance, True
        image.mask = mask
        image.zeropoint = cls._checked_zeropoint(zeropoint)
        image._set_grid(data, PlaneMapping.affine_of_checked(pixelscale_matrix(pixelscale), np.array(origin, float)))
        image.psf_upsample = 1
        image.psf = None
        return image

    @staticmethod
    def _checked_zeropoint(zeropoint):
        if zeropoint is None:
            return None
        check_numeric(zeropoint, "zeropoint", "a number (magnitudes)")
        try:
            value = float(zeropoint)
        except (TypeError, ValueError):
            raise TypeError(f"zeropoint must be a number (magnitudes), got {zeropoint!r}") from None
        if not np.isfinite(value):
            raise ValueError(f"zeropoint must be finite, got {value}")
        return value

    @staticmethod
    def _checked_upsample(psf_upsample):
        if isinstance(psf_upsample, bool) or not isinstance(psf_upsample, (int, np.integer)):
            raise TypeError(f"psf_upsample must be a positive integer, got {psf_upsample!r}")
        if psf_upsample < 1:
            raise ValueError(f"psf_upsample must be >= 1, got {psf_upsample}")
        return int(psf_upsample)

    def _psf_on_grid(self, psf):
        psf = psf if isinstance(psf, PSFImage) else PSFImage(psf)
        return psf.on_grid_of(self.pixelscale / self.psf_upsample)

    @property
    def weight(self):
        """Inverse variance, 1/flux^2 (0 on masked pixels)."""
        with np.errstate(divide="ignore"):
            return np.where(self.mask, 0.0, 1.0 / self.variance)

    def noise_level(self):
        """A typical per-pixel noise, flux: the 10th percentile of sqrt(variance) over the unmasked
        pixels (the quieter part of the image); None without a noise model (no variance or weight).

        Measured once per variance array and mask (kept while they are the same objects).
        """
        if not self.has_variance:
            return None
        cached = getattr(self, "_noise_level", None)
        if cached is None or cached[0] is not self.variance or cached[1] is not self.mask:
            used = self.variance[~self.mask]
            level = float(np.sqrt(linear_percentile(used, 10.0))) if used.size else None
            cached = self._noise_level = (self.variance, self.mask, level)
        return cached[2]

    def save(self, filename, overwrite=True):
        """Write the image to ``filename`` (FITS): data with its WCS or plane grid and zeropoint,
        variance, mask and PSF as extensions; ``TargetImage(filename=...)`` reads it back. Returns
        ``filename``."""
        from ..io.target_file import save_target

        return save_target(self, filename, overwrite)

    @property
    def has_psf(self):
        """True when the image has a PSF."""
        return self.psf is not None

    def place_on(self, reference_wcs):
        """Re-place the image on another tangent plane (see Image.place_on); the PSF follows."""
        super().place_on(reference_wcs)
        if self.psf is not None:
            self.psf = self.psf.on_grid_of(self.pixelscale / self.psf_upsample)

    def _fill_view(self, view, slices):
        view.variance = self.variance[slices]
        view.has_variance = self.has_variance
        view.mask = self.mask[slices]
        view.zeropoint = self.zeropoint
        view.psf = self.psf
        view.psf_upsample = self.psf_upsample
