"""The PSF convolution's pruned transforms (cpp/src/psf_convolution_passes.cpp) against numpy.fft.

PsfConvolver.convolve(padded, box=...) reads the padded arrays only inside the box (rows
[r0, r1), columns [c0, c1)); the forward row pass transforms only the box's rows, the inverse
only the window's rows and columns. Every case is compared with the linear convolution of the
zeroed-outside-the-box arrays by numpy.fft (no wrap-around: an FFT size of padded + PSF), cropped
to the window, to 1e-12 of the reference's peak: windows of odd and even sizes, PSFs with odd and
even half-sizes, boxes touching every edge, in the padding only, a single pixel, boxes whose
transform is smaller than the window (its rows wrap), batches, threads and NaN.
"""

import numpy as np
import pytest

import polychrome as pc


def _psf(shape, seed):
    """An asymmetric positive PSF with lobes, so that a flipped or shifted kernel fails."""
    hy, hx = shape[0] // 2, shape[1] // 2
    y, x = np.mgrid[-hy:hy + 1, -hx:hx + 1]
    psf = (1.0 + (x - 0.3) ** 2 / 3.0 + (1.4 * y + 0.2 * x) ** 2 / 5.0) ** -2.0 + 0.01 * np.cos(0.9 * x + 0.4)
    psf += 0.05 * np.random.default_rng(seed).random(shape)
    return psf / psf.sum()


def _numpy_linear(padded, psf, window):
    """Central window of the linear convolution of each padded array with psf (numpy.fft)."""
    hy, hx = psf.shape[0] // 2, psf.shape[1] // 2
    size = (padded.shape[-2] + psf.shape[0], padded.shape[-1] + psf.shape[1])
    full = np.fft.irfft2(np.fft.rfft2(padded, size) * np.fft.rfft2(psf, size), size)
    return full[..., 2 * hy:2 * hy + window[0], 2 * hx:2 * hx + window[1]]


def _boxed(rng, count, padded_shape, box):
    """count arrays of standard normal values inside box, 0 outside (and NaN far outside, in a copy
    that the convolution must not read)."""
    r0, r1, c0, c1 = box
    arrays = np.zeros((count,) + padded_shape)
    arrays[:, r0:r1, c0:c1] = rng.standard_normal((count, r1 - r0, c1 - c0))
    poisoned = np.full_like(arrays, np.nan)
    poisoned[:, r0:r1, c0:c1] = arrays[:, r0:r1, c0:c1]
    return arrays, poisoned


def _check(out, reference):
    scale = np.abs(reference).max()
    assert scale > 0
    assert np.abs(out - reference).max() <= 1e-12 * scale


# PSF shapes: half-sizes even (18, the survey's 37 x 37 Moffat), odd, mixed, a delta
PSFS = [(37, 37), (35, 35), (9, 23), (1, 1)]
# windows: the survey's 49 x 49, odd and even sizes, tall and wide
WINDOWS = [(49, 49), (48, 50), (17, 64), (33, 8)]


