"""Images: pixel/plane maps, TargetImage validation, PSFImage, ModelImage, image lists, aliases."""

import warnings

import numpy as np
import pytest

import polychrome as pc
from polychrome.image import (ModelImage, ModelImageList, PSFImage, TargetImage, TargetImageList,
                              Window, WindowList)

ROTATED = 0.3 * np.array([[np.cos(0.4), -np.sin(0.4)], [np.sin(0.4), np.cos(0.4)]])
SHEARED = np.array([[0.26, 0.05], [-0.02, 0.31]])


@pytest.mark.parametrize("pixelscale", [0.262, ROTATED, SHEARED, np.diag([-0.2, 0.2])])
def test_pixel_plane_round_trip_and_convention(pixelscale):
    image = TargetImage(np.zeros((13, 17)), pixelscale=pixelscale, origin=(3.5, -2.0))
    matrix = pc.utils.coordinates.pixelscale_matrix(pixelscale)
    i, j = 4, 9  # row, column
    expected = np.array([3.5, -2.0]) + matrix @ np.array([j + 0.5, i + 0.5])
    np.testing.assert_allclose(image.pixel_to_plane(j, i), expected, atol=1e-12)
    y, x = np.indices(image.shape, dtype=float)
    px, py = image.pixel_to_plane(x, y)
    assert px.shape == image.shape
    back_x, back_y = image.plane_to_pixel(px, py)
    np.testing.assert_allclose(back_x, x, atol=1e-10)
    np.testing.assert_allclose(back_y, y, atol=1e-10)
    grid_x, grid_y = image.pixel_center_grid()
    np.testing.assert_allclose(grid_x, px)
    np.testing.assert_allclose(grid_y, py)
    assert image.pixel_area == pytest.approx(abs(np.linalg.det(matrix)))
    # the outer corner of pixel (0, 0) is the origin
    np.testing.assert_allclose(image.pixel_to_plane(-0.5, -0.5), [3.5, -2.0], atol=1e-12)


def test_target_image_stores_copies_and_defaults():
    data = np.arange(12.0).reshape(3, 4)
    image = TargetImage(data, weight=np.full((3, 4), 4.0), zeropoint=22.5)
    data[0, 0] = 99.0
    assert image.data[0, 0] == 0.0
    np.testing.assert_allclose(image.variance, 0.25)
    np.testing.assert_allclose(image.weight, 4.0)
    assert image.has_variance and image.zeropoint == 22.5 and not image.has_psf
    plain = TargetImage(np.ones((3, 4)))
    assert not plain.has_variance and np.all(plain.variance == 1.0)
    np.testing.assert_allclose(plain.pixelscale, np.eye(2))
    np.testing.assert_allclose(plain.origin, [0.0, 0.0])


def test_nan_data_is_masked_with_a_warning():
    data = np.ones((5, 6))
    data[1, 2] = np.nan
    data[3, 4] = np.inf
    with pytest.warns(UserWarning, match="2 NaN or inf pixel"):
        image = TargetImage(data, variance=np.ones((5, 6)))
    assert image.mask[1, 2] and image.mask[3, 4] and image.mask.sum() == 2
    assert np.all(np.isfinite(image.data))
    assert image.weight[1, 2] == 0.0


def test_masked_pixels_may_have_bad_variance():
    variance = np.ones((4, 4))
    variance[0, 0] = 0.0
    variance[1, 1] = np.nan
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = mask[1, 1] = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = TargetImage(np.ones((4, 4)), variance=variance, mask=mask)
    assert image.weight[0, 0] == 0.0


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(variance=np.ones((4, 5))), ValueError, "variance has shape"),
    (dict(weight=np.ones((5, 4))), ValueError, "weight has shape"),
    (dict(mask=np.zeros((3, 3), bool)), ValueError, "mask has shape"),
    (dict(variance=np.full((4, 4), np.nan)), ValueError, "variance has 16 NaN"),
    (dict(variance=-np.ones((4, 4))), ValueError, "variance must be positive"),
    (dict(variance=np.zeros((4, 4))), ValueError, "variance must be positive"),
    (dict(variance=np.full((4, 4), np.inf)), ValueError, "variance has 16 infinite"),
    (dict(weight=np.zeros((4, 4))), ValueError, "weight must be positive"),
    (dict(variance=np.ones((4, 4)), weight=np.ones((4, 4))), ValueError, "variance or weight"),
    (dict(psf=np.ones((4, 5))), ValueError, "odd number of pixels"),
    (dict(psf=np.ones((5, 4))), ValueError, "odd number of pixels"),
    (dict(psf=np.zeros((5, 5))), ValueError, "positive sum"),
    (dict(psf=np.full((3, 3), np.nan)), ValueError, "NaN or inf"),
    (dict(psf=np.ones(5)), ValueError, "2-D"),
    (dict(psf=np.ones((3, 3)), psf_upsample=0), ValueError, "psf_upsample must be >= 1"),
    (dict(psf=np.ones((3, 3)), psf_upsample=1.5), TypeError, "psf_upsample"),
    (dict(zeropoint="abc"), TypeError, "zeropoint"),
    (dict(zeropoint=np.nan), ValueError, "zeropoint must be finite"),
    (dict(pixelscale=-1.0), ValueError, "pixelscale"),
    (dict(pixelscale=np.zeros((2, 2))), ValueError, "pixelscale"),
    (dict(origin=(1.0, 2.0, 3.0)), ValueError, "origin"),
    (dict(mask=np.full((4, 4), "x")), TypeError, "mask"),
])
def test_target_image_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        TargetImage(np.ones((4, 4)), **kwargs)


