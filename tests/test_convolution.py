"""PSF convolution in the core against independent references.

- FFT convolution against direct (brute-force) sums of the same arrays.
- A Gaussian galaxy convolved with a Gaussian PSF against the analytic wider
  Gaussian integrated over each pixel (erf differences), also with the PSF
  given 3x finer (psf_upsample=3).
- Flux conservation, and the convolved Jacobian against finite differences of
  the convolved image.
"""

import math

import numpy as np
import pytest
from scipy.signal import convolve2d
from scipy.special import erf

import polychrome as pc


def direct_valid_convolution(padded, psf):
    """out[i, j] = sum_{a, b} psf[a, b] padded[i + 2 hy - a, j + 2 hx - b] by explicit loops
    over the PSF pixels: the central window of the linear convolution."""
    hy, hx = psf.shape[0] // 2, psf.shape[1] // 2
    wy, wx = padded.shape[0] - 2 * hy, padded.shape[1] - 2 * hx
    out = np.zeros((wy, wx))
    for a in range(psf.shape[0]):
        for b in range(psf.shape[1]):
            out += psf[a, b] * padded[2 * hy - a:2 * hy - a + wy, 2 * hx - b:2 * hx - b + wx]
    return out


@pytest.mark.parametrize("psf_shape,window", [((1, 1), (5, 7)), ((3, 3), (1, 1)), ((7, 5), (16, 23)),
                                              ((11, 11), (40, 40)), ((25, 9), (33, 64)),
                                              ((51, 51), (30, 17))])
def test_fft_convolution_equals_direct(psf_shape, window):
    rng = np.random.default_rng(sum(psf_shape) + sum(window))
    psf = rng.random(psf_shape) + 0.1
    psf /= psf.sum()
    hy, hx = psf_shape[0] // 2, psf_shape[1] // 2
    batch = rng.standard_normal((3, window[0] + 2 * hy, window[1] + 2 * hx))
    out = pc.PsfConvolver(psf).convolve(batch)
    assert out.shape == (3,) + window
    for k in range(3):
        ref = direct_valid_convolution(batch[k], psf)
        assert np.max(np.abs(out[k] - ref)) <= 1e-10 * np.max(np.abs(ref))
        # and scipy's direct 2D convolution, "valid" mode, as a second reference
        ref2 = convolve2d(batch[k], psf, mode="valid")
        assert np.max(np.abs(out[k] - ref2)) <= 1e-10 * np.max(np.abs(ref2))


def test_single_array_and_threads_agree():
    rng = np.random.default_rng(5)
    psf = rng.random((9, 9))
    conv = pc.PsfConvolver(psf)
    batch = rng.standard_normal((4, 58, 41))
    stacked = conv.convolve(batch, threads=1)
    for k in range(4):
        assert np.array_equal(conv.convolve(batch[k], threads=1), stacked[k])
    assert np.allclose(conv.convolve(batch, threads=2), stacked, rtol=0, atol=1e-14)


def test_psf_is_normalised_and_centred():
    psf = np.zeros((5, 7))
    psf[2, 3] = 4.0  # a delta at the centre pixel, total 4
    conv = pc.PsfConvolver(psf)
    assert np.isclose(conv.psf.sum(), 1.0)
    assert conv.pad == (2, 3)
    rng = np.random.default_rng(3)
    padded = rng.standard_normal((14, 16))
    assert np.allclose(conv.convolve(padded), padded[2:-2, 3:-3], rtol=0, atol=1e-14)
    # an off-centre delta shifts the image: psf[2, 4] moves light one pixel in +x
    psf2 = np.zeros((5, 7))
    psf2[2, 4] = 1.0
    assert np.allclose(pc.PsfConvolver(psf2).convolve(padded), padded[2:-2, 2:-4], atol=1e-14)


def test_fft_shape_is_linear_convolution_size():
    conv = pc.PsfConvolver(np.ones((51, 51)))
    assert conv.fft_shape((256, 256)) == (320, 320)  # next 2^a 3^b 5^c >= 256 + 50
    assert conv.fft_shape((64, 100)) == (120, 150)


