"""The sources of a simulated field: galaxies and stars with realistic numbers,
sizes and colours, some in close (blended) pairs, and the noisy catalogue a
detection pipeline would give for them.

Positions are offsets (arcsec, x West, y North) from the field centre on the
field's tangent plane; PA is radians counter-clockwise from the plane's +x
(polychrome's convention); Re the semi-major half-light radius (arcsec).
"""

import math

import numpy as np

GALAXY_MAGS = (19.0, 25.0)     # reference-band mag range of galaxies
GALAXY_COUNT_SLOPE = 0.35      # dlog10 N / dm of galaxy counts
STAR_MAGS = (18.0, 24.0)
STAR_COUNT_SLOPE = 0.15
PAIR_SEPARATION = (0.5, 2.0)   # arcsec, centre to centre
EDGE_MARGIN = 1.0              # arcsec: sources are spread this far past the reference image's edges


def _power_law_mags(count, mag_range, slope, rng):
    """Magnitudes with dN/dm proportional to 10**(slope m) on mag_range (inverse CDF)."""
    low, high = (10 ** (slope * m) for m in mag_range)
    return np.log10(low + rng.uniform(size=count) * (high - low)) / slope


def _galaxy_shapes(mags, rng):
    """(Re arcsec, n, q) of galaxies of reference-band ``mags``: fainter galaxies
    are smaller (median Re 1.1" at mag 19, 0.14" at 25, 0.2 dex scatter); 70%
    discs (n near 1), 30% bulges (n near 3)."""
    count = len(mags)
    re = 0.8 * 10 ** (-0.15 * (mags - 20.0) + rng.normal(0.0, 0.2, count))
    bulge = rng.uniform(size=count) < 0.3
    n = np.where(bulge, 3.0, 1.0) * np.exp(rng.normal(0.0, 0.2, count))
    q = rng.uniform(0.25, 1.0, count)
    return np.clip(re, 0.05, 4.0), np.clip(n, 0.5, 4.5), q


def _grid_positions(count, field_size, rng):
    """Offsets (arcsec) of ``count`` sources one per cell of a square grid over the field
    (cells of field_size / ceil(sqrt(count))), jittered by a tenth of a cell."""
    side = int(math.ceil(math.sqrt(count)))
    cell = field_size / side
    index = np.arange(count)
    dx = (index % side + 0.5) * cell - field_size / 2.0 + rng.uniform(-0.1, 0.1, count) * cell
    dy = (index // side + 0.5) * cell - field_size / 2.0 + rng.uniform(-0.1, 0.1, count) * cell
    return dx, dy


def draw_sources(n_sources, field_size, bands, rng, *, star_fraction=0.1, blend_fraction=0.1, layout="random"):
    """Draw ``n_sources`` sources over a square field of ``field_size`` arcsec.

    star_fraction: fraction of point sources; blend_fraction: fraction of all
    sources that are members of a close pair (separation 0.5-2"); layout:
    "random" (uniform, spread 1" past the edges) or "grid" (one source per
    cell of a square grid: isolated sources, for benchmarks). Returns a
    dict of arrays: id (1..N), kind ('galaxy'/'star'), dx, dy (arcsec from the
    field centre), Re (arcsec, 0 for stars), n (NaN for stars), q, PA (rad),
    companion (id of the other member of its pair, -1), mag_<band> (AB-like,
    per band; the first band is the reference).
    """
    if not (isinstance(n_sources, (int, np.integer)) and n_sources >= 1):
        raise ValueError(f"n_sources must be an integer >= 1, got {n_sources!r}")
    for name, value in (("star_fraction", star_fraction), ("blend_fraction", blend_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    if layout not in ("random", "grid"):
        raise ValueError(f"layout must be 'random' or 'grid', got {layout!r}")
    n_stars = int(round(star_fraction * n_sources))
    is_star = np.zeros(n_sources, bool)
    is_star[rng.permutation(n_sources)[:n_stars]] = True
    mag = np.where(is_star, _power_law_mags(n_sources, STAR_MAGS, STAR_COUNT_SLOPE, rng),
                   _power_law_mags(n_sources, GALAXY_MAGS, GALAXY_COUNT_SLOPE, rng))
    re, n, q = _galaxy_shapes(mag, rng)
    re, n, q = np.where(is_star, 0.0, re), np.where(is_star, np.nan, n), np.where(is_star, 1.0, q)
    pa = np.where(is_star, 0.0, rng.uniform(0.0, math.pi, n_sources))

    if layout == "grid":
        dx, dy = _grid_positions(n_sources, field_size, rng)
    else:
        half = field_size / 2.0 + EDGE_MARGIN
        dx, dy = rng.uniform(-half, half, (2, n_sources))
    companion = np.full(n_sources, -1, np.int64)
    n_pairs = int(round(blend_fraction * n_sources / 2.0))
    order = rng.permutation(n_sources)
    for first, second in zip(order[:n_pairs], order[n_pairs:2 * n_pairs]):
        separation, angle = rng.uniform(*PAIR_SEPARATION), rng.uniform(0.0, 2.0 * math.pi)
        dx[second] = dx[first] + separation * math.cos(angle)
        dy[second] = dy[first] + separation * math.sin(angle)
        companion[first], companion[second] = second + 1, first + 1

    sources = {"id": np.arange(1, n_sources + 1, dtype=np.int64),
               "kind": np.where(is_star, "star", "galaxy"), "dx": dx, "dy": dy,
               "Re": re, "n": n, "q": q, "PA": pa, "companion": companion}
    for k, band in enumerate(bands):
        colour = 0.0 if k == 0 else band.colour + rng.normal(0.0, band.colour_scatter, n_sources)
        sources[f"mag_{band.name}"] = mag + colour
    return sources


def noisy_guesses(sources, reference, rng, *, position_error=0.03, kind_error=0.03):
    """The first guesses a detection catalogue would give: dict of arrays
    size (arcsec, half-light radius; stars: about half the PSF FWHM), q, pa_plane
    (rad, PA plus 15 deg scatter), mag (reference band, noisier when fainter),
    kind (wrong for ``kind_error`` of the sources), dx, dy (``position_error``
    arcsec scatter per axis)."""
    count = len(sources["id"])
    star = sources["kind"] == "star"
    size = np.where(star, 0.5 * reference.psf_fwhm * np.exp(rng.normal(0.0, 0.1, count)),
                    sources["Re"] * np.exp(rng.normal(0.0, 0.25, count)))
    q = np.clip(sources["q"] + rng.normal(0.0, 0.1, count), 0.1, 1.0)
    pa = (sources["PA"] + rng.normal(0.0, math.radians(15.0), count)) % math.pi
    ref_mag = sources[f"mag_{reference.name}"]
    mag = ref_mag + rng.normal(0.0, 1.0, count) * (0.03 + 0.1 * 10 ** (0.4 * (ref_mag - 25.0)))
    flip = rng.uniform(size=count) < kind_error
    kind = np.where(flip, np.where(star, "galaxy", "star"), sources["kind"])
    return {"size": size, "q": q, "pa_plane": pa, "mag": mag, "kind": kind,
            "dx": sources["dx"] + rng.normal(0.0, position_error, count),
            "dy": sources["dy"] + rng.normal(0.0, position_error, count)}
