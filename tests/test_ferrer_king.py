"""The modified Ferrer and empirical King profiles (compact support: I = 0 beyond an edge).

Pixels against brute-force iterated quadrature of AstroPhot 0.18's formulas (compact_reference.py),
with the edge inside the image, small and large alpha, the centre pixel; every core Jacobian column
against central differences; the isophote, ray/wedge, truncated and star types render finite (a
superellipse against brute force); total flux; save/load; a fit of simulated data; initialize();
bad values refused naming the parameter."""

import math

import numpy as np
import pytest
from compact_reference import EllipseFrame, ferrer_brightness, king_brightness, pixel_integral, reference_image
from model_helpers import finite_difference_jacobian
from scipy import integrate

import polychrome as pc
from polychrome.models import FerrerGalaxy, KingGalaxy, Model

SCALE = 0.5  # arcsec per pixel
GEOMETRY = dict(center=(5.3, 4.9), q=0.7, PA=0.6)
SHAPE = (20, 22)


def core_render(profile, values, geometry=GEOMETRY, shape=SHAPE, tolerance=1e-5, jacobian=False, **options):
    return pc.render_profile(profile, list(values.values()), shape, center=geometry["center"], q=geometry["q"],
                             PA=geometry["PA"], pixelscale=SCALE, tolerance=tolerance, jacobian=jacobian,
                             faint_fraction=1e-6, **options)


def reference(profile, values, geometry=GEOMETRY, shape=SHAPE):
    if profile == "ferrer":
        brightness = lambda R: ferrer_brightness(R, **values)  # noqa: E731
        edge = values["rout"]
    else:
        brightness = lambda R: king_brightness(R, **values)  # noqa: E731
        edge = values["Rt"]
    return reference_image(brightness, edge, shape, geometry["center"], geometry["q"], geometry["PA"], SCALE)


def worst_relative_error(image, truth):
    """Largest |image - truth| over the pixels holding light, relative to the pixel (pixels below 1e-6 of
    the brightest relative to that floor)."""
    floor = 1e-6 * truth.max()
    return float(np.max(np.abs(image - truth) / np.maximum(np.abs(truth), floor)))


# (profile, values, allowed worst relative pixel error at tolerance 1e-5, relative to max(pixel, 1e-6 of the
# brightest)): the measured errors (in comments) x ~2. The pixels the edge crosses are integrated exactly
# (edge_pixel_quadrature.hpp, ~1e-11): the worst pixels are now ordinary ones at the tolerance. (Before,
# the cells straddling the edge were subdivided down to max_depth: up to 4.5e-5 at alpha = 0.1 and 2.3e-4
# for king alpha = 0.5.)
PIXEL_CASES = [
    ("ferrer", dict(rout=3.1, alpha=2.0, beta=0.0, I0=0.0), 1.5e-5),    # AstroPhot's typical bar: 6.8e-6
    ("ferrer", dict(rout=2.7, alpha=0.8, beta=1.0, I0=0.3), 1e-5),      # a vertical tangent at the edge: 5.1e-6
    ("ferrer", dict(rout=3.3, alpha=6.0, beta=1.6, I0=-0.2), 1e-5),     # a cusp-like centre, a soft edge: 3.4e-6
    ("ferrer", dict(rout=2.9, alpha=0.1, beta=0.5, I0=0.0), 1.5e-5),    # nearly a step: 7.2e-6
    ("ferrer", dict(rout=0.4, alpha=1.5, beta=0.3, I0=0.0), 1.2e-5),    # inside the centre pixel: 5.7e-6
    ("king", dict(Rc=0.6, Rt=3.2, alpha=2.0, I0=0.0), 1e-5),            # 2.7e-6
    ("king", dict(Rc=1.5, Rt=2.6, alpha=0.5, I0=0.4), 1e-5),            # 2.2e-6
    ("king", dict(Rc=0.3, Rt=3.0, alpha=6.0, I0=0.0), 1.5e-5),          # 6.7e-6
    ("king", dict(Rc=1.0, Rt=2.8, alpha=0.1, I0=0.0), 1e-5),            # nearly a step: 5.0e-6
]


