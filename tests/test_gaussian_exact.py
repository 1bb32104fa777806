"""The plain elliptical Gaussian's near-exact renderer (cpp/src/kernels/gaussian_render.cpp).

References, independent of the C++ code:
* axis-aligned Gaussians (also on a rotated pixel grid whose axes follow the ellipse): the exact
  product of two 1-D erf differences, written with erfc so that far tails keep their digits;
* any orientation and pixel-scale matrix: the integral over u done in closed form (numpy/scipy
  erfc), the one over v by scipy.integrate.quad at relative tolerance 1e-13;
* bright pixels: the tensor Gauss-Legendre reference of tests/reference_integrals.py;
* Jacobian columns: central differences of the renderer itself.
"""

import numpy as np
import pytest
from scipy import integrate
from scipy.special import erfc

import polychrome as pc
from reference_integrals import Profile, reference_image

SQRT2 = np.sqrt(2.0)
# Smallest reference value compared relatively (a pixel value that underflows has no digits).
TINY = 1e-280


def _segments(edges, center, s):
    """int over [edges[k], edges[k+1]] of exp(-(x - center)^2 / (2 s^2)) dx, stable in the tails."""
    z = (np.asarray(edges, float) - center) / (SQRT2 * s)
    z0, z1 = z[:-1], z[1:]
    d = np.where(z0 >= 0, erfc(z0) - erfc(z1),
                 np.where(z1 <= 0, erfc(-z1) - erfc(-z0), 2.0 - erfc(-z0) - erfc(z1)))
    return d * s * np.sqrt(np.pi / 2.0)


def _separable_reference(shape, center_px, sx, sy, scale):
    ny, nx = shape
    return scale * np.outer(_segments(np.arange(ny + 1.0), center_px[1], sy),
                            _segments(np.arange(nx + 1.0), center_px[0], sx))


def _pixel_gaussian(sigma, q, pa, P, origin, center):
    """Q (inverse covariance, pixel units) and the centre in pixel coordinates (u, v)."""
    R = np.array([[np.cos(pa), -np.sin(pa)], [np.sin(pa), np.cos(pa)]])
    cov_plane = R @ np.diag([sigma ** 2, (q * sigma) ** 2]) @ R.T
    Pinv = np.linalg.inv(P)
    cov_pix = Pinv @ cov_plane @ Pinv.T
    return np.linalg.inv(cov_pix), Pinv @ (np.asarray(center, float) - np.asarray(origin, float))


def _quad_reference(shape, sigma, q, pa, P, origin, center, log10_i0, pixels):
    """Pixel values by closed form in u and adaptive quadrature in v, for the (i, j) in pixels."""
    Q, (uc, vc) = _pixel_gaussian(sigma, q, pa, P, origin, center)
    quu, quv, qvv = Q[0, 0], Q[0, 1], Q[1, 1]
    s = 1.0 / np.sqrt(quu)
    inv_var_v = (quu * qvv - quv * quv) / quu
    scale = 10.0 ** log10_i0 * abs(np.linalg.det(P))
    out = {}
    for i, j in pixels:
        def inner(v, j=j):
            m = uc - quv / quu * (v - vc)
            return np.exp(-0.5 * (v - vc) ** 2 * inv_var_v) * _segments([j, j + 1.0], m, s)[0]
        # the integrand's bumps: the centre row and where the mean m(v) crosses the pixel's edges
        points = [vc] + [vc - (e - uc) * quu / quv for e in (j, j + 1.0) if quv != 0.0]
        points = [p for p in points if i < p < i + 1]
        val, _ = integrate.quad(inner, i, i + 1.0, epsabs=0.0, epsrel=1e-13, limit=500,
                                points=points or None)
        out[(i, j)] = scale * val
    return out


def _render(shape, sigma, q, pa, center, pixelscale=1.0, origin=(0.0, 0.0), log10_i0=0.0, **kw):
    return pc.render_profile("gaussian", dict(sigma=sigma, I0=log10_i0), shape, center=center, q=q,
                             PA=pa, pixelscale=pixelscale, origin=origin, **kw)


