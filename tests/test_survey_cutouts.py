"""Cutouts: coverage flags, edges, sources outside every image, NaN masking, neighbour masking, the
cutout's WCS against the full image's, and the placement on the group's tangent plane."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.table import Table

from polychrome.survey.cutouts import group_cutouts
from polychrome.survey.flags import SourceFlag
from polychrome.survey.group_plane import GroupPlane
from polychrome.survey.grouping import plan_groups
from polychrome.survey.image_spec import ImageSpec, open_image
from polychrome.survey.model_spec import ModelSpec
from polychrome.survey.tasks import GroupTask
from survey_field import FIELD_CENTRE, Band, _header

FIELD = GroupPlane(*FIELD_CENTRE)


def _image(folder, band, nan_box=None, psf_fwhm_pixels=3.0):
    rng = np.random.default_rng(len(band.name))
    data = rng.normal(0.0, band.sigma, band.shape)
    if nan_box is not None:
        x0, x1, y0, y1 = nan_box
        data[y0:y1, x0:x1] = np.nan
    path = folder / f"{band.name}.fits"
    fits.PrimaryHDU(data, header=_header(band)).writeto(path)
    r = np.arange(-7, 8)
    psf = np.exp(-0.5 * (r[:, None] ** 2 + r[None, :] ** 2) / (psf_fwhm_pixels / 2.355) ** 2)
    fits.PrimaryHDU(psf).writeto(folder / f"{band.name}_psf.fits")
    return ImageSpec(data=str(path), band=band.name, psf=str(folder / f"{band.name}_psf.fits"))


def _catalog(xy, size=0.5):
    ra, dec = FIELD.to_sky(*np.transpose(xy))
    return Table({"id": np.arange(len(xy)), "ra": ra, "dec": dec, "size": np.full(len(xy), size)})


@pytest.fixture()
def images(tmp_path):
    # a 0.2" image 20" wide and a rotated 0.4" image 12" wide, both centred on the field
    return [_image(tmp_path, Band("g", 0.2, (100, 100), 0.0, "gaussian", 0.6, 0.1)),
            _image(tmp_path, Band("i", 0.4, (30, 30), 30.0, "gaussian", 1.2, 0.1))]


def test_coverage_flags(images):
    # centre; inside g only; on g's edge; outside both
    catalog = _catalog([(0.0, 0.0), (-8.0, 0.0), (9.8, 0.0), (40.0, 40.0)])
    spec = ModelSpec()
    rows = {}
    for task in plan_groups(catalog, images, spec):
        cut = group_cutouts(task, images, spec)
        for k, source in enumerate(task.sources):
            rows[source["id"]] = (int(cut.flags[k]), cut.messages[k], bool(cut.fit[k]),
                                  sum(c.uses[k] for c in cut.cutouts))
    assert rows[0] == (0, [], True, 2)
    assert rows[1][0] == SourceFlag.PARTIAL_COVERAGE and rows[1][3] == 1  # only g has it
    assert rows[2][0] & SourceFlag.PARTIAL_COVERAGE and rows[2][2]  # footprint cut by g's edge
    assert rows[3][0] == SourceFlag.NO_DATA and not rows[3][2] and "no image" in rows[3][1][0]


def test_cutout_pixels_lie_where_the_wcs_puts_them(images):
    catalog = _catalog([(1.3, -0.7), (2.9, 0.4)])
    spec = ModelSpec()
    task = plan_groups(catalog, images, spec)[0]
    cut = group_cutouts(task, images, spec)
    assert task.size == 2 and len(cut.cutouts) == 2
    for cutout, spec_image in zip(cut.cutouts, images):
        image = open_image(spec_image)
        x0, x1, y0, y1 = cutout.box
        ny, nx = cutout.target.shape
        assert (ny, nx) == (y1 - y0, x1 - x0)
        j, i = np.meshgrid(np.arange(nx), np.arange(ny))
        # the cutout's own WCS is the full image's, shifted
        ra, dec = cutout.wcs.pixel_to_world_values(j, i)
        full_ra, full_dec = image.wcs.pixel_to_world_values(j + x0, i + y0)
        assert np.allclose(ra, full_ra, rtol=0, atol=1e-12) and np.allclose(dec, full_dec, rtol=0, atol=1e-12)
        # ... and astropy's Cutout2D of the same box says the same
        reference = Cutout2D(np.asarray(image.data), ((x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2), (ny, nx), wcs=image.wcs)
        assert reference.bbox_original == ((y0, y1 - 1), (x0, x1 - 1))
        assert np.array_equal(reference.data, np.asarray(image.data)[y0:y1, x0:x1])
        assert np.allclose(reference.wcs.pixel_to_world_values(j, i), (ra, dec), rtol=0, atol=1e-12)
        # the affine placement on the group plane matches the exact WCS to well below a pixel
        px, py = cut.plane.to_plane(full_ra, full_dec)
        ax, ay = cutout.target.pixel_to_plane(j, i)
        assert np.max(np.hypot(px - ax, py - ay)) < 1e-6  # arcsec
    # the catalogue centres on the plane
    assert np.allclose(cut.centers, np.column_stack(cut.plane.to_plane(catalog["ra"], catalog["dec"])))


def test_group_plane_is_astropy_tan():
    plane = GroupPlane(359.99, -45.0)
    wcs = plane.wcs()
    ra = np.array([359.99, 0.01, 359.95, 0.0])
    dec = np.array([-45.0, -44.98, -45.03, -45.01])
    x, y = plane.to_plane(ra, dec)
    px, py = wcs.world_to_pixel_values(ra, dec)
    assert np.allclose(x, px, atol=1e-8) and np.allclose(y, py, atol=1e-8)
    back_ra, back_dec = plane.to_sky(x, y)
    assert np.allclose(back_dec, dec, atol=1e-12) and np.allclose((back_ra - ra + 180) % 360 - 180, 0, atol=1e-12)
    assert x[1] < 0  # east of the tangent point is -x (x grows to the West)


def test_nan_pixels_are_masked_and_all_nan_is_too_few_pixels(tmp_path):
    band = Band("g", 0.2, (100, 100), 0.0, "gaussian", 0.6, 0.1)
    nan = [_image(tmp_path, band, nan_box=(0, 100, 0, 50))]  # the lower half (y < 0) is NaN
    catalog = _catalog([(0.0, 5.0), (0.0, -5.0)])
    spec = ModelSpec()
    for task in plan_groups(catalog, nan, spec):
        cut = group_cutouts(task, nan, spec)
        target = cut.cutouts[0].target if cut.cutouts else None
        if task.sources[0]["id"] == 0:
            assert cut.flags[0] == 0 and np.all(np.isfinite(target.data))
        else:
            assert cut.flags[0] == SourceFlag.TOO_FEW_PIXELS and not cut.fit[0] and not cut.cutouts


def test_neighbour_footprints_are_masked(images):
    catalog = _catalog([(0.0, 0.0)])
    neighbour = _catalog([(2.5, 0.0)])
    spec = ModelSpec()
    task = plan_groups(catalog, images, spec)[0]
    row = {"id": 9, "ra": float(neighbour["ra"][0]), "dec": float(neighbour["dec"][0]), "footprint": 1.5}
    crowded = GroupTask(task.group_id, task.sources, (row,), 0, 1.0, task.center, task.radius)
    alone, masked = group_cutouts(task, images, spec).cutouts[0], group_cutouts(crowded, images, spec).cutouts[0]
    X, Y = masked.target.pixel_center_grid()
    near_neighbour = np.hypot(X - 2.5, Y) < 0.5
    assert not np.any(alone.target.mask) and np.all(masked.target.mask[near_neighbour])
    assert not np.any(masked.target.mask[np.hypot(X, Y) < 1.0])  # the member keeps its core
    assert masked.pixels[0] < alone.pixels[0]


def test_sky_to_pixel_is_astropys_all_world2pix(images, tmp_path):
    # without distortions the short path (Wcsprm.s2p) must give astropy's numbers exactly; with SIP
    # distortions (where all_world2pix iterates) astropy's own
    image = open_image(images[1])
    assert not image.wcs.has_distortion
    ra = FIELD_CENTRE[0] + np.array([0.0, 1e-3, -2e-3])
    dec = FIELD_CENTRE[1] + np.array([0.0, -1e-3, 2e-3])
    for got, expected in zip(image.sky_to_pixel(ra, dec), image.wcs.all_world2pix(ra, dec, 0)):
        assert np.array_equal(got, expected)
    header = _header(Band("s", 0.2, (40, 40), 0.0, "gaussian", 0.6, 0.1))
    header["CTYPE1"], header["CTYPE2"] = "RA---TAN-SIP", "DEC--TAN-SIP"
    header.update(A_ORDER=2, B_ORDER=2, A_2_0=2e-4, B_0_2=-3e-4)
    fits.PrimaryHDU(np.zeros((40, 40)), header=header).writeto(tmp_path / "sip.fits")
    sip = open_image(ImageSpec(data=str(tmp_path / "sip.fits"), band="s"))
    assert sip.wcs.has_distortion
    x, y = sip.sky_to_pixel(ra, dec)
    linear = sip.wcs.wcs_world2pix(ra, dec, 0)
    assert np.max(np.abs(x - linear[0])) > 1e-3  # the distortion matters here ...
    assert np.allclose(sip.wcs.all_pix2world(x, y, 0), (ra, dec), rtol=0, atol=1e-10)  # ... and is inverted


def test_usable_pixels_mask_what_is_not_finite_positive_or_unmasked():
    """_usable_pixels: bad where the mask is set, the data are NaN or inf, or the variance is
    NaN, inf, zero or negative (the rule ~isfinite(data) | ~(variance > 0) | ~isfinite(variance)
    | mask != 0); there data 0 and variance 1, elsewhere the image's numbers."""
    from polychrome.survey.cutouts import _usable_pixels

    class Opened:
        data = np.arange(30.0).reshape(5, 6)
        data[0, 1], data[1, 2], data[2, 3] = np.nan, np.inf, -np.inf
        noise = np.full((5, 6), 2.0)
        noise[3, 0], noise[3, 1], noise[3, 2], noise[3, 3], noise[3, 4] = np.nan, np.inf, 0.0, -1.0, -np.inf
        mask = np.zeros((5, 6), np.float32)
        mask[4, 5], mask[4, 4] = 1.0, np.nan

        def variance_of(self, data, slices, unknown_as_nan=True):
            return np.array(self.noise[slices], float)

    image, slices = Opened(), (slice(0, 5), slice(1, 6))
    data, variance, bad = _usable_pixels(image, slices)
    d, v, m = image.data[slices], image.noise[slices], image.mask[slices]
    expected = ~np.isfinite(d) | ~(v > 0) | ~np.isfinite(v) | (m != 0)
    np.testing.assert_array_equal(bad, expected)
    assert bad.sum() == 9
    np.testing.assert_array_equal(data, np.where(expected, 0.0, d))
    np.testing.assert_array_equal(variance, np.where(expected, 1.0, v))


