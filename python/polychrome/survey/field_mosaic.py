"""Data / model / residual of every image of a survey, the model rendered from the output table.

    field_mosaic(table, images, "mosaic.png")

Each fitted row (finite ra, dec, flux_<band> and shape) is drawn into each
image on its own stamp, with the image's PSF file, as the pipeline's model
has it (polychrome's pixel-integrated Sersic convolved with the PSF; a point
model is the PSF at the source); the fitted sky is not in the table and is
left out. The picture has one row per image: the data, the model (same
stretch) and the residual in units of the noise (-5 to 5 sigma, masked
pixels grey).
"""

import math
import os

import numpy as np

STAR_MODELS = ("point model",)
# Sersic index of the galaxy models that have none of their own
FIXED_INDEX = {"exponential galaxy model": 1.0, "gaussian galaxy model": 0.5}
RESIDUAL_RANGE = 5.0   # sigma


def _spec_dict(image):
    return image.to_dict() if hasattr(image, "to_dict") else dict(image)


def _read(path, hdu=0):
    from astropy.io import fits

    with fits.open(path, memmap=False) as hdul:
        return np.asarray(hdul[hdu].data, dtype=float), hdul[hdu].header


def _noise_sigma(spec, data):
    """Per-pixel sigma (flux) from the spec's variance, weight or sigma map; else the
    image's robust background scatter."""
    hdu = spec.get("noise_hdu", 0)
    if spec.get("variance"):
        return np.sqrt(_read(spec["variance"], hdu)[0])
    if spec.get("weight"):
        with np.errstate(divide="ignore"):
            return 1.0 / np.sqrt(_read(spec["weight"], hdu)[0])
    if spec.get("sigma"):
        return _read(spec["sigma"], hdu)[0]
    finite = data[np.isfinite(data)]
    return np.full(data.shape, 1.4826 * np.median(np.abs(finite - np.median(finite))))


def _table(table):
    from astropy.table import Table

    if isinstance(table, Table):
        return table
    if not isinstance(table, (str, os.PathLike)):
        raise TypeError(f"table must be an astropy Table or the path of the output table, got {type(table).__name__}")
    table = Table.read(table)
    return table


def _column(table, name, default=np.nan):
    if name not in table.colnames:
        return np.full(len(table), default)
    column = table[name]
    return np.asarray(column.filled(np.nan) if hasattr(column, "filled") else column, dtype=float)


def _sources(table, band, plane):
    """The table's sources as sim_render source arrays on ``plane`` (the image's own
    tangent plane); rows that cannot be drawn (not fitted, no flux in this band) are left out."""
    from astropy.coordinates import SkyCoord

    if "model_type" in table.colnames:
        model_type = np.asarray(table["model_type"]).astype(str)
        star = np.isin(model_type, STAR_MODELS)
    else:   # a truth table (polychrome.survey.simulate): its kind column
        model_type = np.full(len(table), "sersic galaxy model")
        star = np.asarray(table["kind"]).astype(str) == "star" if "kind" in table.colnames else np.zeros(len(table), bool)
    n = _column(table, "n")
    for name, value in FIXED_INDEX.items():
        n = np.where(model_type == name, value, n)
    ra, dec, flux = _column(table, "ra"), _column(table, "dec"), _column(table, f"flux_{band}")
    re, q, pa = _column(table, "Re"), _column(table, "q", 1.0), _column(table, "PA", 0.0)
    drawable = np.isfinite(ra) & np.isfinite(dec) & np.isfinite(flux)
    drawable &= star | (np.isfinite(re) & (re > 0) & np.isfinite(n) & np.isfinite(q) & (q > 0) & np.isfinite(pa))
    ra, dec = ra[drawable], dec[drawable]
    x, y = plane.sky_to_plane(SkyCoord(ra, dec, unit="deg"))
    # PA is degrees East of North: on the plane, counter-clockwise from +x, add North's angle there
    x_north, y_north = plane.sky_to_plane(SkyCoord(ra, np.minimum(dec + 1e-4, 90.0), unit="deg"))
    north = np.arctan2(y_north - y, x_north - x)
    return {"x": np.atleast_1d(x), "y": np.atleast_1d(y), "flux": flux[drawable], "Re": re[drawable],
            "n": n[drawable], "q": q[drawable], "PA": np.radians(pa[drawable]) + north,
            "kind": np.where(star[drawable], "star", "galaxy")}


