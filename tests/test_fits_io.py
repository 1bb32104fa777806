"""Reading targets from FITS (synthetic files, and the shared real cutouts)."""

import os

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from polychrome.io import read_target

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def _wcs(scale_arcsec=0.2, rotation=0.0):
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [150.0, 2.0]
    w.wcs.crpix = [10.5, 12.5]
    c, s = np.cos(rotation), np.sin(rotation)
    w.wcs.cd = np.array([[-c, s], [s, c]]) * scale_arcsec / 3600.0
    return w


@pytest.fixture
def fits_file(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(20, 24))
    data[3, 4] = np.nan
    header = _wcs().to_header()
    header["MAGZPT"] = 25.5
    hdul = fits.HDUList([fits.PrimaryHDU(data, header=header),
                         fits.ImageHDU(np.full((20, 24), 0.25), name="VAR"),
                         fits.ImageHDU(np.eye(20, 24, dtype=np.int32) * 4, name="MASK"),
                         fits.ImageHDU(np.full((20, 24), 16.0), name="IVAR"),
                         fits.ImageHDU(np.full((20, 24), 0.5), name="SIGMA")])
    path = tmp_path / "target.fits"
    hdul.writeto(path)
    return path, data


def test_reads_data_variance_mask_wcs_and_zeropoint(fits_file):
    path, data = fits_file
    with fits.open(path) as hdul, pytest.warns(UserWarning, match="1 NaN"):
        t = read_target(path, variance=hdul["VAR"], mask=hdul["MASK"])
    assert t.shape == (20, 24)
    assert np.allclose(t.variance[~t.mask], 0.25)
    assert t.mask[3, 4] and t.mask[5, 5] and not t.mask[5, 6]
    assert t.zeropoint == 25.5
    assert np.allclose(t.pixelscale, 0.2 * np.eye(2), atol=1e-9)


@pytest.mark.parametrize("kind,hdu,expected", [("weight", "IVAR", 1 / 16.0), ("sigma", "SIGMA", 0.25)])
def test_weight_or_sigma_become_variance(fits_file, kind, hdu, expected):
    path, _ = fits_file
    with fits.open(path) as hdul, pytest.warns(UserWarning):
        t = read_target(path, **{kind: hdul[hdu]})
    assert np.allclose(t.variance[~t.mask], expected)


def test_plane_of_a_cube_and_explicit_zeropoint(tmp_path):
    cube = np.stack([np.full((8, 9), k + 1.0) for k in range(3)])
    path = tmp_path / "cube.fits"
    fits.PrimaryHDU(cube).writeto(path)
    t = read_target(path, plane=2, zeropoint=27.0)
    assert np.all(t.data == 3.0) and t.zeropoint == 27.0
    with pytest.raises(ValueError, match="plane="):
        read_target(path)
    with pytest.raises(ValueError, match="plane must be in"):
        read_target(path, plane=3)


def test_single_image_maps_beside_a_cube_plane(tmp_path):
    """A variance map or mask given as one image holds for whichever plane is read; a cube of
    maps gives its own plane."""
    cube = np.stack([np.full((8, 9), k + 1.0) for k in range(3)])
    path = tmp_path / "cube.fits"
    fits.PrimaryHDU(cube).writeto(path)
    mask = np.zeros((8, 9), bool)
    mask[2, 3] = True
    t = read_target(path, plane=1, variance=np.full((8, 9), 0.25), mask=mask)
    assert np.all(t.data == 2.0) and np.all(t.variance[~t.mask] == 0.25) and t.mask[2, 3]
    t = read_target(path, plane=1, variance=cube * 0.5)
    assert np.all(t.variance == 1.0)


def test_bad_inputs_name_the_problem(fits_file, tmp_path):
    path, _ = fits_file
    with pytest.raises(ValueError, match="at most one of variance, weight and sigma"):
        read_target(path, variance=np.ones((20, 24)), sigma=np.ones((20, 24)))
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_target(tmp_path / "missing.fits")
    with pytest.raises(ValueError, match="no HDU 'NOPE'"):
        read_target(path, hdu="NOPE")


def test_arrays_work_too():
    t = read_target(np.ones((5, 6)), sigma=np.full((5, 6), 2.0), psf=np.ones((3, 3)))
    assert np.allclose(t.variance, 4.0)
    assert np.isclose(np.asarray(t.psf.data if hasattr(t.psf, "data") else t.psf).sum(), 1.0)


