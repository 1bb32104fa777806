"""The PSF convolution in single precision (float lanes, spectra and PSF spectrum), used for the
Jacobian planes of render_convolved, against the double-precision path and numpy.fft.

PsfConvolver.convolve(stack, double_arrays=k) convolves the first k arrays of the stack in double
precision, exactly as without the argument, and the rest in single precision. Checked here:
- the double arrays are bit-identical to an all-double call, whatever follows them;
- every single-precision plane is within SINGLE_BOUND of its largest magnitude from the linear
  convolution by numpy.fft in double (shapes of radices 2, 3 and 5, odd and even, lit boxes, boxes of
  one or two rows (the single-lane path), batches and threads);
- planes whose magnitudes do not suit float (largest value beyond 2^+-80 in the sum of |values|),
  and planes holding NaN or inf, take the double path: bit-identical to it;
- render_convolved: the image is the same with jacobian_precision "single" and "double" (the
  default), and the single-precision Jacobian planes are within SINGLE_BOUND of the double ones'
  largest magnitude;
- a model rendered at a noise tolerance (Model.set_noise_tolerance) convolves its Jacobian in single
  precision, one at the default accuracy in double.
"""

import numpy as np
import pytest

import polychrome as pc
from polychrome import _core

# The largest error allowed, relative to the plane's largest magnitude. float's rounding is 6e-8;
# a transform of n points adds ~log2(n) roundings to each value, in root-sum-square: measured
# 1.2e-7 to 2.7e-7 on these cases (windows up to 200 x 180, PSFs up to 43 x 43).
SINGLE_BOUND = 1e-6


def _psf(shape, seed):
    """An asymmetric positive PSF, so that a flipped or shifted kernel fails."""
    hy, hx = shape[0] // 2, shape[1] // 2
    y, x = np.mgrid[-hy:hy + 1, -hx:hx + 1]
    psf = (1.0 + (x - 0.3) ** 2 / 3.0 + (1.4 * y + 0.2 * x) ** 2 / 5.0) ** -2.0
    psf += 0.05 * np.random.default_rng(seed).random(shape)
    return psf / psf.sum()


def _numpy_linear(padded, psf, box=None):
    """Central window of the linear convolution of each padded array (0 outside box) with psf."""
    if box is not None:
        r0, r1, c0, c1 = box
        inside = np.zeros(padded.shape[-2:], bool)
        inside[r0:r1, c0:c1] = True
        padded = np.where(inside, padded, 0.0)
    hy, hx = psf.shape[0] // 2, psf.shape[1] // 2
    wy, wx = padded.shape[-2] - 2 * hy, padded.shape[-1] - 2 * hx
    size = (padded.shape[-2] + psf.shape[0], padded.shape[-1] + psf.shape[1])
    full = np.fft.irfft2(np.fft.rfft2(padded, size) * np.fft.rfft2(psf, size), size)
    return full[..., 2 * hy:2 * hy + wy, 2 * hx:2 * hx + wx]


def _relative_errors(out, ref):
    """max |out - ref| over max |ref|, per plane."""
    return [np.max(np.abs(o - r)) / np.max(np.abs(r)) for o, r in zip(out, ref)]


def _planes(rng, count, shape, kind):
    if kind == "positive":  # a rendered image's kind of plane: a peak and wings
        y, x = np.mgrid[:shape[0], :shape[1]]
        r2 = (y - 0.45 * shape[0]) ** 2 + (x - 0.55 * shape[1]) ** 2
        return np.array([np.exp(-r2 / (2.0 + 8.0 * k)) * (1 + 0.1 * rng.random(shape)) for k in range(count)])
    return rng.standard_normal((count,) + shape)  # signed, like the Jacobian's planes


@pytest.mark.parametrize("psf_shape,window", [((5, 5), (16, 16)), ((9, 7), (23, 30)), ((37, 37), (48, 48)),
                                              ((11, 11), (61, 39)), ((3, 3), (1, 7)), ((15, 15), (2, 45))])
@pytest.mark.parametrize("kind", ["positive", "signed"])
def test_single_planes_against_numpy(psf_shape, window, kind):
    rng = np.random.default_rng(psf_shape[0] + 7 * window[1])
    psf = _psf(psf_shape, 3)
    conv = pc.PsfConvolver(psf)
    hy, hx = psf_shape[0] // 2, psf_shape[1] // 2
    stack = _planes(rng, 5, (window[0] + 2 * hy, window[1] + 2 * hx), kind)
    both = conv.convolve(stack, threads=1, double_arrays=1)
    exact = conv.convolve(stack, threads=1)
    assert np.array_equal(both[0], exact[0])
    errors = _relative_errors(both[1:], _numpy_linear(stack[1:], psf))
    assert max(errors) <= SINGLE_BOUND, errors
    # the single path is not the double one in disguise
    assert not np.array_equal(both[1:], exact[1:])
    # and it does not depend on the batch or the threads
    assert np.array_equal(conv.convolve(stack[3:], threads=1, double_arrays=0), both[3:])
    assert np.array_equal(conv.convolve(stack, threads=2, double_arrays=1), both)


@pytest.mark.parametrize("window", [(1, 1), (2, 3), (3, 28), (14, 14), (15, 29), (30, 30), (31, 57),
                                    (33, 61), (45, 80), (64, 27), (94, 93)])
