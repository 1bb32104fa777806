"""The radial PSF models ("<profile> psf model", "<profile> ellipse psf model", "<profile>
superellipse/fourier/warp psf model"): pixels against brute-force quadrature of the exact formula,
Jacobians against central differences, fits of noisy simulated stars, a live PSF fitted jointly with
a galaxy, YAML round trips, and every type constructed, initialised on a star and rendered."""

import math
import pickle

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

import polychrome as pc
from model_helpers import finite_difference_jacobian
from polychrome.models import RADIAL_PSF_MODELS, Model
from reference_integrals import Profile, reference_image, sersic_b, split_pixel_nodes
from test_isophote_shapes import shaped_radius
from test_live_psf import check_against_central_differences, galaxy, image_target, simulate

SCALE = 0.5  # arcsec per PSF pixel
SHAPE = (25, 25)
ORIGIN = (-SCALE * SHAPE[1] / 2, -SCALE * SHAPE[0] / 2)  # the central pixel's centre at plane (0, 0)
NEW_TYPES = sorted(cls.model_type for cls in RADIAL_PSF_MODELS.values())


def psf_grid(shape=SHAPE, scale=SCALE, data=None, variance=None):
    ny, nx = shape
    data = np.zeros(shape) if data is None else data
    return pc.image.TargetImage(data, pixelscale=scale, origin=(-scale * nx / 2, -scale * ny / 2), variance=variance)


def make(model_type, target=None, **values):
    return Model(name="psf", model_type=model_type, target=psf_grid() if target is None else target, **values)


def noisy_star(truth, flux=1e4, read=5.0, seed=11):
    """(star / flux, its variance / flux^2): the PSF image ``truth`` (unit sum) as a star of ``flux``
    with read and Poisson noise, scaled back to unit flux."""
    variance = flux * truth + read**2
    star = flux * truth + np.random.default_rng(seed).normal(size=truth.shape) * np.sqrt(variance)
    return star / flux, variance / flux**2


# --- pixels against independent references ----------------------------------------------------

ELLIPTICAL_CASES = [  # (type, model values, reference profile, q, PA)
    ("sersic psf model", dict(n=2.2, Re=1.1), Profile("sersic", dict(n=2.2, Re=1.1, Ie=0.0)), 1.0, 0.0),
    ("exponential psf model", dict(Re=1.3), Profile("exponential", dict(Re=1.3, Ie=0.0)), 1.0, 0.0),
    ("nuker psf model", dict(Rb=1.0, alpha=2.0, beta=3.5, gamma=0.5),
     Profile("nuker", dict(Rb=1.0, alpha=2.0, beta=3.5, gamma=0.5, Ib=0.0)), 1.0, 0.0),
    ("sersic ellipse psf model", dict(q=0.6, PA=0.4, n=1.5, Re=1.2), Profile("sersic", dict(n=1.5, Re=1.2, Ie=0.0)),
     0.6, 0.4),
    ("moffat ellipse psf model", dict(q=0.7, PA=2.0, n=2.5, Rd=1.1), Profile("moffat", dict(n=2.5, Rd=1.1, I0=0.0)),
     0.7, 2.0),
    ("nuker ellipse psf model", dict(q=0.8, PA=1.1, Rb=0.9, alpha=1.5, beta=4.0, gamma=0.8),
     Profile("nuker", dict(Rb=0.9, alpha=1.5, beta=4.0, gamma=0.8, Ib=0.0)), 0.8, 1.1),
    # flux = log10(2 pi q sigma^2 I0) with I0 = 1
    ("gaussian ellipse psf model", dict(q=0.5, PA=0.3, sigma=1.2, flux=math.log10(2 * math.pi * 0.5 * 1.2**2)),
     Profile("gaussian", dict(sigma=1.2, I0=0.0)), 0.5, 0.3),
    ("exponential ellipse psf model", dict(q=0.45, PA=2.9, Re=1.0), Profile("exponential", dict(Re=1.0, Ie=0.0)),
     0.45, 2.9),
]


@pytest.mark.parametrize("model_type, values, profile, q, PA", ELLIPTICAL_CASES, ids=[c[0] for c in ELLIPTICAL_CASES])
def test_elliptical_pixels_match_the_exact_integrals(model_type, values, profile, q, PA):
    """Unnormalised, every pixel brighter than 1e-4 of the peak within 2e-5 of the reference (exact
    polar integrals near the centre, Gauss-Legendre elsewhere); normalised, that divided by its sum."""
    model = make(model_type, normalize_psf=False, **values)
    reference = reference_image(profile, SHAPE, (0.0, 0.0), q, PA, pixelscale=SCALE, origin=ORIGIN)
    image = model.sample().data
    bright = reference > 1e-4 * reference.max()
    np.testing.assert_allclose(image[bright], reference[bright], rtol=2e-5)
    normalised = make(model_type, **values).sample().data
    assert normalised.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(normalised, image / image.sum(), rtol=1e-12, atol=1e-18)


