"""PSF models ("gaussian/moffat/airy/pixelated/eigen psf model"): pixels against independent
references, Jacobians against central differences, normalisation, fits of simulated PSF images,
YAML and pickling."""

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polychrome as pc
from polychrome import _core
from scipy import special
from model_helpers import finite_difference_jacobian
from polychrome.models import Model
from reference_integrals import Profile, airy_reference_pixels, reference_image
from test_property_models import within

SCALE = 0.5  # arcsec per PSF pixel
SHAPE = (25, 25)


def psf_grid(shape=SHAPE, scale=SCALE, data=None, variance=None):
    """A TargetImage on a PSF grid: odd shape, the centre of the central pixel at plane (0, 0)."""
    ny, nx = shape
    data = np.zeros(shape) if data is None else data
    return pc.image.TargetImage(data, pixelscale=scale, origin=(-scale * nx / 2, -scale * ny / 2),
                                variance=variance)


def basis(shape=SHAPE, scale=SCALE):
    """Three smooth basis images: Gaussians of different widths (unit sums)."""
    ny, nx = shape
    y, x = np.mgrid[:ny, :nx]
    r2 = ((x - nx // 2) ** 2 + (y - ny // 2) ** 2) * scale**2
    images = np.array([np.exp(-r2 / (2 * s**2)) for s in (0.8, 1.5, 3.0)])
    return images / images.sum(axis=(1, 2))[:, None, None]


PSF_CASES = {
    "gaussian psf model": dict(sigma=1.1),
    "moffat psf model": dict(n=2.5, Rd=1.3),
    "airy psf model": dict(aRL=0.35),
    "pixelated psf model": dict(pixels=np.log10(basis()[1] + 0.01 * basis()[2]) + 1.0),
    "eigen psf model": dict(eigen_basis=basis(), weights=[0.5, 0.3, 0.2]),
}


def make(model_type, target=None, **extra):
    values = dict(PSF_CASES[model_type])
    values.update(extra)
    return Model(name="psf", model_type=model_type, target=psf_grid() if target is None else target, **values)


@pytest.mark.parametrize("model_type", list(PSF_CASES))
def test_render_is_normalised_centred_and_symmetric(model_type):
    image = make(model_type).sample().data
    assert image.shape == SHAPE
    assert abs(image.sum() - 1.0) < 1e-12
    np.testing.assert_allclose(image, image[::-1, ::-1], rtol=1e-9, atol=1e-15)
    assert np.unravel_index(np.argmax(image), SHAPE) == (12, 12)


@pytest.mark.parametrize("model_type, profile, params", [
    ("gaussian psf model", "gaussian", dict(sigma=1.1, I0=0.0)),
    ("moffat psf model", "moffat", dict(n=2.5, Rd=1.3, I0=0.0)),
])
def test_core_profiles_match_brute_force(model_type, profile, params):
    model = make(model_type, normalize_psf=False)
    if model_type == "gaussian psf model":  # flux = log10(2 pi sigma^2 I0)
        model["flux"].value = np.log10(2 * np.pi * 1.1**2)
    reference = reference_image(Profile(profile, params), SHAPE, (0.0, 0.0), 1.0, 0.0, pixelscale=SCALE,
                                origin=(-SCALE * 12.5, -SCALE * 12.5))
    image = model.sample().data
    bright = reference > 1e-4 * reference.max()
    np.testing.assert_allclose(image[bright], reference[bright], rtol=2e-5)


def test_airy_pixels_match_scipy_dblquad():
    model = make("airy psf model", normalize_psf=False)
    image = model.sample().data
    pixels = [(12, 12), (12, 13), (13, 14), (12, 16), (15, 17), (9, 20), (0, 0), (3, 12)]
    reference = airy_reference_pixels(pixels, 0.35, 0.0, SCALE, (-SCALE * 12.5, -SCALE * 12.5))
    got = np.array([image[p] for p in pixels])
    # the stated accuracy: 1e-10 of the peak pixel, far below anything a fit resolves
    np.testing.assert_allclose(got, reference, rtol=0, atol=1e-10 * SCALE**2)


def test_airy_amplitude_matches_scipy():
    """The renderer's 2 J1(x)/x and its derivative -2 J2(x)/x (Chebyshev in x^2 to 8, Hankel's form
    beyond; std::sin/cos past 1e5) against scipy, to 1e-14 absolute (both are 1 at most)."""
    x = np.concatenate([[0.0, 1e-300, 1e-8], np.linspace(1e-3, 40.0, 4001), np.geomspace(40.0, 1e7, 400)])
    got = np.array([_core.airy_amplitude(float(v)) for v in x])
    safe = np.maximum(x, 1e-300)
    f = np.where(x > 0, 2 * special.j1(safe) / safe, 1.0)
    df = np.where(x > 0, -2 * special.jv(2, safe) / safe, 0.0)
    np.testing.assert_allclose(got[:, 0], f, rtol=0, atol=1e-14)
    np.testing.assert_allclose(got[:, 1], df, rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match="non-negative"):
        _core.airy_amplitude(-1.0)


def test_airy_first_dark_ring_where_the_formula_puts_it():
    """An oversampled Airy pattern has its first minimum at r = 0.6098 / aRL."""
    target = psf_grid((101, 101), 0.05)
    image = Model(name="a", model_type="airy psf model", target=target, aRL=0.4).sample().data
    row = image[50, 50:]
    first_minimum = np.argmax(np.diff(row) > 0)
    assert abs(first_minimum * 0.05 - 0.6098 / 0.4) <= 0.05


@pytest.mark.parametrize("model_type", list(PSF_CASES))
@pytest.mark.parametrize("normalize", [True, False])
def test_jacobian_matches_central_differences(model_type, normalize):
    extra = {} if model_type != "pixelated psf model" else {}
    model = make(model_type, normalize_psf=normalize, **extra)
    amplitude = {"gaussian psf model": "flux", "moffat psf model": "I0", "airy psf model": "I0",
                 "eigen psf model": "flux"}.get(model_type)
    if amplitude and not normalize:
        model[amplitude].locked = False
    jacobian = model.jacobian()
    numeric = finite_difference_jacobian(model, step=1e-5)[0]
    assert jacobian.data.shape == numeric.shape
    for k, name in enumerate(jacobian.names):
        scale = max(np.abs(numeric[k]).max(), 1e-300)
        np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=2e-6 * scale + 1e-13, err_msg=name)


def test_amplitude_locked_at_zero_by_default_and_named_as_autoprof():
    assert make("gaussian psf model").parameters.names == ["sigma", "flux"]
    assert make("moffat psf model").parameters.names == ["n", "Rd", "I0"]
    assert make("airy psf model").parameters.names == ["I0", "aRL"]
    assert make("eigen psf model").parameters.names == ["flux", "weights"]
    model = make("moffat psf model")
    assert model["I0"].value == 0.0 and model["I0"].locked
    assert make("moffat psf model", I0=0.3)["I0"].locked is False


def test_psf_image_as_target():
    psf = pc.image.PSF_Image(data=make("moffat psf model").sample().data, pixelscale=SCALE)
    model = Model(name="m", model_type="moffat psf model", target=psf, n=2.5, Rd=1.3)
    np.testing.assert_allclose(model.sample().data, psf.data, rtol=1e-12)
    model = Model(name="m", model_type="moffat psf model", target=psf)
    model.initialize()
    # a PSFImage target has variance 1: chi^2 is tiny, so ask for a tiny chi^2 decrease to stop
    pc.fit.LM(model, tolerance=1e-14).fit()
    assert model["n"].value == pytest.approx(2.5, rel=1e-4)
    assert model["Rd"].value == pytest.approx(1.3, rel=1e-4)


def test_bad_input_is_refused_naming_it():
    with pytest.raises(ValueError, match="odd number of pixels"):
        Model(name="p", model_type="gaussian psf model", target=psf_grid(), window=[[0, 24], [0, 25]], sigma=1.0)
    with pytest.raises(ValueError, match="no eigen_basis given, and the target's image cannot be the basis"):
        Model(name="p", model_type="eigen psf model", target=psf_grid())  # a blank image
    with pytest.raises(ValueError, match="eigen_basis images have shape"):
        Model(name="p", model_type="eigen psf model", target=psf_grid((21, 21)), eigen_basis=basis())
    with pytest.raises(ValueError, match="aRL"):
        Model(name="p", model_type="airy psf model", target=psf_grid(), aRL=-1.0)
    with pytest.raises(ValueError, match="psf_mode"):
        Model(name="p", model_type="moffat psf model", target=psf_grid(), psf_mode="full")


TRUTH = {
    "gaussian psf model": dict(sigma=1.1),
    "moffat psf model": dict(n=2.5, Rd=1.3),
    "airy psf model": dict(aRL=0.35),
    "eigen psf model": dict(weights=[0.5, 0.3, 0.2]),
}


@pytest.mark.parametrize("model_type", list(TRUTH))
def test_fit_of_a_noisy_star_recovers_the_truth(model_type):
    """A star of known PSF, flux 1e4, read noise and Poisson noise: the PSF model fitted to it (the
    star divided by its flux, variances scaled alike) recovers the truth within 3 sigma."""
    rng = np.random.default_rng(11)
    truth = make(model_type).sample().data
    flux, read = 1e4, 5.0
    variance = flux * truth + read**2
    star = flux * truth + rng.normal(size=SHAPE) * np.sqrt(variance)
    target = psf_grid(data=star / flux, variance=variance / flux**2)
    extra = {"eigen_basis": basis()} if model_type == "eigen psf model" else {}
    fitted = Model(name="fit", model_type=model_type, target=target, **extra)
    if model_type == "eigen psf model":  # only the weights' ratios matter: fit with the flux fixed
        fitted.normalize_psf = False
    fitted.initialize()
    result = pc.fit.LM(fitted).fit()
    assert result.message.startswith("success")
    for name, value in TRUTH[model_type].items():
        got, sigma = np.asarray(fitted[name].value), np.asarray(fitted[name].uncertainty)
        assert np.all(np.isfinite(sigma)) and np.all(sigma > 0)
        assert np.all(np.abs(got - value) < 3 * sigma), (name, got, value, sigma)


def test_pixelated_fit_reproduces_the_star():
    """Every pixel free: the fit of a noise-free star is the star (to the fitter's tolerance)."""
    truth = make("moffat psf model").sample().data
    target = psf_grid((11, 11), data=truth[7:18, 7:18] / truth[7:18, 7:18].sum(), variance=np.full((11, 11), 1e-8))
    model = Model(name="pix", model_type="pixelated psf model", target=target).initialize()
    start = model.sample().data
    np.testing.assert_allclose(start, target.data, rtol=1e-12)
    model["pixels"].value = model["pixels"].value + 0.05 * np.random.default_rng(3).normal(size=(11, 11))
    pc.fit.LM(model).fit()
    np.testing.assert_allclose(model.sample().data, target.data, rtol=1e-3)


@pytest.mark.parametrize("model_type", list(PSF_CASES))
def test_yaml_round_trip_and_pickle(model_type, tmp_path):
    model = make(model_type)
    path = model.save(str(tmp_path / "psf.yaml"))
    again = Model(name="psf", filename=path)
    again.target = model.target
    np.testing.assert_array_equal(again.sample().data, model.sample().data)
    assert again["" + model.parameters.names[0]].locked == model[model.parameters.names[0]].locked
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.sample().data, model.sample().data)


