"""The simulated survey field: files consistent with each other and with the truth table."""

import math

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from polychrome.survey.sim_bands import DEFAULT_BANDS
from polychrome.survey.sim_render import galaxy_radius
from polychrome.survey.simulate import simulate_field

SMALL = dict(n_sources=10, field_size=80.0, seed=3, masks=False, noise=False, blend_fraction=0.0,
             star_fraction=0.3)


@pytest.fixture(scope="module")
def noiseless(tmp_path_factory):
    folder = tmp_path_factory.mktemp("field")
    return simulate_field(folder, **SMALL)


def _read(path):
    """A table with its text columns as str (FITS stores bytes)."""
    table = Table.read(path, mask_invalid=False)
    table.convert_bytestring_to_unicode()
    return table


def _band(name):
    return next(b for b in DEFAULT_BANDS if b.name == name)


def _isolated(truth, radius):
    """Rows whose stamp (radius(row) arcsec) holds no other source's stamp."""
    keep = []
    for k, row in enumerate(truth):
        others = [j for j in range(len(truth)) if j != k]
        distance = np.hypot(truth["x"][others] - row["x"], truth["y"][others] - row["y"])
        if np.all(distance > radius(row) + np.array([radius(truth[j]) for j in others])):
            keep.append(k)
    return keep


def _stamp_radius(row, band):
    psf = band.psf_half_size * band.pixel_scale
    return psf if row["kind"] == "star" else galaxy_radius(row["Re"], row["n"]) + psf


def _stamp(data, wcs, row, radius_pixels):
    """(stamp array, its first row and column) around the source's pixel, or None off the image."""
    column, line = wcs.world_to_pixel(SkyCoord(row["ra"], row["dec"], unit="deg"))
    i0, j0 = int(math.floor(line - radius_pixels)), int(math.floor(column - radius_pixels))
    i1, j1 = int(math.ceil(line + radius_pixels)) + 1, int(math.ceil(column + radius_pixels)) + 1
    if i0 < 0 or j0 < 0 or i1 > data.shape[0] or j1 > data.shape[1]:
        return None
    return data[i0:i1, j0:j1], i0, j0


