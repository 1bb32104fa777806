"""The bilinear sky model: pixels against brute-force quadrature of the bilinear surface, a fit of
simulated data recovering the node values within their uncertainties, and clear errors."""

import numpy as np
import pytest
from scipy.interpolate import RegularGridInterpolator

import polychrome as pc
from polychrome.models import Model

NODES = np.array([[0.30, 0.10, 0.25, 0.05],
                  [0.12, 0.40, 0.30, 0.20],
                  [0.00, 0.22, 0.18, 0.35]])  # flux/arcsec^2, rows along y


def brute_force_pixels(nodes, shape, pixelscale, samples=64):
    """Pixel fluxes: the mean of the bilinear surface through ``nodes`` (evenly spaced from the first
    to the last pixel centre, extrapolated linearly beyond) over samples x samples points per pixel,
    times the pixel area. scipy interpolates; nothing of polychrome is used."""
    ny, nx = shape
    surface = RegularGridInterpolator((np.linspace(0, ny - 1, nodes.shape[0]), np.linspace(0, nx - 1, nodes.shape[1])),
                                      nodes, method="linear", bounds_error=False, fill_value=None)
    offsets = (np.arange(samples) + 0.5) / samples - 0.5
    rows, cols = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    total = np.zeros(shape)
    for dy in offsets:
        for dx in offsets:
            total += surface(np.stack([rows + dy, cols + dx], axis=-1))
    return total / samples**2 * pixelscale**2


@pytest.mark.parametrize("shape", [(23, 31), (9, 7), (10, 8)])
def test_pixels_are_the_mean_of_the_bilinear_surface(shape):
    target = pc.image.TargetImage(np.zeros(shape), pixelscale=0.4)
    sky = Model(name="sky", model_type="bilinear sky model", target=target, I=NODES)
    assert sky.nodes == (3, 4) and sky.psf_mode == "none"
    expected = brute_force_pixels(NODES, shape, 0.4)
    # the midpoint samples are exact except in the sub-pixels a node line crosses
    np.testing.assert_allclose(sky.sample().data, expected, rtol=0, atol=2e-5 * np.abs(expected).max())


def test_a_window_carries_the_grid():
    target = pc.image.TargetImage(np.zeros((40, 50)), pixelscale=0.5)
    sky = Model(name="sky", model_type="bilinear sky model", target=target, window=[[10, 41], [5, 28]], I=NODES)
    np.testing.assert_allclose(sky.sample().data, brute_force_pixels(NODES, (23, 31), 0.5), atol=2e-6)


def test_one_node_is_a_flat_sky_and_a_constant_grid_is_constant():
    target = pc.image.TargetImage(np.zeros((12, 15)), pixelscale=0.3)
    single = Model(name="one", model_type="bilinear sky model", target=target, I=[[0.7]])
    flat = Model(name="flat", model_type="flat sky model", target=target, F=0.7)
    np.testing.assert_allclose(single.sample().data, flat.sample().data, rtol=1e-14)
    grid = Model(name="grid", model_type="bilinear sky model", target=target, nodes=(4, 5), I=np.full((4, 5), 0.7))
    np.testing.assert_allclose(grid.sample().data, flat.sample().data, rtol=1e-13)


def test_fit_recovers_the_nodes_within_their_uncertainties():
    rng = np.random.default_rng(3)
    shape, sigma = (60, 80), 0.02
    truth = Model(name="truth", model_type="bilinear sky model",
                  target=pc.image.TargetImage(np.zeros(shape), pixelscale=0.5), I=NODES)
    clean = truth.sample().data
    data = clean + rng.normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, pixelscale=0.5, variance=np.full(shape, sigma**2))
    sky = Model(name="sky", model_type="bilinear sky model", target=target, nodes=(3, 4)).initialize()
    result = pc.fit.LM(sky).fit()
    assert result.success, result.message
    pulls = (sky["I"].value - NODES) / sky["I"].uncertainty
    assert np.all(np.abs(pulls) < 4.0), pulls
    assert 0.3 < np.sqrt(np.mean(pulls**2)) < 2.0
    assert result.chi2_ndf == pytest.approx(1.0, abs=0.05)


def test_sky_under_a_galaxy_is_fitted_jointly():
    rng = np.random.default_rng(8)
    shape, sigma = (64, 64), 0.01
    blank = pc.image.TargetImage(np.zeros(shape), pixelscale=0.25)
    galaxy_truth = dict(center=[8.1, 7.9], q=0.6, PA=0.7, n=1.5, Re=1.5, Ie=-0.5)
    nodes = 0.05 + 0.02 * NODES[:2, :3]
    clean = (Model(name="g", model_type="sersic galaxy model", target=blank, **galaxy_truth).sample().data
             + Model(name="s", model_type="bilinear sky model", target=blank, I=nodes).sample().data)
    target = pc.image.TargetImage(clean + rng.normal(0, sigma, shape), pixelscale=0.25,
                                  variance=np.full(shape, sigma**2))
    galaxy = Model(name="g", model_type="sersic galaxy model", target=target)
    sky = Model(name="s", model_type="bilinear sky model", target=target, nodes=(2, 3))
    group = Model(name="field", model_type="group model", models=[galaxy, sky]).initialize()
    result = pc.fit.LM(group).fit()
    assert result.success, result.message
    for name in ("q", "n", "Re", "Ie"):
        pull = (galaxy[name].value - galaxy_truth[name]) / galaxy[name].uncertainty
        assert abs(pull) < 4.0, (name, pull)
    assert np.all(np.abs((sky["I"].value - nodes) / sky["I"].uncertainty) < 4.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(nodes=(0, 3)), r"nodes must be two integers \(rows, columns\) in \[1, 100\]"),
    (dict(nodes=(2.5, 3)), r"nodes must be two integers"),
    (dict(nodes="3x3"), r"nodes must be two integers"),
    (dict(nodes=(3, 3), I=np.zeros((2, 2))), r"I"),
    (dict(I=[0.1, 0.2, 0.3]), r"I must be a 2-D grid"),
    (dict(nodes=(12, 3)), r"nodes \(12, 3\) \(rows, columns\) must be at most the window's pixels \(10, 8\)"),
])
def test_bad_grids_are_refused_with_the_reason(kwargs, match):
    target = pc.image.TargetImage(np.zeros((10, 8)), pixelscale=0.5)
    with pytest.raises((ValueError, TypeError), match=match):
        Model(name="sky", model_type="bilinear sky model", target=target, **kwargs)


def test_psf_mode_full_is_refused():
    with pytest.raises(ValueError, match="psf_mode 'none'"):
        Model(name="sky", model_type="bilinear sky model", psf_mode="full")
