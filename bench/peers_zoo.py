"""Case `zoo` of peers.py: each model type that polychrome and AstroPhot both
have, rendered as image + Jacobian on 256x256 pixels of 1 arcsec with a PSF,
by polychrome and by AstroPhot, each in its own process: median time, time
ratio, and the largest relative pixel error of each against an exact
reference (per pixel a Gauss-Legendre quadrature of the same formula, in
numpy, over the image grown by the PSF half-width, then convolved with the
PSF by scipy), with the target of issue 12 (>= 5x AstroPhot's speed, >= 10x
smaller error).

A type is one row of ZOO_CASES: its polychrome model_type and values, its
AstroPhot model_type and values (in AstroPhot's conventions, see
peers_renderers.make_astrophot), and its surface brightness as a numpy
function of the plane position. Add a row to add a type.
"""

import dataclasses
import functools
import math
import statistics
import time
from typing import Callable

import numpy as np

from peers_common import import_astrophot_torch, moffat_psf_image
from peers_measure import run_isolated

SIZE = 256  # pixels a side, 1 arcsec each
CENTER = (128.3, 127.8)  # arcsec, polychrome's convention
GEOMETRY = dict(center=list(CENTER), q=0.6, PA=math.radians(30.0))
SERSIC = dict(n=2.5, Re=10.0, Ie=0.0)
# AstroPhot puts pixel centres at integer plane positions: its centre is polychrome's - 0.5 arcsec,
# its PA is polychrome's + pi/2, its brightness parameters linear (see make_astrophot)
AP_GEOMETRY = dict(center=[CENTER[0] - 0.5, CENTER[1] - 0.5], q=0.6, PA=math.radians(30.0) + math.pi / 2)
AP_SERSIC = dict(n=2.5, Re=10.0, Ie=1.0)
WARP_KNOTS = [0.0, 5.0, 15.0, 40.0, 90.0]
WARP_Q = [0.9, 0.8, 0.6, 0.7, 0.7]
WARP_PA = [0.1, 0.3, 0.6, 0.8, 0.8]
FOURIER = dict(modes=(3, 4), am=[0.08, -0.05], phim=[0.4, 1.2])


# ----------------------------------------------------------------------------
# The exact formulas (numpy), in polychrome's conventions
# ----------------------------------------------------------------------------


def circularised(x, y):
    """(wa, wb): plane offsets from the centre along the major axis and along the minor one / q."""
    c, s = math.cos(GEOMETRY["PA"]), math.sin(GEOMETRY["PA"])
    dx, dy = x - CENTER[0], y - CENTER[1]
    return c * dx + s * dy, (-s * dx + c * dy) / GEOMETRY["q"]


def sersic(R, n=SERSIC["n"], Re=SERSIC["Re"], Ie=SERSIC["Ie"]):
    """Sersic surface brightness (flux/arcsec^2) at elliptical radius R."""
    from scipy.special import gammaincinv

    b = gammaincinv(2 * n, 0.5)
    return 10**Ie * np.exp(-b * ((R / Re) ** (1 / n) - 1))


def hermite(knots, values, r):
    """The warp's curve: cubic Hermite, tangents the mean of the secants beside each knot (the end
    secants at the ends), constant beyond the last knot."""
    knots, values = np.asarray(knots, float), np.asarray(values, float)
    secants = np.diff(values) / np.diff(knots)
    tangents = np.concatenate([secants[:1], 0.5 * (secants[1:] + secants[:-1]), secants[-1:]])
    i = np.clip(np.searchsorted(knots, r, side="right") - 1, 0, knots.size - 2)
    dx = knots[i + 1] - knots[i]
    t = (r - knots[i]) / dx
    curve = ((2 * t**3 - 3 * t**2 + 1) * values[i] + (t**3 - 2 * t**2 + t) * dx * tangents[i]
             + (-2 * t**3 + 3 * t**2) * values[i + 1] + (t**3 - t**2) * dx * tangents[i + 1])
    return np.where(r >= knots[-1], values[-1], curve)


def superellipse_sersic(x, y, C0=0.5):
    wa, wb = circularised(x, y)
    c = C0 + 2.0
    return sersic((np.abs(wa) ** c + np.abs(wb) ** c) ** (1 / c))


def fourier_sersic(x, y):
    wa, wb = circularised(x, y)
    theta = np.arctan2(wb, wa)
    exponent = sum(a * np.cos(m * theta + phi) for m, a, phi in zip(FOURIER["modes"], FOURIER["am"], FOURIER["phim"]))
    return sersic(np.hypot(wa, wb) * np.exp(exponent))


