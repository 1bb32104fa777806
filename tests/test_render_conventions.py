"""The coordinate and parameter conventions of DESIGN.md, pinned."""

import numpy as np

import polychrome as pc
from polychrome import _core
from reference_integrals import sersic_b


def _centroid(img, pixelscale=1.0, origin=(0.0, 0.0)):
    ny, nx = img.shape
    jj, ii = np.meshgrid(np.arange(nx) + 0.5, np.arange(ny) + 0.5)
    total = img.sum()
    return (origin[0] + pixelscale * (img * jj).sum() / total,
            origin[1] + pixelscale * (img * ii).sum() / total)


def test_array_is_y_x_and_pixel_centres_at_half_integers():
    img = pc.render_profile("gaussian", dict(sigma=1.0, I0=0.0), (40, 60), center=(40.5, 12.5))
    iy, ix = np.unravel_index(np.argmax(img), img.shape)
    assert (iy, ix) == (12, 40)  # row = y, column = x; pixel (12, 40) is centred at (40.5, 12.5)
    assert np.allclose(_centroid(img), (40.5, 12.5), atol=1e-10)


def test_origin_and_pixelscale_place_the_grid_on_the_plane():
    kw = dict(center=(3.3, -1.2), q=0.5, PA=0.7)
    params = dict(n=1.5, Re=0.8, Ie=0.0)
    a = pc.render_profile("sersic", params, (40, 40), pixelscale=0.25, origin=(-1.7, -6.2), **kw)
    assert np.allclose(_centroid(a, 0.25, (-1.7, -6.2)), kw["center"], atol=1e-4)


def test_position_angle_is_counter_clockwise_from_x():
    # PA = 90 deg: major axis along +y, so the image is elongated along rows
    img = pc.render_profile("gaussian", dict(sigma=3.0, I0=0.0), (41, 41), center=(20.5, 20.5),
                            q=0.3, PA=np.pi / 2)
    assert img[:, 20].sum() > 2 * img[20, :].sum()
    # PA = 45 deg: brighter along the diagonal x = y than along x = -y
    img = pc.render_profile("gaussian", dict(sigma=3.0, I0=0.0), (41, 41), center=(20.5, 20.5),
                            q=0.3, PA=np.pi / 4)
    assert img[25, 25] > 10 * img[15, 25]


def test_rotated_pixel_grid_equals_rotated_galaxy():
    """A grid rotated by theta sees the galaxy at PA - theta of an unrotated grid."""
    theta = 0.6
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    params = dict(n=2.0, Re=2.0, Ie=0.0)
    center_pix = np.array([10.3, 9.6])
    origin = np.array([1.0, -2.0])
    center_plane = origin + R @ center_pix
    a = pc.render_profile("sersic", params, (20, 20), center=center_plane, q=0.5, PA=1.0,
                          pixelscale=R, origin=origin)
    b = pc.render_profile("sersic", params, (20, 20), center=center_pix, q=0.5, PA=1.0 - theta)
    assert np.allclose(a, b, rtol=2e-5, atol=1e-12 * a.max())


def test_ie_is_log10_surface_brightness_at_re():
    """Ie = log10 of I(Re): a tiny pixel at distance Re on the major axis."""
    s = 1e-3
    img = pc.render_profile("sersic", dict(n=2.0, Re=1.0, Ie=0.5), (1, 1), center=(-1.0 + 0.5 * s, 0.5 * s),
                            pixelscale=s)
    assert abs(img[0, 0] / s**2 / 10**0.5 - 1) < 1e-6


def test_re_encloses_half_the_light():
    n, re = 3.0, 2.0
    b, _ = _core.sersic_b(n)
    assert abs(b - sersic_b(n)) < 1e-12
    assert abs(_core.regularized_gamma_p(2 * n, b) - 0.5) < 1e-14


def test_sersic_b_derivative_matches_differences():
    for n in [0.36, 0.5, 1.0, 4.0, 10.0]:
        h = 1e-5 * n
        fd = (_core.sersic_b(n + h)[0] - _core.sersic_b(n - h)[0]) / (2 * h)
        assert abs(_core.sersic_b(n)[1] - fd) < 1e-7 * abs(fd)