def gaussian_pixel_integrals(shape, center, sx, sy, flux, pixelscale=1.0, upsample=1):
    """Integral over each pixel of an axis-aligned 2D Gaussian (sigmas sx, sy arcsec)."""
    ny, nx = shape
    ex = np.arange(nx + 1) * pixelscale
    ey = np.arange(ny + 1) * pixelscale
    fx = 0.5 * erf((ex - center[0]) / (math.sqrt(2) * sx))
    fy = 0.5 * erf((ey - center[1]) / (math.sqrt(2) * sy))
    return flux * np.outer(np.diff(fy), np.diff(fx))


def sampled_gaussian_psf(sigma_px, half):
    """A circular Gaussian sampled at pixel centres (sigma in PSF pixels), normalised."""
    r = np.arange(-half, half + 1)
    g = np.exp(-0.5 * (r / sigma_px) ** 2)
    psf = np.outer(g, g)
    return psf / psf.sum()


# A Gaussian PSF sampled at pixel centres: for a well-sampled Gaussian the
# discrete convolution of the pixel-integrated galaxy with those samples equals
# the pixel integral of the continuous convolution up to aliasing terms of
# order exp(-2 pi^2 sigma^2) (sigma in PSF pixels), negligible here.
@pytest.mark.parametrize("upsample", [1, 3])
@pytest.mark.parametrize("pa", [0.0, math.pi / 2])
def test_gaussian_convolved_with_gaussian_is_wider_gaussian(upsample, pa):
    shape, scale = (48, 56), 0.2
    center = (28.3 * scale, 23.55 * scale)
    sigma, q, i0 = 0.6, 0.5, 1.3      # galaxy: arcsec, b/a, log10 flux/arcsec^2
    sigma_psf = 0.3                  # arcsec (1.5 image pixels)
    flux = 2 * math.pi * sigma ** 2 * q * 10 ** i0
    psf = sampled_gaussian_psf(sigma_psf / scale * upsample, 12 * upsample)  # to 8 sigma
    img = pc.render_profile("gaussian", dict(sigma=sigma, I0=i0), shape, center=center, q=q, PA=pa,
                            pixelscale=scale, tolerance=1e-9, psf=psf, psf_upsample=upsample)
    major, minor = math.hypot(sigma, sigma_psf), math.hypot(q * sigma, sigma_psf)
    sx, sy = (major, minor) if pa == 0.0 else (minor, major)
    ref = gaussian_pixel_integrals(shape, center, sx, sy, flux, scale)
    bright = ref > 1e-4 * ref.max()
    assert np.max(np.abs(img[bright] / ref[bright] - 1)) < 1e-5
    assert np.max(np.abs(img - ref)) < 1e-8 * ref.max()


def test_upsampled_grid_convention():
    """With a delta PSF, psf_upsample=k renders on the k-times finer grid with the same
    origin and bins k x k blocks: the result equals the unconvolved coarse render."""
    for k in (2, 3):
        delta = np.zeros((2 * k + 1, 2 * k + 1))
        delta[k, k] = 1.0
        kw = dict(center=(3.37, 2.81), q=0.6, PA=0.4, pixelscale=0.25, origin=(-1.1, 0.3),
                  tolerance=1e-9)
        params = dict(n=1.5, Re=0.7, Ie=0.0)
        plain = pc.render_profile("sersic", params, (20, 24), **kw)
        conv = pc.render_profile("sersic", params, (20, 24), psf=delta, psf_upsample=k, **kw)
        assert np.max(np.abs(conv - plain)) < 2e-8 * plain.max()


def moffat_psf(size, fwhm, beta):
    alpha = fwhm / (2 * math.sqrt(2 ** (1 / beta) - 1))
    r = np.arange(size) - size // 2
    rr = r[:, None] ** 2 + r[None, :] ** 2
    psf = (1 + rr / alpha ** 2) ** (-beta)
    return psf / psf.sum()


@pytest.mark.parametrize("upsample", [1, 2])
def test_flux_is_conserved(upsample):
    psf = moffat_psf(21 * upsample + 1 - upsample % 2, 3.0 * upsample, 3.0)
    kw = dict(center=(40.3, 38.7), q=0.7, PA=0.5, tolerance=1e-9)
    params = dict(Re=2.0, Ie=0.0)
    plain = pc.render_profile("exponential", params, (80, 80), **kw)
    conv = pc.render_profile("exponential", params, (80, 80), psf=psf, psf_upsample=upsample, **kw)
    assert abs(conv.sum() / plain.sum() - 1) < 1e-8


