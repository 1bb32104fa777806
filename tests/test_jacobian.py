"""Analytic Jacobians against central finite differences of the rendered image.

The Jacobian is the exact derivative of the image as rendered (same
quadrature), so finite differences of that image agree to the accuracy of the
differences themselves. A tight tolerance keeps the adaptive refinement from
switching between the +h and -h renders.
"""

import numpy as np
import pytest

import polychrome as pc

TIGHT = 1e-10


def _render(profile, values, names, shape, geometry, knots=None, pixelscale=1.0, tolerance=TIGHT):
    x, y, q, pa = geometry
    params = {"I(R)": values} if profile == "spline" else dict(zip(names, values))
    return pc.render_profile(profile, params, shape, center=(x, y), q=q, PA=pa, knots=knots,
                             pixelscale=pixelscale, tolerance=tolerance, jacobian=True,
                             faint_fraction=1e-6)


def _check_columns(profile, geometry, values, shape=(24, 24), knots=None, pixelscale=1.0,
                   steps=None, limit=1e-5):
    names = pc.parameter_names(profile, knots)[4:]
    image, jac = _render(profile, values, names, shape, geometry, knots, pixelscale)
    assert jac.shape == (4 + len(values),) + tuple(shape)
    full = list(geometry) + list(values)
    for k, name in enumerate(pc.parameter_names(profile, knots)):
        h = (steps or {}).get(name, 1e-5 * max(1.0, abs(full[k])))
        plus, minus = list(full), list(full)
        plus[k] += h
        minus[k] -= h
        fp = _render(profile, plus[4:], names, shape, plus[:4], knots, pixelscale)[0]
        fm = _render(profile, minus[4:], names, shape, minus[:4], knots, pixelscale)[0]
        fd = (fp - fm) / (2 * h)
        norm = np.linalg.norm(fd)
        assert norm > 0, name
        rel = np.linalg.norm(jac[k] - fd) / norm
        assert rel < limit, f"{profile} column {name}: relative error {rel:.2e}"


@pytest.mark.parametrize("n,re,q", [(0.7, 3.0, 0.5), (2.5, 4.0, 0.6), (4.0, 1.5, 0.3), (6.0, 8.0, 0.9)])
def test_sersic_jacobian(n, re, q):
    _check_columns("sersic", (12.3, 11.6, q, 0.7), [n, re, 0.2])


def test_sersic_jacobian_centre_on_pixel_centre_and_corner():
    _check_columns("sersic", (12.5, 11.5, 0.6, 0.3), [2.0, 3.0, 0.0])
    _check_columns("sersic", (12.0, 11.0, 0.6, 0.3), [2.0, 3.0, 0.0])


def test_sersic_jacobian_small_and_round():
    _check_columns("sersic", (8.37, 8.61, 0.98, 0.0), [3.0, 0.6, 0.0], shape=(16, 16))


@pytest.mark.parametrize(
    "profile,values",
    [("exponential", [2.5, 0.1]), ("gaussian", [1.7, 0.4]), ("moffat", [2.5, 1.5, 0.3]), ("moffat", [1.0, 2.0, 0.0])],
)
def test_other_profile_jacobians(profile, values):
    _check_columns(profile, (11.7, 12.2, 0.55, 2.1), values)


def test_spline_jacobian():
    knots = [0.0, 1.0, 2.5, 5.0, 10.0]
    _check_columns("spline", (11.7, 12.2, 0.55, 2.1), [1.0, 0.6, 0.1, -0.6, -1.5], knots=knots)


def test_jacobian_with_rotated_pixelscale_matrix():
    theta = 0.4
    P = 0.2 * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    _check_columns("sersic", (0.3, 2.6, 0.5, 1.0), [2.0, 0.8, 0.0], shape=(20, 20), pixelscale=P)


def test_jacobian_at_default_tolerance_is_close_to_differences():
    """At the default tolerance refinement can switch between renders; the
    Jacobian still agrees with differences to the tolerance's order."""
    _check_columns("sersic", (12.3, 11.6, 0.6, 0.7), [2.5, 4.0, 0.2], limit=1e-3)


def test_image_and_jacobian_image_are_identical():
    kw = dict(center=(10.3, 9.8), q=0.6, PA=0.4)
    a = pc.render_profile("sersic", dict(n=3.0, Re=2.0, Ie=0.0), (20, 20), **kw)
    b, _ = pc.render_profile("sersic", dict(n=3.0, Re=2.0, Ie=0.0), (20, 20), jacobian=True, **kw)
    assert np.array_equal(a, b)
