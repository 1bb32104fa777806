"""The pixels a compact profile's (Ferrer's, King's) edge crosses are integrated exactly (edge_pixel_quadrature.hpp): each
against the brute-force iterated quadrature of tests/compact_reference.py (graded deep enough to be
~1e-12 itself), their Jacobian columns against central differences (the pixels are exact, so the
differences are not blurred by adaptive refinement), and the total flux against the analytic one."""

import math

import numpy as np
import pytest
from compact_reference import EllipseFrame, ferrer_brightness, king_brightness, pixel_integral

import polychrome as pc

SCALE = 0.5  # arcsec per pixel


def render(values, center, q, PA, shape, tolerance=1e-5, jacobian=False):
    profile = "ferrer" if "rout" in values else "king"
    return pc.render_profile(profile, list(values.values()), shape, center=center, q=q, PA=PA,
                             pixelscale=SCALE, tolerance=tolerance, jacobian=jacobian, faint_fraction=1e-6)


def crossed_pixels(edge, center, q, PA, shape, samples=64):
    """(i, j) of the pixels whose area the edge ellipse R = edge crosses (sides sampled densely), and
    whose nearest point lies at least a pixel diagonal (in w) from the centre."""
    frame = EllipseFrame(center, q, PA)
    t = np.linspace(0.0, 1.0, samples)
    out = []
    for i in range(shape[0]):
        for j in range(shape[1]):
            xs = np.concatenate([j + t, np.full_like(t, j + 1), j + 1 - t, np.full_like(t, j)]) * SCALE
            ys = np.concatenate([np.full_like(t, i), i + t, np.full_like(t, i + 1), i + 1 - t]) * SCALE
            R = frame.radius(xs, ys)
            if R.min() < edge < R.max() and R.min() > 1.5 * SCALE / q:
                out.append((i, j))
    return out


# (values, geometry): alpha from nearly a step to a soft edge, q 0.3..1, rotated
CASES = [
    (dict(rout=3.3, alpha=0.1, beta=0.5, I0=0.0), dict(center=(5.3, 4.9), q=0.7, PA=0.6)),
    (dict(rout=3.0, alpha=0.8, beta=1.0, I0=0.3), dict(center=(5.1, 5.2), q=0.3, PA=2.0)),
    (dict(rout=3.1, alpha=2.0, beta=0.0, I0=0.0), dict(center=(5.3, 4.9), q=1.0, PA=0.0)),
    (dict(rout=3.4, alpha=6.0, beta=1.6, I0=-0.2), dict(center=(5.05, 4.95), q=0.45, PA=-0.7)),
    (dict(Rc=1.0, Rt=3.2, alpha=0.1, I0=0.0), dict(center=(5.3, 4.9), q=0.7, PA=0.6)),
    (dict(Rc=1.5, Rt=3.0, alpha=0.8, I0=0.4), dict(center=(5.1, 5.2), q=0.3, PA=2.0)),
    (dict(Rc=0.6, Rt=3.1, alpha=2.0, I0=0.0), dict(center=(5.3, 4.9), q=1.0, PA=0.0)),
    (dict(Rc=0.3, Rt=3.4, alpha=6.0, I0=0.0), dict(center=(5.05, 4.95), q=0.45, PA=-0.7)),
]


def edge_and_brightness(values):
    if "rout" in values:
        return values["rout"], lambda R: ferrer_brightness(R, **values)
    return values["Rt"], lambda R: king_brightness(R, **values)
SHAPE = (20, 21)


@pytest.mark.parametrize("values, geometry", CASES)
def test_crossed_pixels_match_brute_force(values, geometry):
    image = render(values, geometry["center"], geometry["q"], geometry["PA"], SHAPE)
    frame = EllipseFrame(geometry["center"], geometry["q"], geometry["PA"])
    edge, brightness = edge_and_brightness(values)
    pixels = crossed_pixels(edge, geometry["center"], geometry["q"], geometry["PA"], SHAPE)
    assert len(pixels) > 10
    peak = image.max()
    worst = 0.0
    for i, j in pixels[::2]:
        # the reference's graded pieces reach 2^-levels of each piece: ~1e-12 for alpha >= 0.8, deeper for 0.1
        truth = pixel_integral(brightness, frame, edge, j * SCALE, (j + 1) * SCALE, i * SCALE,
                               (i + 1) * SCALE, levels=26 if values["alpha"] < 0.5 else 18)
        assert abs(image[i, j] - truth) <= 1e-12 * peak
        if truth > 1e-9 * peak:
            worst = max(worst, abs(image[i, j] / truth - 1.0))
    # measured worst relative error (Ferrer; King): alpha 0.1: 2.2e-12, 2.3e-12; 0.8: 1.4e-11, 1.4e-11;
    # 2: 3e-14, 4e-14; 6: 1.4e-11, 3.6e-11 (absolute: at most 4.9e-13 of the brightest pixel, alpha 0.1)
    assert worst < 2e-10


