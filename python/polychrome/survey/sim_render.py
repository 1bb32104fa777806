"""Paint Sersic galaxies and point sources into a (large) image, one stamp per source.

Each source is rendered on its own stamp, a box of pixels around it large
enough to hold all but ~1e-3 of its light (capped at ``max_radius``) plus the
PSF, and added into the image: the cost grows with the sources' areas, not
with the image's. Two renderers:

- polychrome (fast): a galaxy's pixel-integrated Sersic convolved with a PSF
  image. Given the continuous PSF sampled at the centres of pixels 3 or 5
  times finer (``galaxy_psf`` a function of that factor), the profile is
  rendered on that finer grid, convolved and summed back into the pixels:
  the pixel integral of Sersic x PSF, what a telescope records (within ~1e-4
  of the peak of GalSim's, 3e-3 for a cuspy n = 4 galaxy of Re < 2 pixels).
  Given an image (the PSF file), it is the pipeline's own model. A star is
  the star image (the pixel-integrated PSF) moved to its sub-pixel position.
- GalSim (independent truth): Sersic convolved with the Moffat and the pixel,
  drawn by FFT with tight GSParams (TIGHT_GSPARAMS), in double precision.

Source arrays (dict): x, y (plane arcsec), Re (arcsec, semi-major), n, q,
PA (rad, counter-clockwise from the plane's +x), flux (image units), kind
('galaxy' or 'star').
"""

import dataclasses
import math

import numpy as np
from scipy.special import gamma, gammainc, gammaincinv

FLUX_FRACTION = 1.0 - 1e-3   # light of a galaxy inside its stamp (before the max_radius cap)
MAX_RADIUS = 30.0            # arcsec: largest stamp half-size (a bright n ~ 4 galaxy is cut there)

# GalSim accuracy for the independent renderer: its defaults fold light from
# outside the FFT box back in (folding_threshold 5e-3) and cut high frequencies
# (maxk_threshold 1e-3), which biases a galaxy at the 1e-3 level.
TIGHT_GSPARAMS = dict(folding_threshold=1e-5, maxk_threshold=1e-5, kvalue_accuracy=1e-6,
                      xvalue_accuracy=1e-6, maximum_fft_size=16384)


@dataclasses.dataclass(frozen=True)
class Grid:
    """An image's pixels on the plane: ``shape`` (ny, nx); ``matrix`` arcsec per
    pixel (2x2, columns: plane step of +1 pixel in x and in y); ``origin`` plane
    position (arcsec) of the outer corner of pixel (0, 0)."""

    shape: tuple
    matrix: np.ndarray
    origin: np.ndarray

    def pixel_of(self, x, y):
        """0-based pixel coordinates (column, row; centres at integers) of plane (x, y) arcsec."""
        local = np.linalg.solve(self.matrix, np.array([np.asarray(x) - self.origin[0],
                                                       np.asarray(y) - self.origin[1]]))
        return local[0] - 0.5, local[1] - 0.5

    @property
    def pixel_scale(self):
        """Side of a pixel, arcsec (square root of its area)."""
        return math.sqrt(abs(np.linalg.det(self.matrix)))

    def stamp(self, x, y, radius):
        """(row slice, column slice) of the pixels within ``radius`` arcsec of plane (x, y),
        clipped to the image; None when they miss it."""
        column, row = self.pixel_of(x, y)
        half = radius / self.pixel_scale
        ny, nx = self.shape
        i0, i1 = max(int(math.floor(row - half)), 0), min(int(math.ceil(row + half)) + 1, ny)
        j0, j1 = max(int(math.floor(column - half)), 0), min(int(math.ceil(column + half)) + 1, nx)
        if i0 >= i1 or j0 >= j1:
            return None
        return slice(i0, i1), slice(j0, j1)

    def stamp_origin(self, rows, columns):
        """Plane position (arcsec) of the outer corner of a stamp's first pixel."""
        return self.origin + self.matrix @ np.array([columns.start, rows.start], dtype=float)


def sersic_b(n):
    """Sersic b(n) (exact root, from polychrome's core)."""
    from polychrome import _core

    return _core.sersic_b(float(n))[0]


def sersic_ie(flux, re, n, q):
    """log10 surface brightness at Re (flux/arcsec^2) of a Sersic of total ``flux``."""
    b = sersic_b(n)
    return math.log10(flux / (2.0 * math.pi * q * re * re * n * math.exp(b) * b ** (-2.0 * n) * gamma(2.0 * n)))


def sersic_radius(re, n, fraction):
    """Semi-major axis (arcsec) of the ellipse holding ``fraction`` of a Sersic's light."""
    return re * (gammaincinv(2.0 * n, fraction) / sersic_b(n)) ** n


def sersic_fraction(re, n, radius):
    """Fraction of a Sersic's light inside the ellipse of semi-major ``radius`` arcsec."""
    return float(gammainc(2.0 * n, sersic_b(n) * (radius / re) ** (1.0 / n)))


def galaxy_radius(re, n, max_radius=MAX_RADIUS):
    """Stamp radius (arcsec, before the PSF) of a galaxy: FLUX_FRACTION of its light, capped."""
    return min(sersic_radius(re, n, FLUX_FRACTION), max_radius)


def fine_factor(re, n, pixel_scale):
    """How many times finer than the image's pixels a galaxy of semi-major Re
    (arcsec) and index n is rendered and convolved by paint_polychrome: 5 for
    a steep core (n > 2, Re below 3 pixels), else 3."""
    return 5 if n > 2.0 and re < 3.0 * pixel_scale else 3


