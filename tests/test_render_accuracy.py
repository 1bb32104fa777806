"""Pixel integrals of the renderer against independent exact references."""

import numpy as np
import pytest

import polychrome as pc
from reference_integrals import Profile, reference_image, sersic_b

# The accuracy contract for the default tolerance: every pixel brighter
# than 1e-4 of the peak within 2e-5 relative, centre pixel included.
MAX_REL_ERROR = 2e-5
BRIGHT = 1e-4


def _max_rel_error(img, ref):
    bright = ref > BRIGHT * ref.max()
    return np.max(np.abs(img[bright] / ref[bright] - 1.0))


def _random_geometry(rng, size):
    center = (size / 2 + rng.uniform(-0.5, 0.5), size / 2 + rng.uniform(-0.5, 0.5))
    return center, rng.uniform(0, np.pi)


@pytest.mark.parametrize("n", [0.5, 1.0, 2.5, 4.0, 6.0])
@pytest.mark.parametrize("q", [0.2, 0.6, 1.0])
def test_sersic_default_tolerance_over_grid(n, q):
    rng = np.random.default_rng(int(n * 100 + q * 10))
    size = 40
    for re in [0.5, 2.0, 10.0, 50.0]:
        for _ in range(2):
            center, pa = _random_geometry(rng, size)
            params = dict(n=n, Re=re, Ie=0.0)
            ref = reference_image(Profile("sersic", params), (size, size), center, q, pa)
            img = pc.render_profile("sersic", params, (size, size), center=center, q=q, PA=pa)
            err = _max_rel_error(img, ref)
            assert err < MAX_REL_ERROR, f"Re={re} center={center} PA={pa}: {err:.2e}"


def test_reference_is_self_consistent():
    """The polar and Gauss-Legendre parts of the reference agree, and converge."""
    params = dict(n=4.0, Re=3.0, Ie=0.0)
    prof = Profile("sersic", params)
    args = ((30, 30), (15.3, 14.8), 0.5, 0.7)
    a = reference_image(prof, *args)
    b = reference_image(prof, *args, polar_radius=0.0, gauss_nodes=40)  # all Gauss
    # all polar, at twice the default nodes per piece (32 agrees with 200 to 1.4e-13 on this image)
    c = reference_image(prof, *args, polar_radius=50.0, polar_nodes=32)
    off_center = np.ones_like(a, dtype=bool)
    off_center[13:18, 13:18] = False
    assert np.max(np.abs(a / c - 1)) < 1e-11
    assert np.max(np.abs(a[off_center] / b[off_center] - 1)) < 1e-11


@pytest.mark.parametrize(
    "profile,params",
    [
        ("exponential", dict(Re=3.0, Ie=0.5)),
        ("gaussian", dict(sigma=1.5, I0=1.0)),
        ("gaussian", dict(sigma=0.4, I0=1.0)),
        ("moffat", dict(n=2.5, Rd=1.2, I0=0.0)),
        ("moffat", dict(n=1.0, Rd=0.5, I0=0.0)),
        ("nuker", dict(Rb=2.0, alpha=2.0, beta=3.5, gamma=0.5, Ib=0.0)),
        ("nuker", dict(Rb=5.0, alpha=0.8, beta=4.0, gamma=0.0, Ib=0.0)),   # a core, soft break
        ("nuker", dict(Rb=0.3, alpha=0.5, beta=4.0, gamma=1.5, Ib=0.0)),   # a steep cusp, break < 1 px
        ("nuker", dict(Rb=1.0, alpha=5.0, beta=2.5, gamma=1.2, Ib=0.0)),   # a sharp break
    ],
)
def test_other_profiles_against_reference(profile, params):
    rng = np.random.default_rng(7)
    ref_params = dict(params)
    for q in [0.3, 1.0]:
        center, pa = _random_geometry(rng, 32)
        ref = reference_image(Profile(profile, ref_params), (32, 32), center, q, pa)
        img = pc.render_profile(profile, params, (32, 32), center=center, q=q, PA=pa)
        assert _max_rel_error(img, ref) < MAX_REL_ERROR


def test_exponential_equals_sersic_n1():
    kw = dict(center=(10.2, 9.7), q=0.7, PA=0.3)
    a = pc.render_profile("exponential", dict(Re=2.0, Ie=0.0), (20, 20), **kw)
    b = pc.render_profile("sersic", dict(n=1.0, Re=2.0, Ie=0.0), (20, 20), **kw)
    assert np.allclose(a, b, rtol=1e-12, atol=0)


