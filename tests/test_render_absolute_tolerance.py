"""render_profile's absolute_tolerance: every pixel within that error (flux per pixel) of the exact
integrals, for the steep, small and flat profiles of survey fits, with and without a PSF."""

import numpy as np
import pytest

import polychrome as pc
from reference_integrals import Profile, reference_image

SIZE = 24
# (n, Re px, q): a low-n super-Gaussian edge, a steep cusp on a small Re, a flat one (q at its lower limit)
CASES = [(0.36, 1.5, 0.5), (8.0, 0.6, 0.7), (1.0, 1.5, 0.03), (4.0, 3.0, 0.3)]


def _case(n, re, q, seed):
    rng = np.random.default_rng(seed)
    center = (SIZE / 2 + rng.uniform(-0.5, 0.5), SIZE / 2 + rng.uniform(-0.5, 0.5))
    params = dict(n=n, Re=re, Ie=0.0)
    pa = rng.uniform(0, np.pi)
    # every pixel integrated exactly in polar form (also the thin q = 0.03 ones)
    ref = reference_image(Profile("sersic", params), (SIZE, SIZE), center, q, pa, polar_radius=2 * SIZE)
    return params, center, pa, ref


@pytest.mark.parametrize("n, re, q", CASES)
@pytest.mark.parametrize("fraction", [1e-4, 1e-2])
def test_pixels_within_absolute_tolerance_of_exact(n, re, q, fraction):
    params, center, pa, ref = _case(n, re, q, seed=int(100 * n + 10 * re))
    absolute = fraction * ref.max()
    img = pc.render_profile("sersic", params, (SIZE, SIZE), center=center, q=q, PA=pa,
                            absolute_tolerance=absolute)
    # the same 1.3x margin over the error estimate as the relative tolerance's test (2e-5 for 1e-5)
    error = np.abs(img - ref)
    assert error.max() <= 2.0 * absolute, f"max error {error.max() / absolute:.2f} x the absolute tolerance"
    # the budget is used: the looser render is not the default one (fails when the option is ignored)
    default = pc.render_profile("sersic", params, (SIZE, SIZE), center=center, q=q, PA=pa)
    assert np.abs(img - default).max() > 1e-3 * absolute


def test_convolved_pixels_within_absolute_tolerance():
    """With a PSF the bound holds for the convolved pixels, also with psf_upsample (k^2 fine pixels
    per pixel) and a PSF with negative lobes."""
    y, x = np.mgrid[-7:8, -7:8]
    psf = np.exp(-0.5 * (x**2 + y**2) / 2.0**2) - 0.1 * np.exp(-0.5 * (x**2 + y**2) / 4.0**2)
    for upsample in (1, 2):
        params = dict(n=6.0, Re=0.8, Ie=2.0)
        kwargs = dict(center=(12.3, 11.8), q=0.4, PA=0.7, psf=psf, psf_upsample=upsample)
        exact = pc.render_profile("sersic", params, (SIZE, SIZE), tolerance=1e-8, **kwargs)
        absolute = 1e-3 * exact.max()
        img = pc.render_profile("sersic", params, (SIZE, SIZE), absolute_tolerance=absolute, **kwargs)
        assert np.abs(img - exact).max() <= 2.0 * absolute


@pytest.mark.parametrize("bad", [-1e-3, np.inf, np.nan])
def test_bad_absolute_tolerance_is_refused(bad):
    with pytest.raises(ValueError, match="absolute_tolerance"):
        pc.render_profile("sersic", dict(n=1.0, Re=2.0, Ie=0.0), (8, 8), center=(4, 4), absolute_tolerance=bad)