@pytest.mark.parametrize("model_type", list(PSF_CASES))
@pytest.mark.parametrize("data", ["psf", "zero", "noise"])
def test_initialize_gives_finite_starts_near_the_truth(model_type, data):
    truth = make(model_type)
    values = {"psf": truth.sample().data, "zero": np.zeros(SHAPE),
              "noise": np.random.default_rng(4).normal(0, 1, SHAPE)}[data]
    extra = {"eigen_basis": basis()} if model_type == "eigen psf model" else {}
    model = Model(name="start", model_type=model_type, target=psf_grid(data=values), **extra).initialize()
    for parameter in model.parameters:
        assert parameter.value is not None and np.all(np.isfinite(parameter.value)), parameter
    image = model.sample().data
    assert np.all(np.isfinite(image)) and image.sum() == pytest.approx(1.0)
    if data == "psf" and model_type == "pixelated psf model":  # its pixels are the data's
        np.testing.assert_allclose(image, values, rtol=1e-12)
    elif data == "psf":  # from the PSF itself: a start a fit converges from (within 35% of the truth)
        for name, value in PSF_CASES[model_type].items():
            if name != "eigen_basis":
                np.testing.assert_allclose(np.atleast_1d(model[name].value), np.atleast_1d(value), rtol=0.35,
                                           atol=0.02, err_msg=name)


