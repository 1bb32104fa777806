"""Write images (targets, models, residuals) as FITS with their WCS."""

import numpy as np
from astropy.io import fits

from ..utils.atomic_file import atomic_write
from .plane_grid_cards import plane_grid_cards


def _header_for(image):
    """A header placing `image`: its celestial WCS when it has one, else a
    linear description of the plane grid (arcsec) in CD/CRPIX/CRVAL form for
    viewers, plus the exact grid in polychrome's cards (see plane_grid_cards),
    which read_target reads back."""
    header = fits.Header()
    if image.wcs is not None:
        header.update(image.wcs.to_header())
        return header
    P = np.asarray(image.pixelscale, dtype=float)
    header["CTYPE1"], header["CTYPE2"] = "LINEAR", "LINEAR"
    header["CUNIT1"], header["CUNIT2"] = "arcsec", "arcsec"
    # FITS pixel (1, 1) is the centre of array pixel (0, 0): plane origin + P @ (0.5, 0.5)
    header["CRPIX1"], header["CRPIX2"] = 1.0, 1.0
    centre = np.asarray(image.origin, dtype=float) + P @ np.array([0.5, 0.5])
    header["CRVAL1"], header["CRVAL2"] = float(centre[0]), float(centre[1])
    header["CD1_1"], header["CD1_2"] = float(P[0, 0]), float(P[0, 1])
    header["CD2_1"], header["CD2_2"] = float(P[1, 0]), float(P[1, 1])
    header.extend(plane_grid_cards(image))
    return header


def model_on_target(target, model):
    """The model image (flux per pixel) on the whole of `target`.

    model: a polychrome Model (each of its components that renders on
    `target` adds its light where its window lies), a ModelImage of a window
    of `target` (zero outside the window), or an array of the target's shape.
    """
    if hasattr(model, "light_on"):
        return model.light_on(target.window)
    window = getattr(model, "source_window", None)
    values = np.asarray(getattr(model, "data", model), dtype=float)
    if window is not None and window.image is target and values.shape != target.shape:
        image = np.zeros(target.shape)
        image[window.y_start:window.y_stop, window.x_start:window.x_stop] = values
        return image
    return values


def residual_arrays(target, model):
    """(residual, chi) for a target and a model (see model_on_target):
    residual = data - model (flux), chi = residual / sigma; masked pixels NaN."""
    model = model_on_target(target, model)
    if model.shape != target.shape:
        raise ValueError(f"model has shape {model.shape}, the target {target.shape}")
    residual = target.data - model
    chi = residual / np.sqrt(target.variance)
    residual = np.where(target.mask, np.nan, residual)
    chi = np.where(target.mask, np.nan, chi)
    return residual, chi


def write_fits(path, image, data=None, overwrite=False, **header_cards):
    """Write `data` (default image.data) with `image`'s WCS (or plane grid)
    to `path`; extra keyword arguments become header cards (e.g. BUNIT).

    Like astropy, an existing `path` is kept (FileExistsError) unless
    `overwrite=True`; the file is written whole to a temporary file and then
    renamed onto `path` (see utils.atomic_file), so an interrupted write
    never leaves a partial file, and writing over the image's own input file
    is safe."""
    values = np.asarray(image.data if data is None else data, dtype=float)
    if values.shape != image.shape:
        raise ValueError(f"data has shape {values.shape}, the image {image.shape}")
    header = _header_for(image)
    for key, value in header_cards.items():
        header[key.upper()[:8]] = value
    write_hdus(path, fits.HDUList([fits.PrimaryHDU(values, header=header)]), overwrite)


def write_fit_images(path, target, model, overwrite=False):
    """One FITS file with the target, the model, the residual and the chi
    images of a fit as named extensions (DATA, MODEL, RESIDUAL, CHI), each
    with the target's WCS. model: a Model (its light on `target`), a
    ModelImage or an array (see model_on_target). Written as write_fits
    writes (no overwrite unless asked, atomically)."""
    model = model_on_target(target, model)
    residual, chi = residual_arrays(target, model)
    header = _header_for(target)
    hdus = [fits.PrimaryHDU(header=header)]
    for name, values in (("DATA", target.data), ("MODEL", model), ("RESIDUAL", residual), ("CHI", chi)):
        hdus.append(fits.ImageHDU(values, header=header, name=name))
    write_hdus(path, fits.HDUList(hdus), overwrite)


def write_hdus(path, hdus, overwrite=False):
    """Write an astropy HDUList to `path` atomically; an existing file only with `overwrite`."""
    with atomic_write(path, overwrite=overwrite) as temporary:
        hdus.writeto(temporary, overwrite=True)
