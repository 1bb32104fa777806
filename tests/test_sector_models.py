"""Ray and wedge galaxy models: pixels against scipy quadrature of the exact formula (the sector
edges and the centre given to QUADPACK as breakpoints), every Jacobian column against central
differences, the elliptical model as the one-segment case, save/load round trips, a fit of simulated
noisy PSF-convolved data recovering the truth, initialize() on every type, and bad options."""

import functools
import math
import pickle

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gammaincinv

import polychrome as pc
from polychrome.models import Model
from polychrome.models.sector_models import SECTOR_MODELS

SCALE = 0.25


def sersic(R, n, Re, Ie):
    b = gammaincinv(2 * n, 0.5)
    return 10**Ie * np.exp(-b * ((R / Re) ** (1 / n) - 1))


def angular_weights(theta, count, kind):
    """AutoProf's weights, written from their definition: ray k along k pi / N (mod pi) weighs
    (cos(N delta) + 1) / 2 within pi / N of it (delta the angle from it); wedge k is all the light
    within pi / (2N) of it."""
    weights = []
    for k in range(count):
        delta = np.mod(theta - k * math.pi / count + math.pi / 2, math.pi) - math.pi / 2  # in [-pi/2, pi/2)
        if kind == "wedge":
            weights.append(np.where((delta >= -math.pi / (2 * count)) & (delta < math.pi / (2 * count)), 1.0, 0.0))
        else:
            inside = np.abs(delta) < math.pi / count
            weights.append(np.where(inside, 0.5 * (np.cos(count * delta) + 1), 0.0))
    return weights


@functools.lru_cache(maxsize=None)
def _legendre(nodes):
    """Gauss-Legendre nodes and weights on [-1, 1] (computed once per order: the reference asks for
    them thousands of times); read-only, as they are shared."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    x.flags.writeable = w.flags.writeable = False
    return x, w


@functools.lru_cache(maxsize=None)
def _grading(pieces):
    """The ends of the graded pieces as fractions of the interval from the graded end: 0, then
    1e-12 .. 1 geometrically (read-only, shared)."""
    fractions = np.concatenate([[0.0], np.geomspace(1e-12, 1.0, pieces)])
    fractions.flags.writeable = False
    return fractions


def graded_gauss(a, b, toward, nodes=16, pieces=40):
    """Gauss-Legendre nodes and weights on [a, b], the pieces shrinking geometrically toward the end
    ``toward`` (a or b; None: one piece)."""
    x, w = _legendre(nodes)
    if toward is None:
        return 0.5 * (b - a) * x + 0.5 * (a + b), 0.5 * (b - a) * w
    far = b if toward == a else a
    edges = toward + (far - toward) * _grading(pieces)
    lo, hi = np.minimum(edges[:-1], edges[1:]), np.maximum(edges[:-1], edges[1:])
    return ((0.5 * (hi - lo))[:, None] * x + (0.5 * (lo + hi))[:, None]).ravel(), \
        ((0.5 * (hi - lo))[:, None] * w).ravel()


def reference_pixels(kind, values, shape, epsrel=1e-7):
    """Each pixel (SCALE arcsec, origin 0) by scipy's adaptive quadrature in y of the integral in x,
    itself cut at the x-crossings of the lines where the brightness is not smooth and at the
    centre, each piece by Gauss-Legendre graded toward the centre's side."""
    count = len(values["n"])
    cx, cy = values["center"]
    c, s = math.cos(values["PA"]), math.sin(values["PA"])
    q = values["q"]
    # the lines through the centre: the sector edges (wedge) or the ray directions (ray), in the plane
    offset = 0.5 if kind == "wedge" else 0.0
    directions = []
    for k in range(count):
        phi = (k + offset) * math.pi / count
        a, b = math.cos(phi), q * math.sin(phi)  # (w_a, q w_b) rotated by PA
        directions.append((c * a - s * b, s * a + c * b))

    def brightness(x, y):
        X, Y = x - cx, y - cy
        wa, wb = c * X + s * Y, (-s * X + c * Y) / q
        R, theta = np.hypot(wa, wb), np.arctan2(wb, wa)
        weights = angular_weights(theta, count, kind)
        return sum(w * sersic(R, values["n"][k], values["Re"][k], values["Ie"][k]) for k, w in enumerate(weights))

    def row(y, x0, x1):
        cuts = [cx] + [cx + (y - cy) * dx / dy for dx, dy in directions if dy != 0]
        cuts = sorted([x0, x1] + [p for p in cuts if x0 < p < x1])
        total = 0.0
        for a, b in zip(cuts[:-1], cuts[1:]):
            x, w = graded_gauss(a, b, a if abs(a - cx) < abs(b - cx) else b)
            total += np.dot(w, brightness(x, y))
        return total

    image = np.zeros(shape)
    for i in range(shape[0]):
        for j in range(shape[1]):
            x0, x1, y0, y1 = j * SCALE, (j + 1) * SCALE, i * SCALE, (i + 1) * SCALE
            # the y where the centre's row, or a line's crossing of the pixel's sides, lies (kinks of row)
            points = [cy] + [cy + (x - cx) * dy / dx for dx, dy in directions if dx != 0 for x in (x0, x1)]
            points = [p for p in points if y0 < p < y1] or None
            image[i, j] = integrate.quad(row, y0, y1, args=(x0, x1), points=points, epsrel=epsrel, epsabs=0,
                                         limit=200)[0]
    return image