def test_light_from_outside_the_window_is_scattered_in():
    """A source just outside the window still lights its edge after convolution,
    exactly as a crop of a larger convolved image."""
    psf = moffat_psf(15, 3.0, 2.5)
    kw = dict(q=0.8, PA=0.2, tolerance=1e-9)
    params = dict(sigma=0.8, I0=0.0)
    big = pc.render_profile("gaussian", params, (60, 70), center=(30.2, 29.6), psf=psf, **kw)
    # the same sky seen through a 30 x 30 window starting at pixel (20, 32): source at x = -1.8
    small = pc.render_profile("gaussian", params, (30, 30), center=(30.2, 29.6), psf=psf,
                              origin=(32.0, 20.0), **kw)
    assert small[:, 0].max() > 1e-4 * big.max()
    assert np.max(np.abs(small - big[20:50, 32:62])) < 1e-12 * big.max()


@pytest.mark.parametrize("upsample", [1, 2])
def test_convolved_jacobian_against_finite_differences(upsample):
    psf = moffat_psf(11 * upsample + 1 - upsample % 2, 2.5 * upsample, 3.0)
    conv = pc.PsfConvolver(psf)
    names = pc.parameter_names("sersic")
    full = [12.3, 11.6, 0.6, 0.7, 2.0, 3.0, 0.2]

    def render(v, jacobian=False):
        return pc.render_profile("sersic", dict(zip(names[4:], v[4:])), (24, 26), center=v[:2],
                                 q=v[2], PA=v[3], tolerance=1e-10, faint_fraction=1e-6,
                                 jacobian=jacobian, psf=conv, psf_upsample=upsample)

    image, jac = render(full, jacobian=True)
    assert jac.shape == (7, 24, 26)
    for k, name in enumerate(names):
        h = 1e-5 * max(1.0, abs(full[k]))
        plus, minus = list(full), list(full)
        plus[k] += h
        minus[k] -= h
        fd = (render(plus) - render(minus)) / (2 * h)
        rel = np.linalg.norm(jac[k] - fd) / np.linalg.norm(fd)
        assert rel < 1e-5, f"column {name}: relative error {rel:.2e}"


def test_jacobian_is_convolved_unconvolved_jacobian():
    """The batched call convolves each Jacobian column exactly like the image."""
    psf = moffat_psf(9, 2.0, 3.0)
    conv = pc.PsfConvolver(psf)
    kw = dict(center=(7.2, 8.9), q=0.5, PA=1.0, jacobian=True)
    params = dict(n=3.0, Re=1.5, Ie=0.0)
    image, jac = pc.render_profile("sersic", params, (18, 16), psf=conv, **kw)
    p_img, p_jac = pc.render_profile("sersic", params, (26, 24), origin=(-4.0, -4.0), **kw)
    assert np.allclose(image, direct_valid_convolution(p_img, conv.psf), rtol=1e-12, atol=1e-15)
    for k in range(jac.shape[0]):
        ref = direct_valid_convolution(p_jac[k], conv.psf)
        assert np.max(np.abs(jac[k] - ref)) <= 1e-12 * np.max(np.abs(ref))


def test_one_convolver_shared_between_threads():
    """Concurrent calls (the GIL is released) on one convolver, with different window
    shapes, give the same results as sequential ones."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(11)
    conv = pc.PsfConvolver(moffat_psf(15, 3.0, 3.0))
    inputs = [rng.standard_normal((3, 30 + 7 * (k % 4), 40 + 5 * (k % 3))) for k in range(24)]
    expected = [conv.convolve(x, threads=1) for x in inputs]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda x: conv.convolve(x, threads=1), inputs))
    for r, e in zip(results, expected):
        assert np.array_equal(r, e)
    kw = dict(center=(20.3, 21.1), q=0.6, PA=0.4, jacobian=True, psf=conv, threads=1)
    reference = pc.render_profile("sersic", dict(n=2.0, Re=3.0, Ie=0.0), (40, 44), **kw)
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: pc.render_profile("sersic", dict(n=2.0, Re=3.0, Ie=0.0),
                                                         (40, 44), **kw), range(12)))
    for image, jac in runs:
        assert np.array_equal(image, reference[0]) and np.array_equal(jac, reference[1])
