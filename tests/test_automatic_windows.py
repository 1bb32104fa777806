"""Automatic render windows: a component given no window renders only where its light matters."""

import math

import numpy as np
import pytest

import polychrome as pc
from polychrome import fit
from polychrome.image import PsfExtent, TargetImage
from polychrome.models import Model
from polychrome.models.automatic_window import NOISE_FRACTION, PEAK_FRACTION

NOISE = 0.5


def gaussian_psf(sigma, half):
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    return np.exp(-(x**2 + y**2) / (2.0 * sigma**2))


def moffat_psf(fwhm, beta, half):
    """A Moffat PSF (wide wings, like a ground-based seeing PSF), FWHM in pixels."""
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    alpha = fwhm / (2.0 * math.sqrt(2.0 ** (1.0 / beta) - 1.0))
    return (1.0 + (x**2 + y**2) / alpha**2) ** -beta


def noisy_target(shape=(200, 240), psf=True, seed=3, pixelscale=1.0):
    rng = np.random.default_rng(seed)
    return TargetImage(rng.normal(0.0, NOISE, shape), variance=np.full(shape, NOISE**2), pixelscale=pixelscale,
                       psf=moffat_psf(4.0, 3.0, 40) if psf else None)


SOURCES = [
    ("sersic galaxy model", dict(q=0.5, PA=0.7, n=4.0, Re=6.0, Ie=0.5)),
    ("sersic galaxy model", dict(q=0.8, PA=2.0, n=1.0, Re=10.0, Ie=0.2)),
    ("exponential galaxy model", dict(q=0.3, PA=1.2, Re=4.0, Ie=1.0)),
    ("gaussian galaxy model", dict(q=0.6, PA=0.1, sigma=3.0, flux=3.5)),
    ("moffat galaxy model", dict(q=0.9, PA=0.4, n=1.5, Rd=2.0, I0=1.5)),
    ("spline galaxy model", dict(q=0.7, PA=0.3, knots=[0.0, 2.0, 5.0, 10.0, 20.0],
                                 **{"I(R)": [2.0, 1.5, 0.8, -0.2, -1.5]})),
    ("point model", dict(flux=4.0)),
]


def pair(model_type, values, target, center=(117.3, 96.6)):
    """The same source twice: automatic (no window) and rendered on the whole image."""
    auto = Model(name="auto", model_type=model_type, target=target, center=list(center), **values)
    whole = Model(name="whole", model_type=model_type, target=target, window=target.window, center=list(center),
                  **values)
    return auto, whole


@pytest.mark.parametrize("psf", [True, False])
@pytest.mark.parametrize("model_type, values", SOURCES, ids=[f"{t.split()[0]}-{k}" for k, (t, _) in enumerate(SOURCES)])
def test_automatic_render_window_leaves_out_only_light_far_below_the_noise(model_type, values, psf):
    if model_type == "point model" and not psf:
        pytest.skip("a point model needs a PSF")
    target = noisy_target(psf=psf)
    auto, whole = pair(model_type, values, target)
    assert auto.window_is_automatic and not whole.window_is_automatic
    assert auto.window == target.window  # the model still covers (samples, fits) the whole image
    # it renders on a small part of it ...
    ny, nx = auto.render_window.shape
    assert ny * nx < 0.7 * target.shape[0] * target.shape[1]
    # ... and what it leaves out is invisible in the residuals
    difference = np.abs(auto.sample().data - whole.sample().data)
    assert difference.max() < NOISE_FRACTION * NOISE
    outside = np.ones(target.shape, bool)
    outside[auto.render_window.slices] = False
    assert np.all(auto.sample().data[outside] == 0.0)


def test_without_a_noise_model_the_light_left_out_is_a_tiny_fraction_of_the_peak():
    target = TargetImage(np.zeros((300, 300)), psf=gaussian_psf(1.5, 10))
    auto, whole = pair("exponential galaxy model", dict(q=0.6, PA=0.5, Re=3.0, Ie=1.0), target, (150.0, 150.0))
    full = whole.sample().data
    assert auto.render_window.shape[0] < 250
    assert np.abs(auto.sample().data - full).max() < PEAK_FRACTION * full.max()


def test_render_window_follows_the_model_and_starts_as_the_whole_image():
    target = noisy_target()
    source = Model(name="s", model_type="sersic galaxy model", target=target, window=target.window,
                   center=[90.0, 110.0], q=0.6, PA=0.4, n=1.5, Re=4.0, Ie=1.0)
    target.data[...] += source.sample().data
    galaxy = Model(name="g", model_type="sersic galaxy model", target=target)
    assert galaxy.render_window == target.window  # no values yet: initialize() measures the whole image
    galaxy.initialize()
    small = galaxy.render_window
    assert small.shape[0] * small.shape[1] < target.shape[0] * target.shape[1]
    galaxy["Re"].value = 4 * galaxy["Re"].value
    galaxy["Ie"].value = galaxy["Ie"].value + 1.0
    grown = galaxy.render_window
    assert grown.shape[0] > small.shape[0] and grown.shape[1] > small.shape[1]
    galaxy["center"].value = galaxy["center"].value + np.array([40.0, 0.0])
    moved = galaxy.render_window
    assert moved.x_start > grown.x_start or moved.x_stop == target.shape[1]


