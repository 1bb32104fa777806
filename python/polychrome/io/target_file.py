"""A TargetImage in one FITS file and back: ``target.save(filename)``, ``TargetImage(filename=...)``.

The primary HDU holds the data (flux per pixel) with the image's WCS, or
its plane grid in polychrome's exact cards, and the zeropoint (MAGZERO);
extensions VARIANCE (flux^2, when the image has one), MASK (1 = not fitted,
when any pixel is masked) and PSF (normalised, with PSF_UPS, its
upsampling) follow.
"""

import os

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from .fits_output import _header_for, write_hdus
from .plane_grid_cards import plane_grid_from


def save_target(target, filename, overwrite=True):
    """Write ``target`` to ``filename`` (FITS, see the module docstring); returns ``filename``.

    An existing file is replaced unless ``overwrite=False`` (then
    FileExistsError), atomically.
    """
    header = _header_for(target)
    if target.zeropoint is not None:
        header["MAGZERO"] = (float(target.zeropoint), "mag = MAGZERO - 2.5 log10(flux)")
    hdus = [fits.PrimaryHDU(np.asarray(target.data, dtype=float), header=header)]
    if target.has_variance:
        hdus.append(fits.ImageHDU(np.asarray(target.variance, dtype=float), name="VARIANCE"))
    if np.any(target.mask):
        hdus.append(fits.ImageHDU(np.asarray(target.mask, dtype=np.uint8), name="MASK"))
    if target.has_psf:
        psf_header = fits.Header()
        psf_header["PSF_UPS"] = (int(target.psf_upsample), "PSF pixels per image pixel, per axis")
        hdus.append(fits.ImageHDU(np.asarray(target.psf.data, dtype=float), header=psf_header, name="PSF"))
    write_hdus(filename, fits.HDUList(hdus), overwrite)
    return filename


def target_arguments(filename):
    """{keyword: value} for TargetImage from a file written by ``save_target`` (or any FITS image:
    the primary HDU's data and WCS, and the extensions above where present)."""
    if not os.path.exists(filename):
        raise FileNotFoundError(f"filename: no such file {os.fspath(filename)!r}")
    with fits.open(filename, memmap=False) as hdus:
        header = hdus[0].header
        if hdus[0].data is None or np.ndim(hdus[0].data) != 2:
            raise ValueError(f"filename: {filename!r} has no 2-D image in its primary HDU")
        arguments = {"data": np.array(hdus[0].data, dtype=float)}
        names = [hdu.name for hdu in hdus]
        if "VARIANCE" in names:
            arguments["variance"] = np.array(hdus["VARIANCE"].data, dtype=float)
        if "MASK" in names:
            arguments["mask"] = np.array(hdus["MASK"].data) != 0
        if "PSF" in names:
            arguments["psf"] = np.array(hdus["PSF"].data, dtype=float)
            arguments["psf_upsample"] = int(hdus["PSF"].header.get("PSF_UPS", 1))
        if "MAGZERO" in header:
            arguments["zeropoint"] = float(header["MAGZERO"])
        wcs = WCS(header, naxis=2)
        if wcs.has_celestial:
            arguments["wcs"] = wcs.celestial
        else:
            grid = plane_grid_from(header, "filename")
            if grid is not None:
                arguments["pixelscale"], arguments["origin"] = grid
    return arguments
