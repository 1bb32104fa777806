"""WCS images on a common tangent plane, checked against an independent gnomonic projection.

The reference: astropy's own world coordinates of each pixel (pixel_to_world,
converted to the reference frame), projected on the reference WCS's tangent
plane with the textbook gnomonic formulae written out here. Plane x is West
(minus the standard coordinate xi), y North, zero at the outer corner of the
reference image's pixel (0, 0).
"""

from pathlib import Path

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import wcs_to_celestial_frame

import polychrome as pc

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
ARCSEC = 3600.0


def gnomonic_west_north(sky, tangent_ra, tangent_dec):
    """Arcsec (West, North) of SkyCoord ``sky`` on the plane tangent at (ra, dec) in degrees."""
    ra, dec = np.radians(sky.spherical.lon.deg), np.radians(sky.spherical.lat.deg)
    ra0, dec0 = np.radians(tangent_ra), np.radians(tangent_dec)
    cos_c = np.sin(dec0) * np.sin(dec) + np.cos(dec0) * np.cos(dec) * np.cos(ra - ra0)
    xi = np.cos(dec) * np.sin(ra - ra0) / cos_c
    eta = (np.cos(dec0) * np.sin(dec) - np.sin(dec0) * np.cos(dec) * np.cos(ra - ra0)) / cos_c
    return -np.degrees(xi) * ARCSEC, np.degrees(eta) * ARCSEC


def reference_plane(reference_wcs, wcs, x, y):
    """Independent plane position of pixels (x, y) of ``wcs`` on ``reference_wcs``'s plane."""
    frame = wcs_to_celestial_frame(reference_wcs)
    ra0, dec0 = reference_wcs.wcs.crval
    sky = wcs.pixel_to_world(x, y).transform_to(frame)
    corner = reference_wcs.pixel_to_world(-0.5, -0.5).transform_to(frame)
    px, py = gnomonic_west_north(sky, ra0, dec0)
    cx, cy = gnomonic_west_north(corner, ra0, dec0)
    return px - cx, py - cy


def sample_pixels(shape, count=400, seed=1):
    rng = np.random.default_rng(seed)
    ny, nx = shape
    return rng.uniform(-0.5, nx - 0.5, count), rng.uniform(-0.5, ny - 0.5, count)


def needs_data(name):
    path = DATA / name
    return pytest.mark.skipif(not path.exists(), reason=f"{path} not present")


@pytest.fixture
def hsc_and_hst():
    hsc_header = fits.getheader(DATA / "Cut_HSC.fits")
    hsc_data = fits.getdata(DATA / "Cut_HSC.fits")[2]
    hst_header = fits.getheader(DATA / "Cut_HST.fits")
    hst_data = fits.getdata(DATA / "Cut_HST.fits")
    hsc = pc.image.TargetImage(hsc_data, wcs=hsc_header, zeropoint=27.0)
    hst = pc.image.TargetImage(hst_data, wcs=WCS(hst_header))
    return hsc, hst


@needs_data("Cut_HSC.fits")
@needs_data("Cut_HST.fits")
def test_real_cutouts_align_with_astropy_world_coordinates(hsc_and_hst):
    hsc, hst = hsc_and_hst
    images = pc.image.TargetImageList([hsc, hst])
    assert images.plane is hsc.plane and hst.plane.is_same_as(hsc.plane)
    for image in (hsc, hst):
        x, y = sample_pixels(image.shape)
        want_x, want_y = reference_plane(hsc.wcs, image.wcs, x, y)
        exact_x, exact_y = image.pixel_to_plane(x, y)
        assert np.max(np.hypot(exact_x - want_x, exact_y - want_y)) < 1e-3
        affine_x, affine_y = image.pixel_to_plane_affine(x, y)
        affine_miss = np.max(np.hypot(affine_x - want_x, affine_y - want_y))
        assert affine_miss < 1e-3
        assert image.affine_error < 1e-3
        assert affine_miss <= image.affine_error + 1e-6