@pytest.mark.parametrize("data, error, match", [
    (np.ones(5), ValueError, "data must be a 2-D"),
    (np.ones((0, 3)), ValueError, "data must not be empty"),
    ("abc", TypeError, "data must be a 2-D array"),
])
def test_target_image_bad_data(data, error, match):
    with pytest.raises(error, match=match):
        TargetImage(data)


def test_psf_is_normalised_and_on_the_fine_grid():
    psf = np.outer([1.0, 2.0, 1.0], [1.0, 3.0, 1.0])
    image = TargetImage(np.ones((8, 8)), psf=psf, psf_upsample=2, pixelscale=0.4)
    assert isinstance(image.psf, PSFImage)
    assert image.psf.data.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(image.psf.data, psf / psf.sum())
    np.testing.assert_allclose(image.psf.pixelscale, 0.2 * np.eye(2))
    # the centre of the central pixel is at plane (0, 0)
    np.testing.assert_allclose(image.psf.pixel_to_plane(1, 1), [0.0, 0.0], atol=1e-15)


def test_psf_image_argument_and_its_pixelscale():
    given = PSFImage(np.ones((5, 5)), pixelscale=0.5)
    image = TargetImage(np.ones((6, 6)), pixelscale=0.5, psf=given)
    np.testing.assert_allclose(image.psf.data, 1.0 / 25)
    free = PSFImage(np.ones((5, 5)))
    image = TargetImage(np.ones((6, 6)), pixelscale=ROTATED, psf=free)
    np.testing.assert_allclose(image.psf.pixelscale, ROTATED)
    with pytest.raises(ValueError, match="psf has pixelscale"):
        TargetImage(np.ones((6, 6)), pixelscale=0.3, psf=given)
    with pytest.raises(ValueError, match="odd number"):
        PSFImage(np.ones((4, 4)))


def test_model_image_from_shape_and_from_window():
    model = ModelImage((4, 6), pixelscale=0.5, origin=(1.0, 2.0))
    assert model.data.shape == (4, 6) and np.all(model.data == 0) and model.flux == 0.0
    target = TargetImage(np.ones((20, 30)), pixelscale=ROTATED, origin=(-3.0, 4.0))
    window = Window(target, [[5, 15], [2, 12]])
    model = ModelImage(window)
    assert model.shape == (10, 10) and model.source_window is window
    np.testing.assert_allclose(model.pixel_to_plane(0, 0), target.pixel_to_plane(5, 2), atol=1e-12)
    np.testing.assert_allclose(model.pixelscale, ROTATED)
    with pytest.raises(ValueError, match="pixelscale and origin come from its image"):
        ModelImage(window, pixelscale=1.0)
    with pytest.raises(ValueError, match="data has shape"):
        ModelImage((4, 6), data=np.ones((3, 3)))
    with pytest.raises(ValueError, match="shape must be"):
        ModelImage("big")


def test_image_lists_index_iterate_and_take_windows():
    a = TargetImage(np.ones((10, 10)), pixelscale=0.262)
    b = TargetImage(np.ones((5, 7)), pixelscale=2.75, origin=(-1.0, -1.0))
    images = TargetImageList([a, b])
    assert len(images) == 2 and images[1] is b and list(images) == [a, b]
    assert images.index(b) == 1 and a in images and images.plane is None
    windows = WindowList([Window(a, [[2, 6], [3, 8]]), Window(b, [[0, 3], [1, 4]])])
    views = images[windows]
    assert isinstance(views, TargetImageList)
    assert [v.shape for v in views] == [(5, 4), (3, 3)]
    models = ModelImageList(windows)
    assert len(models) == 2 and models[0].shape == (5, 4) and models.flux == [0.0, 0.0]
    assert images.window[1].shape == b.shape
    with pytest.raises(TypeError, match=r"images\[1\] must be a TargetImage"):
        TargetImageList([a, np.ones((3, 3))])
    with pytest.raises(ValueError, match="WindowList has 1 windows"):
        images[WindowList([Window(a)])]
    with pytest.raises(ValueError, match="not in this list"):
        images.index(TargetImage(np.ones((2, 2))))