def model_images(table, images):
    """For each image (ImageSpec or dict of its fields): (label, data, model, sigma, mask),
    the model drawn from ``table`` (the output table or its path) with the image's PSF file."""
    from astropy.wcs import WCS

    from ..image.plane_mapping import PlaneMapping
    from ..image.tangent_plane import TangentPlane
    from .sim_render import Grid, paint_polychrome

    table = _table(table)
    out = []
    for image in images:
        spec = _spec_dict(image)
        data, header = _read(spec["data"], spec.get("hdu", 0))
        wcs = WCS(header, naxis=2)
        plane = TangentPlane(wcs)
        mapping = PlaneMapping.from_wcs(wcs, data.shape, plane)
        grid = Grid(data.shape, mapping.pixelscale, mapping.origin)
        model = np.zeros(data.shape)
        if spec.get("psf"):
            psf = _read(spec["psf"], spec.get("psf_hdu", 0))[0]
        else:
            psf = np.ones((1, 1))
        upsample = int(spec.get("psf_upsample", 1))
        psf_radius = (psf.shape[0] // 2) * grid.pixel_scale / upsample
        paint_polychrome(model, grid, _sources(table, spec["band"], plane), galaxy_psf=psf, star_psf=psf,
                         psf_radius=psf_radius, psf_upsample=upsample)
        mask = ~np.isfinite(data)
        if spec.get("mask"):
            mask |= _read(spec["mask"], spec.get("mask_hdu", 0))[0] != 0
        out.append((spec.get("name") or spec["band"], data, model, _noise_sigma(spec, data), mask))
    return out


def field_mosaic(table, images, path, *, dpi=110):
    """Write the data / model / residual picture of every image to ``path`` (PNG, or any
    format matplotlib writes by suffix) and return the path.

    table: the output table (astropy Table or file; a simulate_field truth
    table works too, its ``kind`` telling stars); images: ImageSpecs or
    dicts of their fields (data, band, variance/weight/sigma, mask, psf,
    psf_upsample, hdus). Residual = (data - model) / sigma.
    """
    import matplotlib
    from matplotlib.colors import AsinhNorm
    from matplotlib.figure import Figure

    panels = model_images(table, images)
    figure = Figure(figsize=(10.5, 3.4 * len(panels)), layout="constrained")
    axes = figure.subplots(len(panels), 3, squeeze=False)
    for row, (label, data, model, sigma, mask) in zip(axes, panels):
        good = ~mask & np.isfinite(sigma) & (sigma > 0)
        scale = float(np.median(sigma[good])) if good.any() else 1.0
        top = float(np.percentile(data[good], 99.8)) if good.any() else 1.0
        norm = AsinhNorm(linear_width=3.0 * scale, vmin=-3.0 * scale, vmax=max(top, 10.0 * scale))
        residual = np.where(good, (data - model) / np.where(good, sigma, 1.0), np.nan)
        for ax, picture, title, options in (
                (row[0], np.where(mask, np.nan, data), f"{label}: data", dict(norm=norm, cmap="gray_r")),
                (row[1], model, f"{label}: model", dict(norm=norm, cmap="gray_r")),
                (row[2], residual, f"{label}: (data - model) / sigma",
                 dict(vmin=-RESIDUAL_RANGE, vmax=RESIDUAL_RANGE, cmap="RdBu_r"))):
            cmap = matplotlib.colormaps[options.pop("cmap")].with_extremes(bad="0.6")
            shown = ax.imshow(picture, origin="lower", interpolation="nearest", cmap=cmap, **options)
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        figure.colorbar(shown, ax=row[2], shrink=0.8)
        inside = residual[np.isfinite(residual)]
        if inside.size:
            row[2].text(0.02, 0.02, f"rms {math.sqrt(float(np.mean(inside ** 2))):.2f}", transform=row[2].transAxes,
                        fontsize=8, color="k", backgroundcolor="w")
    figure.savefig(path, dpi=dpi)
    return os.fspath(path)
