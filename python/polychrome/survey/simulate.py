"""A simulated multi-band survey field written to FITS: images, catalogue, truth.

    paths = simulate_field("field/", n_sources=300, seed=1)
    # paths["images"]: one dict per band (ImageSpec.from_dict's keys); paths["catalog"], paths["truth"]

Conventions of the truth table (one row per source; the columns the pipeline's
rows have, under the same names and units, polychrome.survey.rows):

- ``ra``, ``dec``: degrees (ICRS) of the true centre.
- ``Re``: semi-major half-light radius, arcsec (0 for stars); ``n``: Sersic
  index (NaN for stars); ``q``: axis ratio b/a (1 for stars).
- ``PA``: position angle of the major axis, degrees East of North (counter-
  clockwise from North towards East on the sky), in [0, 180), at the source.
- ``flux_<band>``: total flux (image units, integrated to infinity);
  ``mag_<band>`` = zeropoint - 2.5 log10 flux.
- and beyond the rows: ``kind`` ('galaxy'/'star'), ``companion`` (id of the
  other member of a close pair, -1), ``x``, ``y`` (arcsec on the field's
  tangent plane: x West, y North, zero at the outer corner of the first
  band's pixel (0, 0)), ``PA_plane`` (radians counter-clockwise from that
  plane's +x, polychrome's model convention: PA_plane = PA + the angle of
  North at the source from +x, 90 deg at the field centre), ``Ie_<band>``
  (log10 surface brightness at Re, flux/arcsec^2, NaN for stars), ``in_<band>``
  (the centre lies on that image), ``flux_fraction`` (lower bound of the
  light inside the rendered stamp: < 0.999 only for a large n ~ 4 galaxy cut
  at sim_render.MAX_RADIUS).

The catalogue holds what a detection pipeline would give: id, ra, dec (30 mas
scatter), size (arcsec), q, pa (deg East of North), mag (reference band), kind
(3% wrong), all noisy.

The images (one FITS file each per band, in ``folder``): ``<band>.fits`` data
(float32, flux per pixel, TAN WCS, MAGZERO), ``<band>.var.fits`` variance
(flux^2) or ``<band>.weight.fits`` (1/flux^2), ``<band>.mask.fits`` (uint8,
1 = bad pixel: a bad column / a dead block whose data are garbage),
``<band>.psf.fits``: the Moffat PSF sampled at the centres of pixels
``psf_upsample`` times finer than the image's (odd, sum 1), as polychrome's
convention wants it (a model pixel is the pixel integral of profile x PSF).

The images themselves are what a telescope records: each galaxy is the
pixel integral of Sersic x Moffat, each star the Moffat integrated over the
pixels (see sim_render).
"""

import math
import os

import numpy as np

from .sim_bands import DEFAULT_BANDS, Band, band_shape, band_wcs, moffat_sampled, moffat_star_image
from .sim_population import draw_sources, noisy_guesses
from .sim_render import Grid, paint_galsim, paint_polychrome

DEFAULT_CENTRE = (150.1, 2.2)    # deg: (ra, dec) of the field centre (a COSMOS-like position)
RENDERERS = ("polychrome", "galsim")
RENDERERS_TEXT = ", ".join(repr(r) for r in RENDERERS)


def _check_arguments(folder, bands, n_sources, field_size, renderer, psf_upsample):
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a path, got {type(folder).__name__}")
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS_TEXT}, got {renderer!r}")
    bands = tuple(bands)
    if not bands or not all(isinstance(b, Band) for b in bands):
        raise TypeError("bands must be a non-empty sequence of polychrome.survey.sim_bands.Band")
    if len({b.name for b in bands}) != len(bands):
        raise ValueError(f"bands must have distinct names, got {[b.name for b in bands]}")
    if isinstance(psf_upsample, bool) or not isinstance(psf_upsample, (int, np.integer)) or psf_upsample < 1 \
            or psf_upsample % 2 == 0:
        raise ValueError(f"psf_upsample must be an odd integer >= 1 (PSF pixels per image pixel), got {psf_upsample!r}")
    if isinstance(n_sources, bool) or not isinstance(n_sources, (int, np.integer)) or n_sources < 1:
        raise ValueError(f"n_sources must be an integer >= 1, got {n_sources!r}")
    if not (isinstance(field_size, (int, float)) and math.isfinite(field_size) and field_size > 0):
        raise ValueError(f"field_size must be a positive number of arcsec, got {field_size!r}")
    return bands


