"""Each model type renders its analytic total flux at the right centroid, respects its window,
and has a Jacobian that agrees with finite differences of its image."""

import math

import numpy as np
import pytest

from model_helpers import centroid, finite_difference_jacobian, make_target
from polychrome.models import Model

CENTER = [50.3, 49.1]  # arcsec, on a 400 x 400 target of 0.25"/px (100" across)


def galaxy(model_type, target, **values):
    geometry = dict(center=CENTER, q=0.7, PA=0.6)
    geometry.update(values)
    return Model(name=model_type.split()[0], model_type=model_type, target=target, **geometry)


def exponential_values(knots, I0_log10, scale):
    """log10 of the exponential 10**I0 exp(-R / scale) at the knots."""
    return I0_log10 - knots / (scale * math.log(10.0))


def exponential_spline_values(I0_log10, scale):
    """Knot values of a spline that is exactly the exponential 10**I0 exp(-R / scale)."""
    knots = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0])
    return knots, exponential_values(knots, I0_log10, scale)


SPLINE_KNOTS = np.array([0.0, 2.0, 4.0, 8.0])


def flux_cases():
    knots, values = exponential_spline_values(1.0, 0.8)
    spline_flux = 2 * math.pi * 0.7 * 0.8**2 * 10.0
    return [
        ("sersic galaxy model", dict(n=2.0, Re=1.0, Ie=0.5), None),
        ("exponential galaxy model", dict(Re=1.5, Ie=0.2), None),
        ("gaussian galaxy model", dict(sigma=1.2, flux=2.5), 10**2.5),
        ("moffat galaxy model", dict(n=3.0, Rd=0.5, I0=1.0), math.pi * 0.7 * 0.25 * 10.0 / 2.0),
        ("spline galaxy model", {"I(R)": values, "knots": knots}, spline_flux),
        # outer slope 5: 4e-6 of the light beyond the image's 50" half-width; a mild cusp (the centroid
        # of pixel integrals is biased towards the centre pixel's middle the more, the steeper the cusp)
        ("nuker galaxy model", dict(Rb=1.0, alpha=2.0, beta=5.0, gamma=0.2, Ib=0.0), None),
    ]


@pytest.mark.parametrize("psf_sigma", [None, 0.6])
@pytest.mark.parametrize("model_type, values, expected", flux_cases())
def test_galaxy_flux_and_centroid(model_type, values, expected, psf_sigma):
    target = make_target((400, 400), 0.25, psf_sigma=psf_sigma, psf_width=25)
    model = galaxy(model_type, target, **values)
    assert model.psf_mode == ("full" if psf_sigma else "none")
    image = model.sample()
    if expected is None:
        expected = model.total_flux()
    else:
        assert model_type == "spline galaxy model" or model.total_flux() == pytest.approx(expected, rel=1e-12)
    assert image.flux == pytest.approx(expected, rel=2e-5)
    # The centroid of pixel integrals is the profile's up to a sampling bias
    # (1.6e-3 px for the n = 2 Sersic at 4 px per Re, converged in tolerance).
    np.testing.assert_allclose(centroid(image, CENTER), CENTER, atol=0.005 * 0.25)


def test_point_model_flux_centroid_and_psf_upsample():
    for upsample in (1, 3):
        target = make_target((60, 60), 0.5, origin=(-3.0, 2.0), psf_sigma=0.7, psf_width=31 * upsample,
                             psf_upsample=upsample)
        star = Model(name="star", model_type="point model", target=target, center=[10.27, 17.61], flux=3.0)
        image = star.sample()
        assert image.flux == pytest.approx(1000.0, rel=1e-5)
        np.testing.assert_allclose(centroid(image, [10.27, 17.61]), [10.27, 17.61], atol=2e-3)
        assert star.total_flux() == pytest.approx(1000.0)


def test_point_model_needs_a_psf():
    with pytest.raises(ValueError, match="model 'star': a point model needs a target with a psf"):
        Model(name="star", model_type="point model", target=make_target(), center=[1, 1], flux=0)


def test_flat_sky():
    target = make_target((30, 40), pixelscale=[[0.4, 0.0], [0.0, 0.5]])
    sky = Model(name="sky", model_type="flat sky model", target=target, F=2.5, window=[[5, 25], [0, 10]])
    image = sky.sample()
    assert image.data.shape == (10, 20)
    np.testing.assert_allclose(image.data, 2.5 * 0.2)
    assert sky.psf_mode == "none"


