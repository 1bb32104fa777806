"""To an absolute tolerance, the renderer leaves the pixels of a profile's far wings at 0 when all the
light beyond them together is below one pixel's budget (cpp/include/polychrome/dark_tail.hpp): the
image keeps every pixel within the tolerance, and the left-out light in total stays within it too."""

import numpy as np
import pytest

import polychrome as pc

SIZE = 96
# (profile, params, pixels of the 96 x 96 left at 0 at least, at a tolerance of 1e-3 x the peak): steep
# and shallow Sersic wings, the exponential and Moffat's power-law tail
CASES = [
    ("sersic", dict(n=1.0, Re=3.0, Ie=0.0), 6000),
    ("sersic", dict(n=4.0, Re=2.0, Ie=0.0), 50),
    ("sersic", dict(n=0.5, Re=4.0, Ie=0.0), 8000),
    ("exponential", dict(Re=3.0, Ie=0.0), 6000),
    ("moffat", dict(n=2.5, Rd=2.0, I0=0.0), 6000),
]
GEOMETRY = dict(center=(47.3, 48.6), q=0.45, PA=0.8)


def _exact(profile, params, **kwargs):
    return pc.render_profile(profile, params, (SIZE, SIZE), tolerance=1e-9, **GEOMETRY, **kwargs)


@pytest.mark.parametrize("profile, params, least_dark", CASES)
@pytest.mark.parametrize("fraction", [1e-5, 1e-3])
def test_left_out_light_within_one_pixel_budget(profile, params, least_dark, fraction):
    exact = _exact(profile, params)
    absolute = fraction * exact.max()
    image = pc.render_profile(profile, params, (SIZE, SIZE), absolute_tolerance=absolute, **GEOMETRY)
    dark = image == 0.0
    if fraction == 1e-3:  # the far wings are left out (fails when nothing is)
        assert dark.sum() >= least_dark, f"only {dark.sum()} pixels left at 0"
    # all of their light together is below one pixel's budget ...
    assert exact[dark].sum() <= absolute
    # ... and every pixel keeps the tolerance (the 2x margin of test_render_absolute_tolerance)
    assert np.abs(image - exact).max() <= 2.0 * absolute


@pytest.mark.parametrize("profile, params, least_dark", CASES[:2])
def test_dark_pixels_have_zero_jacobian_and_lit_ones_match(profile, params, least_dark):
    absolute = 1e-3 * _exact(profile, params).max()
    image, jac = pc.render_profile(profile, params, (SIZE, SIZE), absolute_tolerance=absolute, jacobian=True,
                                   **GEOMETRY)
    _, jac_exact = pc.render_profile(profile, params, (SIZE, SIZE), jacobian=True, **GEOMETRY)
    dark = image == 0.0
    assert dark.any() and np.all(jac[:, dark] == 0.0)
    # where the pixels are rendered their derivatives are those of the default render, to the budget's scale
    lit = ~dark
    scale = np.abs(jac_exact).max(axis=(1, 2))
    assert np.all(np.abs(jac[:, lit] - jac_exact[:, lit]).max(axis=1) <= 1e-2 * scale)


def test_default_accuracy_leaves_nothing_out():
    """Without an absolute tolerance (relative accuracy 1e-5 with a 1e-9 faint floor) no wing is cut."""
    profile, params, _ = CASES[0]
    image = pc.render_profile(profile, params, (SIZE, SIZE), **GEOMETRY)
    assert np.all(image > 0.0)


def test_convolved_padding_left_out_within_tolerance():
    """With a PSF the padded window's far wings are left out too, and the convolved pixels keep the bound."""
    y, x = np.mgrid[-12:13, -12:13]
    psf = (1.0 + (x**2 + y**2) / 3.0**2) ** -2.5
    psf /= psf.sum()
    params = dict(n=1.5, Re=2.0, Ie=1.0)
    kwargs = dict(center=(23.6, 24.2), q=0.6, PA=0.4, psf=psf)
    exact = pc.render_profile("sersic", params, (48, 48), tolerance=1e-9, **kwargs)
    absolute = 1e-3 * exact.max()
    image = pc.render_profile("sersic", params, (48, 48), absolute_tolerance=absolute, **kwargs)
    assert np.abs(image - exact).max() <= 2.0 * absolute
