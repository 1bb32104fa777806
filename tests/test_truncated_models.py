"""Truncated galaxy models (AstroPhot 0.18's "truncated ..." types): the registry, pixels against
brute-force Gauss-Legendre quadrature of the exact formula (numpy only), every Jacobian column
against central differences, the save/load round trip, a fit of simulated data recovering the
truncation, and bad values refused naming them."""

import math

import numpy as np
import pytest
from scipy.special import gammaincinv

import polychrome as pc
from model_helpers import finite_difference_jacobian
from polychrome.models import Model
from reference_integrals import split_pixel_nodes

SCALE = 0.25  # arcsec per pixel
PROFILES = ("sersic", "exponential", "gaussian", "moffat", "nuker", "spline", "ferrer", "king")
SHAPES = ("", "superellipse ", "fourier ", "warp ", "superellipse warp ", "fourier warp ")


def sersic_brightness(R, n, Re, Ie):
    b = gammaincinv(2 * n, 0.5)
    return 10**Ie * np.exp(-b * ((R / Re) ** (1 / n) - 1))


def truncation(R, Rt, St, outer=True):
    """AstroPhot's factor, written from its definition: (1 -+ tanh(St (R - Rt))) / 2."""
    return 0.5 * (1 - np.tanh(St * (R - Rt))) if outer else 0.5 * (1 + np.tanh(St * (R - Rt)))


def reference_pixels(values, shape, outer=True, nodes=12, near=2.5):
    """The truncated Sersic on ellipses, each pixel (SCALE arcsec, origin 0) by nodes x nodes
    Gauss-Legendre; pixels within ``near`` pixels of the centre or of the truncation radius (along
    the ellipse, in units of the truncation's width too) by split x split sub-cells of that rule, the
    sub-cells no wider than ~4 truncation widths 1 / (2 St)."""
    split = max(8, math.ceil(values["St"] * SCALE / 2))
    x, w = np.polynomial.legendre.leggauss(nodes)
    ny, nx = shape
    cx, cy = values["center"]
    c, s = math.cos(values["PA"]), math.sin(values["PA"])
    width = 1.5 * SCALE + 4.0 / values["St"]
    image = np.zeros(shape)
    for i in range(ny):
        for j in range(nx):
            X0, Y0 = (j + 0.5) * SCALE - cx, (i + 0.5) * SCALE - cy
            R0 = math.hypot(c * X0 + s * Y0, (-s * X0 + c * Y0) / values["q"])
            close = math.hypot(X0, Y0) < near * SCALE or abs(R0 - values["Rt"]) < width / values["q"]
            k = split if close else 1
            u, v, weights = split_pixel_nodes(i, j, k, x, w)
            X, Y = np.meshgrid(u * SCALE - cx, v * SCALE - cy)
            R = np.hypot(c * X + s * Y, (-s * X + c * Y) / values["q"])
            I = sersic_brightness(R, values["n"], values["Re"], values["Ie"]) * \
                truncation(R, values["Rt"], values["St"], outer)
            image[i, j] = SCALE**2 * np.einsum("ab,a,b->", I, weights, weights)
    return image


def blank(shape=(32, 32), psf=None):
    return pc.image.TargetImage(np.zeros(shape), pixelscale=SCALE, psf=psf)


def test_every_profile_and_shape_is_registered_with_astrophots_names():
    types = pc.models.model_types()
    expected = [f"truncated {p} {s}galaxy model" for p in PROFILES for s in SHAPES]
    assert len(expected) == 48
    assert all(name in types for name in expected), [name for name in expected if name not in types]
    model = Model(name="t", model_type="truncated sersic superellipse galaxy model")
    assert [parameter.name for parameter in model.parameters][-3:] == ["Rt", "St", "C0"]
    assert model["St"].value == 1.0 and model["St"].locked  # AstroPhot: St = 1, static
    assert model.outer_truncation is True


BASE = dict(center=[4.1, 3.9], q=0.6, PA=0.5, n=1.5, Re=1.0, Ie=0.0)


@pytest.mark.parametrize("truncation_values, outer", [
    (dict(Rt=1.8, St=1.0), True),     # AstroPhot's default softness
    (dict(Rt=1.5, St=12.0), True),    # sharp: the step is a third of a pixel wide
    (dict(Rt=1.5, St=200.0), True),   # razor: a fiftieth of a pixel, refined until resolved
    (dict(Rt=1.2, St=2.0), False),    # inner truncation
])
def test_pixels_match_brute_force_quadrature(truncation_values, outer):
    values = dict(BASE, **truncation_values)
    shape = (32, 32)
    model = Model(name="m", model_type="truncated sersic galaxy model", target=blank(shape),
                  outer_truncation=outer, **values)
    image = model.sample().data
    reference = reference_pixels(values, shape, outer)
    bright = reference > 1e-4 * reference.max()
    assert np.max(np.abs(image[bright] / reference[bright] - 1)) < 2e-5
    if outer:  # the light left outside the window is negligible
        assert image.sum() == pytest.approx(model.total_flux(), rel=1e-4)