def test_plane_sky_is_the_plane_at_pixel_centres():
    target = make_target((30, 40), 0.5, origin=(3.0, -2.0))
    sky = Model(name="sky", model_type="plane sky model", target=target, F=1.0, delta=[0.2, -0.1])
    np.testing.assert_allclose(sky.reference, [3.0 + 10.0 - 0.25 + 0.25, -2.0 + 7.5])
    x, y = target.pixel_center_grid()
    expected = 0.25 * (1.0 + 0.2 * (x - sky.reference[0]) - 0.1 * (y - sky.reference[1]))
    np.testing.assert_allclose(sky.sample().data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("psf_sigma", [None, 0.5])
def test_window_is_respected(psf_sigma):
    """A model on a window equals the same model on the whole image, cut to the window."""
    target = make_target((80, 70), 0.5, origin=(1.0, -4.0), psf_sigma=psf_sigma)
    values = dict(center=[18.0, 14.0], q=0.5, PA=2.0, n=1.5, Re=3.0, Ie=0.0)
    whole = Model(name="whole", model_type="sersic galaxy model", target=target, **values)
    boxed = Model(name="boxed", model_type="sersic galaxy model", target=target,
                  window=[[20, 50], [30, 70]], **values)
    image = boxed.sample()
    assert image.data.shape == (40, 30)
    np.testing.assert_allclose(image.origin, [1.0 + 20 * 0.5, -4.0 + 30 * 0.5])
    np.testing.assert_allclose(image.data, whole.sample().data[30:70, 20:50], rtol=1e-9, atol=1e-12)
    jacobian = boxed.jacobian()
    assert jacobian.data.shape == (7, 40, 30) and jacobian.window == boxed.window
    np.testing.assert_allclose(jacobian.data, whole.jacobian().data[:, 30:70, 20:50], rtol=1e-8, atol=1e-10)


def jacobian_cases():
    return [
        ("sersic galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, n=2.5, Re=2.0, Ie=0.0)),
        ("exponential galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, Re=2.0, Ie=0.0)),
        ("gaussian galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, sigma=1.5, flux=2.0)),
        ("moffat galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, n=2.5, Rd=1.0, I0=0.5)),
        # Not an exponential, and falling at its last knot: since issue 10 a spline that rises there
        # has a flat top, and at the default tolerance its within-tolerance subdivision changes in
        # the bright ring exceed 2e-4 of the inner knots' small columns (so do those of the 6-knot
        # splines here, before issue 10 too, ~5e-4): four knots, 2e-5.
        ("spline galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, knots=SPLINE_KNOTS,
                                     **{"I(R)": exponential_values(SPLINE_KNOTS, 1.0, 1.5) + 0.01 * SPLINE_KNOTS**2})),
        ("nuker galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, Rb=1.5, alpha=2.0, beta=3.5, gamma=0.6,
                                    Ib=0.0)),
        ("sersic superellipse galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, n=2.5, Re=2.0, Ie=0.0, C0=0.8)),
        # (a steep cusp on shaped isophotes, e.g. a Nuker's, makes central differences of the
        # a-posteriori render too noisy at the centre pixel: see test_isophote_shapes.py)
        ("exponential fourier galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, Re=2.0, Ie=0.0,
                                                  am=[0.05, 0.1, -0.05], phim=[0.3, 1.0, 2.0])),
        ("sersic warp galaxy model", dict(center=[8.1, 7.7], q=0.6, PA=0.4, n=1.5, Re=2.0, Ie=0.0,
                                          warp_knots=[0.0, 1.0, 2.5, 5.0], **{"q(R)": [0.95, 0.8, 0.6, 0.7],
                                                                             "PA(R)": [0.1, 0.2, 0.5, 0.6]})),
        ("gaussian star model", dict(center=[8.1, 7.7], sigma=1.5, flux=2.0)),
        ("moffat star model", dict(center=[8.1, 7.7], n=2.5, Rd=1.0, I0=0.5)),
        ("nuker star model", dict(center=[8.1, 7.7], Rb=1.5, alpha=2.0, beta=3.5, gamma=0.6, Ib=0.0)),
        ("point model", dict(center=[8.1, 7.7], flux=2.0)),
        ("flat sky model", dict(F=0.3)),
        ("plane sky model", dict(F=0.3, delta=[0.01, -0.02])),
        ("bilinear sky model", dict(I=[[0.3, 0.2, 0.25], [0.1, 0.4, 0.3]])),
        ("pixelated model", dict(center=[8.1, 7.7], I=[[0.3, 0.2, 0.25], [0.1, 0.4, 0.3]],
                                 PA={"value": 0.4, "locked": False}, pixelscale={"value": 1.3, "locked": False},
                                 scale={"value": 1.2, "locked": False})),
        ("isothermal sech2 edgeon model", dict(center=[8.1, 7.7], PA=0.4, I0=0.5, hs=0.6, rs=2.0)),
        ("mge model", dict(center=[8.1, 7.7], q=[0.6, 0.8], PA=[0.4, 1.2], sigma=[0.8, 2.0], flux=[1.5, 2.0])),
        ("gaussianellipsoid model", dict(center=[8.1, 7.7], sigma_a=2.0, sigma_b=1.4, sigma_c=0.6, alpha=0.5,
                                         beta=0.8, gamma=0.3, flux=2.0)),
    ]


@pytest.mark.parametrize("model_type, values", jacobian_cases())
def test_jacobian_matches_finite_differences(model_type, values):
    target = make_target((32, 32), 0.5, psf_sigma=0.6, psf_width=11)
    model = Model(name="m", model_type=model_type, target=target, **values)
    jacobian = model.jacobian()
    numeric = finite_difference_jacobian(model)[0]
    assert jacobian.data.shape == numeric.shape
    for k, name in enumerate(jacobian.names):
        scale = np.abs(numeric[k]).max()
        np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=2e-4 * scale, err_msg=name)
    image, again = model.sample_with_jacobian()
    np.testing.assert_allclose(image.data, model.sample().data)
    np.testing.assert_allclose(again.data, jacobian.data)


def test_jacobian_leaves_out_locked_parameters():
    target = make_target((32, 32), 0.5)
    model = Model(name="g", model_type="sersic galaxy model", target=target, center=[8, 8], q=0.6,
                  PA=0.4, n={"value": 2.0, "locked": True}, Re=2.0, Ie=0.0)
    full = Model(name="h", model_type="sersic galaxy model", target=target, center=[8, 8], q=0.6,
                 PA=0.4, n=2.0, Re=2.0, Ie=0.0).jacobian()
    jacobian = model.jacobian()
    assert jacobian.names == ["g:center[0]", "g:center[1]", "g:q", "g:PA", "g:Re", "g:Ie"]
    np.testing.assert_allclose(jacobian.column("g:Re"), full.column("h:Re"))
