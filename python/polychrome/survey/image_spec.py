"""ImageSpec (what a survey image is: paths and numbers) and open_image (its arrays, opened once per process).

A spec pickles small and hashes, so that tasks carry specs, not pixels; each
worker opens the FITS files itself, memory-mapped, and keeps them open (with
the WCS, the normalised PSF and the noise level) for the next group.
"""

import dataclasses
import math
import os
import threading
from collections import OrderedDict

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from ..image.psf_extent import PsfExtent
from ..image.psf_image import PSFImage
from ..io.fits_target import _zeropoint_from
from .spec_dict import from_fields

ARCSEC_PER_DEGREE = 3600.0
# Open images kept per process (each holds memory maps and small arrays only).
_CACHE_SIZE = 64
# PSF grids kept per image, and the relative precision (of the pixel-scale matrix) that tells them apart.
_PSF_GRIDS = 256
_PSF_GRID_DIGITS = 7


@dataclasses.dataclass(frozen=True)
class ImageSpec:
    """One survey image: FITS paths and numbers only.

    data: FITS file of the image (flux per pixel), HDU ``hdu`` (index or
    name), with a celestial WCS in its header. band: the band name (the
    output's flux_<band>/mag_<band> columns). At most one of variance
    (flux^2), weight (1/flux^2) or sigma (flux), each a FITS file read at
    ``noise_hdu``; without any, the variance is the image's sigma-clipped
    background variance plus data/gain where ``gain`` (e-/flux unit) is
    given. mask: FITS file (``mask_hdu``), non-zero = bad pixel. psf: FITS
    file of the PSF (``psf_hdu``), odd-sized, at the image's pixel scale
    times ``psf_upsample``; normalised on reading. plane: the image of a
    cube (data, and the noise and mask maps when they are cubes too);
    psf_plane: the PSF's, of a PSF cube. zeropoint: mag =
    zeropoint - 2.5 log10(flux) (default: the header's, see
    io.fits_target.ZEROPOINT_KEYWORDS). name: a label (default the band).
    """

    data: str
    band: str
    hdu: object = 0
    variance: str = None
    weight: str = None
    sigma: str = None
    noise_hdu: object = 0
    mask: str = None
    mask_hdu: object = 0
    psf: str = None
    psf_hdu: object = 0
    psf_upsample: int = 1
    plane: int = None
    psf_plane: int = None
    zeropoint: float = None
    gain: float = None
    name: str = None

    def __post_init__(self):
        for field in ("data", "variance", "weight", "sigma", "mask", "psf"):
            value = getattr(self, field)
            if value is not None:
                if not isinstance(value, (str, os.PathLike)):
                    raise TypeError(f"ImageSpec.{field} must be a path to a FITS file, got {type(value).__name__}")
                object.__setattr__(self, field, os.fspath(value))
        if not isinstance(self.band, str) or not self.band:
            raise ValueError(f"ImageSpec.band must be a non-empty string (the band's name), got {self.band!r}")
        given = [f for f in ("variance", "weight", "sigma") if getattr(self, f) is not None]
        if len(given) > 1:
            raise ValueError(f"ImageSpec: give at most one of variance, weight and sigma, got {given}")
        for field in ("zeropoint", "gain"):
            value = getattr(self, field)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise ValueError(f"ImageSpec.{field} must be a finite number or None, got {value!r}")
                object.__setattr__(self, field, float(value))
        if self.gain is not None and not self.gain > 0:
            raise ValueError(f"ImageSpec.gain must be > 0 (e- per flux unit), got {self.gain}")
        for field in ("plane", "psf_plane"):
            value = getattr(self, field)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"ImageSpec.{field} must be None or an integer >= 0 (a cube's plane), got {value!r}")
        if isinstance(self.psf_upsample, bool) or not isinstance(self.psf_upsample, int) or self.psf_upsample < 1:
            raise ValueError(f"ImageSpec.psf_upsample must be an integer >= 1, got {self.psf_upsample!r}")

    @property
    def label(self):
        """The image's name, or its band when it has none."""
        return self.name or self.band

    def to_dict(self):
        """A plain dict (YAML/JSON-able) that from_dict turns back into this spec."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) != f.default}

    @classmethod
    def from_dict(cls, d):
        """An ImageSpec from a dict of its fields (unknown keys raise ValueError naming them)."""
        what = f"image {d.get('name') or d.get('band')!r}" if isinstance(d, dict) else "an image"
        return from_fields(cls, d, what)


def _hdu(hdul, which, path):
    try:
        return hdul[which]
    except (KeyError, IndexError):
        raise ValueError(f"{path}: no HDU {which!r} (it has {[h.name or i for i, h in enumerate(hdul)]})") from None


class OpenImage:
    """The arrays of an ImageSpec, memory-mapped, with its WCS, PSF and noise level.

    Attributes: spec, data (2-D, memory-mapped, native units), shape (ny, nx),
    wcs (celestial astropy WCS), psf (PSFImage, normalised, without a pixel
    scale of its own, or None), psf_fwhm (arcsec, 0 without PSF), pixel_size
    (arcsec, sqrt of the pixel area at the reference pixel), zeropoint (mag
    or None), problem (None, or why the image cannot be fitted: e.g. a PSF
    with NaN pixels; its geometry still tells which sources it covers).
    """

    def __init__(self, spec):
        self.spec = spec
        self._files = []
        hdu = self._open(spec.data, spec.hdu, "data")
        self.data = self._plane_of(hdu.data, spec.plane, "data", spec.data)
        self.shape = self.data.shape
        wcs = WCS(hdu.header, naxis=2)
        if not wcs.has_celestial:
            raise ValueError(f"image {spec.label!r}: {spec.data} has no celestial WCS in its header")
        self.wcs = wcs.celestial
        self._distortion_free = not self.wcs.has_distortion
        self.zeropoint = spec.zeropoint if spec.zeropoint is not None else _zeropoint_from(hdu.header)
        self.noise_kind = next((k for k in ("variance", "weight", "sigma") if getattr(spec, k) is not None), None)
        self.noise = None if self.noise_kind is None else self._aux(getattr(spec, self.noise_kind), spec.noise_hdu,
                                                                    self.noise_kind)
        self.mask = None if spec.mask is None else self._aux(spec.mask, spec.mask_hdu, "mask")
        self.pixel_size = float(math.sqrt(abs(np.linalg.det(self.wcs.pixel_scale_matrix))) * ARCSEC_PER_DEGREE)
        self.psf = None
        self.psf_fwhm = 0.0
        # a PSF that cannot be used leaves the image's geometry usable: its sources are then
        # flagged (the image gives them no data) instead of the whole group failing
        self.problem = None
        if spec.psf is not None:
            try:
                psf_array = np.asarray(self._plane_of(self._open(spec.psf, spec.psf_hdu, "psf").data,
                                                      spec.psf_plane, "psf", spec.psf), dtype=float)
                # no pixel scale: each cutout gives the PSF its own grid (see cutouts)
                self.psf = PSFImage(psf_array)
            except (TypeError, ValueError) as err:
                self.problem = f"image {spec.label!r}: psf {spec.psf}: {err}"
            else:
                step = self.pixel_size / spec.psf_upsample
                self.psf_fwhm = PsfExtent(self.psf.data, np.diag([step, step])).fwhm
        elif spec.psf_upsample != 1:
            raise ValueError(f"image {spec.label!r}: psf_upsample={spec.psf_upsample} needs a psf")
        self._background_variance = None
        self._psf_grids = {}

    def _open(self, path, which, what):
        if not os.path.exists(path):
            raise FileNotFoundError(f"image {self.spec.label!r}: {what}: no such file {path!r}")
        hdul = fits.open(path, memmap=True, lazy_load_hdus=True)
        self._files.append(hdul)
        return _hdu(hdul, which, path)

    def _plane_of(self, array, plane, what, path, single_image_ok=False):
        """The 2-D image of ``array``: itself, or its plane ``plane`` when it is a cube (a single
        image beside a cube's plane is used as it is when ``single_image_ok``)."""
        if array is not None and array.ndim == 3 and plane is not None:
            if not 0 <= plane < array.shape[0]:
                raise ValueError(f"image {self.spec.label!r}: {what} {path} has {array.shape[0]} planes, "
                                 f"plane {plane} asked for")
            return array[plane]
        if array is not None and array.ndim == 2 and (plane is None or single_image_ok):
            return array
        raise ValueError(f"image {self.spec.label!r}: {what} {path} must hold a 2-D image, or a cube with "
                         f"plane= (it holds {None if array is None else array.shape}, plane={plane!r})")

    def _aux(self, path, which, what):
        array = self._plane_of(self._open(path, which, what).data, self.spec.plane, what, path, single_image_ok=True)
        if array is None or array.shape != self.shape:
            raise ValueError(f"image {self.spec.label!r}: {what} {path} must be an image of the data's shape "
                             f"{self.shape}, got {None if array is None else array.shape}")
        return array

    # --- geometry -----------------------------------------------------------------
    def sky_to_pixel(self, ra, dec):
        """0-based pixel coordinates (x = column, y = row) of ra, dec (deg, arrays)."""
        ra, dec = np.asarray(ra, float), np.asarray(dec, float)
        if self._distortion_free and ra.ndim == 1 and ra.shape == dec.shape and ra.size:
            # what all_world2pix computes for a WCS without distortions (its first step), without
            # its argument handling: a tenth of the cost, called for every image of every group
            pixel = self.wcs.wcs.s2p(np.column_stack([ra, dec]), 0)["pixcrd"]
            return pixel[:, 0], pixel[:, 1]
        x, y = self.wcs.all_world2pix(ra, dec, 0)
        return np.asarray(x, float), np.asarray(y, float)

    def pixel_to_sky(self, x, y):
        """(ra, dec) in deg of 0-based pixel coordinates (arrays)."""
        ra, dec = self.wcs.all_pix2world(np.asarray(x, float), np.asarray(y, float), 0)
        return np.asarray(ra, float), np.asarray(dec, float)

    def covers(self, ra, dec, radius=0.0):
        """(N,) bool: the sources at ra, dec (deg) lie on the image, at least ``radius`` arcsec inside
        its edges when radius > 0 (footprint wholly on it), or within |radius| outside them when
        radius < 0 (footprint touching it)."""
        x, y = self.sky_to_pixel(ra, dec)
        inset = np.asarray(radius, float) / self.pixel_size
        ny, nx = self.shape
        with np.errstate(invalid="ignore"):
            return (x >= inset - 0.5) & (x <= nx - 0.5 - inset) & (y >= inset - 0.5) & (y <= ny - 0.5 - inset)

    def psf_on_grid(self, pixelscale):
        """The PSF (PSFImage) on the grid ``pixelscale`` (2x2 arcsec per PSF pixel), kept per grid
        (matrices equal to 1e-7 relative share one, where PSFImage.on_grid_of needs them equal; the
        WCS's local map differs by rounding from group to group); every grid shares the image PSF's
        convolver and point-source renderer (see PSFImage.on_grid_of)."""
        scale = self.pixel_size / self.spec.psf_upsample
        key = psf_grid_key(pixelscale, scale)
        placed = self._psf_grids.get(key)
        if placed is None:
            placed = self.psf.on_grid_of(pixelscale)
            if len(self._psf_grids) >= _PSF_GRIDS:
                self._psf_grids.clear()
            self._psf_grids[key] = placed
        return placed

    # --- pixels -------------------------------------------------------------------
    def variance_of(self, data, slices, unknown_as_nan=True):
        """Variance (flux^2, float64) of the pixels ``data = self.data[slices]``: NaN where unknown,
        or, with ``unknown_as_nan`` False, there any number that is not finite and positive (a
        weight's reciprocal as it comes: what cutouts._usable_pixels marks bad either way)."""
        if self.noise_kind == "variance":
            return np.array(self.noise[slices], dtype=float)
        if self.noise_kind == "weight":
            weight = np.array(self.noise[slices], dtype=float)
            if not unknown_as_nan:
                # 1 / w is finite and positive exactly where w is (a subnormal w's is inf)
                with np.errstate(divide="ignore", over="ignore"):
                    return np.divide(1.0, weight, out=weight)
            return np.divide(1.0, weight, out=np.full(weight.shape, np.nan), where=weight > 0)
        if self.noise_kind == "sigma":
            sigma = np.array(self.noise[slices], dtype=float)
            return np.where(sigma > 0, sigma ** 2, np.nan)
        variance = np.full(data.shape, self.background_variance())
        if self.spec.gain is not None:
            variance += np.clip(data, 0.0, None) / self.spec.gain
        return variance

    def background_variance(self):
        """The image's background variance, flux^2: the squared sigma-clipped scatter of up to ~250 000
        pixels spread over the image (measured once)."""
        if self._background_variance is None:
            from astropy.stats import sigma_clipped_stats

            step = max(1, int(math.sqrt(self.data.size / 250_000)))
            sample = np.asarray(self.data[::step, ::step], dtype=float)
            sample = sample[np.isfinite(sample)]
            std = sigma_clipped_stats(sample)[2] if sample.size else float("nan")
            if not std > 0:
                raise ValueError(f"image {self.spec.label!r}: no noise map given and the background scatter "
                                 f"is {std!r}; give variance, weight or sigma")
            self._background_variance = float(std) ** 2
        return self._background_variance

    def close(self):
        """Close the FITS files (the arrays then no longer read)."""
        for hdul in self._files:
            hdul.close()
        self._files = []


def psf_grid_key(pixelscale, scale):
    """The entries of ``pixelscale`` (2x2 array) over ``scale``, each rounded to _PSF_GRID_DIGITS
    decimals as np.round rounds (x 10^d, to the nearest integer with ties to even, / 10^d; a zero's
    sign aside), in Python floats: a tuple (a grid's key in OpenImage.psf_on_grid)."""
    factor = 10.0 ** _PSF_GRID_DIGITS
    return tuple(round(v / scale * factor) / factor for v in pixelscale.ravel().tolist())


_OPEN = OrderedDict()
_OPEN_LOCK = threading.Lock()  # Dask workers may run several threads in one process


def open_image(spec):
    """The OpenImage of ``spec`` (an ImageSpec), opened on first use and kept per process.

    A spec that failed to open raises the same error again without reopening
    the files (each group asks). Raises FileNotFoundError or ValueError naming
    the image and what is wrong (missing file or HDU, no celestial WCS, a
    map of another shape, a PSF that is not odd-sized, finite and positive).
    """
    with _OPEN_LOCK:
        found = _OPEN.get(spec)
        if found is None:
            try:
                found = OpenImage(spec)
            except (OSError, ValueError, TypeError) as err:
                found = err
            _OPEN[spec] = found
            while len(_OPEN) > _CACHE_SIZE:
                old = _OPEN.popitem(last=False)[1]
                if isinstance(old, OpenImage):
                    old.close()
        else:
            _OPEN.move_to_end(spec)
    if isinstance(found, BaseException):
        raise found
    return found


def forget_open_images():
    """Close and drop every image opened by open_image in this process (e.g. after files changed)."""
    with _OPEN_LOCK:
        while _OPEN:
            old = _OPEN.popitem()[1]
            if isinstance(old, OpenImage):
                old.close()