def _grids(bands, field_size, centre):
    """({band name: (Grid, WCS)}, the field's TangentPlane): every band on the
    first band's tangent plane (exactly affine: all share the tangent point)."""
    from polychrome.image.plane_mapping import PlaneMapping
    from polychrome.image.tangent_plane import TangentPlane

    plane = None
    grids = {}
    for band in bands:
        shape = band_shape(band, field_size)
        wcs = band_wcs(band, shape, centre)
        plane = plane or TangentPlane(wcs)
        mapping = PlaneMapping.from_wcs(wcs, shape, plane)
        grids[band.name] = (Grid(shape, mapping.pixelscale, mapping.origin), wcs)
    return grids, plane


def _north_angle(plane, ra, dec):
    """Angle (rad, counter-clockwise from the plane's +x) of North at each (ra, dec) deg."""
    from astropy.coordinates import SkyCoord

    step = 1e-4  # deg
    x0, y0 = plane.sky_to_plane(SkyCoord(ra, dec, unit="deg"))
    x1, y1 = plane.sky_to_plane(SkyCoord(ra, dec + step, unit="deg"))
    return np.arctan2(y1 - y0, x1 - x0)


def _sky(plane, centre_xy, dx, dy):
    sky = plane.plane_to_sky(centre_xy[0] + dx, centre_xy[1] + dy).icrs
    return sky.ra.deg, sky.dec.deg


