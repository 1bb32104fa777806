"""The pixelated model: pixels against brute-force quadrature of an independent bilinear interpolant,
exact closed forms, every Jacobian column against central differences, flux conservation, save/load,
pickling, a fit of simulated data, bad input, and the model in a group with a Sersic."""

import math
import pickle

import numpy as np
import pytest

import polychrome as pc
from polychrome.models import Model

rng0 = np.random.default_rng(12)
NODES = 0.5 + rng0.uniform(0.0, 1.0, (5, 7))  # flux/arcsec^2, rows along the grid's v


def interpolant(nodes, u, v):
    """The brightness at grid coordinates (u, v) (node columns at u = 0 .. nx-1), written from the
    definition alone: the cell's bilinear function, the outer cells' continued over the half-cell
    border, zero beyond [-0.5, n - 0.5]."""
    ny, nx = nodes.shape
    k = np.clip(np.floor(u).astype(int), 0, nx - 2)
    l = np.clip(np.floor(v).astype(int), 0, ny - 2)
    a, b = u - k, v - l
    value = ((1 - a) * (1 - b) * nodes[l, k] + a * (1 - b) * nodes[l, k + 1]
             + (1 - a) * b * nodes[l + 1, k] + a * b * nodes[l + 1, k + 1])
    inside = (u >= -0.5) & (u <= nx - 0.5) & (v >= -0.5) & (v <= ny - 0.5)
    return np.where(inside, value, 0.0)


def brute_force(nodes, shape, P, origin, center, pa, scale, sub=32, order=2):
    """Pixel integrals (flux) by tensor Gauss-Legendre: each pixel cut into sub x sub squares with
    order x order points each, mapped to the plane by origin + P @ (x, y) (pixel corners at integers),
    then to the grid by the inverse rotation and scale."""
    ny, nx = shape
    x, w = np.polynomial.legendre.leggauss(order)
    x, w = (x + 1) / 2, w / 2
    offsets = ((np.arange(sub)[:, None] + x[None, :]) / sub).ravel()
    weights = np.tile(w, sub) / sub
    gy, gx = nodes.shape
    c, s = math.cos(pa), math.sin(pa)
    cols = np.arange(nx)[None, :, None, None]
    rows = np.arange(ny)[:, None, None, None]
    px = cols + offsets[None, None, None, :]
    py = rows + offsets[None, None, :, None]
    X = origin[0] + P[0, 0] * px + P[0, 1] * py - center[0]
    Y = origin[1] + P[1, 0] * px + P[1, 1] * py - center[1]
    u = (c * X + s * Y) / scale + 0.5 * (gx - 1)
    v = (-s * X + c * Y) / scale + 0.5 * (gy - 1)
    f = interpolant(nodes, u, v)
    return np.einsum("ijab,a,b->ij", f, weights, weights) * abs(np.linalg.det(P))


def _cuts(start, stop, offsets, slopes, levels):
    """Sorted t in (start, stop) where offset + slope * t hits one of ``levels``, with the ends."""
    cuts = [start, stop]
    for offset, slope in zip(offsets, slopes):
        if slope != 0.0:
            t = (np.asarray(levels) - offset) / slope
            cuts.extend(t[(t > start) & (t < stop)])
    return np.sort(cuts)