RAYS = dict(center=[1.05, 1.15], q=0.6, PA=0.5, n=[1.5, 2.5, 1.0], Re=[1.0, 0.6, 0.8], Ie=[0.0, 0.3, -0.2])


@pytest.mark.parametrize("kind, count", [("ray", 2), ("ray", 3), ("wedge", 2), ("wedge", 3)])
def test_pixels_match_scipy_quadrature(kind, count):
    values = {key: value[:count] if key in ("n", "Re", "Ie") else value for key, value in RAYS.items()}
    shape = (9, 9)
    target = pc.image.TargetImage(np.zeros(shape), pixelscale=SCALE)
    model = Model(name="m", model_type=f"sersic {kind} galaxy model", target=target, **{kind + "s": count},
                  **values)
    image = model.sample().data
    reference = reference_pixels(kind, values, shape)
    bright = reference > 1e-4 * reference.max()
    # the stated accuracy: 2e-5 relative at the default tolerance (1e-5), the pixels holding the
    # centre (where every segment meets) and those crossed by a wedge's edges included
    assert np.max(np.abs(image[bright] / reference[bright] - 1)) < 2e-5


def finite_difference_columns(model, step=1e-3):
    """d image / d every scalar parameter by central differences (the model's Jacobian row order)."""
    columns = []
    for parameter in model.parameters:
        value = np.array(parameter.value, float)
        for index in np.ndindex(value.shape):
            h = step * max(1.0, abs(value[index])) if parameter.name != "center" else step
            up, down = value.copy(), value.copy()
            up[index] += h
            down[index] -= h
            parameter.value = up
            high = model.sample().data
            parameter.value = down
            low = model.sample().data
            parameter.value = value
            columns.append((high - low) / (2 * h))
    return np.array(columns)


PSF = np.outer(np.hanning(7), np.hanning(7))


@pytest.mark.parametrize("model_type, values", [
    ("sersic ray galaxy model", dict(rays=3, n=[1.5, 2.5, 1.0], Re=[1.0, 0.6, 0.8], Ie=[0.0, 0.3, -0.2])),
    ("sersic wedge galaxy model", dict(n=[1.5, 2.5], Re=[1.0, 0.6], Ie=[0.0, 0.3])),
    # the Gaussian's flux per segment: the core's amplitude converted segment by segment
    ("gaussian wedge galaxy model", dict(wedges=3, sigma=[1.0, 0.6, 0.8], flux=[1.0, 1.3, 0.8])),
    ("spline ray galaxy model", {"knots": [0.0, 0.5, 1.0, 2.0, 4.0],
                                 "I(R)": [[0.0, -0.3, -0.8, -1.5, -3.0], [0.2, -0.2, -0.9, -1.8, -3.5]]}),
    ("nuker wedge galaxy model", dict(wedges=3, Rb=[1.0, 1.2, 0.8], alpha=[2.0, 2.0, 1.5], beta=[4.0, 4.0, 3.5],
                                      gamma=[0.5, 0.3, 0.6], Ib=[0.0, 0.1, 0.2])),
    ("moffat ray galaxy model", dict(n=[2.5, 3.0], Rd=[0.8, 0.6], I0=[0.0, 0.2])),
    ("exponential wedge galaxy model", dict(wedges=4, Re=[1.0, 0.7, 1.2, 0.9], Ie=[0.0, 0.2, -0.1, 0.1])),
])
def test_every_jacobian_column_matches_central_differences(model_type, values):
    target = pc.image.TargetImage(np.zeros((24, 24)), pixelscale=SCALE, psf=PSF)
    model = Model(name="m", model_type=model_type, target=target, center=[3.05, 2.93], q=0.6, PA=0.5, **values)
    jacobian = model.jacobian().data
    expected = finite_difference_columns(model)
    assert jacobian.shape == expected.shape
    # the differences' own accuracy (step 1e-3 next to the centre pixel's cusp) is ~1e-4; a spline's
    # outermost knot moves only the faint light around and beyond it, where the profile's third
    # derivative jumps at the knot and the pixels are accepted on their values' error, not on that
    # column's: measured 3.8e-4 of the column's largest value there (every other column <= 5e-5)
    allowed = 5e-4 if model_type.startswith("spline") else 3e-4
    for k in range(len(expected)):
        scale = np.abs(expected[k]).max()
        assert np.abs(jacobian[k] - expected[k]).max() < allowed * scale, (k, model.jacobian().names[k])


