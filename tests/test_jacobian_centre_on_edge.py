"""The Jacobian with the profile's centre on a pixel edge's line, or within 1e-300 .. 1e-20 of it.

The pixel holding the centre is integrated exactly in polar form, edge by edge. An edge through
the centre bounds a triangle of no area, but the derivatives of that area's integral do not
vanish, and an edge passing within 1e-280 of the centre once gave inf/NaN: the Jacobian must be
finite, continuous in the centre's position (equal to its limit from off the edge, computed by the
ordinary path of the quadrature) and agree with central differences of the image.
"""

import numpy as np
import pytest

import polychrome as pc

TIGHT = 1e-10
KNOTS = [0.0, 0.5, 1.5, 4.0]
PROFILES = [
    ("sersic", dict(n=0.36, Re=1.3)),
    ("sersic", dict(n=0.5, Re=1.3)),
    ("sersic", dict(n=1.0, Re=1.3)),
    ("sersic", dict(n=4.0, Re=1.3)),
    ("exponential", dict(Re=1.3)),
    ("gaussian", dict(sigma=0.8)),
    ("moffat", dict(n=2.5, Rd=0.9)),
    ("spline", {}),
]
# (name, centre on the line(s), direction moved off it, the pixel [row, column] holding the
# centre on the line and on the side moved to): the image's corner, and an interior edge.
PLACEMENTS = [
    ("image corner", (0.0, 0.0), (1.0, 1.0), (0, 0)),
    ("interior edge", (1.0, 0.7), (1.0, 0.0), (0, 1)),
]
OFFSETS = [0.0, 1e-300, 1e-200, 1e-100, 1e-20]
# Off the line by this much (pixels) the ordinary path of the polar quadrature applies.
ORDINARY = 2e-6
# Where the quadrature switches paths for the interior edge (q = 0.7: its length in the
# circularised plane is 1 / 0.7): kNearCentreRatio (1e-6) x that length, pixels.
SWITCH = 1e-6 / 0.7


def _parameters(profile, values, brightness):
    """Parameter dict of profile at log10 brightness (Ie, I0 or every spline knot's)."""
    if profile == "spline":
        return {"I(R)": [brightness + v for v in (0.0, -0.3, -1.0, -2.0)]}
    return dict(values, **{"I0" if profile in ("gaussian", "moffat") else "Ie": brightness})


def _render(profile, params, center, jacobian=True):
    return pc.render_profile(profile, params, (2, 2), center=center, q=0.7, PA=0.0,
                             knots=KNOTS if profile == "spline" else None, jacobian=jacobian,
                             tolerance=TIGHT, faint_fraction=1e-6)


def _relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


CASES = pytest.mark.parametrize("profile,values", PROFILES, ids=lambda v: str(v))
BRIGHTNESS = pytest.mark.parametrize("brightness", [0.0, 100.0])
PLACEMENT = pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p[0])


@CASES
@BRIGHTNESS
@PLACEMENT
def test_centre_pixel_jacobian_is_its_limit_from_off_the_edge(profile, values, brightness, placement):
    """On the line or 1e-300 .. 1e-20 from it: finite, the same, and equal to the limit
    2 J(d) - J(2 d) extrapolated from d = 2e-6 off the line (the ordinary quadrature path)."""
    _, on_line, direction, pixel = placement
    params = _parameters(profile, values, brightness)
    at = lambda off: tuple(c + off * d for c, d in zip(on_line, direction))  # noqa: E731
    column = lambda jac: jac[(slice(None),) + pixel]  # noqa: E731
    limit = 2.0 * column(_render(profile, params, at(ORDINARY))[1]) - column(
        _render(profile, params, at(2 * ORDINARY))[1])
    for off in OFFSETS:
        jac = _render(profile, params, at(off))[1]
        assert np.all(np.isfinite(jac)), f"offset {off}"
        for k, name in enumerate(pc.parameter_names(profile, KNOTS if profile == "spline" else None)):
            rel = abs(column(jac)[k] - limit[k]) / abs(limit[k])
            assert rel < 1e-4, f"offset {off}, column {name}: {rel:.1e} from the limit"


@CASES
@BRIGHTNESS
@PLACEMENT
def test_jacobian_on_the_edge_matches_differences(profile, values, brightness, placement):
    """The x and y columns against central differences stepping across the line (h = 1e-5 px,
    Richardson-extrapolated: the image's second derivative jumps at the line)."""
    _, on_line, direction, _ = placement
    params = _parameters(profile, values, brightness)
    for off in OFFSETS:
        center = tuple(c + off * d for c, d in zip(on_line, direction))
        jac = _render(profile, params, center)[1]

        def difference(k, h):
            step = np.eye(2)[k] * h
            plus = _render(profile, params, tuple(center + step), jacobian=False)
            minus = _render(profile, params, tuple(center - step), jacobian=False)
            return (plus - minus) / (2 * h)

        for k in range(2):
            expected = 2.0 * difference(k, 1e-5) - difference(k, 2e-5)
            rel = _relative(jac[k], expected)
            assert rel < 1e-4, f"offset {off}, column {'xy'[k]}: relative error {rel:.1e}"


@pytest.mark.parametrize("profile,values", PROFILES + [("sersic", dict(n=10.0, Re=1.3))], ids=lambda v: str(v))
def test_centre_pixel_jacobian_is_continuous_where_the_quadrature_switches(profile, values):
    """Just off the line (the s-graded path) and just farther (the u = asinh(s / p) path)."""
    params = _parameters(profile, values, 0.0)
    near, ordinary = (_render(profile, params, (1.0 + SWITCH * f, 0.7))[1][:, 0, 1] for f in (1 - 1e-9, 1 + 1e-9))
    assert np.all(np.abs(near - ordinary) <= 1e-8 * np.abs(ordinary))


def test_steep_core_jacobian_approaches_its_value_on_the_line():
    """Sersic n = 10: the Jacobian varies on the scale of its core (1e-15 Re), too fine for the
    differences above; off the line by 1e-3 .. 1e-15 px its x column approaches the value on
    the line monotonically, across the quadrature's switch, to 1e-9 at 1e-15."""
    params = _parameters("sersic", dict(n=10.0, Re=1.3), 0.0)
    on_line = _render("sersic", params, (1.0, 0.7))[1][:, 0, 1]
    assert np.all(np.isfinite(on_line))
    gaps = [abs(_render("sersic", params, (1.0 + d, 0.7))[1][0, 0, 1] - on_line[0]) / abs(on_line[0])
            for d in (1e-3, 1e-4, 1e-5, 2e-6, 1e-6, 5e-7, 1e-7, 1e-8, 1e-10, 1e-12, 1e-15)]
    assert all(b < a for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[-1] < 1e-9, gaps
