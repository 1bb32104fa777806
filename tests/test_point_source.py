"""Point sources (PSF moved by a Fourier phase shift) against exact references.

The reference PSF is a circular Gaussian integrated over each pixel (erf
differences), which is what a PSF image of a well-sampled Gaussian is; the
point source at any sub-pixel position must then equal that Gaussian
integrated over the pixels around the new position. With sigma = 2 pixels its
spectrum at the Nyquist frequency is ~1e-9 of the peak, so the band-limited
shift is exact to about that level.
"""

import math

import numpy as np
import pytest
from scipy.special import erf

import polychrome as pc


def gaussian_pixels(shape, center_px, sigma_px):
    """Unit-flux circular Gaussian integrated over pixels; center in continuous pixel
    coordinates (pixel j spans [j, j + 1))."""
    ny, nx = shape
    fx = 0.5 * erf((np.arange(nx + 1) - center_px[0]) / (math.sqrt(2) * sigma_px))
    fy = 0.5 * erf((np.arange(ny + 1) - center_px[1]) / (math.sqrt(2) * sigma_px))
    return np.outer(np.diff(fy), np.diff(fx))


def gaussian_psf(half, sigma_px):
    size = 2 * half + 1
    return gaussian_pixels((size, size), (half + 0.5, half + 0.5), sigma_px)


PSF = gaussian_psf(15, 2.0)


def test_whole_pixel_position_is_the_psf_itself():
    # centre of pixel (i, j) = (20, 17) with pixelscale 0.5 and origin (1, -2)
    image = pc.point_source_image(PSF, (40, 50), (1 + 0.5 * 17.5, -2 + 0.5 * 20.5), 3.0,
                                  pixelscale=0.5, origin=(1.0, -2.0))
    expected = np.zeros((40, 50))
    expected[5:36, 2:33] = 3.0 * PSF / PSF.sum()
    assert np.max(np.abs(image - expected)) < 1e-14


@pytest.mark.parametrize("pos", [(25.3, 19.8), (25.5, 20.0), (24.01, 20.99), (25.77, 21.5)])
def test_sub_pixel_shift_equals_shifted_gaussian(pos):
    flux = 7.0
    image = pc.point_source_image(PSF, (40, 50), pos, flux)
    ref = flux * gaussian_pixels((40, 50), pos, 2.0)
    assert np.max(np.abs(image - ref)) < 1e-7 * ref.max()
    # the shifted PSF's far ringing (~1e-11) partly falls outside this image
    assert abs(image.sum() / flux - 1) < 1e-9


def test_flux_is_conserved_exactly_inside_the_image():
    renderer = pc.PointSourceRenderer(PSF)
    ny, nx = renderer.shift_shape
    image = pc.point_source_image(renderer, (ny + 4, nx + 4), (nx / 2 + 2.13, ny / 2 + 1.71), 5.0)
    assert abs(image.sum() / 5.0 - 1) < 1e-13


def test_psf_upsample_3():
    # the PSF 3x finer (sigma 2 image pixels = 6 PSF pixels), binned back
    fine = gaussian_psf(45, 6.0)
    pos = (1.3 + 0.4 * 20.37, -0.2 + 0.4 * 17.81)  # pixel coordinates (20.37, 17.81)
    image = pc.point_source_image(fine, (36, 40), pos, 2.0, pixelscale=0.4, origin=(1.3, -0.2),
                                  psf_upsample=3)
    ref = 2.0 * gaussian_pixels((36, 40), (20.37, 17.81), 2.0)
    assert np.max(np.abs(image - ref)) < 1e-7 * ref.max()


def test_rotated_pixels():
    """The PSF lives on the pixel grid: with rotated pixels the source goes to the pixel
    coordinates P^-1 (position - origin)."""
    theta = 0.6
    P = 0.3 * np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    origin = np.array([2.0, -1.0])
    uv = np.array([21.3, 18.6])
    pos = origin + P @ uv
    image = pc.point_source_image(PSF, (40, 44), pos, 1.0, pixelscale=P, origin=origin)
    ref = gaussian_pixels((40, 44), uv, 2.0)
    assert np.max(np.abs(image - ref)) < 1e-7 * ref.max()


def test_light_outside_the_image_is_lost_and_far_sources_are_empty():
    image = pc.point_source_image(PSF, (30, 30), (0.3, 15.2), 1.0)
    ref = gaussian_pixels((30, 30), (0.3, 15.2), 2.0)
    assert np.max(np.abs(image - ref)) < 1e-7 * ref.max()
    assert 0.4 < image.sum() < 0.7
    assert not np.any(pc.point_source_image(PSF, (30, 30), (-500.0, 1e12), 1.0, jacobian=True)[1])


@pytest.mark.parametrize("upsample,pixelscale", [(1, 1.0), (1, "rotated"), (2, 0.3)])
def test_jacobian_against_finite_differences(upsample, pixelscale):
    psf = gaussian_psf(15 * upsample, 2.0 * upsample)
    if pixelscale == "rotated":
        pixelscale = 0.2 * np.array([[0.8, -0.6], [0.6, 0.8]])
    P = pixelscale * np.eye(2) if np.ndim(pixelscale) == 0 else pixelscale
    origin = (0.7, -0.4)
    pos = np.array(origin) + P @ np.array([15.37, 14.62])
    flux = 4.5
    renderer = pc.PointSourceRenderer(psf)

    def render(p, f, jacobian=False):
        return pc.point_source_image(renderer, (30, 32), p, f, pixelscale=pixelscale, origin=origin,
                                     psf_upsample=upsample, jacobian=jacobian)

    image, jac = render(pos, flux, jacobian=True)
    assert jac.shape == (3, 30, 32)
    h = 1e-6
    for k in range(2):
        step = np.zeros(2)
        step[k] = h
        fd = (render(pos + step, flux) - render(pos - step, flux)) / (2 * h)
        assert np.linalg.norm(jac[k] - fd) / np.linalg.norm(fd) < 1e-7
    assert np.allclose(jac[2], image / flux, rtol=0, atol=1e-15)


def test_position_derivative_at_integer_boundaries():
    """The shift is continuous where the holding pixel changes (offset -0.5 vs +0.5)."""
    a = pc.point_source_image(PSF, (40, 40), (20.0 - 1e-12, 19.3), 1.0)
    b = pc.point_source_image(PSF, (40, 40), (20.0 + 1e-12, 19.3), 1.0)
    assert np.max(np.abs(a - b)) < 1e-9 * a.max()