@pytest.mark.parametrize("kind", ["ray", "wedge"])
def test_one_segment_is_the_elliptical_model(kind):
    target = pc.image.TargetImage(np.zeros((24, 24)), pixelscale=SCALE, psf=PSF)
    geometry = dict(center=[3.05, 2.93], q=0.55, PA=2.2)
    one = Model(name="s", model_type=f"sersic {kind} galaxy model", target=target, **{kind + "s": 1}, **geometry,
                n=[1.8], Re=[1.2], Ie=[0.1])
    ellipse = Model(name="e", model_type="sersic galaxy model", target=target, **geometry, n=1.8, Re=1.2, Ie=0.1)
    np.testing.assert_allclose(one.sample().data, ellipse.sample().data, rtol=3e-5,
                               atol=3e-5 * ellipse.sample().data.max())
    jacobian, expected = one.jacobian(), ellipse.jacobian()
    for k in range(len(expected.names)):
        scale = np.abs(expected.data[k]).max()
        np.testing.assert_allclose(jacobian.data[k], expected.data[k], atol=1e-4 * scale, err_msg=expected.names[k])
    assert one.total_flux() == pytest.approx(ellipse.total_flux(), rel=1e-12)


def test_total_flux_is_the_mean_of_the_segments():
    target = pc.image.TargetImage(np.zeros((120, 120)), pixelscale=SCALE)
    model = Model(name="w", model_type="exponential wedge galaxy model", target=target, wedges=3,
                  center=[15.0, 15.0], q=0.7, PA=0.4, Re=[1.0, 1.5, 0.8], Ie=[0.0, -0.2, 0.3])
    assert model.sample().data.sum() == pytest.approx(model.total_flux(), rel=1e-4)


@pytest.fixture
def wedge_model():
    target = pc.image.TargetImage(np.random.default_rng(1).normal(0, 0.01, (24, 24)), pixelscale=SCALE, psf=PSF)
    return Model(name="w", model_type="sersic wedge galaxy model", target=target, wedges=3, center=[3.05, 2.93],
                 q=0.6, PA=0.5, n=[1.5, 2.5, 1.0], Re=[1.0, 0.6, 0.8], Ie=[0.0, 0.3, -0.2])


def test_yaml_round_trip(tmp_path, wedge_model):
    wedge_model.save(tmp_path / "m.yaml")
    loaded = Model(filename=tmp_path / "m.yaml")
    assert loaded.model_type == "sersic wedge galaxy model" and loaded.wedges == 3
    loaded.target = wedge_model.target
    assert np.array_equal(loaded.sample().data, wedge_model.sample().data)
    assert np.array_equal(loaded["n"].value, wedge_model["n"].value)


def test_spline_ray_yaml_round_trip(tmp_path):
    target = pc.image.TargetImage(np.zeros((20, 20)), pixelscale=SCALE)
    model = Model(name="s", model_type="spline ray galaxy model", target=target, rays=3, center=[2.5, 2.5], q=0.7,
                  PA=0.3, knots=[0.0, 1.0, 3.0], **{"I(R)": [[0.0, -1.0, -2.5], [0.3, -0.8, -2.0], [0.1, -1.2, -3.0]]})
    model.save(tmp_path / "s.yaml")
    loaded = Model(filename=tmp_path / "s.yaml")
    loaded.target = target
    assert loaded.rays == 3 and loaded["I(R)"].value.shape == (3, 3)
    assert np.array_equal(loaded.sample().data, model.sample().data)


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_pickle_round_trip(wedge_model, protocol):
    copy = pickle.loads(pickle.dumps(wedge_model, protocol=protocol))
    assert type(copy) is type(wedge_model) and copy.wedges == 3
    image, jacobian = copy.sample_with_jacobian()
    expected_image, expected_jacobian = wedge_model.sample_with_jacobian()
    np.testing.assert_array_equal(image.data, expected_image.data)
    np.testing.assert_array_equal(jacobian.data, expected_jacobian.data)