def test_a_truncation_far_outside_is_the_untruncated_profile():
    target = blank((24, 24))
    truncated = Model(name="t", model_type="truncated nuker galaxy model", target=target, center=[3.1, 2.9], q=0.7,
                      PA=1.0, Rb=0.5, alpha=2.0, beta=3.5, gamma=0.6, Ib=0.0, Rt=500.0, St=1.0)
    plain = Model(name="p", model_type="nuker galaxy model", target=target,
                  **{name: truncated[name].value for name in ("center", "q", "PA", "Rb", "alpha", "beta", "gamma",
                                                               "Ib")})
    np.testing.assert_allclose(truncated.sample().data, plain.sample().data, rtol=3e-5)


def core_columns(profile, values, geometry, shape, tolerance):
    """The core's image and Jacobian of ``profile`` at a tolerance (pixelscale SCALE)."""
    x, y, q, pa = geometry
    return pc.render_profile(profile, values, shape, center=(x, y), q=q, PA=pa, pixelscale=SCALE,
                             tolerance=tolerance, jacobian=True, faint_fraction=1e-6)


@pytest.mark.parametrize("profile, values, tolerance", [
    ("truncated sersic", dict(n=1.5, Re=1.0, Ie=0.0, Rt=1.6, St=2.5), 1e-9),
    ("inner truncated sersic", dict(n=3.0, Re=1.0, Ie=0.0, Rt=0.8, St=2.0), 1e-10),
    ("truncated sersic", dict(n=1.5, Re=1.0, Ie=0.0, Rt=0.3, St=30.0), 1e-10),  # sharp, inside the centre pixel
    ("inner truncated gaussian", dict(sigma=1.2, I0=0.0, Rt=1.4, St=3.0), 1e-10),
    ("truncated moffat/superellipse", dict(n=2.5, Rd=0.8, I0=0.0, Rt=1.7, St=2.0, C0=0.8), 1e-7),
])
def test_core_jacobian_matches_central_differences(profile, values, tolerance):
    """Every column (x, y, q, PA, the profile's, Rt, St, the shape's) against central differences,
    both at a tight tolerance so that the refinement does not switch between the +h and -h renders."""
    geometry = [2.6, 2.4, 0.6, 0.5]
    names = pc.parameter_names(profile)
    shape = (20, 20)
    _, jacobian = core_columns(profile, values, geometry, shape, tolerance)
    full = geometry + list(values.values())
    for k, name in enumerate(names):
        h = 1e-5 * max(1.0, abs(full[k]))
        plus, minus = list(full), list(full)
        plus[k] += h
        minus[k] -= h
        fp = core_columns(profile, plus[4:], plus[:4], shape, tolerance)[0]
        fm = core_columns(profile, minus[4:], minus[:4], shape, tolerance)[0]
        fd = (fp - fm) / (2 * h)
        rel = np.linalg.norm(jacobian[k] - fd) / np.linalg.norm(fd)
        assert rel < 1e-5, f"{profile} column {name}: relative error {rel:.2e}"


@pytest.mark.parametrize("model_type, values", [
    ("truncated gaussian galaxy model", dict(center=[4.1, 3.9], q=0.7, PA=0.2, sigma=1.2, flux=0.5, Rt=1.4, St=3.0)),
    ("truncated exponential fourier warp galaxy model",
     dict(center=[4.1, 3.9], q=0.7, PA=0.2, Re=1.0, Ie=0.0, Rt=1.4, St=3.0, modes=(2,), am=[0.05], phim=[0.3],
          warp_knots=[0.0, 1.0, 3.0], **{"q(R)": [0.95, 0.9, 0.8], "PA(R)": [0.0, 0.1, 0.2]})),
])
def test_model_jacobian_matches_central_differences(model_type, values):
    """The model's columns (its parameter order, a Gaussian's flux chained) at the default tolerance:
    central differences there carry the refinement's switching (up to ~5e-3 of a column's scale in a
    pixel; a wrong order or chaining would be off by the column's scale)."""
    model = Model(name="m", model_type=model_type, target=blank((32, 32)),
                  **dict(values, St={"value": values["St"], "locked": False}))
    jacobian = model.jacobian()
    assert "m:St" in jacobian.names and "m:Rt" in jacobian.names
    numeric = finite_difference_jacobian(model, step=1e-4)[0]
    for k, name in enumerate(jacobian.names):
        scale = np.abs(numeric[k]).max()
        np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=2e-2 * scale, err_msg=name)
        assert np.linalg.norm(jacobian.data[k] - numeric[k]) < 2e-3 * np.linalg.norm(numeric[k]), name