@pytest.mark.parametrize("profile, values, allowed", PIXEL_CASES)
def test_pixels_match_brute_force_quadrature(profile, values, allowed):
    image = core_render(profile, values)
    truth = reference(profile, values)
    assert np.all(np.isfinite(image))
    assert worst_relative_error(image, truth) < allowed
    # pixels holding more than 1e-3 of the brightest: within 1.5x the tolerance (7.2e-6 measured at most,
    # ferrer alpha = 0.1); the sum within the tolerance
    bright = truth > 1e-3 * truth.max()
    assert np.max(np.abs(image - truth)[bright] / truth[bright]) < 1.5e-5
    assert abs(image.sum() / truth.sum() - 1.0) < 1e-5
    # the light beyond the edge is 0 exactly: pixels wholly outside it render 0
    frame = EllipseFrame(GEOMETRY["center"], GEOMETRY["q"], GEOMETRY["PA"])
    jj, ii = np.meshgrid(np.arange(SHAPE[1]), np.arange(SHAPE[0]))
    R = frame.radius((jj + 0.5) * SCALE, (ii + 0.5) * SCALE)
    edge = values.get("rout", values.get("Rt"))
    assert np.all(image[R > edge + 2.0 * SCALE / GEOMETRY["q"]] == 0.0)


def test_the_total_is_the_analytic_flux():
    """A Ferrer wholly inside the image sums to 2 pi q rout^2 I0 B(2/(2-beta), alpha+1) / (2-beta); a King
    to 2 pi q int I R dR (scipy quad)."""
    values = dict(rout=3.0, alpha=1.3, beta=0.7, I0=0.2)
    target = pc.image.TargetImage(np.zeros(SHAPE), pixelscale=SCALE)
    model = Model(name="f", model_type="ferrer galaxy model", target=target, **GEOMETRY, **values)
    p = 2.0 - values["beta"]
    flux = 2 * math.pi * GEOMETRY["q"] * values["rout"] ** 2 * 10 ** values["I0"] * \
        math.gamma(2 / p) * math.gamma(values["alpha"] + 1) / math.gamma(2 / p + values["alpha"] + 1) / p
    assert model.total_flux() == pytest.approx(flux, rel=1e-12)
    assert model.sample().data.sum() == pytest.approx(flux, rel=1e-5)
    kv = dict(Rc=0.7, Rt=3.0, alpha=2.0, I0=0.0)
    king = Model(name="k", model_type="king galaxy model", target=target, **GEOMETRY, **kv)
    light = integrate.quad(lambda R: king_brightness(R, **kv) * R, 0.0, kv["Rt"])[0]
    assert king.total_flux() == pytest.approx(2 * math.pi * GEOMETRY["q"] * light, rel=1e-8)
    assert king.sample().data.sum() == pytest.approx(king.total_flux(), rel=1e-5)


def test_the_centre_pixel_by_enclosed_light_matches_the_reference():
    """The pixel holding the centre of a cusp-like Ferrer (beta = 1.8) is integrated from F(R)."""
    values = dict(rout=6.0, alpha=2.5, beta=1.8, I0=0.0)
    geometry = dict(center=(2.2, 2.1), q=0.8, PA=0.3)
    image = core_render("ferrer", values, geometry=geometry, shape=(9, 9), tolerance=1e-7)
    frame = EllipseFrame(geometry["center"], geometry["q"], geometry["PA"])
    centre = pixel_integral(lambda R: ferrer_brightness(R, **values), frame, values["rout"], 2.0, 2.5, 2.0, 2.5)
    assert image[4, 4] == pytest.approx(centre, rel=1e-6)


JACOBIAN_CASES = [
    ("ferrer", dict(rout=2.1, alpha=2.0, beta=0.5, I0=0.1)),
    ("ferrer", dict(rout=2.3, alpha=3.5, beta=1.5, I0=0.0)),
    ("king", dict(Rc=0.5, Rt=2.2, alpha=2.0, I0=0.0)),
    ("king", dict(Rc=0.9, Rt=2.0, alpha=3.0, I0=0.2)),
]


