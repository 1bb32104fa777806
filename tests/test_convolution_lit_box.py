"""A convolved render whose padded model is 0 outside a box (a compact profile's edge, or wings left
out to an absolute tolerance) transforms only that box, at the smallest circular size that keeps the
window free of wrapped-around light: the result must equal the linear convolution (numpy.fft) of the
unconvolved render of the padded grid, wherever the box sits against the window."""

import numpy as np
import pytest

import polychrome as pc

FERRER = dict(rout=2.5, alpha=2.0, beta=0.5, I0=0.0)
SHAPE = (40, 44)


def _psf(half_y, half_x):
    y, x = np.mgrid[-half_y:half_y + 1, -half_x:half_x + 1]
    psf = (1.0 + (x**2 + (1.3 * y) ** 2) / 2.5**2) ** -2.5 + 0.02 * np.cos(0.7 * x)  # asymmetric, with lobes
    return psf / psf.sum()


def _linear_reference(profile, params, center, psf, jacobian=False):
    """Render on the window grown by the PSF half-sizes, convolve linearly with numpy.fft, crop."""
    hy, hx = psf.shape[0] // 2, psf.shape[1] // 2
    padded_shape = (SHAPE[0] + 2 * hy, SHAPE[1] + 2 * hx)
    rendered = pc.render_profile(profile, params, padded_shape, center=center, q=0.7, PA=0.4,
                                 origin=(-hx, -hy), jacobian=jacobian)
    planes = [rendered[0], *rendered[1]] if jacobian else [rendered]
    size = (padded_shape[0] + psf.shape[0], padded_shape[1] + psf.shape[1])
    kernel = np.fft.rfft2(psf, size)
    out = []
    for plane in planes:
        full = np.fft.irfft2(np.fft.rfft2(plane, size) * kernel, size)
        out.append(full[2 * hy:2 * hy + SHAPE[0], 2 * hx:2 * hx + SHAPE[1]])
    return out


# centres: mid-window, near a corner (box reaching into the padding), outside the window (light only
# through the PSF), a box starting inside the window far from its origin (wrapped output rows)
CENTERS = [(21.7, 19.2), (1.3, 2.2), (-4.0, 20.5), (41.0, 37.5)]


@pytest.mark.parametrize("center", CENTERS)
@pytest.mark.parametrize("halves", [(9, 7), (3, 12)])
def test_lit_box_convolution_equals_linear(center, halves):
    psf = _psf(*halves)
    image, jac = pc.render_profile("ferrer", FERRER, SHAPE, center=center, q=0.7, PA=0.4, psf=psf, jacobian=True)
    reference = _linear_reference("ferrer", FERRER, center, psf, jacobian=True)
    scale = max(np.abs(reference[0]).max(), 1e-300)
    assert np.abs(image - reference[0]).max() <= 1e-12 * scale
    for plane, ref in zip(jac, reference[1:]):
        assert np.abs(plane - ref).max() <= 1e-12 * max(np.abs(ref).max(), 1e-300)


def test_model_wholly_outside_the_psf_reach_gives_zeros():
    psf = _psf(4, 4)
    image = pc.render_profile("ferrer", FERRER, SHAPE, center=(-9.0, -9.0), q=0.7, PA=0.4, psf=psf)
    assert np.all(image == 0.0)
