"""Where a survey group fit's CPU time goes: cutouts / model build / initialize / LM / rows.

python bench/survey_group_costs.py [--sources 100] [--case 3band|1band|both]

Simulates isolated Sersic galaxies on a grid (GalSim, default accuracy: speed is measured here, not
accuracy) in FITS files, plans the groups and fits each with GroupFitter in this process on one
polychrome thread, and prints CPU seconds per source (time.process_time) by phase and the sources
per CPU-second.
  3band: 0.1" (Moffat 0.6"), 0.2" rotated 30 deg (Moffat 0.8"), 0.4" (Moffat 1.2") images.
  1band: one 0.2" image (Moffat 0.8"); footprints sized so that each cutout is 48 x 48 pixels.
"""

import argparse
import math
import pathlib
import sys
import tempfile
import time

import numpy as np
from astropy.io import fits
from astropy.table import Table

import polychrome as pc
from polychrome.survey.group_fit import GroupFitter
from polychrome.survey.group_plane import GroupPlane
from polychrome.survey.grouping import plan_groups
from polychrome.survey.image_spec import ImageSpec
from polychrome.survey.model_spec import ModelSpec

CENTRE = (150.0, 2.0)
SPACING = 12.0  # arcsec between sources


def _write_band(folder, name, pixel, rotation, fwhm, positions, galaxies, sigma, rng):
    import galsim

    c, s = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    A = pixel * np.array([[c, -s], [s, c]])
    extent = np.max(np.abs(positions)) + SPACING
    n = int(2 * extent * (abs(c) + abs(s)) / pixel)  # the rotated square holds the field
    wcs = galsim.AffineTransform(A[0, 0], A[0, 1], A[1, 0], A[1, 1], origin=galsim.PositionD((n + 1) / 2, (n + 1) / 2))
    image = galsim.ImageD(n, n, wcs=wcs)
    psf = galsim.Moffat(beta=3.0, fwhm=fwhm)
    for (x, y), (n_index, re, q, pa, flux) in zip(positions, galaxies):
        galaxy = galsim.Sersic(n=n_index, half_light_radius=re * math.sqrt(q), flux=flux).shear(
            q=q, beta=pa * galsim.radians)
        profile = galsim.Convolve(galaxy, psf).shift(x, y)
        centre = wcs.toImage(galsim.PositionD(x, y))
        half = int(4 * SPACING / 10 / pixel)
        bounds = galsim.BoundsI(int(centre.x) - half, int(centre.x) + half, int(centre.y) - half, int(centre.y) + half)
        stamp = image[bounds & image.bounds]
        # the profile (shifted to x, y) is placed relative to the image position of world (0, 0)
        profile.drawImage(image=stamp, add_to_image=True, center=galsim.PositionD((n + 1) / 2, (n + 1) / 2))
    data = image.array + rng.normal(0, sigma, image.array.shape)
    header = fits.Header({"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN", "CRVAL1": CENTRE[0], "CRVAL2": CENTRE[1],
                          "CRPIX1": (n + 1) / 2, "CRPIX2": (n + 1) / 2, "CD1_1": -A[0, 0] / 3600,
                          "CD1_2": -A[0, 1] / 3600, "CD2_1": A[1, 0] / 3600, "CD2_2": A[1, 1] / 3600,
                          "MAGZERO": 27.0})
    fits.PrimaryHDU(data.astype(np.float32), header=header).writeto(folder / f"{name}.fits", overwrite=True)
    fits.PrimaryHDU(np.full(data.shape, sigma ** 2, np.float32)).writeto(folder / f"{name}_var.fits", overwrite=True)
    size = 2 * int(2 * fwhm / pixel) + 1
    local = galsim.JacobianWCS(A[0, 0], A[0, 1], A[1, 0], A[1, 1])
    fits.PrimaryHDU(psf.drawImage(nx=size, ny=size, wcs=local).array).writeto(folder / f"{name}_psf.fits",
                                                                            overwrite=True)
    return ImageSpec(data=str(folder / f"{name}.fits"), band=name, variance=str(folder / f"{name}_var.fits"),
                     psf=str(folder / f"{name}_psf.fits"))


def field(folder, count, bands, seed=0):
    rng = np.random.default_rng(seed)
    side = int(math.ceil(math.sqrt(count)))
    grid = (np.arange(side) - (side - 1) / 2) * SPACING
    positions = np.array([(x, y) for y in grid for x in grid])[:count]
    positions += rng.uniform(-1, 1, positions.shape)
    galaxies = [(rng.uniform(0.8, 3.0), rng.uniform(0.4, 1.0), rng.uniform(0.4, 0.9), rng.uniform(0, math.pi),
                 rng.uniform(200, 1000)) for _ in range(count)]
    images = [_write_band(folder, *band, positions, galaxies, 0.05, rng) for band in bands]
    ra, dec = GroupPlane(*CENTRE).to_sky(positions[:, 0], positions[:, 1])
    sizes = np.array([g[1] for g in galaxies])
    return Table({"id": np.arange(count), "ra": ra, "dec": dec, "size": sizes}), images


def run(name, catalog, images, spec):
    fitter = GroupFitter(images, spec)
    tasks = plan_groups(catalog, images, spec)
    fitter.fit(tasks[0])  # open the files, warm the caches
    fitter.phase_seconds = dict.fromkeys(fitter.phase_seconds, 0.0)
    start = time.process_time()
    rows = [row for task in tasks[1:] for row in fitter.fit(task)]
    total = time.process_time() - start
    count = len(rows)
    flagged = sum(row["flags"] != 0 for row in rows)
    phases = "  ".join(f"{phase} {1e3 * seconds / count:.2f}" for phase, seconds in fitter.phase_seconds.items())
    other = total - sum(fitter.phase_seconds.values())
    print(f"{name}: {count} sources, {total / count * 1e3:.2f} ms CPU per source = {count / total:.0f} sources "
          f"per CPU-second ({flagged} flagged); ms per source: {phases}  other {1e3 * other / count:.2f}")
    sizes = [(c.target.shape) for c in __import__("polychrome.survey.cutouts", fromlist=["x"]).group_cutouts(
        tasks[1], images, spec).cutouts]
    print(f"    cutout shapes of one group: {sizes}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--case", choices=("3band", "1band", "both"), default="both")
    args = parser.parse_args()
    pc.set_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        if args.case in ("3band", "both"):
            bands = [("a", 0.1, 0.0, 0.6), ("b", 0.2, 30.0, 0.8), ("c", 0.4, 0.0, 1.2)]
            catalog, images = field(folder, args.sources, bands)
            run("3 bands, isolated galaxies", catalog, images, ModelSpec())
        if args.case in ("1band", "both"):
            catalog, images = field(folder, args.sources, [("r", 0.2, 0.0, 0.8)])
            # footprint radius 3 * 1.0 + 0.8 (PSF) + margin 1.0 = 4.8" = 24 pixels: 48 x 48 cutouts
            catalog["size"] = 1.0
            run("1 band, 48 x 48 cutouts", catalog, images, ModelSpec())
    sys.stdout.flush()


if __name__ == "__main__":
    main()