def warp_sersic(x, y):
    wa, wb = circularised(x, y)
    r = np.hypot(wa, wb)
    phi, q = hermite(WARP_KNOTS, WARP_PA, r), hermite(WARP_KNOTS, WARP_Q, r)
    X, Y = wa * np.cos(phi) + wb * np.sin(phi), (-wa * np.sin(phi) + wb * np.cos(phi)) / q
    return sersic(np.hypot(X, Y))


NUKER = dict(Rb=8.0, alpha=2.0, beta=3.5, gamma=0.6, Ib=0.0)


def nuker(x, y):
    wa, wb = circularised(x, y)
    p, R = NUKER, np.hypot(*circularised(x, y)) / NUKER["Rb"]
    return (10 ** p["Ib"] * 2 ** ((p["beta"] - p["gamma"]) / p["alpha"]) * R ** -p["gamma"]
            * (1 + R ** p["alpha"]) ** ((p["gamma"] - p["beta"]) / p["alpha"]))


@dataclasses.dataclass(frozen=True)
class ZooCase:
    """One model type: polychrome's model_type and values (with its options), AstroPhot's
    model_type and values, and the exact surface brightness (flux/arcsec^2) as f(x, y) arcsec."""

    model_type: str
    values: dict
    astrophot_type: str
    astrophot_values: dict
    brightness: Callable


ZOO_CASES = [
    ZooCase("sersic superellipse galaxy model", dict(GEOMETRY, **SERSIC, C0=0.5),
            "sersic superellipse galaxy model", dict(AP_GEOMETRY, **AP_SERSIC, C=2.5), superellipse_sersic),
    ZooCase("sersic fourier galaxy model", dict(GEOMETRY, **SERSIC, **FOURIER),
            "sersic fourier galaxy model", dict(AP_GEOMETRY, **AP_SERSIC, **FOURIER), fourier_sersic),
    ZooCase("sersic warp galaxy model",
            dict(GEOMETRY, **SERSIC, warp_knots=WARP_KNOTS, **{"q(R)": WARP_Q, "PA(R)": WARP_PA}),
            "sersic warp galaxy model",
            dict(AP_GEOMETRY, **AP_SERSIC, q_R={"value": WARP_Q, "prof": WARP_KNOTS},
                 PA_R={"value": [a + math.pi / 2 for a in WARP_PA], "prof": WARP_KNOTS}), warp_sersic),
    ZooCase("nuker galaxy model", dict(GEOMETRY, **NUKER),
            "nuker galaxy model", dict(AP_GEOMETRY, **dict(NUKER, Ib=1.0)), nuker),
]


# ----------------------------------------------------------------------------
# The reference
# ----------------------------------------------------------------------------