def spline_brightness(knots, log10_values):
    """ln I a natural cubic spline through the knots (ln 10 x I(R)), continued linearly beyond the
    last knot: the spline profile of a falling curve (scipy, from the definition)."""
    spline = CubicSpline(knots, np.log(10.0) * np.asarray(log10_values), bc_type="natural")
    end, slope = knots[-1], spline(knots[-1], 1)

    def brightness(R):
        inside = spline(np.minimum(R, end))
        return np.exp(np.where(R > end, spline(end) + slope * (R - end), inside))

    return brightness


def brute_force(brightness_of_w, q, PA, shape=SHAPE, scale=SCALE, nodes=24, split=6, near=2.5):
    """Pixel integrals (flux per pixel) on the PSF grid of brightness(wa, wb), (wa, wb) the plane
    offsets from the centre rotated by -PA with the minor axis divided by q: nodes x nodes
    Gauss-Legendre per pixel, split x split sub-cells within ``near`` pixels of the centre."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    ny, nx = shape
    c, s = math.cos(PA), math.sin(PA)
    image = np.zeros(shape)
    for i in range(ny):
        for j in range(nx):
            k = split if math.hypot(j - nx // 2, i - ny // 2) < near else 1
            u, v, weights = split_pixel_nodes(i, j, k, x, w)
            X, Y = np.meshgrid((u - nx / 2) * scale, (v - ny / 2) * scale)
            wa, wb = c * X + s * Y, (-s * X + c * Y) / q
            image[i, j] = scale**2 * np.einsum("ab,a,b->", brightness_of_w(wa, wb), weights, weights)
    return image


KNOTS = [0.0, 0.5, 1.2, 2.5, 5.0, 9.0]
SPLINE_VALUES = [0.3, 0.1, -0.4, -1.3, -2.6, -4.0]
WARP = {"warp_knots": [0.0, 0.8, 2.0, 4.0], "q(R)": [0.95, 0.8, 0.6, 0.7], "PA(R)": [0.1, 0.3, 0.7, 0.9]}
SHAPED_CASES = [  # (type, values, brightness of R, shape word, allowed relative error)
    ("spline psf model", dict(knots=KNOTS, **{"I(R)": SPLINE_VALUES}), spline_brightness(KNOTS, SPLINE_VALUES),
     None, 2e-5),
    ("spline ellipse psf model", dict(q=0.7, PA=0.9, knots=KNOTS, **{"I(R)": SPLINE_VALUES}),
     spline_brightness(KNOTS, SPLINE_VALUES), None, 2e-5),
    ("sersic superellipse psf model", dict(q=0.7, PA=0.5, n=1.5, Re=1.2, C0=1.2),
     lambda R: np.exp(-sersic_b(1.5) * ((R / 1.2) ** (1 / 1.5) - 1)), "superellipse", 2e-5),
    ("moffat fourier psf model", dict(q=0.8, PA=0.3, n=2.5, Rd=1.0, modes=(1, 3, 4), am=[0.05, 0.1, -0.08],
                                      phim=[0.4, 2.0, 5.0]),
     lambda R: (1 + (R / 1.0) ** 2) ** -2.5, "fourier", 2e-5),
    # the warp's stated accuracy (test_isophote_shapes): its curves are only once differentiable at the knots
    ("exponential warp psf model", dict(q=0.9, PA=0.2, Re=1.3, **WARP),
     lambda R: np.exp(-sersic_b(1.0) * (R / 1.3 - 1)), "warp", 1e-4),
    ("gaussian superellipse psf model", dict(q=0.6, PA=1.3, sigma=1.0, C0=-0.5,
                                             flux=math.log10(2 * math.pi * 0.6)),
     lambda R: np.exp(-0.5 * R**2), "superellipse", 2e-5),
    ("nuker fourier psf model", dict(q=0.75, PA=2.2, Rb=1.2, alpha=2.0, beta=4.0, gamma=0.0, modes=(2,),
                                     am=[0.1], phim=[1.0]),
     lambda R: 2.0 ** 2.0 * (1 + (R / 1.2) ** 2.0) ** -2.0, "fourier", 2e-5),
]


@pytest.mark.parametrize("model_type, values, brightness, shape, allowed", SHAPED_CASES,
                         ids=[c[0] for c in SHAPED_CASES])
def test_shaped_and_spline_pixels_match_brute_force_quadrature(model_type, values, brightness, shape, allowed):
    model = make(model_type, normalize_psf=False, **values)
    q, PA = values.get("q", 1.0), values.get("PA", 0.0)
    if shape is None:
        radius = np.hypot
    else:
        shape_values = dict(values, modes=values.get("modes"))
        radius = lambda wa, wb: shaped_radius(wa, wb, shape, shape_values)  # noqa: E731
    reference = brute_force(lambda wa, wb: brightness(radius(wa, wb)), q, PA)
    image = model.sample().data
    bright = reference > 1e-4 * reference.max()
    assert np.max(np.abs(image[bright] / reference[bright] - 1)) < allowed


@pytest.mark.parametrize("profile, values", [("gaussian", dict(sigma=1.1)), ("moffat", dict(n=2.5, Rd=1.3))])
def test_the_round_ellipse_is_the_written_circular_psf(profile, values):
    """AstroPhot's "gaussian/moffat psf model" are polychrome's hand-written ones: the same parameters,
    and the ellipse PSF at q = 1 renders them (any PA)."""
    circular = make(f"{profile} psf model", **values)
    ellipse = make(f"{profile} ellipse psf model", q=1.0, PA=0.7, **values)
    assert ellipse.parameters.names == ["q", "PA"] + circular.parameters.names
    np.testing.assert_allclose(ellipse.sample().data, circular.sample().data, rtol=2e-5, atol=1e-12)


def test_circular_types_have_no_axis_ratio_and_elliptical_ones_do():
    """AstroPhot 0.18: "<profile> psf model" is circular (no q, PA), "ellipse"/shaped ones have both."""
    assert make("sersic psf model").parameters.names == ["n", "Re", "Ie"]
    assert make("nuker psf model").parameters.names == ["Rb", "alpha", "beta", "gamma", "Ib"]
    assert make("spline psf model").parameters.names == ["I(R)"]
    assert make("exponential ellipse psf model").parameters.names == ["q", "PA", "Re", "Ie"]
    assert make("sersic superellipse psf model").parameters.names == ["q", "PA", "n", "Re", "Ie", "C0"]
    assert make("moffat fourier psf model").parameters.names == ["q", "PA", "n", "Rd", "I0", "am", "phim"]
    assert make("gaussian warp psf model").parameters.names == ["q", "PA", "sigma", "flux", "q(R)", "PA(R)"]
    model = make("sersic ellipse psf model")
    assert model["Ie"].value == 0.0 and model["Ie"].locked
    assert make("sersic psf model", Ie=0.4)["Ie"].locked is False


# --- Jacobians ---------------------------------------------------------------------------------

JACOBIAN_CASES = [
    ("sersic psf model", dict(n=2.2, Re=1.1)),
    ("exponential ellipse psf model", dict(q=0.6, PA=0.4, Re=1.2)),
    ("gaussian ellipse psf model", dict(q=0.7, PA=2.5, sigma=1.0)),
    ("nuker psf model", dict(Rb=1.0, alpha=2.0, beta=3.5, gamma=0.3)),
    ("spline psf model", {"knots": KNOTS, "I(R)": SPLINE_VALUES}),
    ("moffat superellipse psf model", dict(q=0.7, PA=0.5, n=2.5, Rd=1.1, C0=0.8)),
    ("sersic fourier psf model", dict(q=0.8, PA=0.3, n=1.5, Re=1.2, modes=(1, 3), am=[0.05, -0.08], phim=[0.4, 2.0])),
    ("exponential warp psf model", dict(q=0.9, PA=0.2, Re=1.3, **WARP)),
]


@pytest.mark.parametrize("model_type, values", JACOBIAN_CASES, ids=[c[0] for c in JACOBIAN_CASES])
@pytest.mark.parametrize("normalize", [True, False])
def test_jacobian_matches_central_differences(model_type, values, normalize):
    model = make(model_type, normalize_psf=normalize, **values)
    if not normalize and model._amplitude:
        model[model._amplitude].locked = False
    jacobian = model.jacobian()
    numeric = finite_difference_jacobian(model, step=1e-5)[0]
    assert jacobian.data.shape == numeric.shape
    # the a-posteriori renderer of other isophotes chooses its cells from the values: its jumps
    # (~1e-8 of a pixel) over a step of 1e-5 allow less agreement than the elliptical engine's
    shaped = any(word in model_type.split() for word in ("superellipse", "fourier", "warp"))
    rtol = 1e-4 if shaped else 2e-6
    for k, name in enumerate(jacobian.names):
        scale = max(np.abs(numeric[k]).max(), 1e-300)
        np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=rtol * scale + 1e-13, err_msg=name)


# --- fits of simulated stars -------------------------------------------------------------------

FIT_CASES = [
    ("sersic psf model", dict(n=1.8, Re=1.1)),
    ("moffat ellipse psf model", dict(q=0.75, PA=0.6, n=2.8, Rd=1.4)),
    ("nuker ellipse psf model", dict(q=0.8, PA=2.0, Rb=1.2, alpha=2.0, beta=4.0, gamma=0.3)),
    ("exponential superellipse psf model", dict(q=0.7, PA=1.0, Re=1.5, C0=1.0)),
]


@pytest.mark.parametrize("model_type, truth", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_fit_of_a_noisy_star_recovers_the_truth(model_type, truth):
    """A star of flux 1e4 with read (5) and Poisson noise, divided by its flux: the PSF model
    initialised from it and fitted recovers every parameter within 3 sigma."""
    data, variance = noisy_star(make(model_type, **truth).sample().data)
    fitted = make(model_type, target=psf_grid(data=data, variance=variance)).initialize()
    result = pc.fit.LM(fitted, max_iter=200).fit()
    assert result.message.startswith("success"), result.message
    for name, value in truth.items():
        got, sigma = float(fitted[name].value), float(fitted[name].uncertainty)
        assert np.isfinite(sigma) and sigma > 0, name
        difference = got - value
        if name == "PA":
            difference = (difference + math.pi / 2) % math.pi - math.pi / 2
        assert abs(difference) < 3 * sigma, (name, got, value, sigma)


def test_live_radial_psf_fitted_jointly_with_a_galaxy():
    """A galaxy seen through an elliptical Sersic PSF (q = 0.8): its Jacobian's PSF columns agree with
    central differences, and a joint fit from wrong starts recovers the galaxy and the PSF."""
    def sersic_psf(**values):
        return make("sersic ellipse psf model", **values)

    truth_psf = sersic_psf(q=0.8, PA=0.5, n=1.5, Re=1.2)
    truth = galaxy(image_target((50, 50)), truth_psf, center=[12.6, 12.3], q=0.5, PA=1.8, n=1.2, Re=2.0, Ie=0.5)
    check_against_central_differences(truth)
    sigma = 0.01
    data = simulate(truth, sigma, 5)
    target = image_target((50, 50), data=data, variance=np.full(data.shape, sigma**2))
    psf = sersic_psf(q=0.9, PA=0.3, n=2.0, Re=1.0)
    model = galaxy(target, psf, center=[12.5, 12.4], q=0.6, PA=1.7, n=1.5, Re=2.5, Ie=0.3)
    result = pc.fit.LM(model, max_iter=200).fit()
    assert result.message.startswith("success"), result.message
    expected = {"n": 1.2, "Re": 2.0, "q": 0.5, "PA": 1.8, "Ie": 0.5, "psf:q": 0.8, "psf:PA": 0.5, "psf:n": 1.5,
                "psf:Re": 1.2}
    for name, value in expected.items():
        got, error = model[name].value, model[name].uncertainty
        assert np.isfinite(error) and error > 0, name
        assert abs(got - value) < 3 * error, (name, got, value, error)


# --- files, and every type ---------------------------------------------------------------------

ROUND_TRIP_CASES = [
    ("sersic psf model", dict(n=2.2, Re=1.1)),
    ("spline ellipse psf model", dict(q=0.7, PA=0.9, knots=KNOTS, **{"I(R)": SPLINE_VALUES})),
    ("moffat fourier psf model", dict(q=0.8, PA=0.3, n=2.5, Rd=1.0, modes=(2, 4), am=[0.05, 0.1], phim=[0.4, 2.0])),
    ("nuker warp psf model", dict(q=0.9, PA=0.2, Rb=1.0, alpha=2.0, beta=4.0, gamma=0.2, **WARP)),
    ("gaussian superellipse psf model", dict(q=0.6, PA=1.3, sigma=1.0, C0=-0.5, normalize_psf=False)),
]


@pytest.mark.parametrize("model_type, values", ROUND_TRIP_CASES, ids=[c[0] for c in ROUND_TRIP_CASES])
def test_yaml_round_trip_and_pickle(model_type, values, tmp_path):
    model = make(model_type, **values)
    model["q" if "q" in model.parameters.names else "n"].locked = True
    path = model.save(str(tmp_path / "psf.yaml"))
    again = Model(name="psf", filename=path)
    again.target = model.target
    assert type(again) is type(model) and again.normalize_psf == model.normalize_psf
    np.testing.assert_array_equal(again.sample().data, model.sample().data)
    for parameter in model.parameters:
        assert again[parameter.name].locked == parameter.locked, parameter.name
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.sample().data, model.sample().data)


STAR_TRUTH = dict(q=0.8, PA=0.6, n=2.5, Rd=1.2)


@pytest.mark.parametrize("model_type", NEW_TYPES)
def test_every_type_initialises_on_a_star_and_renders_normalised(model_type):
    """On a noisy elliptical Moffat star: finite starts for every parameter, a finite render summing to
    1 and a finite Jacobian; the circular ones' sizes within 35% of the star's half-light radius."""
    truth = make("moffat ellipse psf model", **STAR_TRUTH).sample().data
    data, variance = noisy_star(truth)
    model = make(model_type, target=psf_grid(data=data, variance=variance)).initialize()
    for parameter in model.parameters:
        assert parameter.value is not None and np.all(np.isfinite(parameter.value)), parameter
    image, jacobian = model.sample_with_jacobian()
    assert np.all(np.isfinite(image.data)) and image.data.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.isfinite(jacobian.data))
    if "q" in model.parameters.names:
        assert model["q"].value == pytest.approx(STAR_TRUTH["q"], abs=0.1)
        assert abs((model["PA"].value - STAR_TRUTH["PA"] + math.pi / 2) % math.pi - math.pi / 2) < 0.2


@pytest.mark.parametrize("model_type, truth", [("sersic psf model", dict(n=2.0, Re=1.2)),
                                               ("exponential ellipse psf model", dict(q=0.7, PA=0.5, Re=1.4)),
                                               ("nuker psf model", dict(Rb=1.1, alpha=2.0, beta=4.0, gamma=0.5))])
def test_initialize_from_the_psf_itself_starts_near_it(model_type, truth):
    """From the model's own (noise-free) render, the start is within 35% of the truth."""
    data = make(model_type, **truth).sample().data
    model = make(model_type, target=psf_grid(data=data)).initialize()
    for name, value in truth.items():
        assert model[name].value == pytest.approx(value, rel=0.35, abs=0.1), name


