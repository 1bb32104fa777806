"""PSF helpers: pixel-integrated Gaussian and Moffat against adaptive quadrature (scipy)."""

import numpy as np
import pytest
from scipy.integrate import dblquad

from polychrome.utils.initialize import gaussian_psf, moffat_psf


def pixel_integral(profile, i, j, scale):
    """Integral of ``profile(x, y)`` over the pixel i rows, j columns from the centre (square pixels)."""
    x0, y0 = (j - 0.5) * scale, (i - 0.5) * scale
    if i == 0 and j == 0:  # split the centre pixel at the peak
        return 4 * dblquad(profile, 0, 0.5 * scale, 0, 0.5 * scale, epsabs=0, epsrel=1e-13)[0]
    return dblquad(profile, x0, x0 + scale, y0, y0 + scale, epsabs=0, epsrel=1e-13)[0]


PIXELS = [(0, 0), (0, 1), (1, 1), (0, 2), (2, 3), (5, 7), (10, 0)]


@pytest.mark.parametrize("n, rd, scale", [(2.5, 0.1, 1.0), (3.0, 0.7, 0.262), (1.5, 2.0, 0.5), (4.0, 1.2, 0.3)])
def test_moffat_pixels_match_adaptive_quadrature(n, rd, scale):
    psf = moffat_psf(n, rd, 21, scale)
    assert psf.shape == (21, 21) and psf.sum() == pytest.approx(1.0, abs=1e-14)
    c = 10
    reference = np.array([pixel_integral(lambda y, x: (1 + (x * x + y * y) / rd**2) ** (-n), i, j, scale)
                          for i, j in PIXELS])
    ours = np.array([psf[c + i, c + j] for i, j in PIXELS])
    ratios = ours / reference
    np.testing.assert_allclose(ratios / ratios[0], 1.0, rtol=1e-10)


@pytest.mark.parametrize("sigma, scale", [(0.4756, 0.262), (0.2, 1.0), (3.0, 2.75)])
def test_gaussian_pixels_match_adaptive_quadrature(sigma, scale):
    psf = gaussian_psf(sigma, 21, scale)
    assert psf.sum() == pytest.approx(1.0, abs=1e-14)
    c = 10
    reference = np.array([pixel_integral(lambda y, x: np.exp(-(x * x + y * y) / (2 * sigma**2)), i, j, scale)
                          for i, j in PIXELS[:5]])
    ours = np.array([psf[c + i, c + j] for i, j in PIXELS[:5]])
    ratios = ours / reference
    np.testing.assert_allclose(ratios / ratios[0], 1.0, rtol=1e-10)


def test_rotated_pixels_give_the_same_circular_psf():
    rotation = np.array([[np.cos(0.7), -np.sin(0.7)], [np.sin(0.7), np.cos(0.7)]])
    np.testing.assert_allclose(gaussian_psf(0.5, 15, 0.3 * rotation), gaussian_psf(0.5, 15, 0.3), atol=1e-15)
    np.testing.assert_allclose(moffat_psf(3.0, 0.5, 15, 0.3 * rotation), moffat_psf(3.0, 0.5, 15, 0.3),
                               atol=1e-12)


@pytest.mark.parametrize("call, error, match", [
    (lambda: gaussian_psf(1.0, 10, 0.2), ValueError, "width_pixels must be an odd"),
    (lambda: gaussian_psf(1.0, 11.0, 0.2), TypeError, "width_pixels"),
    (lambda: gaussian_psf(-1.0, 11, 0.2), ValueError, "sigma_arcsec must be positive"),
    (lambda: gaussian_psf(1.0, 11, [[0.2, 0.1], [0.0, 0.2]]), ValueError, "orthogonal columns"),
    (lambda: moffat_psf(0.5, 1.0, 11, 0.2), ValueError, "n must be > 0.5"),
    (lambda: moffat_psf(2.0, 0.0, 11, 0.2), ValueError, "Rd_arcsec must be positive"),
    (lambda: moffat_psf(2.0, 1.0, 11, -0.2), ValueError, "pixelscale"),
])
def test_bad_psf_helper_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