@pytest.mark.parametrize("profile, values", JACOBIAN_CASES)
def test_core_jacobian_matches_central_differences(profile, values):
    """Every column (x, y, q, PA, the profile's) against central differences at a tight tolerance (alpha
    >= 2: the edge's derivatives are bounded; for alpha < 1 dI/drout is an integrable singularity at the
    edge, which the quadrature converges to slowly)."""
    geometry = [2.6, 2.4, 0.7, 0.5]
    shape = (12, 12)
    names = pc.parameter_names(profile)

    def render(full):
        g = dict(center=(full[0], full[1]), q=full[2], PA=full[3])
        return core_render(profile, dict(zip(values, full[4:])), geometry=g, shape=shape, tolerance=1e-9,
                           jacobian=True)

    full = geometry + list(values.values())
    _, jacobian = render(full)
    for k, name in enumerate(names):
        h = 1e-5 * max(1.0, abs(full[k]))
        plus, minus = list(full), list(full)
        plus[k] += h
        minus[k] -= h
        fd = (render(plus)[0] - render(minus)[0]) / (2 * h)
        rel = np.linalg.norm(jacobian[k] - fd) / np.linalg.norm(fd)
        # measured: at most 7.6e-9 (king alpha = 3; 1.4e-9 for the ferrer cases), the edge pixels exact
        assert rel < 2e-8, f"{profile} column {name}: relative error {rel:.2e}"


def blank(shape=(24, 24)):
    return pc.image.TargetImage(np.zeros(shape), pixelscale=SCALE)


@pytest.mark.parametrize("model_type, values", [
    ("ferrer galaxy model", dict(rout=3.0, alpha=2.0, beta=0.5, I0=0.0)),
    ("king galaxy model", dict(Rc=0.6, Rt=3.0, alpha={"value": 2.0, "locked": False}, I0=0.0)),
])
def test_model_jacobian_matches_central_differences(model_type, values):
    model = Model(name="m", model_type=model_type, target=blank(), center=[6.1, 5.9], q=0.75, PA=0.4, **values)
    jacobian = model.jacobian()
    numeric = finite_difference_jacobian(model, step=1e-4)[0]
    for k, name in enumerate(jacobian.names):
        assert np.linalg.norm(jacobian.data[k] - numeric[k]) < 2e-3 * np.linalg.norm(numeric[k]), name


# every AstroPhot 0.18 type string of the two profiles, and the polychrome-only combinations
ASTROPHOT_TYPES = [f"{prefix}{profile} {shape}galaxy model"
                   for profile in ("ferrer", "king")
                   for prefix, shapes in (("", ("", "superellipse ", "fourier ", "warp ", "ray ", "wedge ")),
                                          ("truncated ", ("", "superellipse ", "fourier ", "warp ")))
                   for shape in shapes]


def test_astrophot_type_strings_are_registered():
    known = set(pc.models.model_types())
    missing = [name for name in ASTROPHOT_TYPES if name not in known]
    assert not missing
    for extra in ("ferrer superellipse warp galaxy model", "king fourier warp galaxy model", "ferrer star model",
                  "king star model", "truncated king warp galaxy model"):
        assert extra in known, extra
    assert pc.models.Ferrer_Galaxy is FerrerGalaxy and pc.models.King_Galaxy is KingGalaxy


SHAPE_OPTIONS = {
    "superellipse": dict(C0=0.5), "fourier": dict(am=[0.05, 0.02, 0.03], phim=[0.1, 0.2, 0.3]),
    "warp": dict(warp_knots=[0.0, 1.0, 3.0], **{"q(R)": [0.8, 0.75, 0.7], "PA(R)": [0.4, 0.45, 0.5]}),
}
PROFILE_VALUES = {"ferrer": dict(rout=3.0, alpha=1.5, beta=0.5, I0=0.0),
                  "king": dict(Rc=0.6, Rt=3.0, alpha=2.0, I0=0.0)}


@pytest.mark.parametrize("model_type", [name for name in ASTROPHOT_TYPES if "ray" not in name and "wedge" not in name]
                         + ["ferrer star model", "king star model"])
def test_every_variant_renders_finite_light(model_type):
    profile = "ferrer" if "ferrer" in model_type else "king"
    values = dict(PROFILE_VALUES[profile], center=[6.1, 5.9])
    if "star" not in model_type:
        values.update(q=0.75, PA=0.4)
    for shape, options in SHAPE_OPTIONS.items():
        if shape in model_type:
            values.update(options)
    if "truncated" in model_type:  # the King's Rt is also the truncation's (AstroPhot's one parameter)
        values.update(dict(Rt=2.5, St=3.0) if profile == "ferrer" else dict(St=3.0))
    model = Model(name="m", model_type=model_type, target=blank(), **values)
    image = model.sample().data
    assert np.all(np.isfinite(image)) and image.sum() > 0
    jacobian = model.jacobian()
    assert np.all(np.isfinite(jacobian.data))