def test_bad_values_are_refused_naming_them():
    with pytest.raises(ValueError, match="odd number of pixels"):
        make("sersic psf model", window=[[0, 24], [0, 25]], n=2.0, Re=1.0)
    with pytest.raises(ValueError, match="Re"):
        make("sersic psf model", n=2.0, Re=-1.0)
    with pytest.raises(ValueError, match="psf_mode"):
        make("exponential ellipse psf model", psf_mode="full")
    with pytest.raises(TypeError, match="normalize_psf"):
        make("spline psf model", normalize_psf="yes")
    with pytest.raises(ValueError, match="modes"):
        make("moffat fourier psf model", modes=(0,))


@pytest.mark.parametrize("data", ["zero", "noise"])
@pytest.mark.parametrize("model_type", ["sersic psf model", "spline ellipse psf model", "nuker fourier psf model",
                                        "gaussian warp psf model", "exponential superellipse psf model"])
def test_initialize_without_a_star_gives_finite_starts(model_type, data):
    values = np.zeros(SHAPE) if data == "zero" else np.random.default_rng(4).normal(0.0, 1.0, SHAPE)
    model = make(model_type, target=psf_grid(data=values)).initialize()
    for parameter in model.parameters:
        assert parameter.value is not None and np.all(np.isfinite(parameter.value)), parameter
    image = model.sample().data
    assert np.all(np.isfinite(image)) and image.sum() == pytest.approx(1.0, abs=1e-12)


def test_a_psf_image_as_target_is_fitted_to_its_truth():
    """A noise-free PSFImage (variance 1) of a circular Sersic: initialised and fitted, n and Re to 1e-4."""
    psf = pc.image.PSF_Image(data=make("sersic psf model", n=2.0, Re=1.2).sample().data, pixelscale=SCALE)
    model = Model(name="s", model_type="sersic psf model", target=psf).initialize()
    pc.fit.LM(model, tolerance=1e-14).fit()
    assert model["n"].value == pytest.approx(2.0, rel=1e-4)
    assert model["Re"].value == pytest.approx(1.2, rel=1e-4)
