"""Read a TargetImage from FITS files or HDUs (through astropy).

Every array argument (data, variance, weight, sigma, mask, psf) may be a file
path, an open HDUList, a single HDU or a numpy array; for FITS inputs `hdu`
picks the extension (index or name) and `plane` one image of a 3-D cube.
"""

import os

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from ..image import TargetImage
from .plane_grid_cards import plane_grid_from

# Header keywords searched, in order, for a photometric zeropoint (mag).
ZEROPOINT_KEYWORDS = ("MAGZERO", "MAGZPT", "ZEROPNT", "ZEROPT", "PHOTZP", "ZP")


def _hdu_of(source, hdu, name):
    """The HDU holding `source` (path / HDUList / HDU), or None for arrays."""
    if isinstance(source, (str, os.PathLike)):
        if not os.path.exists(source):
            raise FileNotFoundError(f"{name}: no such file {os.fspath(source)!r}")
        with fits.open(source, memmap=False) as hdul:
            return _hdu_of(hdul, hdu, name).copy()
    if isinstance(source, fits.HDUList):
        try:
            return source[hdu]
        except (KeyError, IndexError):
            raise ValueError(f"{name}: the FITS file has no HDU {hdu!r} "
                             f"(it has {[h.name or i for i, h in enumerate(source)]})") from None
    if isinstance(source, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
        return source
    return None


def _image_array(source, hdu, plane, name, single_image_ok=False):
    """(2-D float array, header or None) from any accepted input.

    `plane` picks one image of a cube; a single image with `plane` given is an
    error unless `single_image_ok` (a map that holds for every plane)."""
    found = _hdu_of(source, hdu, name)
    array = np.asarray(found.data if found is not None else source, dtype=float)
    header = found.header if found is not None else None
    if found is not None and found.data is None:
        raise ValueError(f"{name}: HDU {hdu!r} holds no image data")
    if plane is not None and (isinstance(plane, bool) or not isinstance(plane, (int, np.integer))):
        raise TypeError(f"{name}: plane must be an integer index into the cube, got {plane!r}")
    if array.ndim == 3:
        if plane is None:
            raise ValueError(f"{name} is a cube of {array.shape[0]} images: give plane= to pick one")
        if not 0 <= plane < array.shape[0]:
            raise ValueError(f"{name}: plane must be in [0, {array.shape[0]}), got {plane}")
        array = array[plane]
    elif plane is not None and array.ndim == 2 and not single_image_ok:
        raise ValueError(f"{name} is a single image: plane= applies to cubes only")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D image (or a cube with plane=), got {array.ndim} dimensions")
    return np.array(array, dtype=float), header


def _zeropoint_from(header):
    if header is None:
        return None
    for key in ZEROPOINT_KEYWORDS:
        if key in header:
            value = header[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise ValueError(f"data: header keyword {key} = {value!r} is not a finite number (a zeropoint, "
                                 "mag); fix the header or give zeropoint= explicitly")
            return float(value)
    return None


def _variance_from_sigma(sigma, mask):
    """sigma ** 2, after checking sigma is positive on the pixels that are not masked (squaring
    would hide a negative sigma, a sign of a wrong map)."""
    used = sigma[~mask] if mask is not None and mask.shape == sigma.shape else sigma  # TargetImage checks shapes
    bad = int(np.sum(~(used > 0) & ~np.isnan(used)))
    if bad:
        raise ValueError(f"sigma must be positive (flux, standard deviation) on every unmasked pixel; "
                         f"{bad} pixel(s) are zero or negative; mask them (mask=) or fix the map")
    return sigma ** 2


def read_target(data, *, hdu=0, plane=None, variance=None, weight=None, sigma=None, mask=None,
                psf=None, psf_hdu=0, psf_plane=None, psf_upsample=1, zeropoint=None,
                reference_wcs=None, use_wcs=True):
    """A TargetImage from FITS.

    data: the image (flux per pixel); its header gives the celestial WCS
    (placing the image on the tangent plane of `reference_wcs`, default its
    own) and, unless `zeropoint` is given, the zeropoint from the first of
    ZEROPOINT_KEYWORDS present. Give at most one of variance (flux^2),
    weight (inverse variance) or sigma (flux, standard deviation). mask:
    non-zero where a pixel must not be fitted (bit-flag masks work as is).
    psf: the PSF image (normalised on reading), `psf_upsample` times finer
    than the pixels. hdu/plane apply to every FITS input except the PSF,
    which has psf_hdu/psf_plane; a single-image variance, weight, sigma or
    mask beside a cube's plane is used as it is. A header without a celestial
    WCS but with polychrome's plane-grid cards (written by write_fits for an
    image without WCS) gives back that image's pixelscale and origin exactly.
    use_wcs=False ignores the header's WCS and those cards (pixel scale 1,
    origin 0).
    """
    given = [name for name, value in (("variance", variance), ("weight", weight), ("sigma", sigma))
             if value is not None]
    if len(given) > 1:
        raise ValueError(f"give at most one of variance, weight and sigma, got {given}")
    image, header = _image_array(data, hdu, plane, "data")

    def aux(source, name):
        return None if source is None else _image_array(source, hdu, plane, name, single_image_ok=True)[0]

    mask_array = None if mask is None else aux(mask, "mask") != 0
    var = aux(variance, "variance")
    if sigma is not None:
        var = _variance_from_sigma(aux(sigma, "sigma"), mask_array)
    wcs, grid = None, None
    if use_wcs and header is not None:
        candidate = WCS(header, naxis=2)
        if candidate.has_celestial:
            wcs = candidate.celestial
        else:
            grid = plane_grid_from(header)
    pixelscale, origin = (None, None) if grid is None else grid
    psf_array = None if psf is None else _image_array(psf, psf_hdu, psf_plane, "psf")[0]
    if zeropoint is None:
        zeropoint = _zeropoint_from(header)
    return TargetImage(image, variance=var, weight=aux(weight, "weight"), mask=mask_array,
                       psf=psf_array, psf_upsample=psf_upsample, zeropoint=zeropoint, wcs=wcs,
                       reference_wcs=reference_wcs, pixelscale=pixelscale, origin=origin)