def test_save_and_load_round_trip(tmp_path):
    target = blank((24, 24))
    model = Model(name="m", model_type="truncated exponential warp galaxy model", target=target, center=[3.0, 3.1],
                  q=0.7, PA=0.4, Re=1.0, Ie=0.2, Rt=2.0, St={"value": 3.0, "locked": False}, outer_truncation=False,
                  warp_knots=[0.0, 1.0, 3.0], **{"q(R)": [1.0, 0.9, 0.8], "PA(R)": [0.0, 0.1, 0.2]})
    model.save(tmp_path / "m.yaml")
    loaded = Model(filename=tmp_path / "m.yaml")
    assert loaded.model_type == model.model_type and loaded.outer_truncation is False
    assert loaded["St"].value == 3.0 and not loaded["St"].locked
    loaded.target = target
    assert np.array_equal(loaded.sample().data, model.sample().data)


def test_fit_recovers_the_truncation():
    shape, sigma = (48, 48), 0.002
    truth = dict(center=[6.05, 5.93], q=0.7, PA=0.6, Re=1.5, Ie=0.0, Rt=2.5)
    clean = Model(name="truth", model_type="truncated exponential galaxy model", target=blank(shape),
                  **truth).sample().data
    data = clean + np.random.default_rng(5).normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, pixelscale=SCALE, variance=np.full(shape, sigma**2))
    model = Model(name="fit", model_type="truncated exponential galaxy model", target=target).initialize()
    assert model["Rt"].value > 0 and model["St"].value == 1.0
    result = pc.fit.LM(model).fit()
    assert result.success, result.message
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.1)
    for name in ("Rt", "Re", "q", "Ie"):
        pull = (model[name].value - truth[name]) / model[name].uncertainty
        assert abs(pull) < 4.0, (name, model[name].value, truth[name], model[name].uncertainty)


def test_initialize_sets_rt_as_astrophot():
    galaxy = dict(center=[7.5, 10.0], q=0.8, PA=0.1, n=2.0, Re=2.0, Ie=0.0)
    data = Model(name="g", model_type="sersic galaxy model", target=pc.image.TargetImage(np.zeros((40, 30)),
                 pixelscale=0.5), **galaxy).sample().data
    target = pc.image.TargetImage(data, pixelscale=0.5)
    outer = Model(name="o", model_type="truncated sersic galaxy model", target=target, **galaxy)
    outer.initialize()
    # AstroPhot's default radii: 0, 1, 2, ..., 6, then 20% steps: 7.2, 8.64, 10.368 > 40 * 0.5 / 2
    assert outer["Rt"].value == pytest.approx(10.368)
    inner = Model(name="i", model_type="truncated sersic galaxy model", target=target, outer_truncation=False,
                  **galaxy)
    inner.initialize()
    assert inner["Rt"].value == pytest.approx(1.0)  # 2 pixels


def test_bad_values_are_refused_naming_them():
    target = blank((16, 16))
    with pytest.raises(ValueError, match="St"):
        Model(name="m", model_type="truncated sersic galaxy model", target=target, St=-1.0)
    with pytest.raises(ValueError, match="Rt"):
        Model(name="m", model_type="truncated sersic galaxy model", target=target, Rt=0.0)
    with pytest.raises(TypeError, match="outer_truncation"):
        Model(name="m", model_type="truncated sersic galaxy model", target=target, outer_truncation="yes")
    with pytest.raises(ValueError, match="no truncation"):
        pc.render_profile("truncated sersic/ray", [2.0, 1.0, 0.0, 1.0, 1.0] * 2, (8, 8), center=(1, 1), q=1, PA=0)
    with pytest.raises(ValueError, match=r"'Rt', 'St'"):
        pc.render_profile("truncated sersic", [2.0, 1.0, 0.0, 1.0], (8, 8), center=(1, 1), q=1, PA=0)
    with pytest.raises(ValueError, match=r"St \(1/arcsec"):
        pc.render_profile("truncated sersic", [2.0, 1.0, 0.0, 1.0, 1e20], (8, 8), center=(1, 1), q=1, PA=0)


@pytest.mark.parametrize("St", [1.0, 200.0])
def test_on_the_zero_shape_a_sharp_truncation_is_the_elliptical_one(St):
    """The a-posteriori renderer of the isophote shapes splits cells that do not resolve the
    truncation's width (else a step between its Gauss points goes unseen: 1e-3 at St = 200)."""
    target = blank((32, 32))
    values = dict(BASE, Rt=1.5, St=St)
    shaped = Model(name="s", model_type="truncated sersic superellipse galaxy model", target=target, C0=0.0, **values)
    ellipse = Model(name="e", model_type="truncated sersic galaxy model", target=target, **values)
    expected = ellipse.sample().data
    bright = expected > 1e-4 * expected.max()
    assert np.max(np.abs(shaped.sample().data[bright] / expected[bright] - 1)) < 2e-5