@needs_data("Cut_HSC.fits")
@needs_data("Cut_HST.fits")
def test_real_cutouts_scales_and_reference_image_placement(hsc_and_hst):
    hsc, hst = hsc_and_hst
    pc.image.TargetImageList([hsc, hst])
    cd = hsc.wcs.pixel_scale_matrix * ARCSEC
    np.testing.assert_allclose(hsc.pixelscale, np.diag([-1.0, 1.0]) @ cd, atol=1e-9)
    np.testing.assert_allclose(hsc.pixelscale, 0.168 * np.eye(2), atol=1e-9)
    np.testing.assert_allclose(hsc.origin, [0.0, 0.0], atol=1e-9)
    assert abs(abs(np.linalg.det(hst.pixelscale)) ** 0.5 - 0.03) < 1e-4
    # the two cutouts overlap on the sky
    hst_centre = hst.pixel_to_plane(124.5, 124.5)
    px, py = hsc.plane_to_pixel(*hst_centre)
    assert 0 <= px < 50 and 0 <= py < 50


@needs_data("Cut_HSC.fits")
@needs_data("Cut_HST.fits")
def test_explicit_reference_wcs_and_round_trips(hsc_and_hst):
    hsc, hst = hsc_and_hst
    images = pc.image.TargetImageList([hsc, hst], reference_wcs=hst.wcs)
    assert hsc.plane.is_same_as(images.plane)
    np.testing.assert_allclose(hst.origin, [0.0, 0.0], atol=1e-8)
    for image in images:
        x, y = sample_pixels(image.shape, 100, seed=2)
        want_x, want_y = reference_plane(hst.wcs, image.wcs, x, y)
        got_x, got_y = image.pixel_to_plane(x, y)
        assert np.max(np.hypot(got_x - want_x, got_y - want_y)) < 1e-3
        back_x, back_y = image.plane_to_pixel(got_x, got_y)
        np.testing.assert_allclose(back_x, x, atol=1e-6)
        np.testing.assert_allclose(back_y, y, atol=1e-6)


def synthetic_wcs(crval, crpix, scale_arcsec, rotation_deg, sip=False):
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"] if sip else ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = crval
    w.wcs.crpix = crpix
    c, s = np.cos(np.radians(rotation_deg)), np.sin(np.radians(rotation_deg))
    w.wcs.cd = scale_arcsec / ARCSEC * np.array([[-c, s], [s, c]])
    if sip:
        from astropy.wcs import Sip
        a = np.zeros((3, 3))
        b = np.zeros((3, 3))
        a[2, 0], a[1, 1], b[0, 2] = 2e-6, 1e-6, -1.5e-6
        w.sip = Sip(a, b, None, None, w.wcs.crpix)
    w.wcs.set()
    return w


def test_rotated_wcs_image_on_a_reference_plane():
    reference = synthetic_wcs([150.0, 2.0], [60.0, 40.0], 0.2, 0.0)
    other = synthetic_wcs([150.01, 2.005], [30.0, 35.0], 0.5, 37.0)
    image = pc.image.TargetImage(np.zeros((70, 80)), wcs=other, reference_wcs=reference)
    x, y = sample_pixels(image.shape)
    want_x, want_y = reference_plane(reference, other, x, y)
    got_x, got_y = image.pixel_to_plane(x, y)
    assert np.max(np.hypot(got_x - want_x, got_y - want_y)) < 1e-6
    # a 37 degree rotation: columns of the pixelscale matrix rotated from the axes
    column_x = image.pixelscale[:, 0]
    assert np.degrees(np.arctan2(column_x[1], column_x[0])) == pytest.approx(37.0, abs=0.05)
    assert np.linalg.norm(column_x) == pytest.approx(0.5, rel=1e-3)
    back_x, back_y = image.plane_to_pixel(got_x, got_y)
    np.testing.assert_allclose(back_x, x, atol=1e-6)
    np.testing.assert_allclose(back_y, y, atol=1e-6)


