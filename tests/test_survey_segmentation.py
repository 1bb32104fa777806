"""Footprints and neighbour masks from a segmentation map, against brute-force lookups through the WCS."""

import dataclasses

import numpy as np
import pytest

pytest.importorskip("scipy")
from astropy.io import fits  # noqa: E402
from astropy.wcs import WCS  # noqa: E402

from polychrome.survey.group_plane import GroupPlane  # noqa: E402
from polychrome.survey.segmentation import Segmentation, footprint_radii, foreign_pixels  # noqa: E402

CENTRE = (150.1, 2.2)
BIG = 10 ** 12          # ids too large to index directly: the renumbering path


def _wcs(scale=0.2, rotation=20.0, shape=(200, 240)):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = list(CENTRE)
    wcs.wcs.crpix = [shape[1] / 2, shape[0] / 2]
    angle = np.radians(rotation)
    wcs.wcs.cd = scale / 3600.0 * np.array([[-np.cos(angle), np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return wcs


@pytest.fixture(params=[0, BIG], ids=["small ids", "large ids"])
def segmentation(tmp_path, request):
    offset = request.param
    labels = np.zeros((200, 240), np.int64)
    labels[40:60, 50:90] = offset + 5                     # a rectangle
    yy, xx = np.mgrid[:200, :240]
    labels[(xx - 150) ** 2 + 2 * (yy - 120) ** 2 < 300] = offset + 7   # an elliptical blob
    labels[120:125, 100:104] = offset + 9
    path = tmp_path / "seg.fits"
    fits.PrimaryHDU(labels, header=_wcs().to_header()).writeto(path)
    return Segmentation(path), labels, offset


def _corners_distance(wcs, ys, xs, ra, dec):
    """Largest distance (arcsec) from (ra, dec) to any corner of the pixels (ys, xs)."""
    corners_x = np.concatenate([xs - 0.5, xs + 0.5, xs - 0.5, xs + 0.5])
    corners_y = np.concatenate([ys - 0.5, ys - 0.5, ys + 0.5, ys + 0.5])
    sky = wcs.pixel_to_world(corners_x, corners_y)
    from astropy.coordinates import SkyCoord

    return SkyCoord(ra, dec, unit="deg").separation(sky).arcsec.max()


def test_footprint_radius_holds_the_segment(segmentation):
    seg, labels, offset = segmentation
    wcs = _wcs()
    ids = np.array([offset + 5, offset + 7, offset + 9, offset + 11])
    centres = [(69.5, 49.5), (150, 120), (101.5, 122), (10, 10)]
    ra, dec = wcs.all_pix2world([c[0] for c in centres], [c[1] for c in centres], 0)
    radii = footprint_radii(seg, ids, ra, dec)
    assert np.isnan(radii[3])                                    # no segment: NaN
    for k in range(3):
        ys, xs = np.nonzero(labels == ids[k])
        exact = _corners_distance(wcs, ys, xs, ra[k], dec[k])
        bound = _corners_distance(wcs, np.array([ys.min(), ys.max()]), np.array([xs.min(), xs.max()]), ra[k], dec[k])
        assert exact <= radii[k] + 1e-6 and radii[k] == pytest.approx(bound, rel=1e-6)
    assert radii[0] == pytest.approx(np.hypot(20 * 0.2, 10 * 0.2), rel=1e-3)    # the rectangle's half-diagonal


def test_string_ids_are_refused(segmentation):
    with pytest.raises(ValueError, match="integer catalogue ids"):
        footprint_radii(segmentation[0], np.array(["a", "b"]), [150.1, 150.1], [2.2, 2.2])


@pytest.mark.parametrize("members", [(5,), (5, 7), ()])
def test_foreign_pixels_match_a_lookup_through_the_wcs(segmentation, members):
    seg, labels, offset = segmentation
    members = [offset + m for m in members]
    plane = GroupPlane(CENTRE[0] + 2e-4, CENTRE[1] - 1e-4)
    angle = np.radians(-35.0)                                     # a cutout grid of another scale and angle
    A = 0.13 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    j, i = np.meshgrid(np.arange(300) - 149.5, np.arange(280) - 139.5)     # centred on the plane
    X = A[0, 0] * j + A[0, 1] * i
    Y = A[1, 0] * j + A[1, 1] * i
    got = foreign_pixels(seg, plane, X, Y, members)
    ra, dec = plane.to_sky(X.ravel(), Y.ravel())
    px, py = _wcs().all_world2pix(ra, dec, 0)
    column, row = np.rint(px).astype(int), np.rint(py).astype(int)
    on = (column >= 0) & (column < 240) & (row >= 0) & (row < 200)
    label = np.zeros(X.size, np.int64)
    label[on] = labels[row[on], column[on]]
    expected = ((label != 0) & ~np.isin(label, members)).reshape(X.shape)
    assert expected.sum() > 20
    assert np.count_nonzero(got != expected) <= 2e-3 * expected.sum()   # at most pixels on segment edges


@pytest.fixture(scope="module")
def segmented_field(tmp_path_factory):
    """A simulated 2-band field and a segmentation map on its first image: each source's pixels
    within 1.2" of it (the nearer source where two discs meet)."""
    from astropy.table import Table

    from polychrome.survey.sim_bands import Band
    from polychrome.survey.simulate import simulate_field

    folder = tmp_path_factory.mktemp("segmented")
    bands = (Band("g", 0.2, 0.0, psf_fwhm=0.6, sky_mag=28.5), Band("i", 0.3, 25.0, psf_fwhm=0.9, sky_mag=28.0))
    field = simulate_field(folder, bands=bands, n_sources=14, field_size=24.0, seed=4, masks=False,
                           star_fraction=0.0, blend_fraction=0.3)
    catalog = Table.read(field["catalog"])
    header = fits.getheader(field["images"][0]["data"])
    wcs = WCS(header)
    ny, nx = header["NAXIS2"], header["NAXIS1"]
    x, y = wcs.world_to_pixel_values(np.asarray(catalog["ra"]), np.asarray(catalog["dec"]))
    yy, xx = np.mgrid[:ny, :nx]
    distance = np.hypot(xx[None] - x[:, None, None], yy[None] - y[:, None, None]) * 0.2    # arcsec
    nearest = distance.argmin(axis=0)
    labels = np.where(distance.min(axis=0) < 1.2, np.asarray(catalog["id"])[nearest], 0)
    path = folder / "segmentation.fits"
    fits.PrimaryHDU(labels.astype(np.int32), header=wcs.to_header()).writeto(path)
    return field, catalog, labels, str(path)


def test_segments_set_the_footprints_and_mask_other_sources(segmented_field):
    from polychrome.survey.cutouts import group_cutouts
    from polychrome.survey.grouping import plan_groups
    from polychrome.survey.image_spec import ImageSpec
    from polychrome.survey.model_spec import ModelSpec

    field, catalog, labels, path = segmented_field
    images = [ImageSpec.from_dict(image) for image in field["images"]]
    plain = ModelSpec(footprint_scale=0.5, default_size=0.1)
    spec = ModelSpec(footprint_scale=0.5, default_size=0.1, segmentation=path)
    tasks = plan_groups(catalog, images, spec)
    footprints = {row["id"]: row["footprint"] for task in tasks for row in task.sources}
    plain_footprints = {row["id"]: row["footprint"] for task in plan_groups(catalog, images, plain)
                        for row in task.sources}
    segmented = [i for i in catalog["id"] if np.any(labels == i)]
    assert len(segmented) >= 10
    assert all(footprints[i] > plain_footprints[i] for i in segmented)   # the 1.2" segments are wider
    checked, only_by_segments = 0, 0
    for task in tasks:
        own = {row["id"] for row in task.sources}
        task = dataclasses.replace(task, neighbours=())   # no neighbour discs: the map alone masks
        g = next((c for c in group_cutouts(task, images, spec).cutouts if c.band == "g"), None)
        if g is None:
            continue
        x0, x1, y0, y1 = g.box
        window = labels[y0:y1, x0:x1]
        foreign = (window != 0) & ~np.isin(window, list(own))
        if not foreign.any():
            continue
        # every pixel of another source's segment is masked (the g image is the map's grid) ...
        assert np.all(g.target.mask[foreign])
        checked += 1
        # ... and without the map, they are not
        without = next(c for c in group_cutouts(task, images, plain).cutouts if c.band == "g")
        only_by_segments += int(not np.any(without.target.mask[foreign]))
    assert checked >= 2 and only_by_segments == checked


def test_fit_catalog_with_a_segmentation_map(segmented_field, tmp_path):
    from polychrome.survey.pipeline import fit_catalog
    from polychrome.survey.run_folder import ConfigurationChanged

    field, catalog, labels, path = segmented_field
    model = {"candidates": ["sersic galaxy model"], "segmentation": path, "max_iterations": 40}
    table = fit_catalog(field["catalog"], field["images"], model, tmp_path, serial=True, progress=False)
    assert sorted(table["id"]) == sorted(catalog["id"])
    fitted = table[(table["flags"] & 1) == 0]
    assert np.count_nonzero(np.isfinite(fitted["flux_g"])) >= 10
    with fits.open(path, mode="update") as hdus:      # a changed map is a changed configuration
        hdus[0].data[0, 0] = 99
    with pytest.raises(ConfigurationChanged, match="segmentation map"):
        fit_catalog(field["catalog"], field["images"], model, tmp_path, serial=True, progress=False)