def test_sky_and_given_windows_are_kept():
    target = noisy_target()
    sky = Model(name="sky", model_type="flat sky model", target=target, F=0.1)
    assert sky.render_window == target.window == sky.window
    given = Model(name="g", model_type="sersic galaxy model", target=target, window=[[10, 60], [20, 90]],
                  center=[30.0, 50.0], q=0.7, PA=0.2, n=1.0, Re=2.0, Ie=0.0)
    assert not given.window_is_automatic
    assert given.render_window == given.window and given.window.pixel_bounds == [[10, 60], [20, 90]]
    given["Re"].value = 30.0
    assert given.render_window.pixel_bounds == [[10, 60], [20, 90]]
    given.window = None  # back to automatic
    assert given.window_is_automatic and given.window == target.window
    assert given.render_window.shape[0] > 50


def test_a_sky_window_is_its_whole_image_whatever_its_values_and_follows_its_target():
    """A model that needs the whole image (no light profile of its own: a sky) is sized by its
    target alone (ComponentModel._sizing_key): a new value never moves it, a new target does."""
    target, other = noisy_target(), noisy_target(shape=(60, 80))
    for model_type, values in (("flat sky model", {"F": 0.1}), ("plane sky model", {})):
        sky = Model(name="sky", model_type=model_type, target=target, **values)
        assert sky.render_window == target.window
        for parameter in sky.parameters:
            if parameter.value is not None:
                parameter.value = parameter.value + 0.5
        assert sky._refresh_automatic_window() is False and sky.render_window == target.window
        with sky.automatic_windows_held():
            sky.target = other
            assert sky.render_window == other.window
        assert sky._refresh_automatic_window() is False and sky.render_window == other.window


def test_a_source_far_outside_the_image_renders_finite_zeros():
    target = noisy_target()
    star = Model(name="s", model_type="point model", target=target, center=[1e6, -3e5], flux=3.0)
    assert star.render_window.shape[0] <= 3 and star.render_window.shape[1] <= 3
    image = star.sample().data
    assert image.shape == target.shape and np.all(np.isfinite(image))


def test_render_windows_are_per_target_in_a_joint_model():
    fine = noisy_target((200, 200), psf=False, pixelscale=0.5, seed=4)
    coarse = noisy_target((60, 60), psf=False, pixelscale=1.5, seed=5)
    values = dict(center=[50.0, 48.0], q=0.7, PA=0.4, n=1.5, Re=2.0, Ie=0.5)

    def joint(window):
        a = Model(name="a", model_type="sersic galaxy model", target=fine, window=window(fine), **values)
        b = Model(name="b", model_type="sersic galaxy model", target=coarse, window=window(coarse), **values)
        b.add_equality_constraint(a, ["center", "q", "PA", "n", "Re"])
        return Model(name="joint", model_type="group model", models=[a, b])

    group = joint(lambda image: None)
    a, b = group.models["a"], group.models["b"]
    assert a.render_window.image is fine and b.render_window.image is coarse
    assert a.render_window.shape[0] < 100 and b.render_window.shape[0] < 50
    assert [w.shape for w in group.window] == [fine.shape, coarse.shape]
    whole = joint(lambda image: image.window)
    for auto_image, whole_image in zip(group.sample(), whole.sample()):
        assert np.abs(auto_image.data - whole_image.data).max() < NOISE_FRACTION * NOISE


def test_saving_keeps_whether_a_window_was_automatic(tmp_path):
    target = noisy_target()
    values = dict(center=[30.0, 50.0], q=0.7, PA=0.2, n=1.0, Re=2.0, Ie=0.0)
    group = Model(name="g", model_type="group model", models=[
        Model(name="auto", model_type="sersic galaxy model", target=target, **values),
        Model(name="fixed", model_type="sersic galaxy model", target=target, window=[[5, 70], [10, 80]], **values)])
    loaded = Model(filename=group.save(str(tmp_path / "m.yaml")), target=target)
    assert loaded.models["auto"].window_is_automatic
    assert loaded.models["auto"].render_window == group.models["auto"].render_window
    assert not loaded.models["fixed"].window_is_automatic
    assert loaded.models["fixed"].render_window.pixel_bounds == [[5, 70], [10, 80]]


