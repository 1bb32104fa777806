"""The plots draw what they should (Agg backend)."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from polychrome import plots  # noqa: E402
from polychrome.image import ModelImage, TargetImage, TargetImageList, Window  # noqa: E402


def _target(shape=(20, 30), pixelscale=0.5, origin=(0.0, 0.0), seed=0):
    rng = np.random.default_rng(seed)
    return TargetImage(rng.normal(size=shape), variance=np.full(shape, 4.0), pixelscale=pixelscale,
                       origin=origin)


def test_target_image_list_uses_one_axis_per_image():
    targets = TargetImageList([_target(), _target((12, 12), 1.5, (2.0, 1.0), seed=1)])
    fig, axes = plt.subplots(1, 2)
    meshes = plots.target_image(fig, axes, targets)
    assert len(meshes) == 2
    assert meshes[1].get_array().size == 144
    with pytest.raises(ValueError, match="need 2 axes"):
        plots.target_image(fig, axes[0], targets)
    plt.close(fig)


def test_residuals_have_a_symmetric_colour_scale_and_are_normalised():
    target = _target()
    fig, ax = plt.subplots()
    (mesh,) = plots.residual_image(fig, ax, target, np.zeros(target.shape))
    lo, hi = mesh.get_clim()
    assert lo == -hi and hi > 0
    assert np.allclose(np.asarray(mesh.get_array()).ravel(), (target.data / 2.0).ravel())
    plt.close(fig)


def test_model_window_draws_a_rectangle_per_window():
    target = _target()
    fig, ax = plt.subplots()
    plots.target_image(fig, ax, target)
    patches = plots.model_window(fig, ax, target, [Window(target, [[2, 10], [3, 9]]),
                                                   Window(target, [[12, 20], [5, 15]])])
    assert len(patches) == 2 and len(ax.patches) == 2
    # the first window's lower-left corner sits at plane (2, 3) px * 0.5 arcsec
    assert np.allclose(patches[0].get_xy()[0], (1.0, 1.5))
    plt.close(fig)


def test_model_image_draws_rotated_grids_on_the_plane():
    theta = 0.5
    P = 0.3 * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    model = ModelImage((10, 12), pixelscale=P, data=np.ones((10, 12)))
    fig, ax = plt.subplots()
    (mesh,) = plots.model_image(fig, ax, model)
    corners = mesh.get_coordinates()
    assert np.allclose(corners[0, 0], P @ np.array([0.0, 0.0]))  # outer corner of pixel (0, 0)
    assert np.allclose(corners[-1, -1], P @ np.array([12.0, 10.0]))
    plt.close(fig)