@pytest.mark.skipif(not os.path.exists(os.path.join(DATA, "Cut_HSC.fits")), reason="shared data absent")
def test_real_cutouts_line_up_on_one_plane():
    hsc = read_target(os.path.join(DATA, "Cut_HSC.fits"), plane=2, psf=os.path.join(DATA, "PSF_HSC.fits"),
                      psf_plane=2, zeropoint=27.0)
    hst = read_target(os.path.join(DATA, "Cut_HST.fits"), psf=os.path.join(DATA, "PSF_HST.fits"),
                      reference_wcs=hsc.wcs)
    assert np.allclose(hsc.pixelscale, 0.168 * np.eye(2), atol=1e-9)
    assert np.allclose(np.abs(np.linalg.det(hst.pixelscale)), 0.03**2, rtol=1e-3)
    # the same sky position through both images' exact maps
    x, y = hst.pixel_to_plane(125.0, 125.0)
    sky = hst.wcs.pixel_to_world(125.0, 125.0)
    px, py = hsc.wcs.world_to_pixel(sky)
    assert np.allclose(hsc.pixel_to_plane(px, py), (x, y), atol=1e-3)


def test_written_images_keep_the_wcs_and_round_trip(tmp_path, fits_file):
    from polychrome.io import residual_arrays, write_fit_images, write_fits

    path, _ = fits_file
    with pytest.warns(UserWarning):
        target = read_target(path, variance=np.full((20, 24), 0.25))
    model = np.full(target.shape, 0.1)
    write_fits(tmp_path / "model.fits", target, data=model, bunit="flux")
    back = read_target(tmp_path / "model.fits")
    assert np.allclose(back.data, model)
    assert np.allclose(back.pixel_to_plane(3.0, 7.0), target.pixel_to_plane(3.0, 7.0), atol=1e-6)
    write_fit_images(tmp_path / "fit.fits", target, model)
    with fits.open(tmp_path / "fit.fits") as hdul:
        residual, chi = residual_arrays(target, model)
        assert np.allclose(hdul["RESIDUAL"].data, residual, equal_nan=True)
        assert np.allclose(hdul["CHI"].data, residual / 0.5, equal_nan=True)
        assert np.isnan(hdul["CHI"].data[3, 4])  # the masked NaN pixel
    with pytest.raises(ValueError, match="model has shape"):
        residual_arrays(target, np.ones((3, 3)))


def test_fit_images_of_a_model_cover_the_whole_target(tmp_path):
    """A Model (or a ModelImage of its window) is placed on the whole target: its components'
    light where their windows lie, zero elsewhere."""
    from polychrome.image import TargetImage
    from polychrome.io import model_on_target, write_fit_images
    from polychrome.models import Model

    target = TargetImage(np.ones((30, 40)), variance=np.full((30, 40), 4.0), pixelscale=0.5)
    galaxy = Model(name="g", model_type="sersic galaxy model", target=target, window=[[5, 25], [8, 22]],
                   center=[7.0, 7.5], q=0.7, PA=0.4, n=1.5, Re=2.0, Ie=0.0)
    sky = Model(name="s", model_type="flat sky model", target=target, window=[[0, 40], [0, 15]], F=0.2)
    group = Model(name="both", model_type="group model", models=[galaxy, sky])
    expected = np.zeros((30, 40))
    expected[8:22, 5:25] += galaxy.sample().data
    expected[0:15, :] += sky.sample().data
    np.testing.assert_allclose(model_on_target(target, group), expected, rtol=1e-12, atol=1e-15)
    placed = model_on_target(target, galaxy.sample())
    assert placed.shape == (30, 40) and placed[0, 0] == 0.0
    np.testing.assert_allclose(placed[8:22, 5:25], galaxy.sample().data)
    write_fit_images(tmp_path / "fit.fits", target, group)
    with fits.open(tmp_path / "fit.fits") as hdul:
        np.testing.assert_allclose(hdul["MODEL"].data, expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(hdul["CHI"].data, (1.0 - expected) / 2.0, rtol=1e-12, atol=1e-12)


def test_plane_grid_without_wcs_is_written_as_linear_cd(tmp_path):
    from polychrome.image import TargetImage
    from polychrome.io import write_fits

    P = np.array([[0.1, -0.02], [0.02, 0.1]])
    image = TargetImage(np.arange(12.0).reshape(3, 4), pixelscale=P, origin=(1.0, -2.0))
    write_fits(tmp_path / "plain.fits", image)
    header = fits.getheader(tmp_path / "plain.fits")
    w = WCS(header)
    # FITS pixel (x+1, y+1) is array pixel (x, y): the header maps it where the image does
    assert np.allclose(w.wcs_pix2world([[3.0, 2.0]], 1)[0], image.pixel_to_plane(2.0, 1.0), atol=1e-12)