@pytest.mark.parametrize("sigma", [0.05, 0.2, 0.7, 2.0, 7.0, 30.0])
@pytest.mark.parametrize("q", [0.05, 0.3, 1.0])
@pytest.mark.parametrize("offset", [(0.0, 0.0), (0.5, 0.5), (0.5, 0.0), (0.23, 0.71)])
def test_axis_aligned_against_erf_product(sigma, q, offset):
    """Every pixel, far tails included (down to underflow), within 1e-10 relative."""
    shape = (31, 37)
    center = (18.0 + offset[0], 15.0 + offset[1])
    for pa, (sx, sy) in [(0.0, (sigma, q * sigma)), (np.pi / 2, (q * sigma, sigma))]:
        img = _render(shape, sigma, q, pa, center, log10_i0=1.3)
        ref = _separable_reference(shape, center, sx, sy, 10.0 ** 1.3)
        ok = ref > TINY
        assert np.all(np.isfinite(img))
        err = np.max(np.abs(img[ok] / ref[ok] - 1.0))
        assert err < 1e-10, f"PA={pa}: {err:.2e}"
        assert np.all(np.abs(img[~ok]) <= 1e-270)


def test_rotated_nonsquare_grid_aligned_with_ellipse():
    """A rotated, non-square pixel grid whose axes follow the ellipse: separable in pixels."""
    theta, a, b = 0.4, 0.3, 0.2  # rotation, arcsec per pixel along x and y
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    P = R @ np.diag([a, b])
    origin = (-3.0, 1.0)
    shape = (40, 44)
    center_px = np.array([21.3, 19.6])
    center = np.asarray(origin) + P @ center_px
    for sigma, q in [(0.5, 0.6), (0.05, 0.4), (2.0, 0.1)]:
        img = _render(shape, sigma, q, theta, center, pixelscale=P, origin=origin)
        ref = _separable_reference(shape, center_px, sigma / a, q * sigma / b, a * b)
        ok = ref > TINY
        err = np.max(np.abs(img[ok] / ref[ok] - 1.0))
        assert err < 1e-10, f"sigma={sigma} q={q}: {err:.2e}"


GENERAL_CASES = [
    # sigma (arcsec), q, PA, pixel-scale matrix, centre
    (0.05, 0.5, 0.3, np.eye(2), (7.5, 7.5)),
    (0.3, 0.05, 0.8, np.eye(2), (7.0, 7.5)),
    (1.0, 0.05, 0.1, np.eye(2), (7.2, 7.0)),
    (1.0, 0.5, 2.0, np.eye(2), (7.0, 7.0)),
    (3.0, 0.2, 1.2, np.eye(2), (7.3, 6.9)),
    (30.0, 0.7, 0.5, np.eye(2), (7.5, 7.0)),
    (0.4, 0.3, 0.9, np.array([[0.3, 0.1], [-0.05, 0.2]]), (2.1, 1.4)),
    (0.7, 0.8, 2.6, np.array([[0.0, -0.25], [0.4, 0.0]]), (-1.9, 3.0)),
]


@pytest.mark.parametrize("sigma,q,pa,P,center", GENERAL_CASES)
def test_any_orientation_against_quadrature(sigma, q, pa, P, center):
    """Sheared Gaussians and rotated / non-square pixels: within 1e-10 relative, tails included."""
    shape = (15, 15)
    origin = (0.0, 0.0)
    img = _render(shape, sigma, q, pa, center, pixelscale=P, origin=origin, log10_i0=-0.7)
    pixels = [(i, j) for i in range(shape[0]) for j in range(shape[1])]
    ref = _quad_reference(shape, sigma, q, pa, P, origin, center, -0.7, pixels)
    worst = 0.0
    for (i, j), r in ref.items():
        if r > TINY:
            worst = max(worst, abs(img[i, j] / r - 1.0))
        else:
            assert abs(img[i, j]) <= 1e-270
    assert worst < 1e-10, f"{worst:.2e}"