def test_autoprof_aliases():
    import polychrome as ap
    assert ap.image.Target_Image is TargetImage
    assert ap.image.Target_Image_List is TargetImageList
    assert ap.image.Model_Image is ModelImage
    assert ap.image.PSF_Image is PSFImage
    assert ap.image.Window is Window
    psf = ap.utils.initialize.gaussian_psf(1.12 / 2.355, 51, 0.262)
    target = ap.image.Target_Image(data=np.ones((50, 50)), pixelscale=0.262, zeropoint=22.5,
                                   variance=np.ones((50, 50)), psf=psf)
    assert target.psf.shape == (51, 51)


def test_psf_on_a_grid_is_shared_and_few_grids_are_kept():
    """on_grid_of gives one object per grid (its convolver built once for every image using it),
    and a PSF placed on many grids (a survey's groups) keeps only the latest few."""
    from polychrome.image.psf_image import DERIVED_KEPT

    psf = pc.image.PSFImage(np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]))
    a = pc.image.TargetImage(np.zeros((8, 8)), pixelscale=0.5, psf=psf)
    b = pc.image.TargetImage(np.ones((6, 6)), pixelscale=0.5, psf=psf)
    assert a.psf is b.psf
    assert a.psf.convolver is b.psf.convolver
    for k in range(3 * DERIVED_KEPT):
        psf.on_grid_of(0.5 + 1e-6 * k)
    assert len(psf._derived) == DERIVED_KEPT
    assert psf.on_grid_of(0.5) is not a.psf  # dropped long ago: a new one
    np.testing.assert_array_equal(psf.on_grid_of(0.5).data, a.psf.data)


def test_psf_placed_on_a_grid_holds_what_a_new_psf_image_would():
    """on_grid_of's placement (its data checked and normalised once for all grids) holds the data,
    grid and origin of PSFImage(psf.data, grid), bit for bit, and pickles without the kept array."""
    import pickle

    rng = np.random.default_rng(3)
    psf = pc.image.PSFImage(rng.random((9, 11)) + 0.1)
    for grid in (0.3, np.array([[0.2, 0.01], [-0.01, 0.2]])):
        placed, fresh = psf.on_grid_of(grid), pc.image.PSFImage(psf.data, grid)
        assert placed.data.tobytes() == fresh.data.tobytes()
        assert placed.pixelscale.tobytes() == fresh.pixelscale.tobytes()
        assert placed.origin.tobytes() == fresh.origin.tobytes()
        assert placed.pixelscale_given and placed.convolver is psf.convolver
    again = pickle.loads(pickle.dumps(psf))
    assert again._renormalised_data is None
    assert again.on_grid_of(0.3).data.tobytes() == psf.on_grid_of(0.3).data.tobytes()


def test_target_image_from_valid_arrays_is_the_checked_constructors_image():
    """TargetImage.from_valid_arrays holds the arrays given (no copies) and is otherwise the image
    the checking constructor builds from them."""
    rng = np.random.default_rng(4)
    data, variance = rng.normal(size=(7, 5)), rng.random((7, 5)) + 0.5
    mask = rng.random((7, 5)) < 0.2
    grid, origin = np.array([[0.2, 0.0], [0.0, 0.2]]), np.array([-1.5, 2.25])
    checked = pc.image.TargetImage(data, variance=variance, mask=mask, pixelscale=grid, origin=origin, zeropoint=25.0)
    fast = pc.image.TargetImage.from_valid_arrays(data, variance, mask, grid, origin, 25.0)
    assert fast.data is data and fast.variance is variance and fast.mask is mask
    for name in ("data", "variance", "mask", "pixelscale", "origin"):
        a, b = getattr(checked, name), getattr(fast, name)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    assert (fast.zeropoint, fast.has_variance, fast.psf, fast.psf_upsample) == (25.0, True, None, 1)
    assert fast.noise_level() == checked.noise_level()
    assert sorted(vars(fast)) == sorted(vars(checked))
