"""Footprints and neighbour masks from a segmentation map, against brute-force lookups through the WCS."""

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