def test_far_tail_is_relatively_accurate():
    """Pixels 10 to 30 sigma from the centre of a tilted Gaussian keep 1e-10 relative accuracy."""
    sigma, q, pa, center = 0.5, 0.6, 0.7, (20.3, 20.6)
    shape = (41, 41)
    img = _render(shape, sigma, q, pa, center)
    Q, tc = _pixel_gaussian(sigma, q, pa, np.eye(2), (0, 0), center)
    pixels = []
    for i in range(0, 41, 3):
        for j in range(0, 41, 3):
            t = np.array([j + 0.5, i + 0.5]) - tc
            d = np.sqrt(t @ Q @ t)  # elliptical radius of the pixel centre, in sigma
            if 10 <= d <= 30:
                pixels.append((i, j))
    assert len(pixels) > 20
    ref = _quad_reference(shape, sigma, q, pa, np.eye(2), (0, 0), center, 0.0, pixels)
    for (i, j), r in ref.items():
        assert r > TINY
        assert abs(img[i, j] / r - 1.0) < 1e-10, (i, j, r, img[i, j])


def test_bright_pixels_against_tensor_reference():
    """The shared tensor Gauss-Legendre / polar reference agrees on the bright pixels (to its own
    accuracy, ~1e-10: the quadrature reference above agrees with the renderer to 2e-16 there)."""
    params = dict(sigma=1.3, I0=0.4)
    args = ((25, 27), (13.2, 12.4), 0.45, 1.1)
    ref = reference_image(Profile("gaussian", params), *args)
    img = pc.render_profile("gaussian", params, args[0], center=args[1], q=args[2], PA=args[3])
    bright = ref > 1e-6 * ref.max()
    assert np.max(np.abs(img[bright] / ref[bright] - 1.0)) < 1e-9


@pytest.mark.parametrize("sigma,q", [(0.1, 0.3), (1.0, 1.0), (2.5, 0.4), (8.0, 0.05)])
def test_total_flux(sigma, q):
    """A Gaussian well inside the image carries 2 pi q sigma^2 I0 to 1e-12."""
    size = int(24 * sigma) + 10
    center = (size / 2 + 0.27, size / 2 - 0.41)
    for pa in [0.0, 0.6, 2.2]:
        img = _render((size, size), sigma, q, pa, center, log10_i0=0.8)
        total = 2 * np.pi * q * sigma ** 2 * 10 ** 0.8
        assert abs(img.sum() / total - 1.0) < 1e-12


@pytest.mark.parametrize("sigma,q,pa,P", [
    (0.3, 0.6, 0.4, np.eye(2)),
    (1.7, 0.3, 2.3, np.eye(2)),
    (4.0, 0.08, 0.05, np.eye(2)),
    (0.8, 0.5, 1.0, np.array([[0.3, 0.1], [-0.05, 0.2]])),
])
def test_jacobian_against_central_differences(sigma, q, pa, P):
    """Every column (x, y, q, PA, sigma, I0) matches central differences of the image."""
    shape = (21, 23)
    origin = (0.0, 0.0)
    center = np.asarray(origin) + np.asarray(P) @ np.array([11.3, 10.2])
    args = dict(pixelscale=P, origin=origin)
    base = dict(cx=center[0], cy=center[1], q=q, pa=pa, sigma=sigma, i0=0.3)

    def image(p):
        return _render(shape, p["sigma"], p["q"], p["pa"], (p["cx"], p["cy"]),
                       log10_i0=p["i0"], **args)

    img, jac = pc.render_profile("gaussian", dict(sigma=sigma, I0=0.3), shape, center=tuple(center),
                                 q=q, PA=pa, jacobian=True, **args)
    assert jac.shape == (6, *shape)
    np.testing.assert_array_equal(img, image(base))
    scale = np.sqrt(abs(np.linalg.det(P)))
    steps = dict(cx=1e-4 * scale, cy=1e-4 * scale, q=1e-5, pa=1e-5, sigma=1e-5 * sigma, i0=1e-5)
    for k, name in enumerate(["cx", "cy", "q", "pa", "sigma", "i0"]):
        hi, lo = dict(base), dict(base)
        hi[name] += steps[name]
        lo[name] -= steps[name]
        fd = (image(hi) - image(lo)) / (2 * steps[name])
        col = jac[k]
        err = np.max(np.abs(col - fd)) / np.max(np.abs(fd))
        assert err < 1e-7, f"{name}: {err:.2e}"


