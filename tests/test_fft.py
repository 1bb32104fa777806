"""The project's own FFT (polychrome._core) against numpy.fft.

Sizes cover the radices alone and mixed (1, 2, 3, 5, 8, 12, 15, 64, 100, 243,
250, 256, 360, 1000, 1024); errors are measured relative to the norm of the
reference array, and must stay below 1e-12 (double precision FFTs reach
~1e-15, so 1e-12 leaves room without hiding a wrong twiddle).
"""

import numpy as np
import pytest

from polychrome import _core

SIZES = [1, 2, 3, 5, 8, 12, 15, 64, 100, 243, 250, 256, 360, 1000, 1024]
# 2D shapes mix the sizes above (not every combination, to stay fast) and
# include single rows and columns, odd and even widths.
SHAPES = [
    (1, 1), (1, 8), (8, 1), (2, 3), (3, 2), (5, 12), (12, 15), (15, 5), (8, 64),
    (64, 100), (100, 243), (243, 250), (250, 256), (256, 360), (360, 15), (3, 1000),
    (1000, 64), (1024, 5), (1, 1024), (1024, 1024),
    # row counts that leave 1 or 2 rows in the last 16-row block
    (81, 9), (18, 30), (50, 27),
]
TOL = 1e-12


def rel_err(a, b):
    scale = np.linalg.norm(b)
    return np.linalg.norm(a - b) / (scale if scale > 0 else 1.0)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.mark.parametrize("n", SIZES)
def test_complex_1d_matches_numpy(n, rng):
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    assert rel_err(_core.fft(z), np.fft.fft(z)) < TOL
    assert rel_err(_core.ifft(z), np.fft.ifft(z)) < TOL
    assert rel_err(_core.ifft(_core.fft(z)), z) < TOL


@pytest.mark.parametrize("rows,n", [(3, 15), (9, 64), (17, 360), (8, 1)])
def test_complex_1d_batched_rows(rows, n, rng):
    z = rng.standard_normal((rows, n)) + 1j * rng.standard_normal((rows, n))
    assert rel_err(_core.fft(z), np.fft.fft(z, axis=-1)) < TOL
    assert rel_err(_core.ifft(z, threads=2), np.fft.ifft(z, axis=-1)) < TOL


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("rows", [1, 2, 3, 17])
def test_real_1d_matches_numpy(n, rows, rng):
    x = rng.standard_normal((rows, n))
    c = _core.rfft(x)
    assert c.shape == (rows, n // 2 + 1)
    assert rel_err(c, np.fft.rfft(x, axis=-1)) < TOL
    assert rel_err(_core.irfft(c, n), x) < TOL


@pytest.mark.parametrize("shape", SHAPES)
def test_rfft2_matches_numpy(shape, rng):
    x = rng.standard_normal(shape)
    c = _core.rfft2(x)
    assert c.shape == (shape[0], shape[1] // 2 + 1)
    assert c.dtype == np.complex128
    assert rel_err(c, np.fft.rfft2(x)) < TOL
    y = _core.irfft2(c, shape)
    assert y.shape == shape
    assert rel_err(y, x) < TOL


@pytest.mark.parametrize("shape", [(5, 12), (12, 15), (64, 100), (243, 8)])
def test_irfft2_matches_numpy_on_arbitrary_spectra(shape, rng):
    # Random spectra are not Hermitian in the zero and Nyquist columns; numpy
    # ignores the imaginary parts there, and so must we.
    spec_shape = (shape[0], shape[1] // 2 + 1)
    c = rng.standard_normal(spec_shape) + 1j * rng.standard_normal(spec_shape)
    assert rel_err(_core.irfft2(c, shape), np.fft.irfft2(c, shape)) < TOL


def test_batched_equals_one_by_one(rng):
    stack = rng.standard_normal((5, 24, 45))
    c = _core.rfft2(stack)
    assert c.shape == (5, 24, 23)
    for i in range(5):
        np.testing.assert_array_equal(c[i], _core.rfft2(stack[i]))
    c_threads = _core.rfft2(stack, threads=2)
    np.testing.assert_array_equal(c_threads, c)
    back = _core.irfft2(c, (24, 45))
    back_threads = _core.irfft2(c, (24, 45), threads=2)
    for i in range(5):
        np.testing.assert_array_equal(back[i], _core.irfft2(c[i], (24, 45)))
    np.testing.assert_array_equal(back_threads, back)
    assert rel_err(back, stack) < TOL


def test_accepts_non_contiguous_and_other_dtypes(rng):
    x = rng.standard_normal((30, 40))
    assert rel_err(_core.rfft2(x[::2, ::2]), np.fft.rfft2(x[::2, ::2])) < TOL
    xi = rng.integers(-5, 5, size=(6, 10))
    assert rel_err(_core.rfft2(xi), np.fft.rfft2(xi)) < TOL


@pytest.mark.parametrize("bad", [7, 14, 77, 1001])
def test_bad_sizes_raise_value_error_naming_the_size(bad):
    with pytest.raises(ValueError, match=str(bad)):
        _core.rfft2(np.zeros((8, bad)))
    with pytest.raises(ValueError, match=str(bad)):
        _core.rfft2(np.zeros((bad, 8)))
    with pytest.raises(ValueError, match=str(bad)):
        _core.fft(np.zeros(bad, dtype=complex))
    with pytest.raises(ValueError, match=str(bad)):
        _core.irfft2(np.zeros((8, bad // 2 + 1), dtype=complex), (8, bad))


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="shape"):
        _core.irfft2(np.zeros((8, 4), dtype=complex), (8, 8))
    with pytest.raises(ValueError, match="dimensions"):
        _core.rfft2(np.zeros(8))
    with pytest.raises(ValueError, match="threads"):
        _core.rfft2(np.zeros((8, 8)), threads=-1)
    with pytest.raises(ValueError):
        _core.rfft2(np.zeros((0, 8)))


def test_next_fast_size():
    limit = 2**42
    fast = sorted(
        2**a * 3**b * 5**c
        for a in range(43) for b in range(27) for c in range(19)
        if 2**a * 3**b * 5**c <= limit
    )

    def reference(n):
        return fast[np.searchsorted(fast, max(n, 1))]

    for n in range(0, 1500):
        assert _core.next_fast_size(n) == reference(n)
    for n in [1025, 2**40 + 1, 3**20 - 7, 5**15 + 3]:
        assert _core.next_fast_size(n) == reference(n)
    assert _core.next_fast_size(1025) == 1080