def test_plane_of_far_points_is_nan_and_near_points_unchanged():
    """to_plane: NaN for points 90 deg or more from the tangent point, the same numbers for the
    others whether or not far points come with them."""
    plane = GroupPlane(10.0, -30.0)
    ra, dec = np.array([10.001, 190.0, 9.999, 10.0]), np.array([-30.002, 30.0, -29.998, 70.0])
    x, y = plane.to_plane(ra, dec)
    assert np.isnan(x[[1, 3]]).all() and np.isnan(y[[1, 3]]).all()
    near_x, near_y = plane.to_plane(ra[[0, 2]], dec[[0, 2]])
    assert x[[0, 2]].tobytes() == near_x.tobytes() and y[[0, 2]].tobytes() == near_y.tobytes()


def test_plane_points_are_to_plane_to_the_bit():
    """GroupPlane.plane_points (Python floats, point by point) gives to_plane's numbers (numpy arrays)
    bit for bit, near and far from the tangent point, and NaN where to_plane does."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        plane = GroupPlane(rng.uniform(0.0, 360.0), rng.uniform(-89.0, 89.0))
        spread = rng.choice([1e-4, 1e-2, 1.0, 60.0])
        ra = plane.ra0 + rng.normal(0.0, spread, 20)
        dec = np.clip(plane.dec0 + rng.normal(0.0, spread, 20), -90.0, 90.0)
        x, y = plane.to_plane(ra, dec)
        points = np.array(plane.plane_points(ra.tolist(), dec.tolist()))
        assert points[:, 0].tobytes() == x.tobytes() and points[:, 1].tobytes() == y.tobytes()
    far = GroupPlane(10.0, -30.0).plane_points([190.0], [30.0])
    assert np.isnan(far).all()


def test_sky_points_are_to_sky_to_the_bit():
    """GroupPlane.sky_points (Python floats, numpy's arctan2 and hypot once over all points) gives
    to_sky's numbers (numpy arrays) bit for bit, for many points at once and for one, near the
    tangent point and far from it, at ra 0 / 360 and near the poles."""
    rng = np.random.default_rng(12)
    centres = [(0.0, 0.0), (359.9999, 1.0), (1e-7, -45.0), (180.0, 89.99), (10.0, -89.99)]
    centres += [(rng.uniform(0.0, 360.0), rng.uniform(-89.0, 89.0)) for _ in range(200)]
    for ra0, dec0 in centres:
        plane = GroupPlane(ra0, dec0)
        count = int(rng.integers(1, 9))
        x = (rng.normal(size=count) * rng.choice([1e-3, 1.0, 60.0, 3600.0, 1e5], count)).tolist()
        y = (rng.normal(size=count) * rng.choice([1e-3, 1.0, 60.0, 3600.0, 1e5], count)).tolist()
        x[0], y[0] = 0.0, -0.0
        ra, dec = plane.to_sky(x, y)
        ra_points, dec_points = plane.sky_points(x, y)
        assert np.array(ra_points).tobytes() == ra.tobytes() and np.array(dec_points).tobytes() == dec.tobytes()
        for k in range(count):
            (one_ra,), (one_dec,) = plane.sky_points([x[k]], [y[k]])
            assert (one_ra, one_dec) == tuple(v.item() for v in plane.to_sky(x[k], y[k]))


def test_variance_from_a_weight_map_is_its_inverse_and_nan_where_not_positive(tmp_path):
    """OpenImage.variance_of with a weight map: 1/weight where the weight is positive, NaN where it
    is zero, negative or NaN."""
    band = Band("w", 0.2, (6, 5), 0.0, "gaussian", 0.6, 0.1)
    weight = np.full((6, 5), 4.0)
    weight[1, 1], weight[2, 2], weight[3, 3] = 0.0, -1.0, np.nan
    fits.PrimaryHDU(np.zeros((6, 5)), header=_header(band)).writeto(tmp_path / "w.fits")
    fits.PrimaryHDU(weight).writeto(tmp_path / "w.weight.fits")
    image = open_image(ImageSpec(data=str(tmp_path / "w.fits"), band="w", weight=str(tmp_path / "w.weight.fits")))
    slices = (slice(0, 6), slice(0, 5))
    variance = image.variance_of(np.zeros((6, 5)), slices)
    expected = np.full((6, 5), 0.25)
    expected[1, 1] = expected[2, 2] = expected[3, 3] = np.nan
    np.testing.assert_array_equal(variance, expected)


def test_usable_pixels_of_a_weight_map_as_from_its_nan_marked_variance(tmp_path):
    """_usable_pixels on a weight map (variance_of's reciprocal as it comes, unknown_as_nan=False)
    marks bad and fills exactly as the NaN-marked variance says: zero, negative, NaN, infinite
    and subnormal weights (whose reciprocal overflows) included."""
    from polychrome.survey.cutouts import _usable_pixels

    band = Band("w", 0.2, (6, 5), 0.0, "gaussian", 0.6, 0.1)
    weight = np.full((6, 5), 4.0)
    weight[0, :] = 0.0, -0.0, -1.0, np.nan, np.inf
    weight[1, :] = -np.inf, 5e-324, 1e-300, 1e300, 0.5
    fits.PrimaryHDU(np.arange(30.0).reshape(6, 5), header=_header(band)).writeto(tmp_path / "w.fits")
    fits.PrimaryHDU(weight).writeto(tmp_path / "w.weight.fits")
    image = open_image(ImageSpec(data=str(tmp_path / "w.fits"), band="w", weight=str(tmp_path / "w.weight.fits")))
    slices = (slice(0, 6), slice(0, 5))
    data, variance, bad = _usable_pixels(image, slices)
    with np.errstate(over="ignore"):  # (1 / 5e-324)
        marked = image.variance_of(np.zeros((6, 5)), slices)
    expected = ~(marked > 0) | ~np.isfinite(marked)
    np.testing.assert_array_equal(bad, expected)
    assert bad[0].all() and bad[1, :2].tolist() == [True, True] and not bad[1, 2:].any()
    np.testing.assert_array_equal(variance, np.where(expected, 1.0, marked))
    np.testing.assert_array_equal(data, np.where(expected, 0.0, np.arange(30.0).reshape(6, 5)))


def test_psf_grid_key_rounds_as_numpy():
    """image_spec.psf_grid_key (Python floats) gives np.round's key of a grid, ties and near-ties
    included: the PSF grids a survey shares are the ones it shared before."""
    from polychrome.survey.image_spec import _PSF_GRID_DIGITS, psf_grid_key

    rng = np.random.default_rng(7)
    for _ in range(5000):
        grid = rng.normal(0, 1, (2, 2)) * rng.choice([1e-3, 0.1, 1.0, 10.0])
        if rng.random() < 0.5:  # on and next to the rounding's ties
            grid = np.round(grid, _PSF_GRID_DIGITS) + rng.choice([0.5, -0.5, 0.0]) * 10.0 ** -_PSF_GRID_DIGITS
        scale = float(rng.choice([0.03, 0.05, 0.1, 0.2, 0.4]))
        assert psf_grid_key(grid, scale) == tuple(np.round(np.ravel(grid) / scale, _PSF_GRID_DIGITS).tolist())
