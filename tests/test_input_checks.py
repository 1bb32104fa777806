"""Inputs that used to be accepted and then failed late or were misread (issue 10): each is now
refused at once with an error naming the argument."""

import numpy as np
import pytest
from model_helpers import make_target

from polychrome.image import PSFImage, TargetImage
from polychrome.models import Model
from polychrome.psf import PsfConvolver


def galaxy(name, model_type, target, **values):
    return Model(name=name, model_type=model_type, target=target, center=[5, 5], q=0.7, PA=0.2,
                 **values)


def test_a_sersic_n_is_not_linked_to_a_moffat_n_of_another_range():
    """It used to take the Moffat limits [0.1, 10], letting the Sersic index leave its range."""
    target = make_target((20, 20), 0.5)
    sersic = galaxy("bulge", "sersic galaxy model", target, n=2.0, Re=1.0, Ie=0.0)
    moffat = galaxy("star", "moffat galaxy model", target, n=2.0, Rd=1.0, I0=0.0)
    with pytest.raises(ValueError, match=r"model 'bulge' to model 'star': cannot link parameter 'n' "
                                         r"\(limits \[0.36, 10.0\]\) to 'n' \(limits \[0.1, 10.0\]\)"):
        sersic.add_equality_constraint(moffat, "n")
    assert sersic["n"].limits == (0.36, 10.0) and not sersic["n"].is_linked_to(moffat["n"])
    moffat["n"].limits = (0.36, 10.0)  # the user chooses the range of the one quantity
    sersic.add_equality_constraint(moffat, "n")
    assert sersic["n"].is_linked_to(moffat["n"])


@pytest.mark.parametrize("flag", ["false", "no", 0])
def test_locked_must_be_a_boolean_in_a_model_too(flag):
    """locked="false" used to be read as True."""
    with pytest.raises(TypeError, match=r"model 'sky': parameter 'F': locked must be True or False"):
        Model(name="sky", model_type="flat sky model", F={"value": 1.0, "locked": flag})


@pytest.mark.parametrize("pixelscale", [True, False, "0.5", ["0.5", "0", "0", "0.5"], [[True, False], [False, True]]])
def test_pixelscale_must_be_numbers(pixelscale):
    with pytest.raises(TypeError, match="pixelscale must be a number or a 2x2 matrix of numbers"):
        TargetImage(np.zeros((4, 4)), pixelscale=pixelscale)


@pytest.mark.parametrize("data", ["1.0", [["1", "2"], ["3", "4"]], np.array([[b"1", b"2"]]),
                                  np.array([[1.0, "2"]], dtype=object)])
def test_text_is_not_image_data(data):
    with pytest.raises(TypeError, match="data must be a 2-D array of numbers, got"):
        TargetImage(data)
    with pytest.raises(TypeError, match="variance must be a 2-D array of numbers, got"):
        TargetImage(np.ones((1, 2)), variance=data if np.shape(data) == (1, 2) else [["1", "2"]])


@pytest.mark.parametrize("origin", [("1", "2"), (True, False), "12"])
def test_origin_must_be_numbers(origin):
    with pytest.raises(TypeError, match=r"origin must be two finite numbers \(x, y\) in arcsec"):
        TargetImage(np.zeros((4, 4)), origin=origin)


@pytest.mark.parametrize("zeropoint", ["25", True, np.bool_(False)])
def test_zeropoint_must_be_a_number(zeropoint):
    with pytest.raises(TypeError, match=r"zeropoint must be a number \(magnitudes\)"):
        TargetImage(np.zeros((4, 4)), zeropoint=zeropoint)
    assert TargetImage(np.zeros((4, 4)), zeropoint=np.float32(25.5)).zeropoint == 25.5


def test_psf_upsample_without_a_psf_is_refused():
    with pytest.raises(ValueError, match=r"psf_upsample=2 needs a psf"):
        TargetImage(np.zeros((4, 4)), psf_upsample=2)
    assert TargetImage(np.zeros((4, 4)), psf_upsample=1).psf is None


def test_a_nearly_cancelling_psf_is_refused_where_it_is_given():
    """TargetImage used to accept a PSF whose sum is a rounding residue; the convolver then refused
    it at the first render. One check (the core's) now decides for both."""
    psf = np.zeros((5, 5))
    psf[2, 2], psf[0, 0] = 1.0, -1.0 + 1e-12
    with pytest.raises(ValueError, match="positive sum") as core:
        PsfConvolver(psf)
    with pytest.raises(ValueError, match="psf data: psf must have a positive sum"):
        TargetImage(np.zeros((9, 9)), psf=psf)
    with pytest.raises(ValueError, match="psf must have a positive sum"):
        PSFImage(psf)
    assert "got sum" in str(core.value)
    psf[0, 0] = -0.5  # clearly positive: accepted by both
    assert TargetImage(np.zeros((9, 9)), psf=psf).psf.data.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("origin", [(1.0, np.nan), (np.inf, 0.0), (1.0, 2.0, 3.0), [[1.0, 2.0]]])
def test_origin_must_be_two_finite_numbers(origin):
    with pytest.raises(ValueError, match=r"origin must be two finite numbers \(x, y\) in arcsec"):
        TargetImage(np.zeros((4, 4)), origin=origin)
