"""Windows: construction, clipping, plane boxes, views, unions, window lists."""

import numpy as np
import pytest

from polychrome.image import TargetImage, Window, WindowList

ROTATED = 0.5 * np.array([[np.cos(0.5), -np.sin(0.5)], [np.sin(0.5), np.cos(0.5)]])


@pytest.fixture
def image():
    ny, nx = 20, 30
    return TargetImage(np.arange(ny * nx, dtype=float).reshape(ny, nx), variance=np.full((ny, nx), 2.0),
                       psf=np.ones((3, 3)), pixelscale=ROTATED, origin=(4.0, -1.0), zeropoint=25.0)


def test_pixel_bounds_and_clipping(image):
    window = Window(image, [[3, 10], [5, 9]])
    assert window.pixel_bounds == [[3, 10], [5, 9]] and window.shape == (4, 7)
    assert window.slices == (slice(5, 9), slice(3, 10))
    clipped = Window(image, [[-5, 4], [15, 40]])
    assert clipped.pixel_bounds == [[0, 4], [15, 20]]
    assert Window(image).pixel_bounds == [[0, 30], [0, 20]] == image.window.pixel_bounds
    np.testing.assert_allclose(window.origin, image.pixel_to_plane(2.5, 4.5))


@pytest.mark.parametrize("bounds, error, match", [
    ([[30, 40], [0, 5]], ValueError, "wholly outside"),
    ([[-10, 0], [0, 5]], ValueError, "wholly outside"),
    ([[0, 5], [20, 25]], ValueError, "wholly outside"),
    ([[5, 5], [0, 5]], ValueError, "start < stop"),
    ([[6, 5], [0, 5]], ValueError, "start < stop"),
    ([[0.5, 5], [0, 5]], TypeError, "x_start must be an integer"),
    ([0, 5, 0, 5], ValueError, "pixel_bounds must be"),
])
def test_bad_windows(image, bounds, error, match):
    with pytest.raises(error, match=match):
        Window(image, bounds)


def test_window_from_plane_box_holds_every_overlapping_pixel(image):
    x_range, y_range = (5.0, 9.0), (3.0, 6.0)
    window = Window.from_plane_box(image, x_range, y_range)
    # every pixel whose centre lies in the box is inside the window
    y, x = np.indices(image.shape)
    px, py = image.pixel_to_plane(x, y)
    inside = (px >= 5) & (px <= 9) & (py >= 3) & (py <= 6)
    assert inside.any()
    rows, cols = np.nonzero(inside)
    assert window.x_start <= cols.min() and cols.max() < window.x_stop
    assert window.y_start <= rows.min() and rows.max() < window.y_stop
    # and the window is no larger than the pixel-space bounding box of the box's corners
    cx, cy = image.plane_to_pixel(np.array([5, 9, 5, 9.0]), np.array([3, 3, 6, 6.0]))
    assert window.x_start == int(np.floor(cx.min() + 0.5))
    assert window.y_stop == int(np.ceil(cy.max() + 0.5))


def test_plane_box_scalar_scale_and_errors():
    image = TargetImage(np.zeros((10, 10)), pixelscale=1.0)
    assert Window.from_plane_box(image, (2.0, 5.0), (0.0, 3.0)).pixel_bounds == [[2, 5], [0, 3]]
    assert Window.from_plane_box(image, (2.2, 4.7), (-5.0, 3.0)).pixel_bounds == [[2, 5], [0, 3]]
    with pytest.raises(ValueError, match="wholly outside"):
        Window.from_plane_box(image, (20.0, 25.0), (0.0, 3.0))
    with pytest.raises(ValueError, match="min < max"):
        Window.from_plane_box(image, (5.0, 2.0), (0.0, 3.0))
    with pytest.raises(ValueError, match="pairs in arcsec"):
        Window.from_plane_box(image, 5.0, (0.0, 3.0))


def test_view_shares_data_and_keeps_plane_positions(image):
    window = Window(image, [[3, 10], [5, 9]])
    view = image[window]
    assert view.shape == (4, 7) and isinstance(view, TargetImage)
    np.testing.assert_array_equal(view.data, image.data[5:9, 3:10])
    view.data[0, 0] = -1.0
    assert image.data[5, 3] == -1.0
    assert view.variance.shape == view.mask.shape == (4, 7)
    assert view.psf is image.psf and view.zeropoint == 25.0
    np.testing.assert_allclose(view.pixel_to_plane(0, 0), image.pixel_to_plane(3, 5), atol=1e-12)
    np.testing.assert_allclose(view.origin, window.origin)
    np.testing.assert_allclose(view.pixelscale, image.pixelscale)


