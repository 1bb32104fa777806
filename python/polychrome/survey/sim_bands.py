"""The bands (images) of a simulated survey field: pixel grid, WCS, PSF, zeropoint, noise.

Each band is one image of the same patch of sky with its own pixel grid: its
own pixel scale, its own orientation (a grid rotated on the sky) and extent,
a real TAN WCS whose tangent point is the field centre (so every band maps
exactly affinely onto the field's tangent plane), a circular Moffat PSF and
Gaussian sky noise.

The field's tangent plane is polychrome's (``polychrome.image.tangent_plane``):
x increases to the West and y to the North, in arcsec; its zero is the outer
corner of pixel (0, 0) of the first band, the reference.
"""

import dataclasses
import math

import numpy as np

ARCSEC_PER_DEGREE = 3600.0


@dataclasses.dataclass(frozen=True)
class Band:
    """One simulated image.

    name: band name (the pipeline's band label, also the file names).
    pixel_scale: arcsec per pixel (square pixels), > 0.
    rotation: degrees; the pixel grid turned counter-clockwise on the tangent
        plane (x West, y North) from north-up, east-left (0: pixel +x is West).
    psf_fwhm: full width at half maximum of the Moffat PSF, arcsec, > 0.
    psf_beta: Moffat power index beta (> 1.5 for a finite second moment).
    zeropoint: mag of one flux unit: mag = zeropoint - 2.5 log10(flux).
    sky_mag: 1-sigma sky noise surface brightness, mag/arcsec^2; the noise
        per pixel is 10**(-0.4 (sky_mag - zeropoint)) * pixel_scale (flux).
    colour: mean galaxy magnitude of this band minus the reference band's (mag).
    colour_scatter: standard deviation of that colour between galaxies (mag).
    noise_map: "variance" (flux^2) or "weight" (1/flux^2): which file is written.
    """

    name: str
    pixel_scale: float
    rotation: float = 0.0
    psf_fwhm: float = 0.3
    psf_beta: float = 3.5
    zeropoint: float = 30.0
    sky_mag: float = 27.5
    colour: float = 0.0
    colour_scatter: float = 0.2
    noise_map: str = "variance"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"Band name must be a short identifier (letters, digits, _), got {self.name!r}")
        for field, low in (("pixel_scale", 0.0), ("psf_fwhm", 0.0), ("psf_beta", 1.5)):
            value = getattr(self, field)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > low):
                raise ValueError(f"Band {self.name}: {field} must be a finite number > {low}, got {value!r}")
        if self.noise_map not in ("variance", "weight"):
            raise ValueError(f"Band {self.name}: noise_map must be 'variance' or 'weight', got {self.noise_map!r}")

    @property
    def sky_sigma(self):
        """Gaussian sky noise per pixel (flux)."""
        return 10 ** (-0.4 * (self.sky_mag - self.zeropoint)) * self.pixel_scale

    @property
    def psf_half_size(self):
        """Half-size (pixels) of the PSF image: 6 FWHM, where the Moffat (beta 3.5)
        holds 2e-4 of its light outside (the simulated PSF is the Moffat cut
        to that square, normalised)."""
        return int(math.ceil(6.0 * self.psf_fwhm / self.pixel_scale))

    @property
    def psf_rd(self):
        """Moffat core radius Rd (arcsec) of this FWHM and beta."""
        return self.psf_fwhm / (2.0 * math.sqrt(2.0 ** (1.0 / self.psf_beta) - 1.0))


# Three grids over the same sky: a space-like 0.1" band, a ground-like 0.2" band
# rotated by 30 degrees and a coarse 0.4" band (PSF FWHM 3, 3.5 and 3 pixels).
DEFAULT_BANDS = (
    Band("vis", 0.1, 0.0, psf_fwhm=0.3, zeropoint=30.0, sky_mag=27.5, colour=0.0, noise_map="weight"),
    Band("r", 0.2, 30.0, psf_fwhm=0.7, zeropoint=31.0, sky_mag=27.0, colour=0.3),
    Band("ks", 0.4, 0.0, psf_fwhm=1.2, zeropoint=29.0, sky_mag=26.0, colour=-0.6, colour_scatter=0.4),
)


def band_wcs(band, shape, centre):
    """The TAN WCS of ``band`` on an image of ``shape`` (ny, nx) centred on
    ``centre`` = (ra, dec) deg, its tangent point; north-up east-left grid
    turned by ``band.rotation`` degrees counter-clockwise."""
    from astropy.wcs import WCS

    ny, nx = shape
    turn = math.radians(band.rotation)
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    # pixel step -> (West, North) arcsec, then to FITS intermediate (East, North) degrees
    plane = band.pixel_scale * rotation
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [float(centre[0]), float(centre[1])]
    wcs.wcs.crpix = [(nx + 1) / 2.0, (ny + 1) / 2.0]
    wcs.wcs.cd = np.diag([-1.0, 1.0]) @ plane / ARCSEC_PER_DEGREE
    wcs.wcs.radesys = "ICRS"
    wcs.wcs.set()
    return wcs


def band_shape(band, field_size):
    """(ny, nx) of the square image in ``band``'s pixels that covers the square field of side
    ``field_size`` arcsec: a turned grid is larger (side times |cos| + |sin| of its rotation)."""
    turn = math.radians(band.rotation)
    side = int(math.ceil(field_size * (abs(math.cos(turn)) + abs(math.sin(turn))) / band.pixel_scale - 1e-9))
    if side < 8:
        raise ValueError(f"field_size {field_size} arcsec is under 8 pixels of band {band.name} "
                         f"({band.pixel_scale} arcsec/pixel)")
    return side, side


def moffat_sampled(band, matrix, factor=1):
    """The band's Moffat PSF sampled at the centres of pixels ``factor`` (odd)
    times finer than the grid ``matrix`` (arcsec per pixel, 2x2), no pixel
    response: an odd (2 factor h + 1)^2 image, sum 1, h = band.psf_half_size.

    Convolving a profile integrated over those fine pixels with this image is
    the pixel integral of the profile convolved with the Moffat (what a
    telescope records) to the accuracy of the fine sampling; see sim_render.
    """
    if factor < 1 or factor % 2 == 0:
        raise ValueError(f"factor must be an odd integer >= 1 (fine pixels per pixel), got {factor!r}")
    half = band.psf_half_size * factor
    oy, ox = np.indices((2 * half + 1, 2 * half + 1)) - half
    fine = np.asarray(matrix, float) / factor
    px = fine[0, 0] * ox + fine[0, 1] * oy
    py = fine[1, 0] * ox + fine[1, 1] * oy
    image = (1.0 + (px * px + py * py) / band.psf_rd**2) ** (-band.psf_beta)
    return image / image.sum()


def moffat_star_image(band, matrix):
    """The band's PSF as a star's image: the Moffat integrated over each pixel
    (what PSFEx or a stacked star gives), (2 h + 1)^2 pixels, sum 1. This is
    the PSF file written for the pipeline."""
    from polychrome.utils.initialize import moffat_psf

    return moffat_psf(band.psf_beta, band.psf_rd, 2 * band.psf_half_size + 1, matrix)