def test_undersampled_airy_pixels_match_scipy_dblquad():
    """Rings narrower than a pixel (first dark ring at 0.2", pixels 0.5"): a high-order rule."""
    target = psf_grid((9, 9), SCALE)
    image = Model(name="a", model_type="airy psf model", target=target, aRL=3.0, normalize_psf=False).sample().data
    pixels = [(4, 4), (4, 5), (5, 6), (2, 7), (0, 0)]
    reference = airy_reference_pixels(pixels, 3.0, 0.0, SCALE, (-SCALE * 4.5, -SCALE * 4.5))
    np.testing.assert_allclose([image[p] for p in pixels], reference, rtol=0, atol=1e-10 * SCALE**2)


def test_eigen_without_a_basis_takes_the_target_image_and_even_targets_their_odd_box():
    star = make("moffat psf model").sample().data
    model = Model(name="e", model_type="eigen psf model", target=psf_grid(data=star))
    assert model["weights"].locked and list(model["weights"].value) == [1.0]
    np.testing.assert_allclose(model.sample().data, star, rtol=1e-12)
    even = pc.image.TargetImage(np.ones((24, 20)), pixelscale=SCALE)
    model = Model(name="g", model_type="gaussian psf model", target=even, sigma=1.0)
    assert model.window.pixel_bounds == [[0, 19], [0, 23]]
    assert model.sample().data.shape == (23, 19)