def test_an_edge_clipping_a_corner_by_a_sliver():
    """The edge passes 1e-3 (and 1e-4) of a pixel beyond one of its corners: the pixel holds a sliver
    (~1e-7 and ~1e-9 of the brightest pixel's light at alpha = 0.3)."""
    center, q, PA = (1.3, 1.1), 0.8, 0.4
    frame = EllipseFrame(center, q, PA)
    corner = (4 * SCALE, 4 * SCALE)  # lower-left corner of pixel (4, 4)
    R_corner = float(frame.radius(np.array(corner[0]), np.array(corner[1])))
    for depth in (1e-3, 1e-4):
        values = dict(rout=R_corner + depth * SCALE, alpha=0.3, beta=0.5, I0=0.0)
        image = render(values, center, q, PA, (7, 7))
        truth = pixel_integral(lambda R: ferrer_brightness(R, **values), frame, values["rout"], 2.0, 2.5, 2.0,
                               2.5, levels=30)
        assert truth > 0.0
        assert image[4, 4] == pytest.approx(truth, rel=1e-8, abs=1e-13 * image.max())


JACOBIAN_CASES = [
    (dict(rout=3.2, alpha=0.1, beta=0.5, I0=0.1), dict(center=(5.3, 4.9), q=0.7, PA=0.6)),
    (dict(rout=3.0, alpha=0.8, beta=1.2, I0=0.0), dict(center=(5.1, 5.2), q=0.4, PA=2.0)),
    (dict(rout=3.1, alpha=2.0, beta=0.3, I0=0.2), dict(center=(5.3, 4.9), q=0.95, PA=0.0)),
    (dict(rout=3.3, alpha=6.0, beta=1.6, I0=0.0), dict(center=(5.05, 4.95), q=0.5, PA=-0.7)),
    (dict(Rc=1.0, Rt=3.2, alpha=0.1, I0=0.1), dict(center=(5.3, 4.9), q=0.7, PA=0.6)),
    (dict(Rc=0.5, Rt=3.0, alpha=2.0, I0=0.0), dict(center=(5.1, 5.2), q=0.4, PA=2.0)),
    (dict(Rc=0.3, Rt=3.3, alpha=6.0, I0=0.0), dict(center=(5.05, 4.95), q=0.5, PA=-0.7)),
]


@pytest.mark.parametrize("values, geometry", JACOBIAN_CASES)
def test_crossed_pixels_jacobian_matches_central_differences(values, geometry):
    """Every column (x, y, q, PA, the profile's) on the crossed pixels, including the edge radius's for
    alpha < 1, where its dI/dp is an integrable singularity at the edge (integrated by parts)."""
    full = [*geometry["center"], geometry["q"], geometry["PA"], *values.values()]
    names = pc.parameter_names("ferrer" if "rout" in values else "king")
    edge_index = 4 + list(values).index("rout" if "rout" in values else "Rt")

    def image(full, jacobian=False):
        return render(dict(zip(values, full[4:])), (full[0], full[1]), full[2], full[3], SHAPE,
                      jacobian=jacobian)

    _, jacobian = image(full, jacobian=True)
    pixels = crossed_pixels(full[edge_index], (full[0], full[1]), full[2], full[3], SHAPE)
    # keep pixels the edge crosses throughout the differences: none within a step of a corner
    rows, cols = np.array(pixels).T
    for k, name in enumerate(names):
        h = 1e-6 * max(1.0, abs(full[k]))
        plus, minus = list(full), list(full)
        plus[k] += h
        minus[k] -= h
        fd = (image(plus)[rows, cols] - image(minus)[rows, cols]) / (2 * h)
        rel = np.linalg.norm(jacobian[k][rows, cols] - fd) / np.linalg.norm(fd)
        # measured: at most 8.8e-9 (alpha 0.1, the differences' own noise), 3.3e-9 otherwise
        assert rel < 3e-8, f"column {name}: relative error {rel:.2e}"


def test_the_total_is_the_analytic_flux_to_1e9():
    """A Ferrer wholly inside the image sums to 2 pi q rout^2 I0 B(2/p, alpha+1) / p (p = 2 - beta)."""
    for alpha in (0.1, 2.0):
        values = dict(rout=3.0, alpha=alpha, beta=0.0, I0=0.2)
        geometry = dict(center=(5.3, 4.9), q=0.7, PA=0.6)
        image = render(values, geometry["center"], geometry["q"], geometry["PA"], SHAPE, tolerance=1e-11)
        p = 2.0 - values["beta"]
        flux = 2 * math.pi * geometry["q"] * values["rout"] ** 2 * 10 ** values["I0"] * \
            math.gamma(2 / p) * math.gamma(alpha + 1) / math.gamma(2 / p + alpha + 1) / p
        assert image.sum() == pytest.approx(flux, rel=1e-9)
