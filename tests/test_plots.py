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


def _fitted_galaxy(zeropoint):
    import polychrome as pc

    shape = (48, 48)
    image = pc.render_profile("sersic", dict(n=2.0, Re=3.0, Ie=0.0), shape, center=(24.2, 23.7), q=0.6,
                              PA=0.4)
    target = TargetImage(image + np.random.default_rng(0).normal(0, 1e-3, shape),
                         variance=np.full(shape, 1e-6), zeropoint=zeropoint)
    return pc.models.Model(name="g", model_type="sersic galaxy model", target=target, center=[24.2, 23.7],
                           q=0.6, PA=0.4, n=2.0, Re=3.0, Ie=0.0)


@pytest.mark.parametrize("zeropoint", [None, 27.0])
def test_radial_profile_of_data_and_model_agree(zeropoint):
    model = _fitted_galaxy(zeropoint)
    fig, ax = plt.subplots()
    data_line, model_line = plots.radial_light_profile(fig, ax, model, r_max=10.0)
    data, fitted = data_line.get_ydata(), model_line.get_ydata()
    good = np.isfinite(data) & np.isfinite(fitted)
    assert good.sum() > 10
    if zeropoint is None:
        assert np.allclose(data[good], fitted[good], rtol=0.05)
    else:
        assert np.allclose(data[good], fitted[good], atol=0.05)  # magnitudes
        assert ax.yaxis_inverted()
    plt.close(fig)


def test_covariance_ellipses_match_the_matrix():
    from matplotlib.patches import Ellipse

    covariance = np.array([[4.0, 1.2, 0.0], [1.2, 1.0, -0.3], [0.0, -0.3, 0.25]])
    fig, axes = plt.subplots(3, 3)
    drawn = plots.covariance_matrix(fig, axes, covariance, ["a", "b", "c"], values=[1.0, 2.0, 3.0])
    assert drawn == 3 * 2  # three pairs, 1 and 2 sigma
    ellipse = [p for p in axes[1, 0].patches if isinstance(p, Ellipse)][0]
    eigenvalues = np.linalg.eigvalsh(covariance[np.ix_([0, 1], [0, 1])])
    assert np.isclose(ellipse.width, 2 * np.sqrt(eigenvalues[-1]))
    assert np.isclose(ellipse.height, 2 * np.sqrt(eigenvalues[0]))
    assert ellipse.center == (1.0, 2.0)
    assert not axes[0, 2].get_visible()
    with pytest.raises(ValueError, match="names"):
        plots.covariance_matrix(fig, axes, covariance, ["a", "b"])
    plt.close(fig)


def test_autoprof_call_forms_residuals_on_the_window_and_windows_of_a_model():
    import polychrome as pc

    target = _target((30, 40), 0.5)
    galaxy = pc.models.Model(name="g", model_type="sersic galaxy model", target=target, window=[[5, 25], [4, 20]],
                             center=[7.5, 6.0], q=0.7, PA=0.3, n=1.5, Re=1.5, Ie=0.0)
    sky = pc.models.Model(name="sky", model_type="flat sky model", target=target, F=0.0)
    group = pc.models.Model(name="grp", model_type="group model", models=[galaxy, sky])
    fig, ax = plt.subplots()
    (mesh,) = plots.residual_image(fig, ax, galaxy, normalize_residuals=True)
    expected = (target.data[4:20, 5:25] - galaxy.sample().data) / 2.0
    assert np.allclose(np.asarray(mesh.get_array()).reshape(16, 20), expected)
    (again,) = plots.residual_image(fig, ax, target, galaxy)  # (target, model) order
    assert np.allclose(np.asarray(again.get_array()), np.asarray(mesh.get_array()))
    plt.close(fig)
    fig, ax = plt.subplots()
    patches = plots.model_window(fig, ax, group)
    assert len(patches) == 2 and len(ax.collections) == 1  # the target drawn, one outline per component
    assert np.allclose(patches[0].get_xy()[0], (5 * 0.5, 4 * 0.5))
    plt.close(fig)


def test_pixel_axes_put_windows_on_the_pixels_of_the_whole_image():
    """axes="pixels": pixel centres at integer indices of the whole image; a window's model image
    and outline sit at the window's pixels; a bad value names the argument."""
    target = _target(origin=(3.0, -2.0))
    window = Window(target, [[4, 12], [6, 10]])
    fig, ax = plt.subplots(1, 3)
    (whole,) = plots.target_image(fig, ax[0], target, axes="pixels")
    corners = np.asarray(whole.get_coordinates())
    assert np.allclose(corners[0, 0], (-0.5, -0.5)) and np.allclose(corners[-1, -1], (29.5, 19.5))
    assert ax[0].get_xlabel() == "x [pixel]"
    (part,) = plots.model_image(fig, ax[1], ModelImage(window, data=np.ones(window.shape)), axes="pixels")
    assert np.allclose(np.asarray(part.get_coordinates())[0, 0], (3.5, 5.5))
    (residual,) = plots.residual_image(fig, ax[2], target, ModelImage(window), axes="pixels")
    assert np.allclose(np.asarray(residual.get_coordinates())[0, 0], (3.5, 5.5))
    (outline,) = plots.model_window(fig, ax[0], target, window, axes="pixels")
    assert np.allclose(outline.get_xy()[0], (3.5, 5.5))
    with pytest.raises(ValueError, match="axes must be one of"):
        plots.target_image(fig, ax[0], target, axes="degrees")
    plt.close(fig)


@pytest.mark.parametrize("stretch,norm", [("asinh", "AsinhNorm"), ("log", "LogNorm"), ("linear", "Normalize")])
def test_stretches(stretch, norm):
    target = _target()
    target.data[10, 15] = 50.0  # a source above the noise
    fig, ax = plt.subplots(1, 2)
    (mesh,) = plots.target_image(fig, ax[0], target, stretch=stretch)
    assert type(mesh.norm).__name__ == norm
    assert mesh.norm.vmax == pytest.approx(50.0) and mesh.norm.vmin < 50.0
    if stretch == "log":
        assert mesh.norm.vmin > 0
    (model,) = plots.model_image(fig, ax[1], ModelImage(Window(target), data=np.abs(target.data)),
                                 stretch=stretch)
    assert type(model.norm).__name__ == norm
    with pytest.raises(ValueError, match="stretch must be one of"):
        plots.model_image(fig, ax[1], ModelImage(Window(target)), stretch="sqrt")
    plt.close(fig)