def sweep_reference(nodes, shape, P, origin, center, pa, scale):
    """Pixel integrals (flux), exact to rounding, by a sweep independent of polygon clipping: along
    each row of pixel-index space the brightness is a quadratic between the points where the row
    crosses a cell boundary or the grid's edge (two-point Gauss-Legendre per piece); the row
    integral is a cubic in y between the heights of the cells' corners and of the boundaries'
    crossings with the pixel's sides (three-point Gauss-Legendre per piece)."""
    gy, gx = nodes.shape
    bu = np.array([-0.5] + list(range(1, gx - 1)) + [gx - 0.5], float)
    bv = np.array([-0.5] + list(range(1, gy - 1)) + [gy - 0.5], float)
    c, s = math.cos(pa), math.sin(pa)
    A = np.array([[c, s], [-s, c]]) / scale
    M = A @ P  # pixel index (x, y) -> grid (u, v)
    u0 = A @ (np.asarray(origin, float) - np.asarray(center, float)) + 0.5 * np.array([gx - 1, gy - 1])
    Minv = np.linalg.inv(M)
    corners = Minv @ (np.stack(np.meshgrid(bu, bv), -1).reshape(-1, 2) - u0).T  # (2, n) in (x, y)
    x2, w2 = np.polynomial.legendre.leggauss(2)
    y3, w3 = np.polynomial.legendre.leggauss(3)

    def row(y, j):
        # u = u0 + M[0,0] x + M[0,1] y, v likewise: where they meet the boundaries along x
        cuts = np.sort(np.concatenate([_cuts(j, j + 1, [u0[0] + M[0, 1] * y], [M[0, 0]], bu),
                                       _cuts(j, j + 1, [u0[1] + M[1, 1] * y], [M[1, 0]], bv)]))
        a, b = cuts[:-1], cuts[1:]
        x = 0.5 * (a + b)[:, None] + 0.5 * (b - a)[:, None] * x2[None, :]
        u = u0[0] + M[0, 0] * x + M[0, 1] * y
        v = u0[1] + M[1, 0] * x + M[1, 1] * y
        return np.sum(interpolant(nodes, u, v) * w2[None, :] * 0.5 * (b - a)[:, None])

    out = np.zeros(shape)
    for i in range(shape[0]):
        for j in range(shape[1]):
            heights = [i, i + 1] + list(corners[1][(corners[1] > i) & (corners[1] < i + 1)])
            for side in (j, j + 1):  # boundaries crossing the pixel's sides
                heights.extend(_cuts(i, i + 1, [u0[0] + M[0, 0] * side], [M[0, 1]], bu))
                heights.extend(_cuts(i, i + 1, [u0[1] + M[1, 0] * side], [M[1, 1]], bv))
            heights = np.unique(heights)
            total = 0.0
            for y0, y1 in zip(heights[:-1], heights[1:]):
                for t, w in zip(y3, w3):
                    total += w * 0.5 * (y1 - y0) * row(0.5 * (y0 + y1) + 0.5 * (y1 - y0) * t, j)
            out[i, j] = total
    return out * abs(np.linalg.det(P))


def target_of(shape, P, origin=(0.0, 0.0), **kwargs):
    return pc.image.TargetImage(np.zeros(shape), pixelscale=np.asarray(P, float), origin=origin, **kwargs)


ROTATED = dict(P=np.array([[0.31, -0.07], [0.05, 0.42]]), center=(2.9, 3.6), pa=0.63, scale=0.55)


@pytest.mark.parametrize("case", [
    dict(P=np.eye(2) * 0.5, center=(4.1, 3.3), pa=0.0, scale=0.5),
    ROTATED,
    dict(P=np.array([[0.0, 0.4], [0.4, 0.0]]), center=(3.0, 2.7), pa=2.2, scale=0.9),  # flipped axes
    dict(P=np.eye(2) * 0.45, center=(3.2, 3.3), pa=4.0, scale=0.17),  # cells smaller than pixels
])
def test_pixels_match_brute_force_quadrature(case):
    shape = (18, 20)
    target = target_of(shape, case["P"])
    model = Model(name="pix", model_type="pixelated model", target=target, I=NODES, center=case["center"],
                  PA=case["pa"], pixelscale=case["scale"])
    assert model.psf_mode == "none" and model.grid_shape == NODES.shape
    got = model.sample().data
    args = (NODES, shape, case["P"], (0.0, 0.0), case["center"], case["pa"], case["scale"])
    exact = sweep_reference(*args)
    peak = np.abs(exact).max()
    np.testing.assert_allclose(got, exact, rtol=0, atol=1e-12 * peak)
    # and the plain brute force (Gauss-Legendre on 48 x 48 squares per pixel) agrees to its own
    # resolution (it converges like 1/48 at the grid's edge, where the brightness jumps)
    assert np.abs(got - brute_force(*args, sub=48)).max() < 6e-3 * peak
    assert np.abs(got).sum() > 0.5 * np.abs(exact).sum()  # the grid is on the image