@pytest.mark.parametrize("model_type, truth", [
    ("sersic wedge galaxy model", dict(center=[5.05, 4.93], q=0.6, PA=0.5, n=[1.2, 2.0], Re=[1.4, 0.9],
                                       Ie=[0.3, 0.6])),
    ("exponential ray galaxy model", dict(rays=3, center=[5.05, 4.93], q=0.7, PA=0.3, Re=[1.0, 1.5, 1.2],
                                          Ie=[0.4, 0.2, 0.5])),
])
def test_fit_of_noisy_convolved_data_recovers_the_truth(model_type, truth):
    shape, sigma = (40, 40), 0.01
    blank = pc.image.TargetImage(np.zeros(shape), pixelscale=SCALE, psf=PSF)
    clean = Model(name="truth", model_type=model_type, target=blank, **truth).sample().data
    data = clean + np.random.default_rng(7).normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, pixelscale=SCALE, variance=np.full(shape, sigma**2), psf=PSF)
    options = {"rays": truth["rays"]} if "rays" in truth else {}
    model = Model(name="fit", model_type=model_type, target=target, **options).initialize()
    result = pc.fit.LM(model).fit()
    assert result.success, result.message
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.1)
    for name in ("q", "PA", "n", "Re", "Ie"):
        if name in truth:
            pull = (np.asarray(model[name].value) - truth[name]) / np.asarray(model[name].uncertainty)
            assert np.all(np.abs(pull) < 4.0), (name, model[name].value, truth[name])


@pytest.mark.parametrize("model_type", sorted(model.model_type for model in SECTOR_MODELS.values()))
def test_initialize_gives_a_finite_start_near_the_light(model_type):
    shape = (32, 32)
    y, x = np.mgrid[:shape[0], :shape[1]]
    blob = 20.0 * np.exp(-(((x - 15.3) * 0.9) ** 2 + ((y - 16.1) * 1.2) ** 2) / 18.0) * (1 + 0.3 * (x > 15.3))
    data = blob + np.random.default_rng(3).normal(0.0, 0.1, shape)
    target = pc.image.TargetImage(data, pixelscale=SCALE, variance=np.full(shape, 0.01), psf=PSF)
    options = {"rays" if " ray " in model_type else "wedges": 3}
    model = Model(name="m", model_type=model_type, target=target, **options).initialize()
    for parameter in model.parameters:
        assert parameter.value is not None and np.all(np.isfinite(parameter.value)), parameter.name
    assert np.shape(model.parameters[model.parameter_specs[3].name].value)[0] == 3
    assert np.allclose(model["center"].value, [15.8 * SCALE, 16.6 * SCALE], atol=2 * SCALE)
    image = model.sample().data
    assert np.all(np.isfinite(image)) and image.sum() == pytest.approx(blob.sum(), rel=0.5)


def test_bad_options_and_values_are_refused():
    with pytest.raises(ValueError, match=r"rays must be an integer in \[1, 32\]"):
        Model(name="r", model_type="sersic ray galaxy model", rays=0)
    with pytest.raises(ValueError, match=r"wedges must be an integer in \[1, 32\]"):
        Model(name="w", model_type="sersic wedge galaxy model", wedges=2.5)
    with pytest.raises(ValueError, match=r"parameter 'n' must be shape \(3,\)"):
        Model(name="r", model_type="sersic ray galaxy model", rays=3, n=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"the number of rays must be an integer in \[1, 32\]"):
        pc.render_profile("exponential/ray:40", {}, (4, 4), center=(2, 2))
    with pytest.raises(ValueError, match=r"must have 4 values \['Re\[0\]', 'Ie\[0\]', 'Re\[1\]', 'Ie\[1\]'\]"):
        pc.render_profile("exponential/wedge:2", [1.0, 0.0], (4, 4), center=(2, 2))


def test_segment_light_profiles_draw_one_line_per_segment(wedge_model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    lines = pc.plots.wedge_light_profile(fig, ax, wedge_model)
    assert len(lines) == 3 and all(np.all(np.isfinite(line.get_ydata())) for line in lines)
    with pytest.raises(TypeError, match="must be a ray galaxy model"):
        pc.plots.ray_light_profile(fig, ax, wedge_model)
    plt.close(fig)
    with pytest.raises(ValueError, match="symmetric_rays must be True"):
        Model(name="r", model_type="sersic ray galaxy model", symmetric_rays=False)