def pixel_integrals(brightness, shape, origin, nodes, split, near):
    """Each pixel (1 arcsec, outer corner of pixel (0, 0) at `origin`) by nodes x nodes
    Gauss-Legendre; the pixels within `near` pixels of CENTER by split x split cells of that rule."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    x, w = 0.5 * (x + 1.0), 0.5 * w  # on [0, 1]
    ny, nx = shape
    image = np.empty(shape)
    for i in range(ny):  # one row at a time: memory stays small
        X = origin[0] + np.arange(nx)[:, None, None] + x[None, :, None]
        Y = origin[1] + i + x[None, None, :]
        image[i] = np.einsum("jab,a,b->j", brightness(X, Y), w, w)
    ci, cj = CENTER[1] - origin[1], CENTER[0] - origin[0]
    offsets = (np.arange(split)[:, None] + x[None, :]).ravel() / split
    weights = np.tile(w, split) / split
    for i in range(max(0, int(ci - near)), min(ny, int(ci + near) + 1)):
        for j in range(max(0, int(cj - near)), min(nx, int(cj + near) + 1)):
            X, Y = np.meshgrid(origin[0] + j + offsets, origin[1] + i + offsets, indexing="ij")
            image[i, j] = np.einsum("ab,a,b->", brightness(X, Y), weights, weights)
    return image


def reference(case, psf, nodes=10, split=16, near=3):
    """The exact PSF-convolved image: pixel_integrals over the image grown by the PSF half-width,
    convolved by scipy.signal.fftconvolve, cropped."""
    from scipy.signal import fftconvolve

    h = psf.shape[0] // 2
    grown = pixel_integrals(case.brightness, (SIZE + 2 * h, SIZE + 2 * h), (-h, -h), nodes, split, near)
    return fftconvolve(grown, psf, mode="same")[h:h + SIZE, h:h + SIZE]


# ----------------------------------------------------------------------------
# The renderers (each in its own process): (median s, min s, image)
# ----------------------------------------------------------------------------


def time_polychrome(case, psf, repeat, threads):
    """polychrome: Model(...).sample_with_jacobian() on a 256x256 target with the PSF."""
    import polychrome as pc

    if threads:
        pc.set_threads(threads) if hasattr(pc, "set_threads") else None
    target = pc.image.TargetImage(np.zeros((SIZE, SIZE)), pixelscale=1.0, psf=psf)
    model = pc.models.Model(name="m", model_type=case.model_type, target=target, **case.values)
    image, _ = model.sample_with_jacobian()
    times = []
    for k in range(repeat):
        model["center"].value = np.array(CENTER) + 1e-7 * (k + 1)  # no cached result
        t0 = time.perf_counter()
        model.sample_with_jacobian()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), np.asarray(image.data)


def time_astrophot(case, psf, repeat, threads):
    """AstroPhot 0.18: model() and model.jacobian() (autograd), float64, psf_convolve on."""
    ap, torch = import_astrophot_torch(threads)
    target = ap.TargetImage(data=np.zeros((SIZE, SIZE)), pixelscale=1.0, zeropoint=0.0,
                            psf=ap.PSFImage(data=psf))
    model = ap.Model(name="m", model_type=case.astrophot_type, target=target, psf_convolve=True,
                     **case.astrophot_values)
    vector = torch.as_tensor(model.get_values(), dtype=torch.float64)
    image = model(vector).data.detach().cpu().numpy()
    model.jacobian(params=vector)
    times = []
    for k in range(repeat):
        moved = vector.clone()
        moved[0] += 1e-7 * (k + 1)
        t0 = time.perf_counter()
        model(moved)
        model.jacobian(params=moved)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), image


def max_relative_error(image, exact):
    """Largest |image/exact - 1| over pixels brighter than 1e-4 of the peak."""
    bright = exact > 1e-4 * exact.max()
    return float(np.max(np.abs(image[bright] / exact[bright] - 1.0)))


def case_zoo(repeat, threads, quick=False):
    """The zoo table: per type polychrome's and AstroPhot's image + Jacobian time, the ratio, and
    each one's max relative error against the reference (and the reference's own convergence:
    its change from a coarser quadrature)."""
    psf = moffat_psf_image()
    nodes = (6, 8) if quick else (8, 12)
    print(f"case zoo: image + Jacobian, {SIZE}x{SIZE} px of 1\", 51x51 Moffat PSF, centre {CENTER}, "
          f"q {GEOMETRY['q']}, PA 30 deg; threads={threads or 'all'}; median of {repeat}; reference: "
          f"Gauss-Legendre {nodes[1]}x{nodes[1]} per pixel (16x16 cells near the centre), PSF by scipy")
    print(f"{'model type':<34}{'polychrome ms':>14}{'astrophot ms':>13}{'speed-up':>9}{'poly err':>10}"
          f"{'ap err':>10}{'err ratio':>10}{'ref conv':>10}  verdict")
    for case in ZOO_CASES:
        exact = reference(case, psf, nodes=nodes[1])
        convergence = max_relative_error(reference(case, psf, nodes=nodes[0]), exact)
        ours = run_isolated(time_polychrome, case, psf, repeat, threads)
        try:
            theirs = run_isolated(time_astrophot, case, psf, repeat, threads)
        except ImportError as err:
            print(f"{case.model_type:<34}{1e3 * ours[0]:>14.1f}  AstroPhot not installed ({err.name})")
            continue
        speed = theirs[0] / ours[0]
        ours_err, theirs_err = max_relative_error(ours[2], exact), max_relative_error(theirs[2], exact)
        ok = speed >= 5.0 and theirs_err >= 10.0 * ours_err
        print(f"{case.model_type:<34}{1e3 * ours[0]:>14.1f}{1e3 * theirs[0]:>13.1f}{speed:>9.1f}{ours_err:>10.1e}"
              f"{theirs_err:>10.1e}{theirs_err / ours_err:>10.0f}{convergence:>10.1e}  "
              f"{'PASS' if ok else 'FAIL'}", flush=True)
    print("target (issue 12): speed-up >= 5 and error ratio >= 10 per type; the error of a renderer below "
          "the reference's convergence is not resolved")