def test_threads_give_identical_images():
    args = ((300, 280), 1.2, 0.4, 0.8, (140.3, 150.6))
    one = _render(*args, threads=1)
    many = _render(*args, threads=4)
    np.testing.assert_array_equal(one, many)
    j1 = pc.render_profile("gaussian", dict(sigma=1.2, I0=0.0), (300, 280), center=(140.3, 150.6),
                           q=0.4, PA=0.8, jacobian=True, threads=1)[1]
    j4 = pc.render_profile("gaussian", dict(sigma=1.2, I0=0.0), (300, 280), center=(140.3, 150.6),
                           q=0.4, PA=0.8, jacobian=True, threads=4)[1]
    np.testing.assert_array_equal(j1, j4)


@pytest.mark.parametrize("sigma", [1e-12, 1e-9, 1e6, 1e12])
def test_extreme_sizes_keep_their_flux(sigma):
    """A point-like Gaussian puts its whole flux in its pixel; a huge one is flat to 1e-12."""
    shape = (9, 9)
    center = (4.3, 4.6)
    img = _render(shape, sigma, 0.5, 0.7, center)
    if sigma < 1:
        total = 2 * np.pi * 0.5 * sigma ** 2
        assert abs(img[4, 4] / total - 1.0) < 1e-12
        img[4, 4] = 0.0
        assert np.all(img == 0.0)
    else:
        # nearly flat: the midpoint rule is exact to ~1 / (24 sigma^2) relative
        Q, tc = _pixel_gaussian(sigma, 0.5, 0.7, np.eye(2), (0, 0), center)
        jj, ii = np.meshgrid(np.arange(9) + 0.5 - tc[0], np.arange(9) + 0.5 - tc[1])
        approx = np.exp(-0.5 * (Q[0, 0] * jj ** 2 + 2 * Q[0, 1] * jj * ii + Q[1, 1] * ii ** 2))
        np.testing.assert_allclose(img, approx, rtol=1e-11)


def test_options_still_validated():
    for bad in [dict(tolerance=0.0), dict(faint_fraction=-1.0), dict(max_depth=0)]:
        with pytest.raises(ValueError):
            _render((5, 5), 1.0, 1.0, 0.0, (2.5, 2.5), **bad)


def test_vectorised_erfc_and_gaussian_match_mpmath():
    """The renderer's erfc(z) and exp(-z^2) (erfc_fast.hpp) within 2e-15 relative of mpmath's over
    [0, 26.5], through the far tail; 0 where they underflow; a negative z refused."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    z = np.concatenate([[0.0], np.geomspace(1e-12, 1.0, 60), np.linspace(0.0, 26.5, 1200)[1:]])
    for value in z:
        got_erfc, got_gauss = pc._core.erfc_fast(float(value))
        want_erfc = float(mpmath.erfc(value))
        want_gauss = float(mpmath.exp(-mpmath.mpf(float(value)) ** 2))
        assert abs(got_erfc / want_erfc - 1.0) < 2e-15, value
        assert abs(got_gauss / want_gauss - 1.0) < 2e-15, value
    assert pc._core.erfc_fast(40.0) == (0.0, 0.0)
    with pytest.raises(ValueError, match="non-negative"):
        pc._core.erfc_fast(-1.0)
