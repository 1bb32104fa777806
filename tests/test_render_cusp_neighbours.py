"""Pixels next to a steep cusp, against the independent reference.

The pixels that pass within a tenth of their diagonal of the centre of a steep profile (Sersic n >= ~2
at the survey's sizes) are integrated in polar form like the centre's own pixel (render_engine.hpp,
integrate_center_pixels), not subdivided: their image and Jacobian must match the exact pixel
integrals (tests/reference_integrals.py: an independent polar quadrature) and the Jacobian the
reference's central differences, with the centre a hair from a pixel edge or corner and at small q.
"""

import numpy as np
import pytest

import polychrome as pc
from reference_integrals import Profile, reference_image

SIZE = 12
# Centres within 0.003 .. 0.08 pixel of a pixel edge, of a corner, and one pixel inside.
CENTRES = [(6.003, 5.5), (5.5, 5.96), (6.02, 6.01), (5.92, 5.08), (5.45, 5.55)]


def _reference(n, re, q, pa, center, ie=0.0):
    return reference_image(Profile("sersic", dict(n=n, Re=re, Ie=ie)), (SIZE, SIZE), center, q, pa)


def _near(center, radius=4.0):
    jj, ii = np.meshgrid(np.arange(SIZE) + 0.5, np.arange(SIZE) + 0.5)
    return np.hypot(jj - center[0], ii - center[1]) <= radius


# q = 0.05 with the centre 0.003 pixel from an edge: pixels subdivided (slope below the polar rule's
# threshold) miss the tolerance, before this change as after it (Re 0.3: 1.7e-3 relative at n = 8;
# Re 1.5: 1.16x the absolute budget at n = 2.5): a known violation of the contract, not fixed here.
KNOWN_MISSES = {(0.3, 0.05, 8.0), (1.5, 0.05, 2.5)}


@pytest.mark.parametrize("n", [2.5, 4.0, 8.0])
@pytest.mark.parametrize("q", [0.05, 0.4, 1.0])
@pytest.mark.parametrize("re", [0.3, 1.5])
def test_pixels_next_to_a_cusp_within_tolerance(n, q, re, request):
    """Every pixel near the centre brighter than 1e-4 of the peak within the relative tolerance (x2,
    as test_render_accuracy), and every one within the absolute tolerance where one is given."""
    if (re, q, n) in KNOWN_MISSES:
        request.applymarker(pytest.mark.xfail(reason="subdivided pixel next to the cusp at q = 0.05", strict=True))
    for k, center in enumerate(CENTRES):
        pa = 0.3 + 0.7 * k
        params = dict(n=n, Re=re, Ie=0.0)
        ref = _reference(n, re, q, pa, center)
        near = _near(center, 1.5)
        img = pc.render_profile("sersic", params, (SIZE, SIZE), center=center, q=q, PA=pa)
        bright = near & (ref > 1e-4 * ref.max())
        err = np.abs(img - ref)[bright] / ref[bright]
        assert err.max() < 2e-5, f"centre {center}: {err.max():.2e}"
        absolute = 1e-4 * ref.max()
        img = pc.render_profile("sersic", params, (SIZE, SIZE), center=center, q=q, PA=pa,
                                absolute_tolerance=absolute)
        excess = (np.abs(img - ref) / (1e-5 * ref + absolute))[near]
        assert excess.max() <= 1.0, f"centre {center}, absolute tolerance: {excess.max():.2f}"


@pytest.mark.parametrize("n,q,re", [(4.0, 0.5, 0.8), (8.0, 1.0, 0.4), (6.0, 0.1, 0.5)])
def test_jacobian_next_to_a_cusp_matches_the_reference(n, q, re):
    """x, y, n and Re columns of the centre's pixel and its neighbours (integrated in polar form:
    the derivatives of the exact integrals) against central differences of the reference. Subdivided,
    the neighbours' columns were the rule's, off by up to ~1e-4 of the column's largest value."""
    center, pa = (6.004, 5.52), 0.4
    near = _near(center, 1.2)
    _, jac = pc.render_profile("sersic", dict(n=n, Re=re, Ie=0.0), (SIZE, SIZE), center=center, q=q,
                               PA=pa, jacobian=True)
    steps = {
        0: lambda h: _reference(n, re, q, pa, (center[0] + h, center[1])),
        1: lambda h: _reference(n, re, q, pa, (center[0], center[1] + h)),
        4: lambda h: _reference(n + h, re, q, pa, center),
        5: lambda h: _reference(n, re + h, q, pa, center),
    }
    for column, moved in steps.items():
        h = 1e-6
        central = (moved(h) - moved(-h)) / (2 * h)
        scale = np.abs(central[near]).max()
        err = np.abs(jac[column] - central)[near].max() / scale
        assert err < 1e-5, f"column {column}: {err:.2e}"
