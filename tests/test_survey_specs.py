"""ImageSpec, ModelSpec (dict/YAML round trips, errors) and open_image's per-process cache."""

import mmap
import pickle

import numpy as np
import pytest
from astropy.io import fits

from polychrome.survey.image_spec import ImageSpec, forget_open_images, open_image
from polychrome.survey.model_spec import ModelSpec


def test_model_spec_round_trips_and_yaml():
    spec = ModelSpec(candidates=("point model", "sersic galaxy model"), limits={"n": (0.5, 6)}, max_group_size=8)
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    text = "candidates: [point model, sersic galaxy model]\nlimits: {n: [0.5, 6]}\nmax_group_size: 8\n"
    assert ModelSpec.from_yaml(text) == spec
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert ModelSpec(candidates="point model").candidates == ("point model",)


def test_model_spec_log_parameters_default_and_switch():
    assert ModelSpec().log_parameters == ("n", "Re", "sigma", "Rd")
    off = ModelSpec.from_yaml("log_parameters: []\n")
    assert off.log_parameters == () and ModelSpec.from_dict(off.to_dict()) == off
    assert ModelSpec(log_parameters="Re").log_parameters == ("Re",)
    # a parameter stepped linearly may have a negative lower limit
    assert ModelSpec(log_parameters=(), limits={"Re": (-1.0, 5.0)}).limits["Re"] == (-1.0, 5.0)


@pytest.mark.parametrize("fields,match", [
    ({"candidates": ("spiral model",)}, "unknown model type"),
    ({"sky": "group model"}, "unknown model type"),
    ({"limits": {"n": (6, 0.5)}}, "low < high"),
    ({"max_iterations": 0}, "max_iterations"),
    ({"time_budget": -1.0}, "time_budget"),
    ({"cutout_margin": float("nan")}, "cutout_margin"),
    ({"neighbours": "ignore"}, "neighbours"),
    ({"choice": "both"}, "choice"),
    ({"catalogue_guesses": ("center", "mag")}, "catalogue_guesses"),
    ({"render_accuracy": 0.5}, "render_accuracy"),
    ({"render_accuracy": 0.0}, "render_accuracy"),
    ({"segmentation": ""}, "segmentation"),
    ({"log_parameters": ("Re", 3)}, "log_parameters"),
    ({"limits": {"Re": (-1.0, 5.0)}}, r"limits\['Re'\] must have low >= 0 while 'Re' is in log_parameters"),
])
def test_model_spec_errors(fields, match):
    with pytest.raises(ValueError, match=match):
        ModelSpec(**fields)
    with pytest.raises(ValueError, match="unknown field"):
        ModelSpec.from_dict({"candidate": "point model"})


def test_image_spec_round_trips_and_errors():
    spec = ImageSpec(data="r.fits", band="r", weight="r_wht.fits", psf="r_psf.fits", zeropoint=27)
    assert spec.zeropoint == 27.0 and spec.label == "r"
    assert ImageSpec.from_dict(spec.to_dict()) == spec and hash(spec) == hash(ImageSpec.from_dict(spec.to_dict()))
    with pytest.raises(ValueError, match="at most one"):
        ImageSpec(data="r.fits", band="r", weight="w.fits", variance="v.fits")
    with pytest.raises(ValueError, match="band"):
        ImageSpec(data="r.fits", band="")
    with pytest.raises(ValueError, match="gain"):
        ImageSpec(data="r.fits", band="r", gain=0.0)
    with pytest.raises(ValueError, match="unknown field"):
        ImageSpec.from_dict({"data": "r.fits", "band": "r", "zero_point": 27})


def _is_memory_mapped(array):
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, "base", None)
    return False


def _write_image(folder, data, psf=None):
    header = fits.Header({"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN", "CRVAL1": 10.0, "CRVAL2": -5.0,
                          "CRPIX1": 20.0, "CRPIX2": 20.0, "CD1_1": -0.2 / 3600, "CD2_2": 0.2 / 3600,
                          "CD1_2": 0.0, "CD2_1": 0.0, "MAGZERO": 26.5})
    fits.PrimaryHDU(data, header=header).writeto(folder / "image.fits")
    if psf is not None:
        fits.PrimaryHDU(psf).writeto(folder / "psf.fits")


def test_open_image_is_memory_mapped_cached_and_reads_the_header(tmp_path):
    rng = np.random.default_rng(0)
    _write_image(tmp_path, rng.normal(0.0, 0.5, (40, 40)).astype(np.float32), psf=np.ones((5, 5)))
    spec = ImageSpec(data=str(tmp_path / "image.fits"), band="r", psf=str(tmp_path / "psf.fits"))
    forget_open_images()
    image = open_image(spec)
    assert open_image(ImageSpec.from_dict(spec.to_dict())) is image  # one open per process
    assert _is_memory_mapped(image.data)
    assert image.zeropoint == 26.5 and image.pixel_size == pytest.approx(0.2)
    assert image.psf.data.sum() == pytest.approx(1.0)
    assert image.background_variance() == pytest.approx(0.25, rel=0.1)
    assert list(image.covers([10.0, 10.1], [-5.0, -5.0])) == [True, False]
    forget_open_images()


def test_open_image_errors_are_clear_and_cached(tmp_path):
    _write_image(tmp_path, np.zeros((40, 40), np.float32), psf=np.full((5, 5), np.nan))
    missing = ImageSpec(data=str(tmp_path / "none.fits"), band="r")
    with pytest.raises(FileNotFoundError, match="none.fits"):
        open_image(missing)
    with pytest.raises(FileNotFoundError, match="none.fits"):
        open_image(missing)
    bad_psf = open_image(ImageSpec(data=str(tmp_path / "image.fits"), band="r", psf=str(tmp_path / "psf.fits")))
    assert bad_psf.psf is None and "NaN" in bad_psf.problem
    forget_open_images()


def test_planes_of_cubes(tmp_path):
    header = fits.Header({"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN", "CTYPE3": "BAND", "CRVAL1": 10.0, "CRVAL2": -5.0,
                          "CRPIX1": 20.0, "CRPIX2": 20.0, "CD1_1": -0.2 / 3600, "CD2_2": 0.2 / 3600})
    cube = np.arange(3 * 40 * 40, dtype=np.float32).reshape(3, 40, 40)
    fits.PrimaryHDU(cube, header=header).writeto(tmp_path / "cube.fits")
    fits.PrimaryHDU(np.ones((40, 40))).writeto(tmp_path / "mask.fits")  # a single map beside a plane
    image = open_image(ImageSpec(data=str(tmp_path / "cube.fits"), band="g", plane=1, mask=str(tmp_path / "mask.fits")))
    assert np.array_equal(image.data, cube[1]) and image.mask.shape == (40, 40)
    assert image.pixel_size == pytest.approx(0.2)
    for plane, match in ((None, "cube with plane"), (3, "3 planes")):
        with pytest.raises(ValueError, match=match):
            open_image(ImageSpec(data=str(tmp_path / "cube.fits"), band="r", plane=plane))
    with pytest.raises(ValueError, match="plane"):
        ImageSpec(data="x.fits", band="r", plane=-1)
    forget_open_images()
