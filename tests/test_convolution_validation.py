"""Bad PSFs and PSF options raise ValueError naming the argument."""

import math

import numpy as np
import pytest

import polychrome as pc

GOOD_PSF = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0])


def render(psf=GOOD_PSF, psf_upsample=1):
    return pc.render_profile("sersic", dict(n=2.0, Re=3.0, Ie=0.0), (10, 10), center=(5.0, 5.0),
                             psf=psf, psf_upsample=psf_upsample)


def point(psf=GOOD_PSF, psf_upsample=1, **kw):
    args = dict(position=(5.0, 5.0), flux=1.0)
    args.update(kw)
    return pc.point_source_image(psf, (10, 10), psf_upsample=psf_upsample, **args)


BUILDERS = [render, point, pc.PsfConvolver, pc.PointSourceRenderer]


@pytest.mark.parametrize("build", BUILDERS)
@pytest.mark.parametrize("shape", [(4, 5), (5, 4), (2, 2), (0, 3)])
def test_even_or_empty_psf(build, shape):
    with pytest.raises(ValueError, match="psf must have odd sizes"):
        build(np.ones(shape))


@pytest.mark.parametrize("build", BUILDERS)
def test_zero_sum_psf(build):
    psf = np.zeros((5, 5))
    with pytest.raises(ValueError, match="psf must have a positive sum"):
        build(psf)
    psf[1, 1], psf[3, 3] = 1.0, -1.0  # cancels exactly
    with pytest.raises(ValueError, match="psf must have a positive sum"):
        build(psf)
    psf[3, 3] = -2.0  # negative sum
    with pytest.raises(ValueError, match="psf must have a positive sum"):
        build(psf)


@pytest.mark.parametrize("build", BUILDERS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_psf(build, bad):
    psf = np.ones((5, 5))
    psf[2, 3] = bad
    with pytest.raises(ValueError, match=r"psf must be finite; pixel \(2, 3\)"):
        build(psf)


@pytest.mark.parametrize("build", BUILDERS)
def test_psf_must_be_2d(build):
    with pytest.raises(ValueError, match="psf must be a 2D array"):
        build(np.ones(5))


def test_unnormalised_psf_is_normalised():
    conv = pc.PsfConvolver(7.0 * GOOD_PSF)
    assert np.allclose(conv.psf, GOOD_PSF / GOOD_PSF.sum(), rtol=1e-15)
    assert np.allclose(render(7.0 * GOOD_PSF), render(GOOD_PSF), rtol=1e-14)


@pytest.mark.parametrize("build", [render, point])
@pytest.mark.parametrize("k", [0, -1, 2.5, 2.0, "2", True, None])
def test_bad_psf_upsample(build, k):
    with pytest.raises(ValueError, match="psf_upsample must be an integer >= 1"):
        build(psf_upsample=k)


def test_psf_upsample_needs_psf():
    with pytest.raises(ValueError, match="psf_upsample needs a psf"):
        render(psf=None, psf_upsample=2)


def test_numpy_integer_psf_upsample_is_accepted():
    psf = np.zeros((5, 5))
    psf[2, 2] = 1.0
    assert render(psf, np.int64(2)).shape == (10, 10)


def test_convolve_needs_room_for_the_psf():
    conv = pc.PsfConvolver(np.ones((7, 5)))
    with pytest.raises(ValueError, match="leave no window"):
        conv.convolve(np.ones((6, 20)))
    with pytest.raises(ValueError, match="must be a 2D array or a stack"):
        conv.convolve(np.ones(20))
    with pytest.raises(ValueError, match="threads must be from 0 to"):
        conv.convolve(np.ones((10, 10)), threads=-1)


@pytest.mark.parametrize("kw,match", [(dict(flux=math.nan), "flux must be finite"),
                                      (dict(position=(math.inf, 1.0)), r"position\[0\] must be finite"),
                                      (dict(pixelscale=[[1.0, 2.0], [2.0, 4.0]]), "non-singular")])
def test_point_source_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        point(**kw)


def test_render_arguments_still_validated_with_psf():
    with pytest.raises(ValueError, match="q must be"):
        pc.render_profile("sersic", dict(n=2.0, Re=3.0, Ie=0.0), (10, 10), center=(5.0, 5.0), q=0.0,
                          psf=GOOD_PSF)