@pytest.mark.parametrize("sector", ["ray", "wedge"])
@pytest.mark.parametrize("profile", ["ferrer", "king"])
def test_rays_and_wedges_render_finite_and_equal_segments_are_the_ellipse(profile, sector):
    values = PROFILE_VALUES[profile]
    model = Model(name="s", model_type=f"{profile} {sector} galaxy model", target=blank(), center=[6.1, 5.9],
                  q=0.75, PA=0.4, **{k: [v, v] for k, v in values.items()})
    plain = Model(name="p", model_type=f"{profile} galaxy model", target=blank(), center=[6.1, 5.9], q=0.75, PA=0.4,
                  **values)
    image = model.sample().data
    assert np.all(np.isfinite(model.jacobian().data))
    np.testing.assert_allclose(image, plain.sample().data, rtol=1e-4, atol=1e-6 * image.max())


def test_truncated_king_shares_its_rt_with_the_truncation():
    """AstroPhot's truncated King has one Rt, the King's edge and the truncation's radius: the model's
    parameters are the King's, then St; its Rt column is the sum of the core's two."""
    values = dict(center=[6.1, 5.9], q=0.75, PA=0.4, Rc=0.6, Rt=2.5, I0=0.0,
                  St={"value": 3.0, "locked": False})
    model = Model(name="t", model_type="truncated king galaxy model", target=blank(), **values)
    assert [p.name for p in model.parameters] == ["center", "q", "PA", "Rc", "Rt", "alpha", "I0", "St"]
    jacobian = model.jacobian()
    numeric = finite_difference_jacobian(model, step=1e-4)[0]
    for k, name in enumerate(jacobian.names):
        assert np.linalg.norm(jacobian.data[k] - numeric[k]) < 2e-3 * np.linalg.norm(numeric[k]), name


@pytest.mark.parametrize("profile", ["ferrer", "king"])
def test_superellipse_matches_brute_force(profile):
    """A boxy superellipse (C0 = 0.6): R = (|x|^(C0+2) + |y/q|^(C0+2))^(1/(C0+2)) in the galaxy's frame."""
    values = PROFILE_VALUES[profile]
    C0 = 0.6
    shape = (14, 14)
    geometry = dict(center=(3.6, 3.4), q=0.7, PA=0.5)
    image = core_render(f"{profile}/superellipse", dict(values, C0=C0), geometry=geometry, shape=shape)
    c, s = math.cos(geometry["PA"]), math.sin(geometry["PA"])
    bright = ferrer_brightness if profile == "ferrer" else king_brightness
    x, w = np.polynomial.legendre.leggauss(12)
    t, w = 0.5 * (x + 1.0), 0.5 * w
    split = 24
    truth = np.zeros(shape)
    for i in range(shape[0]):
        for j in range(shape[1]):
            # split x split sub-cells of a 12-point rule: the edge's kink is resolved to ~1e-5
            sub = (np.arange(split)[:, None] + t[None, :]).ravel() / split
            ws = np.tile(w / split, split)
            X, Y = np.meshgrid((j + sub) * SCALE - geometry["center"][0], (i + sub) * SCALE - geometry["center"][1])
            xa, ya = c * X + s * Y, (-s * X + c * Y) / geometry["q"]
            R = (np.abs(xa) ** (C0 + 2) + np.abs(ya) ** (C0 + 2)) ** (1 / (C0 + 2))
            truth[i, j] = SCALE**2 * np.einsum("ab,a,b->", bright(R, **values), ws, ws)
    assert np.max(np.abs(image - truth)) < 1e-4 * truth.max()
    assert abs(image.sum() - truth.sum()) < 1e-5 * truth.sum()


def test_astrophot_formula_brute_force():
    """One image against AstroPhot 0.18's formula (I0 linear there: 10**I0 here) by brute force on a fine
    grid of sub-pixel centres (their formula, not their pixel sampling)."""
    values = dict(rout=3.2, alpha=1.0, beta=0.8, I0=math.log10(2.5))
    image = core_render("ferrer", values)
    frame = EllipseFrame(GEOMETRY["center"], GEOMETRY["q"], GEOMETRY["PA"])
    fine = 64
    offsets = (np.arange(fine) + 0.5) / fine
    truth = np.zeros(SHAPE)
    for i in range(SHAPE[0]):
        X, Y = np.meshgrid((np.arange(SHAPE[1])[:, None] + offsets).ravel() * SCALE, (i + offsets) * SCALE)
        R = frame.radius(X, Y)
        # AstroPhot's ferrer(R, rout, alpha, beta, I0) with its linear I0 = 2.5
        I = np.where(R < values["rout"], 2.5 * (1 - (np.clip(R, 0, values["rout"]) / values["rout"])
                                                ** (2 - values["beta"])) ** values["alpha"], 0.0)
        truth[i] = I.reshape(fine, SHAPE[1], fine).mean(axis=(0, 2)) * SCALE**2
    # the midpoint rule of 64^2 sub-pixels is good to ~1e-4 of the brightest pixel
    assert np.max(np.abs(image - truth)) < 2e-4 * truth.max()


