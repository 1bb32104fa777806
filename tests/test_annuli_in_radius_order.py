"""The annuli taken in radius order (annuli_in_radius_order) give clipped_to_annuli's numbers,
bit for bit: the clipped flux of every pixel, and each pixel's annulus, against the pixel-order
computation (np.searchsorted of the edges, annulus_statistics' sorts)."""

import numpy as np
import pytest

from polychrome.models import initialization
from polychrome.models.annuli_in_radius_order import annulus_starts, clipped_in_radius_order, in_pixel_order


def _window(seed, size, ties):
    """Radii, flux (a smooth profile, noise and a few bright outliers: a neighbour) and annulus
    edges; ``ties``: radii and values rounded so that many repeat."""
    rng = np.random.default_rng(seed)
    radius = rng.uniform(0.0, 6.0, size)
    flux = np.exp(-radius) + rng.normal(0.0, 0.05, size)
    flux[rng.integers(0, size, size // 20)] += 3.0
    if ties:
        radius, flux = np.round(radius, 1), np.round(flux, 2)
    edges = np.concatenate([[0.0], np.geomspace(0.1, 5.0, 24)])
    return radius, flux, edges


@pytest.mark.parametrize("seed, size, ties, nans", [(0, 3000, False, 0), (1, 3000, True, 0), (2, 40, False, 0),
                                                    (3, 7, True, 0), (4, 0, False, 0), (5, 3000, False, 30)])
def test_clipped_in_radius_order_is_clipped_to_annuli(seed, size, ties, nans):
    """``nans``: that many values NaN (an annulus with a NaN and an outlier still has it clipped)."""
    radius, flux, edges = _window(seed, size, ties)
    flux[np.random.default_rng(seed).choice(size, nans, replace=False)] = np.nan
    bins = edges.size - 1
    index = np.searchsorted(edges, radius, side="right") - 1
    expected = initialization.clipped_to_annuli(index, flux, bins)
    order = np.argsort(radius)
    starts = annulus_starts(radius[order], edges)
    clipped = clipped_in_radius_order(flux[order], starts)
    np.testing.assert_array_equal(clipped.view(np.int64), expected[order].view(np.int64))
    assert size < 100 or np.any(clipped < flux[order])  # the outliers were clipped

    annulus, in_pixels = in_pixel_order(order, starts, clipped, flux)
    np.testing.assert_array_equal(annulus, np.minimum(index, bins))
    np.testing.assert_array_equal(in_pixels.view(np.int64), expected.view(np.int64))


def test_values_beyond_the_annuli_and_small_annuli_are_kept():
    """Pixels beyond the last edge and annuli of fewer than 5 pixels are not clipped, however bright."""
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    radius = np.array([0.5, 0.6, 0.7, 0.8, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 3.5, 3.6])
    flux = np.array([0.0, 0.0, 0.0, 9.0, 1.0, 1.0, 1.1, 0.9, 1.0, 50.0, 70.0, 1.0])
    starts = annulus_starts(radius, edges)
    assert starts == [0, 4, 10, 10]
    clipped = clipped_in_radius_order(flux, starts)
    np.testing.assert_array_equal(clipped, [0.0, 0.0, 0.0, 9.0, 1.0, 1.0, 1.1, 0.9, 1.0, 1.0, 70.0, 1.0])
    np.testing.assert_array_equal(flux[9], 50.0)  # the input is left as it was