def _boxes(padded_shape, window, pad):
    """Boxes of the padded array: all of it, touching each edge in turn, inside the window, in the
    padding only, a single pixel at each corner of the window."""
    ly, lx = padded_shape
    (wy, wx), (hy, hx) = window, pad
    return [
        (0, ly, 0, lx),
        (0, ly // 2 + 1, 0, lx),             # top edge
        (ly // 3, ly, 0, lx),                # bottom edge
        (0, ly, 0, lx // 2 + 1),             # left edge
        (0, ly, lx // 3, lx),                # right edge
        (hy + wy // 4, hy + wy // 2 + 1, hx + wx // 3, hx + wx - 1),  # inside the window
        (0, max(hy, 1), 0, lx),              # the top padding (all of the window's light scattered in)
        (hy, hy + 1, hx, hx + 1),            # the window's first pixel
        (hy + wy - 1, hy + wy, hx + wx - 1, hx + wx),  # its last pixel
    ]


@pytest.mark.parametrize("psf_shape", PSFS)
@pytest.mark.parametrize("window", WINDOWS)
def test_pruned_convolution_equals_numpy(psf_shape, window):
    psf = _psf(psf_shape, sum(psf_shape))
    conv = pc.PsfConvolver(psf)
    pad = conv.pad
    padded_shape = (window[0] + 2 * pad[0], window[1] + 2 * pad[1])
    rng = np.random.default_rng(sum(window) + sum(psf_shape))
    for box in _boxes(padded_shape, window, pad):
        if box[1] <= box[0] or box[3] <= box[2]:
            continue
        arrays, poisoned = _boxed(rng, 2, padded_shape, box)
        reference = _numpy_linear(arrays, psf, window)
        if np.abs(reference).max() == 0.0:  # no light reaches the window: zeros, exactly
            assert np.all(conv.convolve(poisoned, box=box) == 0.0)
            continue
        _check(conv.convolve(poisoned, box=box), reference)
        _check(conv.convolve(arrays), reference)  # and the whole array, without a box


# Windows whose padded size (with the 9 x 9 PSF's half-size 4) is itself an FFT size, by the
# radix of its transforms' first stage: 30 = 2 3 5, 45 = 3 3 5, 48 = 4 4 3, 25 = 5 5.
FIRST_RADIX_WINDOWS = [(22, 22), (37, 37), (40, 40), (17, 17)]


@pytest.mark.parametrize("window", FIRST_RADIX_WINDOWS)
def test_every_lit_length_of_the_first_stage(window):
    """Boxes from the top (left) edge of every length keep the full transform size while the
    forward transforms' input is 0 past the box: the first stage drops the butterflies' zero inputs
    (fft_split_lanes_lit), for each count of live inputs of each radix; against numpy.fft."""
    psf = _psf((9, 9), 11)
    conv = pc.PsfConvolver(psf)
    hy, hx = conv.pad
    padded_shape = (window[0] + 2 * hy, window[1] + 2 * hx)
    assert conv.fft_shape(window) == padded_shape
    rng = np.random.default_rng(window[0])
    ly, lx = padded_shape
    for length in range(1, ly + 1):
        for box in ((0, length, 0, lx), (0, ly, 0, length)):
            arrays, poisoned = _boxed(rng, 2, padded_shape, box)
            _check(conv.convolve(poisoned, box=box), _numpy_linear(arrays, psf, window))


@pytest.mark.parametrize("psf_shape", [(1, 1), (3, 5), (7, 7)])
def test_transforms_smaller_than_the_window(psf_shape):
    """A small PSF and a small box in the middle: the circular size is below the window's, so
    several window rows and columns come from one transform row or column."""
    psf = _psf(psf_shape, 3)
    conv = pc.PsfConvolver(psf)
    hy, hx = conv.pad
    window = (60, 45)
    padded_shape = (window[0] + 2 * hy, window[1] + 2 * hx)
    box = (hy + 28, hy + 31, hx + 20, hx + 22)
    arrays, poisoned = _boxed(np.random.default_rng(4), 3, padded_shape, box)
    _check(conv.convolve(poisoned, box=box), _numpy_linear(arrays, psf, window))


def test_batches_threads_and_single_arrays_agree_bit_for_bit():
    psf = _psf((37, 37), 5)
    conv = pc.PsfConvolver(psf)
    window = (49, 49)
    padded_shape = (85, 85)
    box = (3, 80, 0, 85)
    arrays, _ = _boxed(np.random.default_rng(6), 8, padded_shape, box)
    one = conv.convolve(arrays, threads=1, box=box)
    _check(one, _numpy_linear(arrays, psf, window))
    for threads in (2, 3):
        assert np.array_equal(conv.convolve(arrays, threads=threads, box=box), one)
    for k in range(len(arrays)):
        assert np.array_equal(conv.convolve(arrays[k], threads=1, box=box), one[k])


def test_nan_in_the_box_reaches_the_window():
    psf = _psf((9, 9), 7)
    conv = pc.PsfConvolver(psf)
    window = (30, 31)
    padded = np.random.default_rng(8).standard_normal((38, 39))
    padded[20, 11] = np.nan
    out = conv.convolve(padded, box=(2, 36, 1, 39))
    # every window pixel within the PSF's reach of the NaN is NaN (an FFT spreads it further)
    assert np.all(np.isnan(out[20 - 8:20 + 1, 11 - 8:11 + 1]))
    assert out.shape == window


def test_nan_outside_the_box_is_not_read():
    psf = _psf((9, 9), 9)
    conv = pc.PsfConvolver(psf)
    padded = np.random.default_rng(10).standard_normal((38, 39))
    box = (2, 36, 1, 30)
    zeroed = np.zeros_like(padded)
    zeroed[2:36, 1:30] = padded[2:36, 1:30]
    padded[0, 0] = padded[37, 38] = padded[10, 35] = np.nan
    _check(conv.convolve(padded, box=box), _numpy_linear(zeroed, psf, (30, 31)))


@pytest.mark.parametrize("box, message", [
    ((0, 10, 0), "box must be"),
    ((5, 3, 0, 10), "box must be"),
    ((0, 10, -1, 5), "box must be"),
    ((0, 39, 0, 10), "box must be"),
])
def test_a_bad_box_is_rejected_naming_it(box, message):
    conv = pc.PsfConvolver(_psf((9, 9), 1))
    with pytest.raises((ValueError, TypeError), match=message):
        conv.convolve(np.zeros((38, 39)), box=box)


def test_one_large_array_with_threads_inside_the_passes():
    """One array large enough for threads inside the passes (row and column blocks split
    between threads): the same values as one thread, and numpy's."""
    psf = _psf((37, 37), 11)
    conv = pc.PsfConvolver(psf)
    window = (300, 290)
    box = (5, 330, 0, 300)
    arrays, poisoned = _boxed(np.random.default_rng(12), 1, (336, 326), box)
    one = conv.convolve(poisoned[0], threads=1, box=box)
    _check(one, _numpy_linear(arrays[0], psf, window))
    assert np.array_equal(conv.convolve(poisoned[0], threads=2, box=box), one)
