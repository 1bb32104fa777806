"""The plane positions of a box of pixel centres (PlaneMapping.pixel_box_to_plane), and one point's
plane position and pixel coordinates (pixel_point_to_plane, plane_point_to_pixel: Python floats, as
initialize() places its windows and cutouts): the numbers of pixel_to_plane and plane_to_pixel, bit for
bit. (The slices of a window, Image.slices_of, are tested in test_windows.)"""

import numpy as np
import pytest
from astropy.wcs import WCS

from polychrome.image import TargetImage


def _affine_image(seed):
    rng = np.random.default_rng(seed)
    pixelscale = rng.normal(0.0, 0.3, (2, 2)) + 0.4 * np.eye(2)  # sheared, rotated, any scale
    return TargetImage(np.zeros((40, 50)), pixelscale=pixelscale, origin=rng.normal(0.0, 100.0, 2))


def _wcs_image():
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval, wcs.wcs.crpix = [150.1, 2.2], [20.0, 15.0]
    wcs.wcs.cd = np.array([[-2.5e-5, 3e-6], [2e-6, 2.6e-5]])
    return TargetImage(np.zeros((40, 50)), wcs=wcs)


@pytest.mark.parametrize("image", [_affine_image(seed) for seed in range(6)] + [_wcs_image()])
@pytest.mark.parametrize("box", [(0, 0, (40, 50)), (7, 3, (5, 11)), (49, 39, (1, 1)), (-3, 2, (4, 6))])
def test_pixel_box_is_pixel_to_plane(image, box):
    x_start, y_start, shape = box
    rows, cols = np.indices(shape)
    expected = image.pixel_to_plane(cols + x_start, rows + y_start)
    found = image.mapping.pixel_box_to_plane(x_start, y_start, shape)
    for a, b in zip(found, expected):
        assert a.shape == shape
        np.testing.assert_array_equal(a, b)  # bit for bit: the same operations per pixel


@pytest.mark.parametrize("image", [_affine_image(seed) for seed in range(6)] + [_wcs_image()])
def test_point_maps_are_the_array_maps(image):
    rng = np.random.default_rng(7)
    mapping = image.mapping
    for x, y in [(0, 0), (24.5, 19.5), (-3.25, 60.0)] + [tuple(rng.uniform(-20, 70, 2)) for _ in range(20)]:
        found = mapping.pixel_point_to_plane(x, y)
        expected = image.pixel_to_plane(x, y)
        assert all(type(v) is float for v in found)
        assert np.array(found).tobytes() == np.array([float(v) for v in expected]).tobytes()
        # numpy scalars in (a model's centre) as well as Python floats
        for point in (found, (np.float64(found[0]), np.float64(found[1]))):
            back = mapping.plane_point_to_pixel(*point)
            expected = image.plane_to_pixel(*point)
            assert all(type(v) is float for v in back)
            assert np.array(back).tobytes() == np.array([float(v) for v in expected]).tobytes()