def aligned_operator(n):
    """(n, n): 1-D pixel means of the interpolant for nodes on the pixel centres, same spacing: the
    end pixels lie in one linear piece (value = end node); the others (1, 6, 1) / 8."""
    A = np.zeros((n, n))
    A[0, 0] = A[-1, -1] = 1.0
    for i in range(1, n - 1):
        A[i, i - 1:i + 2] = [1 / 8, 6 / 8, 1 / 8]
    return A


def test_aligned_grid_has_the_closed_form():
    shape, p = NODES.shape, 0.4
    target = target_of(shape, np.eye(2) * p, origin=(1.0, -2.0))
    model = Model(name="pix", model_type="pixelated model", target=target).initialize()
    model["I"].value = NODES
    # the defaults put the nodes on the pixel centres
    assert model["pixelscale"].value == pytest.approx(p) and model["PA"].value == 0.0
    expected = p * p * aligned_operator(shape[0]) @ NODES @ aligned_operator(shape[1]).T
    np.testing.assert_allclose(model.sample().data, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("case", [ROTATED, dict(P=np.eye(2) * 0.5, center=(5.0, 4.6), pa=1.0, scale=0.3)])
def test_total_flux_is_the_integral_of_the_interpolant(case):
    # an image covering the whole grid: the pixels sum to the integral (exactly, to rounding)
    target = target_of((40, 40), case["P"], origin=(-4.0, -4.0))
    model = Model(name="pix", model_type="pixelated model", target=target, window=[[0, 40], [0, 40]], I=NODES,
                  center=case["center"], PA=case["pa"], pixelscale=case["scale"], scale=1.7)
    flux = model.total_flux()
    # the integral by the definition: two-point Gauss-Legendre on each cell (exact for a bilinear
    # function), the outer cells stretched to the grid's edge
    gy, gx = NODES.shape
    t, w = np.polynomial.legendre.leggauss(2)

    def points(n):
        edges = np.array([-0.5] + list(range(1, n - 1)) + [n - 0.5])
        a, b = edges[:-1, None], edges[1:, None]
        return (0.5 * (a + b) + 0.5 * (b - a) * t).ravel(), (0.5 * (b - a) * w).ravel()

    (u, wu), (v, wv) = points(gx), points(gy)
    U, V = np.meshgrid(u, v)
    integral = wv @ interpolant(NODES, U, V) @ wu * case["scale"] ** 2 * 1.7
    assert flux == pytest.approx(integral, rel=1e-13)
    assert model.sample().data.sum() == pytest.approx(flux, rel=1e-12)


def central_differences(model, name, index, h):
    parameter = model[name]
    start = np.array(parameter.value, float)
    up, down = start.copy(), start.copy()
    up.flat[index] += h
    down.flat[index] -= h
    parameter.value = up
    plus = model.sample().data
    parameter.value = down
    minus = model.sample().data
    parameter.value = start
    return (plus - minus) / (2 * h)


@pytest.mark.parametrize("psf", [False, True])
def test_every_jacobian_column_matches_central_differences(psf):
    kwargs = {}
    if psf:
        kwargs = dict(psf=pc.utils.initialize.gaussian_psf(0.4, 7, 0.31), psf_upsample=1)
    target = pc.image.TargetImage(np.zeros((16, 18)), pixelscale=np.array([[0.31, 0.0], [0.0, 0.31]]), **kwargs)
    nodes = NODES[:4, :5]
    model = Model(name="pix", model_type="pixelated model", target=target, window=[[0, 18], [0, 16]], I=nodes,
                  center=(2.7, 2.5), PA={"value": 0.4, "locked": False},
                  pixelscale={"value": 0.5, "locked": False}, scale={"value": 1.3, "locked": False})
    assert model.psf_mode == ("full" if psf else "none")
    jacobian = model.jacobian()
    names = jacobian.names
    expect = ["pix:center[0]", "pix:center[1]"] + [f"pix:I[{k}]" for k in range(nodes.size)] + \
        ["pix:PA", "pix:pixelscale", "pix:scale"]
    assert names == expect
    columns = [("center", 0, 1e-5), ("center", 1, 1e-5)] + [("I", k, 1e-3) for k in range(nodes.size)] + \
        [("PA", 0, 1e-6), ("pixelscale", 0, 1e-6), ("scale", 0, 1e-5)]
    for row, (name, index, h) in enumerate(columns):
        numeric = central_differences(model, name, index, h)
        analytic = jacobian.data[row]
        scale = np.abs(numeric).max()
        assert scale > 0, names[row]
        np.testing.assert_allclose(analytic, numeric, rtol=0, atol=2e-7 * scale, err_msg=names[row])


@pytest.mark.parametrize("upsample", [1, 2])
def test_psf_convolution_matches_a_convolution_of_the_fine_render(upsample):
    from scipy.signal import fftconvolve

    pixel, shape = 0.3, (14, 16)
    psf = pc.utils.initialize.gaussian_psf(0.35, 9, pixel / upsample)
    target = pc.image.TargetImage(np.zeros(shape), pixelscale=pixel, psf=psf, psf_upsample=upsample)
    geometry = dict(I=NODES[:4, :4], center=(2.4, 2.1), PA=0.5, pixelscale=0.45)
    model = Model(name="pix", model_type="pixelated model", target=target, window=[[0, 16], [0, 14]], **geometry)
    assert model.psf_mode == "full"
    # by hand: the light on a fine grid reaching the PSF's half-size beyond the window, convolved, binned
    half = psf.shape[0] // 2
    fine_shape = (upsample * shape[0] + 2 * half, upsample * shape[1] + 2 * half)
    origin = (-half * pixel / upsample, -half * pixel / upsample)
    fine = target_of(fine_shape, np.eye(2) * pixel / upsample, origin=origin)
    light = Model(name="light", model_type="pixelated model", target=fine, psf_mode="none", **geometry).sample().data
    kernel = np.asarray(psf, float) / np.sum(psf)
    convolved = fftconvolve(light, kernel, mode="valid")
    expected = convolved.reshape(shape[0], upsample, shape[1], upsample).sum(axis=(1, 3))
    np.testing.assert_allclose(model.sample().data, expected, rtol=0, atol=1e-10 * expected.max())
    # the light all lands on the window here: the PSF conserves it
    assert model.sample().data.sum() == pytest.approx(model.total_flux(), rel=1e-3)


def test_defaults_lock_the_geometry_and_scale():
    target = target_of((8, 9), np.eye(2) * 0.5)
    model = Model(name="pix", model_type="pixelated model", target=target, PA=0.3).initialize()
    assert model["PA"].locked and model["pixelscale"].locked and model["scale"].locked
    assert not model["I"].locked and not model["center"].locked
    assert model["scale"].value == 1.0 and model["PA"].value == pytest.approx(0.3)
    assert model["I"].value.shape == (8, 9)


def test_initialize_takes_the_data_per_pixel_area():
    rng = np.random.default_rng(1)
    data = rng.uniform(1.0, 2.0, (9, 11))
    target = pc.image.TargetImage(data, pixelscale=0.4, origin=(3.0, 1.0))
    model = Model(name="pix", model_type="pixelated model", target=target).initialize()
    np.testing.assert_allclose(model["I"].value, data / 0.16, rtol=1e-12)
    np.testing.assert_allclose(model["center"].value, [3.0 + 0.4 * 5.5, 1.0 + 0.4 * 4.5])
    # a rotated pixel frame: the grid takes its angle, and still starts from the data
    P = 0.4 * np.array([[math.cos(0.5), -math.sin(0.5)], [math.sin(0.5), math.cos(0.5)]])
    rotated = pc.image.TargetImage(data, pixelscale=P)
    model = Model(name="pix", model_type="pixelated model", target=rotated).initialize()
    assert model["PA"].value == pytest.approx(0.5)
    np.testing.assert_allclose(model["I"].value, data / 0.16, rtol=1e-9)
    # a coarser grid samples the data at its nodes
    model = Model(name="pix", model_type="pixelated model", target=target, grid_shape=(3, 4)).initialize()
    # (spanning the window: 3 pixels per cell)
    assert model["I"].value.shape == (3, 4) and model["pixelscale"].value == pytest.approx(1.2)
    np.testing.assert_allclose(model["I"].value.mean(), data.mean() / 0.16, rtol=0.1)


def test_fit_recovers_the_grid_within_its_uncertainties():
    rng = np.random.default_rng(5)
    shape, sigma = (24, 24), 0.01
    blank = target_of(shape, np.eye(2) * 0.25)
    truth = rng.uniform(0.5, 3.0, (6, 6))
    geometry = dict(center=(3.05, 2.95), PA=0.3, pixelscale=0.8)
    clean = Model(name="t", model_type="pixelated model", target=blank, I=truth, **geometry).sample().data
    target = pc.image.TargetImage(clean + rng.normal(0.0, sigma, shape), pixelscale=0.25,
                                  variance=np.full(shape, sigma**2))
    model = Model(name="pix", model_type="pixelated model", target=target, window=[[0, 24], [0, 24]],
                  I=np.ones((6, 6)), center={"value": geometry["center"], "locked": True},
                  PA=geometry["PA"], pixelscale=geometry["pixelscale"])
    result = pc.fit.LM(model).fit()
    assert result.success, result.message
    pulls = (model["I"].value - truth) / model["I"].uncertainty
    assert np.all(np.abs(pulls) < 4.5), pulls
    assert 0.5 < np.sqrt(np.mean(pulls**2)) < 1.6
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.1)