def test_distorted_wcs_reports_affine_error_and_keeps_exact_map():
    distorted = synthetic_wcs([150.0, 2.0], [100.0, 100.0], 0.1, 10.0, sip=True)
    image = pc.image.TargetImage(np.zeros((200, 200)), wcs=distorted)
    x, y = sample_pixels(image.shape)
    want_x, want_y = reference_plane(distorted, distorted, x, y)
    exact_x, exact_y = image.pixel_to_plane(x, y)
    assert np.max(np.hypot(exact_x - want_x, exact_y - want_y)) < 1e-6
    affine_x, affine_y = image.pixel_to_plane_affine(x, y)
    affine_miss = np.max(np.hypot(affine_x - want_x, affine_y - want_y))
    assert affine_miss > 1e-3  # the SIP terms are not affine
    assert affine_miss <= image.affine_error * 1.0001
    assert image.affine_error < 2 * affine_miss + 0.05


def test_wcs_image_view_keeps_exact_plane_positions():
    w = synthetic_wcs([150.0, 2.0], [20.0, 20.0], 0.3, 25.0, sip=True)
    image = pc.image.TargetImage(np.arange(1200.0).reshape(30, 40), wcs=w)
    view = image[pc.image.Window(image, [[5, 25], [7, 19]])]
    x, y = sample_pixels(view.shape, 50)
    np.testing.assert_allclose(view.pixel_to_plane(x, y), image.pixel_to_plane(x + 5, y + 7), atol=1e-9)
    np.testing.assert_allclose(view.pixel_to_plane_affine(x, y),
                               image.pixel_to_plane_affine(x + 5, y + 7), atol=1e-9)


def test_header_input_and_bad_wcs_arguments():
    w = synthetic_wcs([10.0, -30.0], [5.0, 5.0], 0.25, 0.0)
    header = w.to_header()
    image = pc.image.TargetImage(np.zeros((9, 9)), wcs=header)
    np.testing.assert_allclose(image.pixelscale, 0.25 * np.eye(2), atol=1e-9)
    with pytest.raises(TypeError, match="wcs must be"):
        pc.image.TargetImage(np.zeros((9, 9)), wcs="not a wcs")
    with pytest.raises(ValueError, match="either wcs or origin"):
        pc.image.TargetImage(np.zeros((9, 9)), wcs=w, origin=(0.0, 0.0))
    with pytest.raises(ValueError, match="reference_wcs needs wcs"):
        pc.image.TargetImage(np.zeros((9, 9)), reference_wcs=w)
    spectral = WCS(naxis=1)
    spectral.wcs.ctype = ["WAVE"]
    with pytest.raises(ValueError, match="no celestial"):
        pc.image.TargetImage(np.zeros((9, 9)), wcs=spectral)
    w.pixel_shape = (12, 9)
    with pytest.raises(ValueError, match="wcs describes an image"):
        pc.image.TargetImage(np.zeros((9, 9)), wcs=w)


def test_pixelscale_beside_a_wcs_must_agree_with_it():
    """The AutoProf tutorial passes pixelscale and wcs together: accepted when they agree."""
    rotated = synthetic_wcs([10.0, -30.0], [5.0, 5.0], 0.25, 25.0)
    image = pc.image.TargetImage(np.zeros((9, 9)), wcs=rotated, pixelscale=0.25)
    np.testing.assert_allclose(image.pixelscale, pc.image.TargetImage(np.zeros((9, 9)), wcs=rotated).pixelscale)
    pc.image.TargetImage(np.zeros((9, 9)), wcs=rotated, pixelscale=image.pixelscale)
    with pytest.raises(ValueError, match="pixelscale 0.3 arcsec disagrees with the wcs"):
        pc.image.TargetImage(np.zeros((9, 9)), wcs=rotated, pixelscale=0.3)
    with pytest.raises(ValueError, match="disagrees with the wcs's"):
        pc.image.TargetImage(np.zeros((9, 9)), wcs=rotated, pixelscale=0.25 * np.eye(2))