def test_an_airy_pattern_far_finer_than_the_pixels_is_refused_naming_aRL():
    model = Model(name="a", model_type="airy psf model", target=psf_grid((9, 9), 1.0), aRL=1e3)
    with pytest.raises(ValueError, match="aRL = 1000.* first dark ring"):
        model.sample()


PSF_TYPES = [t for t in pc.models.model_types() if t.endswith(" psf model")]


def _property_case(draw):
    """A PSF model of a drawn type on a drawn odd grid, parameters anywhere inside their limits."""
    model_type = draw(st.sampled_from(PSF_TYPES))
    scale = draw(st.sampled_from([0.05, 0.2, 1.0, 3.0]))
    shape = (draw(st.sampled_from([5, 11, 21])),) * 2
    data = make("moffat psf model", psf_grid(shape, scale), Rd=2.0 * scale).sample().data
    extra = {"eigen_basis": basis(shape, scale)} if model_type == "eigen psf model" else {}
    model = Model(name="p", model_type=model_type, target=psf_grid(shape, scale, data=data), **extra).initialize()
    for parameter in model.parameters:
        if draw(st.booleans()):
            continue
        lo, hi = parameter.limits
        value = np.array([draw(within(lo, hi)) for _ in range(parameter.size)])
        parameter.value = value.reshape(parameter.shape) if parameter.shape else value[0]
    return model


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_any_allowed_psf_values_render_finite_or_are_refused(data):
    """As test_property_models for the other types: any values inside the limits render finite
    pixels and Jacobians, or are refused with a message."""
    model = _property_case(data.draw)
    try:
        image, jacobian = model.sample_with_jacobian()
    except ValueError as err:
        assert str(err)
        return
    assert np.all(np.isfinite(image.data)) and np.all(np.isfinite(jacobian.data)), model.parameters