def test_save_load_and_pickle_round_trip(tmp_path):
    target = target_of((14, 15), ROTATED["P"])
    model = Model(name="pix", model_type="pixelated model", target=target, I=NODES, center=ROTATED["center"],
                  PA=ROTATED["pa"], pixelscale={"value": ROTATED["scale"], "locked": False}, scale=0.8)
    image = model.sample().data
    path = tmp_path / "pix.yaml"
    model.save(str(path))
    loaded = Model(filename=str(path))
    assert loaded.model_type == "pixelated model" and loaded.grid_shape == NODES.shape
    assert loaded["PA"].locked and not loaded["pixelscale"].locked
    loaded.target = target
    np.testing.assert_array_equal(loaded.sample().data, image)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.sample().data, image)


@pytest.mark.parametrize("kwargs, match", [
    (dict(I=np.array([[1.0, np.nan], [0.0, 1.0]])), r"I \(flux/arcsec\^2\) must be finite; 1 node value"),
    (dict(I=np.ones(4)), r"I must be a 2-D array .*got 1 dimension"),
    (dict(I=np.ones((2, 2, 2))), r"I must be a 2-D array .*got 3 dimension"),
    (dict(I=[["a", "b"], ["c", "d"]]), r"I must be a 2-D array"),
    (dict(I=np.ones((1, 5))), r"I's shape \(1, 5\) \(rows, columns\) must have 2 to 200 nodes"),
    (dict(I=np.ones((3, 3)), pixelscale=0.0), r"parameter 'pixelscale': value 0.0 outside its limits"),
    (dict(I=np.ones((3, 3)), pixelscale=-1.0), r"parameter 'pixelscale': value -1.0 outside its limits"),
    (dict(I=np.ones((3, 3)), scale=-1.0), r"parameter 'scale'"),
    (dict(grid_shape=(2, 0)), r"grid_shape \(2, 0\)"),
    (dict(grid_shape="big"), r"grid_shape must be two integers"),
    (dict(grid_shape=(3, 3), I=np.ones((2, 2))), r"parameter 'I' must be shape \(3, 3\)"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    target = target_of((8, 8), np.eye(2) * 0.5)
    with pytest.raises((ValueError, TypeError), match=match):
        model = Model(name="pix", model_type="pixelated model", target=target, center=(2.0, 2.0), **kwargs)
        model["I"].value = model["I"].value  # anything left renders
        model.sample()


def test_setting_bad_values_later_is_refused():
    target = target_of((8, 8), np.eye(2) * 0.5)
    model = Model(name="pix", model_type="pixelated model", target=target, I=np.ones((3, 3)), center=(2.0, 2.0),
                  pixelscale=0.5)
    with pytest.raises(ValueError, match="parameter 'I': value must be finite"):
        model["I"].value = np.array([[1.0, np.nan, 1.0]] * 3)
    with pytest.raises(ValueError, match="parameter 'I': value must keep shape"):
        model["I"].value = np.ones(9)
    with pytest.raises(ValueError, match="parameter 'pixelscale': value -0.5 outside its limits"):
        model["pixelscale"].value = -0.5
    np.testing.assert_array_equal(model["I"].value, np.ones((3, 3)))


def test_a_live_psf_model_is_refused():
    target = target_of((9, 9), np.eye(2) * 0.5)
    star = Model(name="psf", model_type="moffat psf model", target=target_of((7, 7), np.eye(2) * 0.5),
                 n=2.0, Rd=0.6)
    with pytest.raises(ValueError, match="live PSF model is not supported"):
        Model(name="pix", model_type="pixelated model", target=target, psf=star)


def test_in_a_group_with_a_sersic_and_a_psf():
    rng = np.random.default_rng(9)
    shape, sigma = (40, 40), 0.005
    psf = pc.utils.initialize.gaussian_psf(0.5, 9, 0.25)
    blank = pc.image.TargetImage(np.zeros(shape), pixelscale=0.25, psf=psf)
    sersic_truth = dict(center=[4.1, 5.2], q=0.7, PA=1.1, n=1.2, Re=1.2, Ie=-0.3)
    knot = rng.uniform(0.0, 0.3, (4, 4))
    geometry = dict(center=(6.5, 3.5), PA=0.2, pixelscale=0.6)
    clean = (Model(name="g", model_type="sersic galaxy model", target=blank, **sersic_truth).sample().data
             + Model(name="k", model_type="pixelated model", target=blank, I=knot, **geometry).sample().data)
    target = pc.image.TargetImage(clean + rng.normal(0.0, sigma, shape), pixelscale=0.25, psf=psf,
                                  variance=np.full(shape, sigma**2))
    galaxy = Model(name="g", model_type="sersic galaxy model", target=target, **sersic_truth)
    pixels = Model(name="k", model_type="pixelated model", target=target, I=np.full((4, 4), 0.1),
                   center={"value": geometry["center"], "locked": True}, PA=0.2, pixelscale=0.6)
    group = Model(name="field", model_type="group model", models=[galaxy, pixels])
    assert pixels.psf_mode == "full"
    result = pc.fit.LM(group).fit()
    assert result.success, result.message
    pulls = (pixels["I"].value - knot) / pixels["I"].uncertainty
    assert np.all(np.abs(pulls) < 4.5), pulls
    for name in ("q", "n", "Re", "Ie"):
        assert abs((galaxy[name].value - sersic_truth[name]) / galaxy[name].uncertainty) < 4.5, name


def test_registered_and_exported():
    assert "pixelated model" in pc.models.model_types()
    assert pc.models.PixelatedModel is pc.models.Pixelated_Model
