"""A small simulated multi-band field for the survey tests, rendered by GalSim (an independent renderer).

Each band is a FITS image with a TAN WCS at the field centre (its own pixel
scale and rotation), a constant variance map and a PSF image. The truth is
drawn by GalSim with tight accuracy settings: each source is the continuous
profile convolved with the continuous PSF, integrated over the pixels
(method "auto"); the PSF file holds the continuous PSF sampled at the pixel
centres (method "no_pixel"), as polychrome's convention wants (a model pixel
is the pixel integral of profile (x) PSF: the profile is pixel-integrated and
convolved with the sampled PSF). Positions are given on the field's TAN plane
in arcsec (x West, y North): PA counter-clockwise from +x, as polychrome.
"""

import dataclasses
import math

import numpy as np
from astropy.io import fits
from astropy.table import Table

from polychrome.survey.group_plane import GroupPlane
from polychrome.survey.image_spec import ImageSpec

FIELD_CENTRE = (150.1, 2.2)  # deg


@dataclasses.dataclass
class Band:
    name: str
    pixel: float  # arcsec
    shape: tuple  # (ny, nx)
    rotation: float  # deg, of the pixel axes against (West, North)
    psf: str  # "moffat" or "gaussian"
    fwhm: float  # arcsec
    sigma: float  # noise per pixel, flux
    zeropoint: float = 25.0
    psf_upsample: int = 1  # PSF pixels per image pixel
    stretch: float = 1.0  # pixel height / width (non-square pixels when not 1)


@dataclasses.dataclass
class Source:
    x: float  # arcsec on the field plane
    y: float
    flux: dict  # band -> total flux
    kind: str = "galaxy"
    n: float = 1.0
    Re: float = 1.0  # arcsec, semi-major half-light radius
    q: float = 1.0
    PA: float = 0.0  # rad, counter-clockwise from +x (West)


def _gsparams(galsim):
    return galsim.GSParams(folding_threshold=1e-4, maxk_threshold=1e-4, kvalue_accuracy=1e-6,
                           xvalue_accuracy=1e-6, maximum_fft_size=32768)


def _psf(galsim, band):
    gsparams = _gsparams(galsim)
    if band.psf == "moffat":
        return galsim.Moffat(beta=3.0, fwhm=band.fwhm, gsparams=gsparams)
    return galsim.Gaussian(fwhm=band.fwhm, gsparams=gsparams)


def _matrix(band):
    """Arcsec per pixel on the plane (x West, y North): columns are the steps in x and y."""
    c, s = math.cos(math.radians(band.rotation)), math.sin(math.radians(band.rotation))
    return band.pixel * np.array([[c, -s], [s, c]]) @ np.diag([1.0, band.stretch])


def _header(band):
    A = _matrix(band)
    ny, nx = band.shape
    header = fits.Header()
    header["CTYPE1"], header["CTYPE2"] = "RA---TAN", "DEC--TAN"
    header["CRVAL1"], header["CRVAL2"] = FIELD_CENTRE
    header["CRPIX1"], header["CRPIX2"] = (nx + 1) / 2.0, (ny + 1) / 2.0  # field centre at the image centre
    header["CD1_1"], header["CD1_2"] = -A[0, 0] / 3600.0, -A[0, 1] / 3600.0
    header["CD2_1"], header["CD2_2"] = A[1, 0] / 3600.0, A[1, 1] / 3600.0
    header["CUNIT1"], header["CUNIT2"] = "deg", "deg"
    header["MAGZERO"] = band.zeropoint
    return header


def render_band(band, sources):
    """The noiseless GalSim image of ``sources`` in ``band`` (ny, nx) and its sampled PSF image."""
    import galsim

    A = _matrix(band)
    ny, nx = band.shape
    # GalSim world (u, v) = the field plane (x West, y North), arcsec; the image centre at (0, 0)
    wcs = galsim.AffineTransform(A[0, 0], A[0, 1], A[1, 0], A[1, 1],
                                 origin=galsim.PositionD((nx + 1) / 2.0, (ny + 1) / 2.0))
    image = galsim.ImageD(nx, ny, wcs=wcs)
    psf = _psf(galsim, band)
    for source in sources:
        flux = source.flux[band.name]
        if source.kind == "star":
            profile = psf.withFlux(flux)
        else:
            galaxy = galsim.Sersic(n=source.n, half_light_radius=source.Re * math.sqrt(source.q), flux=flux,
                                   gsparams=_gsparams(galsim))
            galaxy = galaxy.shear(q=source.q, beta=source.PA * galsim.radians)
            profile = galsim.Convolve(galaxy, psf, gsparams=_gsparams(galsim))
        profile = profile.shift(source.x, source.y)
        profile.drawImage(image=image, add_to_image=True, method="auto")
    fine = A / band.psf_upsample
    size = 2 * int(math.ceil(3.0 * band.fwhm / band.pixel * band.psf_upsample)) + 1
    local = galsim.JacobianWCS(fine[0, 0], fine[0, 1], fine[1, 0], fine[1, 1])
    psf_image = psf.drawImage(nx=size, ny=size, wcs=local, method="no_pixel").array
    return image.array, psf_image


def write_field(folder, bands, sources, seed=1, nan_psf=(), nan_box=None):
    """Write each band (data, variance, psf) to ``folder``; returns (catalog Table, [ImageSpec],
    noiseless images {band: array}). nan_psf: band names whose PSF file gets a NaN pixel;
    nan_box: (band, (x0, x1, y0, y1)) pixels set to NaN in the data."""
    rng = np.random.default_rng(seed)
    specs, clean = [], {}
    for band in bands:
        truth, psf = render_band(band, sources)
        clean[band.name] = truth
        data = truth + rng.normal(0.0, band.sigma, truth.shape)
        if nan_box is not None and nan_box[0] == band.name:
            x0, x1, y0, y1 = nan_box[1]
            data[y0:y1, x0:x1] = np.nan
        if band.name in nan_psf:
            psf[0, 0] = np.nan
        paths = {key: str(folder / f"{band.name}_{key}.fits") for key in ("data", "variance", "psf")}
        fits.PrimaryHDU(data.astype(np.float32), header=_header(band)).writeto(paths["data"], overwrite=True)
        fits.PrimaryHDU(np.full(truth.shape, band.sigma ** 2, np.float32)).writeto(paths["variance"],
                                                                                  overwrite=True)
        fits.PrimaryHDU(psf).writeto(paths["psf"], overwrite=True)
        specs.append(ImageSpec(data=paths["data"], band=band.name, variance=paths["variance"], psf=paths["psf"],
                               psf_upsample=band.psf_upsample))
    plane = GroupPlane(*FIELD_CENTRE)
    ra, dec = plane.to_sky([s.x for s in sources], [s.y for s in sources])
    catalog = Table({"id": np.arange(1, len(sources) + 1), "ra": ra, "dec": dec,
                     "size": [s.Re if s.kind == "galaxy" else 0.3 for s in sources]})
    return catalog, specs, clean