def test_views_of_views_and_windows_of_the_parent(image):
    outer = image[Window(image, [[2, 20], [2, 15]])]
    inner_window = Window(image, [[5, 8], [4, 6]])  # a window of the parent
    inner = outer[inner_window]
    np.testing.assert_array_equal(inner.data, image.data[4:6, 5:8])
    np.testing.assert_allclose(inner.pixel_to_plane(0, 0), image.pixel_to_plane(5, 4), atol=1e-12)
    own = Window(outer, [[0, 2], [0, 2]])  # a window of the view, applied to the parent
    np.testing.assert_array_equal(image[own].data, image.data[2:4, 2:4])
    with pytest.raises(ValueError, match="wholly outside this view"):
        outer[Window(image, [[25, 28], [0, 2]])]
    other = TargetImage(np.zeros((20, 30)))
    with pytest.raises(ValueError, match="different image"):
        other[inner_window]
    with pytest.raises(TypeError, match="indexed by a Window"):
        image[2:4]


def test_union_grow_and_equality(image):
    a = Window(image, [[2, 5], [3, 6]])
    b = Window(image, [[4, 9], [1, 4]])
    assert (a | b).pixel_bounds == [[2, 9], [1, 6]]
    assert a.grown(2).pixel_bounds == [[0, 7], [1, 8]]
    assert a == Window(image, [[2, 5], [3, 6]]) and a != b
    assert len({a, Window(image, [[2, 5], [3, 6]])}) == 1
    with pytest.raises(ValueError, match="different images"):
        a.union(Window(TargetImage(np.zeros((5, 5))), [[0, 1], [0, 1]]))
    with pytest.raises(ValueError, match="pixels must be >= 0"):
        a.grown(-1)


def test_window_list(image):
    other = TargetImage(np.zeros((8, 8)))
    windows = WindowList([Window(image, [[0, 3], [0, 3]]), Window(other, [[1, 2], [1, 2]])])
    assert len(windows) == 2 and windows[1].shape == (1, 1)
    assert [w.shape for w in windows] == [(3, 3), (1, 1)]
    grown = windows.union(WindowList([Window(image, [[2, 6], [0, 1]]), Window(other)]))
    assert grown[0].pixel_bounds == [[0, 6], [0, 3]] and grown[1].shape == (8, 8)
    with pytest.raises(TypeError, match=r"windows\[0\] must be a Window"):
        WindowList([[[0, 1], [0, 1]]])


def test_slices_of_are_the_pixels_a_view_holds(image):
    outer = image[Window(image, [[2, 20], [2, 15]])]
    for base, window in [(image, Window(image, [[3, 10], [5, 9]])), (outer, Window(image, [[5, 8], [4, 6]])),
                         (outer, Window(outer, [[0, 2], [0, 2]])), (image, image.window)]:
        slices = base.slices_of(window)
        view = base[window]
        for name in ("data", "variance", "mask"):
            np.testing.assert_array_equal(getattr(base, name)[slices], getattr(view, name))
    with pytest.raises(TypeError, match="indexed by a Window"):
        image.slices_of((slice(0, 2), slice(0, 2)))


@pytest.mark.parametrize("member_bounds", [
    [None, None],  # every member on the whole image (a survey cutout's galaxy and sky)
    [[[3, 10], [5, 9]], None],
    [[[3, 10], [5, 9]], [[4, 8], [6, 7]]],  # one inside the other
    [[[4, 8], [6, 7]], [[3, 10], [5, 9]]],
    [[[0, 4], [0, 3]], [[10, 12], [15, 20]]],  # apart
    [[[0, 6], [0, 6]], [[3, 10], [2, 4]], [[5, 7], [1, 12]]],  # overlapping
])
def test_a_group_window_is_the_union_of_its_members_windows(image, member_bounds):
    from polychrome.models import Model

    members = [Model(name=f"sky {k}", model_type="flat sky model", target=image, window=bounds)
               for k, bounds in enumerate(member_bounds)]
    group = Model(name="g", model_type="group model", models=members)
    union = members[0].window
    for member in members[1:]:
        union = union.union(member.window)
    (window,) = group.windows
    assert window.image is image and window.pixel_bounds == union.pixel_bounds