def field(windows, start_scale=1.0):
    """Three blended and separate Sersics on noisy data; windows "auto" or "whole" (fixed)."""
    truth = [dict(center=[40.3, 50.6], q=0.6, PA=0.5, n=1.5, Re=4.0, Ie=0.6),
             dict(center=[52.0, 58.0], q=0.8, PA=2.0, n=1.0, Re=3.0, Ie=0.3),
             dict(center=[120.7, 110.2], q=0.5, PA=1.0, n=2.5, Re=5.0, Ie=0.5)]
    blank = TargetImage(np.zeros((160, 170)), psf=gaussian_psf(1.7, 12))
    exact = Model(name="truth", model_type="group model", models=[
        Model(name=f"t{k}", model_type="sersic galaxy model", target=blank, window=blank.window, **t)
        for k, t in enumerate(truth)]).sample().data
    rng = np.random.default_rng(7)
    target = TargetImage(exact + rng.normal(0.0, NOISE, exact.shape), variance=np.full(exact.shape, NOISE**2),
                         psf=blank.psf)
    members = []
    for k, t in enumerate(truth):
        start = dict(t, center=[t["center"][0] + 0.4, t["center"][1] - 0.3], Re=start_scale * t["Re"],
                     Ie=t["Ie"] - 0.1, n=0.8 * t["n"])
        members.append(Model(name=f"s{k}", model_type="sersic galaxy model", target=target,
                             window=target.window if windows == "whole" else None, **start))
    return Model(name="field", model_type="group model", models=members)


@pytest.mark.parametrize("start_scale", [1.0, 0.6])
def test_fit_with_automatic_windows_finds_the_whole_image_fit(start_scale):
    whole = fit.LM(field("whole", start_scale)).fit()
    group = field("auto", start_scale)
    first = [c.render_window for c in group.components()]
    auto = fit.LM(group).fit()
    assert whole.success and auto.success
    difference = np.abs(auto.x - whole.x) / whole.uncertainties
    assert difference.max() < 0.05
    assert abs(auto.chi2 - whole.chi2) < 0.05 * math.sqrt(2 * whole.ndf) and auto.ndf == whole.ndf
    last = [c.render_window for c in group.components()]
    if start_scale < 1:  # the windows grew with the sources the fit grew
        assert all(b.shape[0] > a.shape[0] for a, b in zip(first, last))


def test_windows_are_held_within_a_fit_and_refreshed_only_between_steps():
    group = field("auto")
    galaxy = group.models["s0"]
    with group.automatic_windows_held():
        held = galaxy.render_window
        galaxy["Re"].value = 5 * galaxy["Re"].value
        assert galaxy.render_window == held
        assert group.refresh_automatic_windows()
        assert galaxy.render_window != held
    galaxy["Re"].value = galaxy["Re"].value / 5
    assert galaxy.render_window.shape[0] < held.shape[0] or galaxy.render_window == held


def test_psf_extent_of_a_gaussian():
    sigma = 2.0
    psf = pc.image.PSFImage(gaussian_psf(sigma, 20))
    extent = psf.extent
    assert isinstance(extent, PsfExtent)
    assert extent.fwhm == pytest.approx(2.3548 * sigma, rel=0.15)  # counted pixels: coarse, for the floor
    peak = 1.0 / (2 * math.pi * sigma**2)
    level = 1e-4 * peak
    # analytic: the radius where the Gaussian falls to the level, plus half a pixel diagonal
    expected = sigma * math.sqrt(2 * math.log(1e4))
    assert expected <= extent.radius_below(level, 1.0) <= expected + 1.5
    assert extent.radius_below(2 * peak, 1.0) == 0.0


def test_noise_level_of_a_target():
    variance = np.full((50, 50), 4.0)
    variance[:10] = 100.0
    target = TargetImage(np.zeros((50, 50)), variance=variance)
    assert target.noise_level() == pytest.approx(2.0)
    assert TargetImage(np.zeros((5, 5))).noise_level() is None


def test_initialize_measures_a_source_with_a_known_centre_around_it():
    """A field of separated sources, catalogue centres given: each is measured on a box grown from
    the data around it (not the whole image, where the others spoil its moments and profile)."""
    rng = np.random.default_rng(12)
    truth = [dict(center=[float(x), float(y)], q=0.7, PA=0.3 * k, n=1.5, Re=4.0 + 0.5 * k, Ie=0.6)
             for k, (x, y) in enumerate([(60, 70), (200, 60), (130, 150), (60, 240), (240, 230), (180, 260)])]
    blank = TargetImage(np.zeros((300, 300)), psf=gaussian_psf(1.7, 12))
    exact = Model(name="truth", model_type="group model", models=[
        Model(name=f"t{k}", model_type="sersic galaxy model", target=blank, window=blank.window, **t)
        for k, t in enumerate(truth)]).sample().data
    target = TargetImage(exact + rng.normal(0.0, NOISE, exact.shape), variance=np.full(exact.shape, NOISE**2),
                         psf=blank.psf)
    group = Model(name="field", model_type="group model", models=[
        Model(name=f"s{k}", model_type="sersic galaxy model", target=target,
              center=[t["center"][0] + 0.3, t["center"][1] - 0.2]) for k, t in enumerate(truth)])
    group.initialize()
    for member, t in zip(group.models, truth):
        assert 0.5 < member["Re"].value / t["Re"] < 2.0
        assert abs(member["q"].value - t["q"]) < 0.2
