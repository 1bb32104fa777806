"""FITS and table writers under faults, and FITS inputs that used to be misread (issue 10)."""

import os

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

import polychrome as pc
from polychrome.image import TargetImage
from polychrome.io import read_target, write_fit_images, write_fit_summary, write_fits


def plain_image(seed=0):
    rng = np.random.default_rng(seed)
    matrix = np.array([[0.1, -0.02], [0.02, 0.1]]) * (1 + 1e-3 * rng.normal(size=(2, 2)))
    origin = tuple(rng.normal(size=2) * 123.456)
    return TargetImage(rng.normal(size=(6, 8)), pixelscale=matrix, origin=origin)


def fit_model(target):
    return pc.models.Model(name="s", model_type="flat sky model", target=target, F=0.5)


WRITERS = {
    "write_fits": lambda path, image, **kw: write_fits(path, image, **kw),
    "write_fit_images": lambda path, image, **kw: write_fit_images(path, image, np.zeros(image.shape), **kw),
    "write_fit_summary": lambda path, image, **kw: write_fit_summary(path, fit_model(image), **kw),
}


@pytest.mark.parametrize("writer", WRITERS)
def test_writers_keep_an_existing_file_unless_asked(tmp_path, writer):
    path = tmp_path / ("out.ecsv" if writer == "write_fit_summary" else "out.fits")
    path.write_bytes(b"previous")
    with pytest.raises(FileExistsError, match=f"{path}.*overwrite=True"):
        WRITERS[writer](path, plain_image())
    assert path.read_bytes() == b"previous"
    WRITERS[writer](path, plain_image(), overwrite=True)
    assert path.read_bytes() != b"previous"
    assert sorted(os.listdir(tmp_path)) == [path.name]


@pytest.mark.parametrize("writer", ["write_fits", "write_fit_images"])
def test_a_write_killed_half_way_leaves_the_previous_file(tmp_path, monkeypatch, writer):
    """astropy writes in place: a write killed after the first block used to leave a 2880-byte
    stub where the previous file was."""
    path = tmp_path / "image.fits"
    write_fits(path, plain_image())
    before = path.read_bytes()

    def killed_write(self, fileobj, *args, **kwargs):
        with open(fileobj, "wb") as stream:
            stream.write(b" " * 2880)
        raise KeyboardInterrupt

    monkeypatch.setattr(fits.HDUList, "writeto", killed_write)
    with pytest.raises(KeyboardInterrupt):
        WRITERS[writer](path, plain_image(1), overwrite=True)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["image.fits"]


def test_writing_over_the_input_image_needs_overwrite_and_is_then_safe(tmp_path):
    path = tmp_path / "in.fits"
    write_fits(path, plain_image())
    target = read_target(path)
    with pytest.raises(FileExistsError):
        write_fits(path, target, data=np.zeros(target.shape))
    write_fits(path, target, data=target.data * 2, overwrite=True)
    assert np.array_equal(read_target(path).data, target.data * 2)


def test_a_symbolic_link_is_written_through(tmp_path):
    real, link = tmp_path / "real.fits", tmp_path / "link.fits"
    write_fits(real, plain_image())
    os.symlink(real, link)
    write_fits(link, plain_image(2), overwrite=True)
    assert os.path.islink(link)
    assert np.array_equal(read_target(real).data, plain_image(2).data)


def test_an_image_without_wcs_reads_back_on_the_same_grid_exactly(tmp_path):
    """It used to read back with pixel scale 1 and origin (0, 0)."""
    for seed in range(5):
        image = plain_image(seed)
        path = tmp_path / f"plain{seed}.fits"
        write_fits(path, image)
        back = read_target(path)
        assert np.array_equal(back.pixelscale, image.pixelscale)
        assert np.array_equal(back.origin, image.origin)
        assert back.wcs is None
        assert np.array_equal(read_target(path, use_wcs=False).pixelscale, np.eye(2))
    write_fit_images(tmp_path / "fit.fits", image, np.zeros(image.shape))
    model = read_target(tmp_path / "fit.fits", hdu="MODEL")
    assert np.array_equal(model.pixelscale, image.pixelscale) and np.array_equal(model.origin, image.origin)


def test_a_wcs_image_gets_no_plane_grid_cards_and_a_real_wcs_wins(tmp_path):
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [150.0, 2.0]
    w.wcs.crpix = [4.5, 3.5]
    w.wcs.cdelt = [-0.2 / 3600, 0.2 / 3600]
    image = TargetImage(np.ones((6, 8)), wcs=w)
    write_fits(tmp_path / "wcs.fits", image)
    header = fits.getheader(tmp_path / "wcs.fits")
    assert not any(key.startswith("PCH") for key in header)
    header.update({"PCHPS1_1": 9.0, "PCHPS1_2": 0.0, "PCHPS2_1": 0.0, "PCHPS2_2": 9.0,
                   "PCHORIG1": 1.0, "PCHORIG2": 1.0})
    back = read_target(fits.PrimaryHDU(np.ones((6, 8)), header=header))
    assert back.wcs is not None and np.allclose(back.pixelscale, 0.2 * np.eye(2), rtol=1e-6)


def test_a_broken_plane_grid_card_is_named(tmp_path):
    write_fits(tmp_path / "p.fits", plain_image())
    with fits.open(tmp_path / "p.fits") as hdul:
        hdu = hdul[0].copy()
    hdu.header["PCHORIG2"] = "north"
    with pytest.raises(ValueError, match="header card PCHORIG2 must be a finite number"):
        read_target(hdu)


@pytest.mark.parametrize("plane", [1.5, True, "1", np.float64(1.0)])
def test_plane_must_be_an_integer(tmp_path, plane):
    cube = fits.PrimaryHDU(np.ones((3, 5, 5)))
    with pytest.raises(TypeError, match=r"data: plane must be an integer index into the cube"):
        read_target(cube, plane=plane)
    assert read_target(cube, plane=np.int64(1)).shape == (5, 5)


def test_a_non_numeric_zeropoint_keyword_is_named():
    hdu = fits.PrimaryHDU(np.ones((5, 5)))
    hdu.header["MAGZERO"] = "unknown"
    with pytest.raises(ValueError, match=r"header keyword MAGZERO = 'unknown' is not a finite number"):
        read_target(hdu)
    assert read_target(hdu, zeropoint=25.0).zeropoint == 25.0


def test_a_negative_sigma_is_refused_not_squared():
    sigma = np.full((5, 5), 0.5)
    sigma[1, 2] = -0.5
    with pytest.raises(ValueError, match=r"sigma must be positive .* 1 pixel\(s\) are zero or negative"):
        read_target(np.ones((5, 5)), sigma=sigma)
    mask = np.zeros((5, 5), bool)
    mask[1, 2] = True
    assert read_target(np.ones((5, 5)), sigma=sigma, mask=mask).variance[0, 0] == 0.25