def test_single_planes_every_block_shape(window):
    """Row blocks of 1-2 rows (single lane), of part and all of their lanes, and column blocks with
    every count of live lanes (the float blocks are 16 lanes wide with AVX-512, 8 without), against
    numpy.fft; the double planes as an all-double call's."""
    rng = np.random.default_rng(window[0] * 101 + window[1])
    psf = _psf((3, 5), 6)
    conv = pc.PsfConvolver(psf)
    stack = rng.standard_normal((3, window[0] + 2, window[1] + 4))
    out = conv.convolve(stack, threads=1, double_arrays=1)
    assert np.array_equal(out[0], conv.convolve(stack[0], threads=1))
    errors = _relative_errors(out[1:], _numpy_linear(stack[1:], psf))
    assert max(errors) <= SINGLE_BOUND, errors


@pytest.mark.parametrize("box", [(0, 60, 0, 70), (10, 30, 5, 50), (20, 21, 0, 70), (40, 42, 30, 31),
                                 (0, 3, 60, 70), (55, 60, 0, 9)])
def test_single_planes_in_a_box(box):
    rng = np.random.default_rng(box[0] + box[2])
    psf = _psf((21, 17), 5)
    conv = pc.PsfConvolver(psf)
    stack = rng.standard_normal((4, 60, 70))
    out = conv.convolve(stack, threads=1, box=box, double_arrays=1)
    assert np.array_equal(out[0], conv.convolve(stack[0], threads=1, box=box))
    errors = _relative_errors(out[1:], _numpy_linear(stack[1:], psf, box))
    assert max(errors) <= SINGLE_BOUND, errors


@pytest.mark.parametrize("scale", [1e30, 1e-30, 1e-300, 1e300])
def test_magnitudes_beyond_float_take_the_double_path(scale):
    rng = np.random.default_rng(1)
    conv = pc.PsfConvolver(_psf((9, 9), 1))
    stack = rng.standard_normal((3, 40, 44)) * scale
    assert np.array_equal(conv.convolve(stack, threads=1, double_arrays=0), conv.convolve(stack, threads=1))


@pytest.mark.parametrize("scale", [1e20, 1e-20])
def test_magnitudes_within_float_keep_their_accuracy(scale):
    rng = np.random.default_rng(2)
    psf = _psf((9, 9), 1)
    stack = rng.standard_normal((3, 40, 44)) * scale
    out = pc.PsfConvolver(psf).convolve(stack, threads=1, double_arrays=0)
    assert max(_relative_errors(out, _numpy_linear(stack, psf))) <= SINGLE_BOUND


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_take_the_double_path(bad):
    rng = np.random.default_rng(3)
    conv = pc.PsfConvolver(_psf((7, 7), 2))
    stack = rng.standard_normal((2, 30, 30))
    stack[1, 14, 15] = bad
    single = conv.convolve(stack, threads=1, double_arrays=0)
    exact = conv.convolve(stack, threads=1)
    assert np.array_equal(single[1], exact[1], equal_nan=True)
    assert not np.all(np.isfinite(single[1]))
    assert not np.array_equal(single[0], exact[0])  # the finite plane in single precision


def test_double_arrays_is_checked():
    conv = pc.PsfConvolver(_psf((3, 3), 1))
    with pytest.raises(ValueError, match="double_arrays"):
        conv.convolve(np.zeros((2, 8, 8)), double_arrays=-1)


@pytest.mark.parametrize("profile,params,upsample", [("sersic", dict(n=3.0, Re=1.5, Ie=0.0), 1),
                                                     ("sersic", dict(n=0.8, Re=4.0, Ie=2.0), 1),
                                                     ("exponential", dict(Re=2.5, Ie=1.0), 2)])
def test_render_convolved_jacobian_in_single(profile, params, upsample):
    psf = _psf((13, 13), 4)
    conv = pc.PsfConvolver(psf)
    kw = dict(center=(13.2, 11.9), q=0.6, PA=0.7, jacobian=True, psf=conv, psf_upsample=upsample, threads=1)
    image, jac = pc.render_profile(profile, params, (24, 28), jacobian_precision="single", **kw)
    image_d, jac_d = pc.render_profile(profile, params, (24, 28), jacobian_precision="double", **kw)
    assert np.array_equal(image, image_d)
    errors = _relative_errors(jac, jac_d)
    assert max(errors) <= SINGLE_BOUND, errors
    assert not np.array_equal(jac, jac_d)
    # the default is double
    assert np.array_equal(pc.render_profile(profile, params, (24, 28), **kw)[1], jac_d)


def test_render_convolved_jacobian_precision_is_checked():
    with pytest.raises(ValueError, match="jacobian_precision"):
        pc.render_profile("exponential", dict(Re=2.0, Ie=0.0), (8, 8), center=(4.0, 4.0), psf=np.ones((3, 3)),
                          jacobian=True, jacobian_precision="half")


def test_models_at_a_noise_tolerance_take_the_single_precision_jacobian():
    from polychrome.models import Model
    from polychrome.utils.initialize import gaussian_psf

    values = dict(center=[10.0, 5.0], q=0.6, PA=0.7, n=1.5, Re=2.0, Ie=0.0)
    target = pc.image.TargetImage(np.zeros((40, 36)), variance=np.full((40, 36), 0.01), pixelscale=0.5,
                                  psf=gaussian_psf(0.8, 15, 0.5))
    model = Model(name="g", model_type="sersic galaxy model", target=target, **values)
    assert model._accuracy()["jacobian_precision"] == "double"
    exact = model.jacobian().data
    model.set_noise_tolerance(1e-3)
    assert model._accuracy()["jacobian_precision"] == "single"
    single = model.jacobian().data
    errors = _relative_errors(single, exact)
    # the render's own tolerance now lets pixels err by 1e-3 sigma: the planes move by more than float's rounding
    assert not np.array_equal(single, exact) and max(errors) < 1e-2