def _noise_maps(band, shape, rng):
    """(variance map (flux^2), mask): sky variance with a gentle gradient
    (+-20% across the image), and a bad column over a fifth of the image's
    height plus a dead 12x12 block."""
    ny, nx = shape
    gradient = 1.0 + 0.2 * np.linspace(-1.0, 1.0, nx)[None, :] * np.ones((ny, 1))
    variance = band.sky_sigma**2 * gradient
    mask = np.zeros(shape, np.uint8)
    start = rng.integers(0, ny - ny // 5)
    mask[start:start + ny // 5, rng.integers(nx // 4, 3 * nx // 4)] = 1
    i, j = rng.integers(0, ny - 12), rng.integers(0, nx - 12)
    mask[i:i + 12, j:j + 12] = 1
    return variance, mask


def _write(path, array, header=None):
    """Write a FITS image atomically (whole or not at all); return the path."""
    from astropy.io import fits

    from ..utils.atomic_file import atomic_write

    with atomic_write(path) as temporary:
        fits.PrimaryHDU(array, header=header).writeto(temporary, overwrite=True)
    return os.fspath(path)


def _write_table(table, path):
    from ..utils.atomic_file import atomic_write

    with atomic_write(path) as temporary:
        table.write(temporary, format="fits", overwrite=True)


def _render_band(band, grid, sources, renderer):
    """The noiseless image of one band and each source's rendered light fraction."""
    image = np.zeros(grid.shape)
    psf_radius = band.psf_half_size * band.pixel_scale
    if renderer == "galsim":
        fractions = paint_galsim(image, grid, sources, psf_fwhm=band.psf_fwhm, psf_beta=band.psf_beta,
                                 psf_radius=psf_radius)
    else:
        fractions = paint_polychrome(image, grid, sources,
                                     galaxy_psf=lambda factor: moffat_sampled(band, grid.matrix, factor),
                                     star_psf=moffat_star_image(band, grid.matrix), psf_radius=psf_radius)
    return image, fractions


def _write_band(folder, band, grid, wcs, image, rng, masks, noise, psf_upsample):
    """Add noise, write the band's files; return its ImageSpec dict."""
    from astropy.io import fits

    variance, mask = _noise_maps(band, grid.shape, rng)
    data = image + (rng.normal(0.0, 1.0, grid.shape) * np.sqrt(variance) if noise else 0.0)
    if masks:
        data[mask == 1] = 1e4 * band.sky_sigma   # garbage, as a hot column would be
    header = wcs.to_header()
    header["BAND"] = band.name
    header["MAGZERO"] = (band.zeropoint, "mag of one flux unit")
    header["BUNIT"] = "flux"
    spec = {"band": band.name, "name": band.name, "zeropoint": band.zeropoint,
            "data": _write(os.path.join(folder, f"{band.name}.fits"), data.astype(np.float32), header)}
    if band.noise_map == "weight":
        spec["weight"] = _write(os.path.join(folder, f"{band.name}.weight.fits"),
                                (1.0 / variance).astype(np.float32), header)
    else:
        spec["variance"] = _write(os.path.join(folder, f"{band.name}.var.fits"),
                                  variance.astype(np.float32), header)
    if masks:
        spec["mask"] = _write(os.path.join(folder, f"{band.name}.mask.fits"), mask, header)
    psf_header = fits.Header()
    psf_header["FWHM"] = (band.psf_fwhm, "arcsec, Moffat")
    psf_header["BETA"] = (band.psf_beta, "Moffat power index")
    psf_header["UPSAMPLE"] = (psf_upsample, "PSF pixels per image pixel (per axis)")
    spec["psf"] = _write(os.path.join(folder, f"{band.name}.psf.fits"),
                         moffat_sampled(band, grid.matrix, psf_upsample), psf_header)
    if psf_upsample != 1:
        spec["psf_upsample"] = psf_upsample
    return spec


def simulate_field(folder, *, bands=DEFAULT_BANDS, n_sources=300, field_size=60.0, seed=0,
                   renderer="polychrome", star_fraction=0.1, blend_fraction=0.1, centre=DEFAULT_CENTRE,
                   masks=True, noise=True, psf_upsample=1, layout="random"):
    """Simulate a multi-band field and write it to ``folder`` (created if needed).

    Parameters
    ----------
    folder : path
        Where the FITS files go (existing files of the same names are replaced).
    bands : sequence of sim_bands.Band
        The images; the first is the reference band (catalogue magnitudes, the
        tangent plane). Default: 0.1" (PSF FWHM 0.3"), 0.2" turned 30 deg
        (0.7"), 0.4" (1.2") pixels over the same sky.
    n_sources : int
        Number of sources (>= 1).
    field_size : float
        Side of the square field, arcsec: each band's image covers it (same
        centre; a turned grid is larger, its corners reach beyond); sources
        are spread 1" beyond the field's edges, so some sit on or across
        the edges of the reference image.
    seed : int
        Random seed: the same seed gives the same files.
    renderer : "polychrome" or "galsim"
        polychrome: fast (about 1 ms per source and band). galsim: GalSim FFT
        drawing with tight GSParams, an independent truth (seconds per source).
    star_fraction, blend_fraction : float
        Fraction of point sources; of sources in close pairs (0.5-2" apart).
    layout : "random" or "grid"
        Sources spread uniformly (and past the edges), or one per cell of a
        square grid over the field (isolated sources, none on the edges,
        unless paired by blend_fraction).
    centre : (float, float)
        (ra, dec) of the field centre, degrees.
    masks : bool
        Write a mask per band (a bad column and a dead block, whose data are garbage).
    noise : bool
        Add the Gaussian noise (False: noiseless images, same variance maps).
    psf_upsample : int
        Odd >= 1: the PSF files are sampled on pixels this many times finer
        (the pipeline's model is then that much closer to the images: ~1e-3
        of the peak at 1 for compact galaxies, ~1e-4 at 3, for 9x its cost).

    Returns
    -------
    dict
        ``images``: list of dicts per band with ImageSpec's keys (data,
        variance or weight, mask, psf, band, name, zeropoint); ``catalog``
        and ``truth``: paths of the FITS tables; ``bands``: band names.
    """
    from astropy.table import Table

    bands = _check_arguments(folder, bands, n_sources, field_size, renderer, psf_upsample)
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    grids, plane = _grids(bands, field_size, centre)
    reference_grid = grids[bands[0].name][0]
    centre_xy = reference_grid.origin + reference_grid.matrix @ (np.array(reference_grid.shape[::-1]) / 2.0)
    sources = draw_sources(n_sources, field_size, bands, rng, star_fraction=star_fraction,
                           blend_fraction=blend_fraction, layout=layout)
    x, y = centre_xy[0] + sources["dx"], centre_xy[1] + sources["dy"]
    ra, dec = _sky(plane, centre_xy, sources["dx"], sources["dy"])
    north = _north_angle(plane, ra, dec)

    truth = Table()
    truth["id"], truth["kind"], truth["ra"], truth["dec"] = sources["id"], sources["kind"], ra, dec
    truth["x"], truth["y"] = x, y
    truth["Re"], truth["n"], truth["q"] = sources["Re"], sources["n"], sources["q"]
    truth["PA"] = np.degrees(sources["PA"] - north) % 180.0
    truth["PA_plane"] = sources["PA"]
    truth["companion"] = sources["companion"]
    fraction = np.ones(n_sources)
    images = []
    for band in bands:
        grid, wcs = grids[band.name]
        mag = sources[f"mag_{band.name}"]
        flux = 10 ** (-0.4 * (mag - band.zeropoint))
        painted = dict(sources, x=x, y=y, flux=flux)
        image, fractions = _render_band(band, grid, painted, renderer)
        fraction = np.minimum(fraction, fractions)
        images.append(_write_band(folder, band, grid, wcs, image, rng, masks, noise, psf_upsample))
        column, row = grid.pixel_of(x, y)
        truth[f"flux_{band.name}"], truth[f"mag_{band.name}"] = flux, mag
        truth[f"Ie_{band.name}"] = _surface_brightness(flux, sources)
        truth[f"in_{band.name}"] = ((column >= -0.5) & (column < grid.shape[1] - 0.5)
                                    & (row >= -0.5) & (row < grid.shape[0] - 0.5))
    truth["flux_fraction"] = fraction
    _set_units(truth, bands)

    guesses = noisy_guesses(sources, bands[0], rng)
    catalog = Table()
    catalog["id"] = sources["id"]
    catalog["ra"], catalog["dec"] = _sky(plane, centre_xy, guesses["dx"], guesses["dy"])
    catalog["size"], catalog["q"] = guesses["size"], guesses["q"]
    catalog["pa"] = np.degrees(guesses["pa_plane"] - north) % 180.0
    catalog["mag"], catalog["kind"] = guesses["mag"], guesses["kind"]
    for name, unit in (("ra", "deg"), ("dec", "deg"), ("size", "arcsec"), ("pa", "deg"), ("mag", "mag")):
        catalog[name].unit = unit

    paths = {"images": images, "bands": [b.name for b in bands],
             "catalog": os.path.join(folder, "catalog.fits"), "truth": os.path.join(folder, "truth.fits")}
    _write_table(catalog, paths["catalog"])
    _write_table(truth, paths["truth"])
    return paths


def _surface_brightness(flux, sources):
    from .sim_render import sersic_ie

    return np.array([np.nan if kind == "star" else sersic_ie(f, re, n, q)
                     for f, re, n, q, kind in zip(flux, sources["Re"], sources["n"], sources["q"], sources["kind"])])


def _set_units(truth, bands):
    units = {"ra": "deg", "dec": "deg", "x": "arcsec", "y": "arcsec", "Re": "arcsec", "PA": "deg", "PA_plane": "rad"}
    for band in bands:
        units[f"mag_{band.name}"] = "mag"
    for name, unit in units.items():
        truth[name].unit = unit