def test_frames_are_converted():
    icrs = synthetic_wcs([150.0, 2.0], [50.0, 50.0], 0.1, 0.0)
    fk5 = synthetic_wcs([150.0, 2.0], [50.0, 50.0], 0.1, 0.0)
    fk5.wcs.radesys = "FK5"
    fk5.wcs.equinox = 2000.0
    icrs.wcs.radesys = "ICRS"
    image = pc.image.TargetImage(np.zeros((100, 100)), wcs=fk5, reference_wcs=icrs)
    sky = fk5.pixel_to_world(10.0, 20.0).transform_to("icrs")
    want = reference_plane(icrs, fk5, np.array([10.0]), np.array([20.0]))
    got = image.pixel_to_plane(np.array([10.0]), np.array([20.0]))
    np.testing.assert_allclose(got, want, atol=1e-6)
    # the FK5/ICRS offset (tens of mas) is really there and accounted for
    naive = icrs.world_to_pixel(SkyCoord(sky.ra.deg, sky.dec.deg, unit="deg", frame="fk5"))
    assert abs(float(naive[0]) - 10.0) * 0.1 > 1e-3 or abs(float(naive[1]) - 20.0) * 0.1 > 1e-3


@pytest.mark.parametrize("with_wcs", [True, False])
def test_shift_origin_moves_every_pixel_on_the_plane(with_wcs):
    """A registration correction: exact and affine positions move by the shift, the inverse maps
    follow, re-placing keeps it, and a view cannot be shifted on its own."""
    w = synthetic_wcs([150.0, 2.0], [20.0, 15.0], 0.3, 25.0)
    image = (pc.image.TargetImage(np.zeros((30, 40)), wcs=w) if with_wcs
             else pc.image.TargetImage(np.zeros((30, 40)), pixelscale=0.3, origin=(1.0, 2.0)))
    x, y = sample_pixels(image.shape, 20)
    before = np.array(image.pixel_to_plane(x, y))
    affine_before = np.array(image.pixel_to_plane_affine(x, y))
    image.shift_origin((-0.4, 0.25))
    shift = np.array([[-0.4], [0.25]])
    np.testing.assert_allclose(image.pixel_to_plane(x, y), before + shift, atol=1e-9)
    np.testing.assert_allclose(image.pixel_to_plane_affine(x, y), affine_before + shift, atol=1e-12)
    np.testing.assert_allclose(image.plane_to_pixel(*(before + shift)), (x, y), atol=1e-6)
    view = image[pc.image.Window(image, [[5, 25], [7, 19]])]
    np.testing.assert_allclose(view.pixel_to_plane(x[:3], y[:3]), image.pixel_to_plane(x[:3] + 5, y[:3] + 7),
                               atol=1e-9)
    with pytest.raises(ValueError, match="whole images"):
        view.shift_origin((1.0, 0.0))
    with pytest.raises(ValueError, match="shift must be two finite numbers"):
        image.shift_origin((np.nan, 0.0))
    if with_wcs:
        image.place_on(w)
        np.testing.assert_allclose(image.pixel_to_plane(x, y), before + shift, atol=1e-9)


def test_models_follow_a_shifted_image():
    target = pc.image.TargetImage(np.zeros((40, 40)), pixelscale=0.2)
    model = pc.models.Model(name="g", model_type="sersic galaxy model", target=target, window=[[5, 35], [5, 35]],
                            center=[4.0, 4.1], q=0.7, PA=0.3, n=1.5, Re=1.0, Ie=0.0)
    before = model.sample().data.copy()
    target.shift_origin((0.3, -0.2))
    model["center"].value = [4.3, 3.9]  # the same place on the sky, now 0.3, -0.2 arcsec further
    np.testing.assert_allclose(model.sample().data, before, rtol=1e-12, atol=1e-15)
