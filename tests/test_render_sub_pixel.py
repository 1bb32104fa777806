"""Profiles much smaller than a pixel, against the independent reference.

Next to a Sersic profile of Re ~0.05-0.2 pixel (the survey's coarse 0.4"/px band at its fit's trial
points), the four first-level children of the centre's neighbours can all miss the light, and the
pixel's budget, set from their sum, was ~1e5 times too strict (render_engine.hpp,
first_budget_floor: those pixels now also take it from their polar integral). Every pixel must still
be within the tolerance of the exact pixel integrals (tests/reference_integrals.py: an independent
polar quadrature near the centre), with and without an absolute tolerance, image and Jacobian.
"""

import numpy as np
import pytest

import polychrome as pc
from reference_integrals import Profile, reference_image

SIZE = 9
# The recorded slow render (calls3 #710, in pixels): centre 0.29 px from a pixel edge; and centres
# a hair from an edge and from a corner.
CENTRES = [(4.286, 4.628), (4.5, 4.003), (4.998, 5.002)]
TOLERANCE = 1e-5
FAINT_FRACTION = 1e-9


def _near(center, radius=2.5):
    jj, ii = np.meshgrid(np.arange(SIZE) + 0.5, np.arange(SIZE) + 0.5)
    return np.hypot(jj - center[0], ii - center[1]) <= radius


@pytest.mark.parametrize("n", [0.374, 0.5, 1.0, 4.0])
@pytest.mark.parametrize("re,q", [(0.2, 0.253), (0.11, 0.64), (0.06, 0.03), (0.02, 1.0)])
def test_sub_pixel_profile_within_tolerance(n, re, q):
    """Every pixel near the centre within the relative tolerance of the reference (x2, as
    test_render_accuracy) of its value or of the faint floor (faint_fraction x the peak surface
    brightness x the pixel's area, the renderer's contract), and within tolerance x value + the
    absolute tolerance when one is given (1e-7 of the peak pixel)."""
    for k, center in enumerate(CENTRES):
        pa = 2.426 + 0.9 * k
        params = dict(n=n, Re=re, Ie=0.0)
        profile = Profile("sersic", params)
        ref = reference_image(profile, (SIZE, SIZE), center, q, pa)
        near = _near(center)
        img = pc.render_profile("sersic", params, (SIZE, SIZE), center=center, q=q, PA=pa, tolerance=TOLERANCE,
                                faint_fraction=FAINT_FRACTION)
        floor = FAINT_FRACTION * profile.f(0.0)
        err = (np.abs(img - ref) / np.maximum(ref, floor))[near]
        assert err.max() < 2 * TOLERANCE, f"centre {center}: {err.max():.2e}"
        absolute = 1e-7 * ref.max()
        img = pc.render_profile("sersic", params, (SIZE, SIZE), center=center, q=q, PA=pa, tolerance=TOLERANCE,
                                absolute_tolerance=absolute)
        excess = (np.abs(img - ref) / (TOLERANCE * ref + absolute))[near]
        assert excess.max() <= 1.0, f"centre {center}, absolute tolerance: {excess.max():.2f}"


@pytest.mark.parametrize("n,re,q", [(0.374, 0.2, 0.253), (1.0, 0.11, 0.64)])
def test_sub_pixel_jacobian_matches_the_reference(n, re, q):
    """x, y, n and Re columns near the centre against central differences of the reference, to 1e-3 of
    each column's largest value (the subdivision bounds the image's error, not the Jacobian's)."""
    center, pa = CENTRES[0], 2.426
    near = _near(center, 1.6)
    _, jac = pc.render_profile("sersic", dict(n=n, Re=re, Ie=0.0), (SIZE, SIZE), center=center, q=q, PA=pa,
                               jacobian=True, tolerance=TOLERANCE)
    def moved(dx=0.0, dy=0.0, dn=0.0, dre=0.0):
        return reference_image(Profile("sersic", dict(n=n + dn, Re=re + dre, Ie=0.0)), (SIZE, SIZE),
                               (center[0] + dx, center[1] + dy), q, pa)
    steps = {0: "dx", 1: "dy", 4: "dn", 5: "dre"}
    for column, name in steps.items():
        h = 1e-6
        central = (moved(**{name: h}) - moved(**{name: -h})) / (2 * h)
        scale = np.abs(central[near]).max()
        err = np.abs(jac[column] - central)[near].max() / scale
        assert err < 1e-3, f"column {column}: {err:.2e}"