def test_files_and_columns(noiseless):
    assert [image["band"] for image in noiseless["images"]] == [b.name for b in DEFAULT_BANDS]
    for image, band in zip(noiseless["images"], DEFAULT_BANDS):
        header = fits.getheader(image["data"])
        assert header["MAGZERO"] == band.zeropoint and image["zeropoint"] == band.zeropoint
        psf = fits.getdata(image["psf"])
        assert psf.shape[0] % 2 == 1 and psf.shape[0] == psf.shape[1] and "psf_upsample" not in image
        assert abs(psf.sum() - 1) < 1e-12 and np.unravel_index(np.argmax(psf), psf.shape) == (psf.shape[0] // 2,) * 2
        noise = fits.getdata(image.get("variance") or image["weight"])
        assert noise.shape == fits.getdata(image["data"]).shape and np.all(noise > 0)
        scale = np.sqrt(abs(np.linalg.det(WCS(header).pixel_scale_matrix))) * 3600
        assert abs(scale - band.pixel_scale) < 1e-9
    truth, catalog = _read(noiseless["truth"]), _read(noiseless["catalog"])
    assert list(truth["id"]) == list(catalog["id"]) == list(range(1, SMALL["n_sources"] + 1))
    for name in ("ra", "dec", "Re", "n", "q", "PA", "PA_plane", "flux_vis", "mag_ks", "Ie_r", "kind", "companion"):
        assert name in truth.colnames
    for name in ("size", "q", "pa", "mag", "kind"):
        assert name in catalog.colnames
    # the catalogue's guesses are noisy but close to the truth
    assert np.max(np.abs(catalog["ra"] - truth["ra"]) * 3600 * np.cos(np.radians(truth["dec"]))) < 0.2
    assert np.all(np.isin(catalog["kind"], ["star", "galaxy"]))
    galaxy = truth["kind"] == "galaxy"
    assert np.allclose(truth["mag_vis"], 30.0 - 2.5 * np.log10(truth["flux_vis"]))
    assert np.all(truth["Re"][galaxy] > 0) and np.all(np.isnan(truth["n"][~galaxy]))


def _isolated_stamps(field, bands=DEFAULT_BANDS):
    """(band, truth row, stamp, first row, first column) of every isolated source whose whole stamp
    lies on each band's image (noiseless field)."""
    truth = _read(field["truth"])
    names = [b.name for b in DEFAULT_BANDS]
    for band in bands:
        image = field["images"][names.index(band.name)]
        data, wcs = fits.getdata(image["data"]).astype(float), WCS(fits.getheader(image["data"]))
        for k in _isolated(truth, lambda row: _stamp_radius(row, band)):
            found = _stamp(data, wcs, truth[k], _stamp_radius(truth[k], band) / band.pixel_scale)
            if found is not None:
                yield band, truth[k], wcs, *found


def test_wcs_puts_each_source_where_its_light_is_in_every_band(noiseless):
    checked = 0
    for band, row, wcs, stamp, i0, j0 in _isolated_stamps(noiseless):
        rows, columns = np.indices(stamp.shape)
        centroid = (np.sum(columns * stamp) / stamp.sum() + j0, np.sum(rows * stamp) / stamp.sum() + i0)
        expected = wcs.world_to_pixel(SkyCoord(row["ra"], row["dec"], unit="deg"))
        assert np.hypot(centroid[0] - expected[0], centroid[1] - expected[1]) < 0.01, (band.name, row["id"])
        checked += 1
    assert checked >= 6


def test_stamp_sums_match_the_truth_fluxes(noiseless):
    checked = 0
    for band, row, wcs, stamp, i0, j0 in _isolated_stamps(noiseless):
        # light outside: <= 1e-3 of a galaxy (its stamp), 2e-4 of the PSF's wings (the Moffat cut at 6 FWHM)
        assert abs(stamp.sum() / row[f"flux_{band.name}"] - 1) < 1.3e-3, (band.name, row["id"])
        checked += 1
    assert checked >= 6


def test_position_angle_convention_against_image_moments(noiseless):
    """An elongated galaxy's major axis in the rotated band's pixels, turned to
    the sky by the WCS, has the truth's PA (degrees East of North, as the pipeline's rows)."""
    checked = 0
    for band, row, wcs, stamp, i0, j0 in _isolated_stamps(noiseless, bands=[_band("r")]):
        if row["kind"] != "galaxy" or row["q"] > 0.85:
            continue
        rows, columns = np.indices(stamp.shape)
        weight = stamp / stamp.sum()
        cx, cy = np.sum(columns * weight), np.sum(rows * weight)
        sxx, syy = np.sum((columns - cx) ** 2 * weight), np.sum((rows - cy) ** 2 * weight)
        sxy = np.sum((columns - cx) * (rows - cy) * weight)
        angle = 0.5 * math.atan2(2 * sxy, sxx - syy)       # major axis in pixel (x, y)
        start = SkyCoord(*wcs.pixel_to_world_values(cx + j0, cy + i0), unit="deg")
        end = SkyCoord(*wcs.pixel_to_world_values(cx + j0 + math.cos(angle), cy + i0 + math.sin(angle)), unit="deg")
        measured = start.position_angle(end).deg % 180.0
        difference = (measured - row["PA"] + 90.0) % 180.0 - 90.0
        assert abs(difference) < 2.0, (row["id"], measured, row["PA"])
        # and the plane's PA (from +x = West) is PA + 90 deg at this (small) field's declination
        assert abs((math.degrees(row["PA_plane"]) - row["PA"]) % 180.0 - 90.0) < 1e-3
        checked += 1
    assert checked >= 1


def test_galsim_and_polychrome_renderers_agree(tmp_path):
    """The same sources drawn by GalSim (tight GSParams, FFT with the pixel) and by
    polychrome (3-5x finer grid, Moffat sampled there) agree to 3e-3 of the peak
    (1e-4 for extended galaxies; a cuspy n ~ 4 core below 3 pixels is the hardest)."""
    pytest.importorskip("galsim")
    options = dict(n_sources=3, field_size=6.0, seed=5, masks=False, noise=False, blend_fraction=0.0,
                   star_fraction=0.34)
    ours = simulate_field(tmp_path / "polychrome", renderer="polychrome", **options)
    theirs = simulate_field(tmp_path / "galsim", renderer="galsim", **options)
    truth = _read(ours["truth"])
    assert set(truth["kind"]) == {"star", "galaxy"}
    for a, b in zip(ours["images"], theirs["images"]):
        mine, reference = fits.getdata(a["data"]).astype(float), fits.getdata(b["data"]).astype(float)
        assert np.max(np.abs(mine - reference)) < 3e-3 * reference.max(), a["band"]
        assert abs(mine.sum() / reference.sum() - 1) < 5e-4, a["band"]


def test_same_seed_same_files_and_noise_level(tmp_path):
    options = dict(n_sources=5, field_size=8.0, seed=11, bands=DEFAULT_BANDS[:1])
    first = simulate_field(tmp_path / "a", **options)
    second = simulate_field(tmp_path / "b", **options)
    data = fits.getdata(first["images"][0]["data"])
    assert np.array_equal(data, fits.getdata(second["images"][0]["data"]))
    weight = fits.getdata(first["images"][0]["weight"])
    mask = fits.getdata(first["images"][0]["mask"]).astype(bool)
    assert mask.any() and not mask.all()
    # pixels without sources: residual / sigma has unit scatter
    pull = (data * np.sqrt(weight))[~mask]
    assert 0.9 < np.percentile(pull, 50) - np.percentile(pull, 16) < 1.1


@pytest.mark.parametrize("kwargs,match", [
    (dict(renderer="exact"), "renderer"),
    (dict(n_sources=0), "n_sources"),
    (dict(field_size=-1.0), "field_size"),
    (dict(bands=(DEFAULT_BANDS[0], DEFAULT_BANDS[0])), "distinct"),
    (dict(blend_fraction=2.0), "blend_fraction"),
])
def test_bad_arguments_are_named(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_field(tmp_path, **kwargs)


@pytest.mark.parametrize("psf_upsample,tolerance", [(1, 5e-2), (3, 2e-3)])
def test_pipeline_model_with_the_psf_file_reproduces_a_galaxy(tmp_path, psf_upsample, tolerance):
    """polychrome's model (pixel-integrated Sersic convolved with the PSF file) of the
    truth's parameters, on the image's own grid from its WCS, is the image: within
    `tolerance` of the peak (the PSF file's sampling is the only approximation)."""
    import polychrome
    from polychrome.io import read_target

    options = dict(SMALL, star_fraction=0.0, n_sources=4, psf_upsample=psf_upsample)
    paths = simulate_field(tmp_path, **options)
    truth = _read(paths["truth"])
    image = paths["images"][0]
    assert image.get("psf_upsample", 1) == psf_upsample
    target = read_target(image["data"], psf=image["psf"], psf_upsample=psf_upsample)
    checked = 0
    for row in truth:
        if not row["in_vis"]:
            continue
        model = polychrome.render_profile(
            "sersic", {"n": row["n"], "Re": row["Re"], "Ie": row["Ie_vis"]}, target.shape,
            center=target.plane.sky_to_plane(SkyCoord(row["ra"], row["dec"], unit="deg")), q=row["q"],
            PA=row["PA_plane"], pixelscale=target.pixelscale, origin=target.origin, psf=target.psf.data,
            psf_upsample=psf_upsample)
        near = model > 1e-3 * model.max()          # this galaxy's pixels, not its neighbours'
        assert np.max(np.abs(model - target.data)[near]) < tolerance * model.max(), row["id"]
        checked += 1
    assert checked >= 2


def test_grid_layout_isolates_every_source(tmp_path):
    paths = simulate_field(tmp_path, n_sources=9, field_size=30.0, seed=2, layout="grid", blend_fraction=0.0,
                           bands=DEFAULT_BANDS[:1])
    truth = _read(paths["truth"])
    distance = np.hypot(truth["x"][:, None] - truth["x"][None, :], truth["y"][:, None] - truth["y"][None, :])
    np.fill_diagonal(distance, np.inf)
    assert np.min(distance) > 0.7 * 10.0          # cells of 10": jitter of a tenth of a cell each way
    assert np.all(truth["in_vis"]) and np.all(truth["companion"] == -1)