@pytest.mark.parametrize("model_type, values", [
    ("ferrer galaxy model", dict(rout=3.0, alpha=1.5, beta=0.5, I0=0.0)),
    ("king superellipse galaxy model", dict(Rc=0.6, Rt=3.0, alpha=2.0, I0=0.0, C0=0.3)),
])
def test_save_and_load_round_trip(tmp_path, model_type, values):
    model = Model(name="m", model_type=model_type, target=blank(), center=[6.1, 5.9], q=0.75, PA=0.4, **values)
    path = tmp_path / "m.yaml"
    model.save(str(path))
    loaded = Model(filename=str(path))
    loaded.target = blank()
    np.testing.assert_array_equal(loaded.sample().data, model.sample().data)
    assert loaded["alpha"].locked == model["alpha"].locked


def test_king_alpha_is_two_and_locked_by_default():
    model = Model(name="k", model_type="king galaxy model", target=blank(), center=[6.1, 5.9], q=0.75, PA=0.4,
                  Rc=0.6, Rt=3.0, I0=0.0)
    assert model["alpha"].value == 2.0 and model["alpha"].locked
    given = Model(name="k", model_type="king galaxy model", target=blank(), alpha=3.0)
    assert given["alpha"].value == 3.0 and given["alpha"].locked
    free = Model(name="k", model_type="king galaxy model", target=blank(), alpha={"value": 3.0, "locked": False})
    assert not free["alpha"].locked
    rays = Model(name="k", model_type="king ray galaxy model", target=blank(), rays=3)
    assert np.all(rays["alpha"].value == 2.0)


_SIMULATED = {}  # the brute-force images are slow (seconds): the fit and initialize() tests share them


def simulated(model_type, truth, shape=(32, 32), sigma=0.01, seed=3):
    key = (model_type, repr(sorted(truth.items())), shape, sigma, seed)
    if key not in _SIMULATED:
        _SIMULATED[key] = simulated_data(model_type, truth, shape, sigma, seed)
    data = _SIMULATED[key]
    return pc.image.TargetImage(data.copy(), pixelscale=SCALE, variance=np.full(shape, sigma**2))


def simulated_data(model_type, truth, shape, sigma, seed):
    """The brute-force image of the truth plus Gaussian noise of sigma."""
    if model_type.startswith("ferrer"):
        profile = {k: truth[k] for k in ("rout", "alpha", "beta", "I0")}
        clean = reference_image(lambda R: ferrer_brightness(R, **profile), profile["rout"], shape,
                                truth["center"], truth["q"], truth["PA"], SCALE)
    else:
        profile = {k: truth[k] for k in ("Rc", "Rt", "alpha", "I0")}
        clean = reference_image(lambda R: king_brightness(R, **profile), profile["Rt"], shape,
                                truth["center"], truth["q"], truth["PA"], SCALE)
    return clean + np.random.default_rng(seed).normal(0.0, sigma, shape)


@pytest.mark.parametrize("model_type, truth", [
    ("ferrer galaxy model", dict(center=[8.1, 7.8], q=0.6, PA=0.7, rout=5.0, alpha=2.0, beta=0.4, I0=-0.3)),
    ("king galaxy model", dict(center=[7.9, 8.2], q=0.8, PA=1.1, Rc=1.0, Rt=6.0, alpha=2.0, I0=-0.2)),
])
def test_fit_recovers_the_truth(model_type, truth):
    target = simulated(model_type, truth)
    model = Model(name="m", model_type=model_type, target=target).initialize()
    for name in truth:
        if name not in ("center", "q", "PA") and name != "alpha":
            assert model[name].value is not None
    result = pc.fit.LM(model).fit()
    assert result.success, result.message
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.1)
    for name, value in truth.items():
        if model[name].locked:
            continue
        pull = (np.atleast_1d(model[name].value) - np.atleast_1d(value)) / np.atleast_1d(model[name].uncertainty)
        assert np.all(np.abs(pull) < 4.0), (name, model[name].value, value, pull)


