"""fitted_values._band_flux: a band's flux and error from its images' fluxes and the fit covariance."""

import math

import numpy as np

from polychrome.survey.fitted_values import _band_flux, _propagated_variance


def _covariance(size, seed=3):
    rng = np.random.default_rng(seed)
    root = rng.normal(size=(size, size))
    return root @ root.T + size * np.eye(size)


def test_one_image_gives_what_the_mean_of_equal_images_gives():
    covariance = _covariance(6)
    gradient = np.array([0.0, 2.5, 0.0, -1.25, 0.5, 0.0])
    one = _band_flux([(123.25, gradient, 25.0)], covariance)
    assert one == (123.25, math.sqrt(_propagated_variance(gradient, covariance)))
    # two equal images: weights 1/2 each, the same numbers by the general path
    assert _band_flux([(123.25, gradient, 25.0), (123.25, gradient.copy(), 25.0)], covariance) == one
    flux, error = _band_flux([(123.25, gradient, 25.0)], None)  # no covariance: no error
    assert flux == 123.25 and math.isnan(error)


def test_images_are_weighted_by_inverse_variance_at_the_first_zeropoint():
    covariance = _covariance(4)
    g1, g2 = np.array([1.0, 0.0, 0.0, 0.0]), np.array([0.0, 0.0, 3.0, 0.0])
    flux, error = _band_flux([(100.0, g1, 25.0), (10.0, g2, 22.5)], covariance)
    scale = 10 ** (-0.4 * (22.5 - 25.0))  # the second image's flux at the first's zeropoint
    v1, v2 = covariance[0, 0], scale ** 2 * 9.0 * covariance[2, 2]
    w1, w2 = (1 / v1) / (1 / v1 + 1 / v2), (1 / v2) / (1 / v1 + 1 / v2)
    assert math.isclose(flux, w1 * 100.0 + w2 * 10.0 * scale, rel_tol=1e-12)
    combined = w1 * g1 + w2 * scale * g2
    assert math.isclose(error, math.sqrt(combined @ covariance @ combined), rel_tol=1e-12)