def test_tighter_tolerance_is_more_accurate():
    params = dict(n=3.0, Re=2.0, Ie=0.0)
    center, q, pa = (12.37, 11.81), 0.45, 1.1
    ref = reference_image(Profile("sersic", params), (24, 24), center, q, pa)
    errors = [
        _max_rel_error(pc.render_profile("sersic", params, (24, 24), center=center, q=q, PA=pa,
                                         tolerance=tol), ref)
        for tol in (1e-3, 1e-5, 1e-7)
    ]
    assert errors[0] < 2e-3 and errors[1] < 2e-5 and errors[2] < 2e-7
    assert errors[2] < errors[1] < errors[0]


@pytest.mark.parametrize("n", [0.5, 1.0, 2.0])
def test_total_flux_in_large_window(n):
    """Sum over a window holding all but ~1e-9 of the light vs the analytic total."""
    re, q = 4.0, 0.7
    b = sersic_b(n)
    # radius enclosing all but 1e-9 of the light: P(2n, b (R/Re)^(1/n)) = 1 - 1e-9
    from scipy.special import gammaincinv

    r_max = re * (gammaincinv(2 * n, 1 - 1e-9) / b) ** n
    size = int(2 * r_max + 4)
    params = dict(n=n, Re=re, Ie=0.3)
    img = pc.render_profile("sersic", params, (size, size), center=(size / 2 + 0.3, size / 2 - 0.2), q=q, PA=0.4)
    total = Profile("sersic", params).total_flux(q)
    assert abs(img.sum() / total - 1) < 1e-5


def test_flux_of_large_n_in_window_matches_reference_sum():
    """For n=4 the tail beyond any practical window matters: compare the window
    sum with the exact integral over the same window instead."""
    params = dict(n=4.0, Re=5.0, Ie=0.0)
    args = ((120, 120), (60.2, 59.6), 0.6, 0.5)
    ref = reference_image(Profile("sersic", params), *args)
    img = pc.render_profile("sersic", params, args[0], center=args[1], q=args[2], PA=args[3])
    assert abs(img.sum() / ref.sum() - 1) < 1e-6


def test_spline_against_dense_quadrature():
    """The spline profile against brute-force sub-sampling of its own formula
    (scipy's natural cubic spline of ln I), away from the centre pixel."""
    from scipy.interpolate import CubicSpline

    knots = np.array([0.0, 1.0, 2.5, 5.0, 9.0])
    log10_i = np.array([1.0, 0.6, 0.1, -0.6, -1.5])
    spline = CubicSpline(knots, np.log(10) * log10_i, bc_type="natural")

    def surface_brightness(r):
        r = np.asarray(r)
        inside = spline(np.clip(r, knots[0], knots[-1]))
        slope = spline(knots[-1], 1)
        return np.exp(np.where(r > knots[-1], spline(knots[-1]) + slope * (r - knots[-1]), inside))

    center, q, pa, size = (8.3, 7.6), 0.6, 0.9, 16
    img = pc.render_profile("spline", {"I(R)": log10_i}, (size, size), center=center, q=q, PA=pa,
                            knots=knots)
    # 4x4 sub-pixels per pixel, each with 8x8 Gauss-Legendre nodes
    x, w = np.polynomial.legendre.leggauss(8)
    s = np.concatenate([(k + 0.5 * (x + 1)) / 4 for k in range(4)])
    wts = np.tile(w / 8, 4)
    A = np.array([[np.cos(pa), np.sin(pa)], [-np.sin(pa) / q, np.cos(pa) / q]])
    ref = np.empty((size, size))
    for i in range(size):
        for j in range(size):
            X, Y = np.meshgrid(j + s - center[0], i + s - center[1])
            wa = A[0, 0] * X + A[0, 1] * Y
            wb = A[1, 0] * X + A[1, 1] * Y
            ref[i, j] = np.einsum("ij,i,j->", surface_brightness(np.hypot(wa, wb)), wts, wts)
    far = np.hypot(*np.meshgrid(np.arange(size) + 0.5 - center[0], np.arange(size) + 0.5 - center[1])) > 2.5
    assert np.max(np.abs(img[far] / ref[far] - 1)) < 2e-5
    # the centre pixel (a cusp: ln I is linear in r there) to the sub-sampling's accuracy
    assert abs(img[7, 8] / ref[7, 8] - 1) < 1e-3