def paint_polychrome(image, grid, sources, *, galaxy_psf, star_psf, psf_radius, psf_upsample=1, tolerance=1e-5,
                     max_radius=MAX_RADIUS):
    """Add every source of ``sources`` to ``image`` (float array of grid.shape), in place.

    galaxy_psf: PSF image (odd, sum 1) convolved with the pixel-integrated Sersic
    on pixels ``psf_upsample`` times finer than the image's, or a function
    ``factor -> PSF image`` at pixels ``factor`` times finer (odd, centred),
    used as fine_factor says; star_psf: PSF image (``psf_upsample`` times finer)
    placed at a star's position; psf_radius: arcsec added to each stamp for the
    PSF's wings. Returns the fraction of each source's light
    inside its stamp before clipping to the image (galaxies: the Sersic's
    elliptical fraction at the stamp radius, a lower bound; stars: 1).
    """
    import polychrome

    convolvers = {}

    def convolver(re, n):
        factor = fine_factor(re, n, grid.pixel_scale) if callable(galaxy_psf) else psf_upsample
        if factor not in convolvers:
            psf = galaxy_psf(factor) if callable(galaxy_psf) else galaxy_psf
            convolvers[factor] = polychrome.PsfConvolver(np.asarray(psf, float))
        return convolvers[factor], factor

    placer = polychrome.PointSourceRenderer(np.asarray(star_psf, float))
    fractions = np.ones(len(sources["x"]))
    for k in range(len(sources["x"])):
        x, y, flux = float(sources["x"][k]), float(sources["y"][k]), float(sources["flux"][k])
        if sources["kind"][k] == "star":
            box = grid.stamp(x, y, psf_radius)
            if box is not None:
                shape = (box[0].stop - box[0].start, box[1].stop - box[1].start)
                image[box] += polychrome.point_source_image(placer, shape, (x, y), flux, pixelscale=grid.matrix,
                                                            origin=grid.stamp_origin(*box), psf_upsample=psf_upsample)
            continue
        re, n, q = float(sources["Re"][k]), float(sources["n"][k]), float(sources["q"][k])
        radius = galaxy_radius(re, n, max_radius)
        fractions[k] = sersic_fraction(re, n, radius)
        box = grid.stamp(x, y, radius + psf_radius)
        if box is None:
            continue
        shape = (box[0].stop - box[0].start, box[1].stop - box[1].start)
        psf, factor = convolver(re, n)
        image[box] += polychrome.render_profile(
            "sersic", {"n": n, "Re": re, "Ie": sersic_ie(flux, re, n, q)}, shape, center=(x, y), q=q,
            PA=float(sources["PA"][k]), pixelscale=grid.matrix, origin=grid.stamp_origin(*box),
            psf=psf, psf_upsample=factor, tolerance=tolerance)
    return fractions


def paint_galsim(image, grid, sources, *, psf_fwhm, psf_beta, psf_radius, max_radius=MAX_RADIUS,
                 gsparams=None):
    """As paint_polychrome, with GalSim: each source convolved with a Moffat of
    ``psf_fwhm`` arcsec and ``psf_beta`` and with the pixel (GalSim's 'auto'
    drawing), TIGHT_GSPARAMS unless ``gsparams`` (a dict) is given. Slow
    (seconds per galaxy at these settings): for tests and benchmarks."""
    import galsim

    params = galsim.GSParams(**(gsparams or TIGHT_GSPARAMS))
    psf = galsim.Moffat(beta=psf_beta, fwhm=psf_fwhm, gsparams=params)
    corner = grid.origin + grid.matrix @ np.array([0.5, 0.5])   # plane position of pixel (0, 0)'s centre
    wcs = galsim.AffineTransform(grid.matrix[0, 0], grid.matrix[0, 1], grid.matrix[1, 0], grid.matrix[1, 1],
                                 origin=galsim.PositionD(0.0, 0.0),
                                 world_origin=galsim.PositionD(float(corner[0]), float(corner[1])))
    fractions = np.ones(len(sources["x"]))
    for k in range(len(sources["x"])):
        x, y, flux = float(sources["x"][k]), float(sources["y"][k]), float(sources["flux"][k])
        if sources["kind"][k] == "star":
            profile, radius = psf.withFlux(flux), 0.0
        else:
            re, n, q = float(sources["Re"][k]), float(sources["n"][k]), float(sources["q"][k])
            radius = galaxy_radius(re, n, max_radius)
            fractions[k] = sersic_fraction(re, n, radius)
            # GalSim's half-light radius is circular: shear at constant area gives semi-major Re
            galaxy = galsim.Sersic(n=n, half_light_radius=re * math.sqrt(q), flux=flux, gsparams=params)
            profile = galsim.Convolve(galaxy.shear(q=q, beta=float(sources["PA"][k]) * galsim.radians), psf,
                                      gsparams=params)
        box = grid.stamp(x, y, radius + psf_radius)
        if box is None:
            continue
        # GalSim pixel (j, i) is numpy's [i, j]: bounds in 0-based numpy indices
        stamp = galsim.ImageD(galsim.BoundsI(box[1].start, box[1].stop - 1, box[0].start, box[0].stop - 1),
                              wcs=wcs)
        position = wcs.toImage(galsim.PositionD(x, y))
        profile.drawImage(stamp, method="auto", offset=position - stamp.true_center)
        image[box] += stamp.array
    return fractions