def test_initialize_gives_sensible_starts():
    truth = dict(center=[8.1, 7.8], q=0.6, PA=0.7, rout=5.0, alpha=2.0, beta=0.4, I0=-0.3)
    model = Model(name="m", model_type="ferrer galaxy model", target=simulated("ferrer galaxy model", truth))
    model.initialize()
    assert model["rout"].value == pytest.approx(truth["rout"], rel=0.5)
    assert model["I0"].value == pytest.approx(truth["I0"], abs=0.5)
    assert np.all(np.isfinite(model.sample().data))
    kt = dict(center=[7.9, 8.2], q=0.8, PA=1.1, Rc=1.0, Rt=6.0, alpha=2.0, I0=-0.2)
    king = Model(name="k", model_type="king galaxy model", target=simulated("king galaxy model", kt)).initialize()
    assert king["Rt"].value > king["Rc"].value
    assert king["I0"].value == pytest.approx(kt["I0"], abs=0.5)


@pytest.mark.parametrize("profile, values, name", [
    ("ferrer", [3.0, 0.0, 0.5, 0.0], "alpha"),
    ("ferrer", [3.0, -1.0, 0.5, 0.0], "alpha"),
    ("ferrer", [3.0, 11.0, 0.5, 0.0], "alpha"),
    ("ferrer", [3.0, 2.0, 2.0, 0.0], "beta"),
    ("ferrer", [3.0, 2.0, -0.1, 0.0], "beta"),
    ("ferrer", [0.0, 2.0, 0.5, 0.0], "rout"),
    ("ferrer", [3.0, 2.0, 0.5, math.nan], "I0"),
    ("king", [0.0, 3.0, 2.0, 0.0], "Rc"),
    ("king", [1.0, -3.0, 2.0, 0.0], "Rt"),
    ("king", [1.0, 3.0, 0.0, 0.0], "alpha"),
    ("king", [1.0, 3.0, 2.0, math.inf], "I0"),
])
def test_bad_values_are_refused_naming_them(profile, values, name):
    with pytest.raises(ValueError, match=name):
        pc.render_profile(profile, values, (4, 4), center=(1.0, 1.0), q=0.8, PA=0.0, pixelscale=SCALE)


def test_model_limits_refuse_bad_values():
    with pytest.raises(ValueError, match="beta"):
        Model(name="f", model_type="ferrer galaxy model", target=blank(), beta=2.0)
    with pytest.raises(ValueError, match="alpha"):
        Model(name="f", model_type="ferrer galaxy model", target=blank(), alpha=0.0)


@pytest.mark.parametrize("profile, values", [
    ("ferrer", dict(rout=3.0, alpha=1e-3, beta=0.0, I0=0.0)),
    ("ferrer", dict(rout=3.0, alpha=10.0, beta=1.99, I0=0.0)),
    ("ferrer", dict(rout=1e-3, alpha=2.0, beta=1.0, I0=0.0)),    # inside one pixel
    ("ferrer", dict(rout=1e4, alpha=0.5, beta=0.5, I0=0.0)),     # the edge far outside the image
    ("king", dict(Rc=2.0, Rt=0.5, alpha=2.0, I0=0.0)),           # Rt < Rc, as AstroPhot allows
    ("king", dict(Rc=1e-3, Rt=3.0, alpha=10.0, I0=0.0)),
    ("king", dict(Rc=1.0, Rt=3.0, alpha=1e-3, I0=0.0)),
    ("king", dict(Rc=1.0, Rt=1e-3, alpha=2.0, I0=0.0)),
])
@pytest.mark.parametrize("shape", ["", "/superellipse", "/ray:2"])
def test_the_ends_of_the_ranges_render_finite(profile, values, shape):
    params = list(values.values())
    if shape == "/superellipse":
        params = params + [1.0]
    if shape == "/ray:2":
        params = params * 2
    image, jacobian = pc.render_profile(profile + shape, params, (12, 12), center=(3.1, 2.9), q=0.7, PA=0.4,
                                        pixelscale=SCALE, jacobian=True)
    assert np.all(np.isfinite(image)) and np.all(image >= 0.0) and image.sum() > 0.0
    assert np.all(np.isfinite(jacobian))
