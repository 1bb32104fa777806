"""The rows of case `zoo` (peers_zoo.py): for each polychrome model type its values, AstroPhot's
type and values (in AstroPhot 0.18's conventions: its centre is polychrome's - 0.5 arcsec, its PA
polychrome's + pi/2, its brightness parameters linear where polychrome's are log10), and the exact
surface brightness (flux/arcsec^2) as a numpy function f(x, y) of the plane position (arcsec), in
polychrome's conventions, from which peers_zoo builds the brute-force reference. Add a row to add
a type.
"""

import dataclasses
import functools
import math
from typing import Callable

import numpy as np

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


def exponential(x, y, Re=10.0, Ie=0.0):
    """Exponential disk: 10**Ie exp(-b1 (R/Re - 1)), b1 = gammaincinv(2, 1/2)."""
    from scipy.special import gammaincinv

    return 10**Ie * np.exp(-gammaincinv(2.0, 0.5) * (np.hypot(*circularised(x, y)) / Re - 1.0))


GAUSS = dict(sigma=6.0, flux=3.0)


def gaussian(x, y, sigma=GAUSS["sigma"], flux=GAUSS["flux"]):
    """Elliptical Gaussian of total flux 10**flux: F exp(-R^2 / 2 sigma^2) / (2 pi q sigma^2)."""
    R2 = np.square(np.hypot(*circularised(x, y)))
    return 10**flux * np.exp(-R2 / (2 * sigma**2)) / (2 * math.pi * GEOMETRY["q"] * sigma**2)


MOFFAT = dict(n=2.0, Rd=5.0, I0=0.0)


def moffat(x, y, n=MOFFAT["n"], Rd=MOFFAT["Rd"], I0=MOFFAT["I0"], center=None):
    """Moffat: 10**I0 / (1 + (R/Rd)^2)^n (elliptical R; circular about `center` when given)."""
    R = np.hypot(x - center[0], y - center[1]) if center else np.hypot(*circularised(x, y))
    return 10**I0 / (1 + (R / Rd) ** 2) ** n


# Knots close enough that AstroPhot's interpolant (cubic Hermite of I) stays near polychrome's
SPLINE_KNOTS = [0.0, 1.0, 2.0, 4.0, 7.0, 11.0, 16.0, 23.0, 32.0, 45.0, 63.0, 90.0, 130.0, 190.0, 300.0]
SPLINE_LOG10_I = [1.0 - 0.9 * (r / 10.0) ** 0.6 - r / 150.0 for r in SPLINE_KNOTS]


def spline(x, y):
    """ln I a natural cubic spline through (knot, ln 10**I(R)) (scipy), linear beyond the knots
    (every pixel here lies inside the last knot)."""
    from scipy.interpolate import CubicSpline

    curve = CubicSpline(SPLINE_KNOTS, np.log(10.0) * np.asarray(SPLINE_LOG10_I), bc_type="natural")
    return np.exp(curve(np.hypot(*circularised(x, y))))


# Two segments: segment 0 along the major axis (and its opposite), segment 1 along the minor axis
SECTORS = dict(n=[2.5, 1.5], Re=[10.0, 7.0], Ie=[0.0, 0.2])


def wedge_edges():
    """Plane angles (rad) of the wedge model's jumps: circularised angles pi/4 and 3 pi/4, i.e.
    the directions (+-1, q) in the major/minor axes' frame."""
    c, s, q = math.cos(GEOMETRY["PA"]), math.sin(GEOMETRY["PA"]), GEOMETRY["q"]
    return tuple(math.atan2(s * a + c * q, c * a - s * q) for a in (1.0, -1.0))


def sector_sersic(x, y, kind):
    """Sersic ray (cosine-blended between the rays at 0 and pi/2 from the major axis,
    circularised angle) or wedge (segment k alone within pi/4 of k pi/2) model of SECTORS."""
    wa, wb = circularised(x, y)
    R, f = np.hypot(wa, wb), np.mod(np.arctan2(wb, wa), math.pi) * 2 / math.pi  # f in [0, 2)
    I0, I1 = (sersic(R, SECTORS["n"][k], SECTORS["Re"][k], SECTORS["Ie"][k]) for k in (0, 1))
    if kind == "wedge":
        return np.where((f >= 0.5) & (f < 1.5), I1, I0)
    w0 = (1 + np.cos(math.pi * f)) / 2  # ray 0's weight, ray 1's is the rest
    return w0 * I0 + (1 - w0) * I1


TRUNCATION = dict(Rt=25.0, St=0.4)


def truncated_sersic(x, y):
    """Sersic times the outer tanh step (1 - tanh(St (R - Rt))) / 2."""
    R = np.hypot(*circularised(x, y))
    return sersic(R) * (1 - np.tanh(TRUNCATION["St"] * (R - TRUNCATION["Rt"]))) / 2


ELLIPSOID = dict(sigma_a=12.0, sigma_b=7.0, sigma_c=3.0, alpha=0.5, beta=1.0, gamma=0.3, flux=3.0)


def gaussian_ellipsoid(x, y):
    """The ellipsoid's line-of-sight integral, in closed form: the 2-D Gaussian of covariance the
    x-y block of R diag(sigma^2) R^T, R = Rz(alpha) Rx(beta) Rz(gamma) (numpy matrices written here)."""
    p = ELLIPSOID

    def rz(a):
        return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])

    def rx(a):
        return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])

    R = rz(p["alpha"]) @ rx(p["beta"]) @ rz(p["gamma"])
    cov = (R @ np.diag([p["sigma_a"] ** 2, p["sigma_b"] ** 2, p["sigma_c"] ** 2]) @ R.T)[:2, :2]
    inv = np.linalg.inv(cov)
    dx, dy = x - CENTER[0], y - CENTER[1]
    chi2 = inv[0, 0] * dx * dx + 2 * inv[0, 1] * dx * dy + inv[1, 1] * dy * dy
    return 10 ** p["flux"] * np.exp(-0.5 * chi2) / (2 * math.pi * math.sqrt(np.linalg.det(cov)))


MGE = dict(q=[0.8, 0.6, 0.4], PA=[0.2, 0.6, 1.1], sigma=[2.0, 6.0, 15.0], flux=[2.0, 2.5, 3.0])


def mge(x, y):
    """Sum of the three elliptical Gaussians of MGE, each with its own q and PA."""
    total = 0.0
    for q, pa, sigma, flux in zip(*MGE.values()):
        c, s = math.cos(pa), math.sin(pa)
        dx, dy = x - CENTER[0], y - CENTER[1]
        R2 = (c * dx + s * dy) ** 2 + ((-s * dx + c * dy) / q) ** 2
        total = total + 10**flux * np.exp(-R2 / (2 * sigma**2)) / (2 * math.pi * q * sigma**2)
    return total


EDGEON = dict(I0=0.0, hs=3.0, rs=15.0)


def edgeon(x, y):
    """Edge-on isothermal disk, the line-of-sight integral in closed form (van der Kruit & Searle):
    10**I0 (|x'|/rs) K1(|x'|/rs) sech^2(y'/hs), x' along PA (scipy's K1; s K1(s) = 1 at s = 0)."""
    from scipy.special import k1

    c, s = math.cos(GEOMETRY["PA"]), math.sin(GEOMETRY["PA"])
    dx, dy = x - CENTER[0], y - CENTER[1]
    u, v = np.abs(c * dx + s * dy) / EDGEON["rs"], (-s * dx + c * dy) / EDGEON["hs"]
    radial = np.where(u > 0, u * k1(np.maximum(u, 1e-300)), 1.0)
    return 10 ** EDGEON["I0"] * radial / np.cosh(v) ** 2


# 10 x 12 nodes 8 arcsec apart (120 parameters: AstroPhot's autograd Jacobian stays affordable),
# unrotated, centred at (128, 128): the grid's extent (nodes' hull grown by half a cell) and its
# cell lines fall on pixel edges, so pixel quadrature sees no kink
PIXELATED_I = np.exp(-np.hypot(*np.meshgrid((np.arange(12) - 5.5) / 3.0, (np.arange(10) - 4.5) / 2.0)))
PIXELATED = dict(center=[128.0, 128.0], PA=0.0, pixelscale=8.0)


def bilinear(grid, x, y, x0, y0, step):
    """Bilinear interpolant of grid[r, c] (node (r, c) at (x0 + c step, y0 + r step)), the outer
    cells' functions continued linearly beyond the nodes."""
    u, v = (x - x0) / step, (y - y0) / step
    c = np.clip(np.floor(u).astype(int), 0, grid.shape[1] - 2)
    r = np.clip(np.floor(v).astype(int), 0, grid.shape[0] - 2)
    fu, fv = u - c, v - r
    return ((1 - fu) * (1 - fv) * grid[r, c] + fu * (1 - fv) * grid[r, c + 1]
            + (1 - fu) * fv * grid[r + 1, c] + fu * fv * grid[r + 1, c + 1])


def pixelated(x, y):
    """PIXELATED_I bilinearly interpolated, zero beyond the nodes' hull grown by half a cell."""
    ny, nx = PIXELATED_I.shape
    step, (cx, cy) = PIXELATED["pixelscale"], PIXELATED["center"]
    x0, y0 = cx - step * (nx - 1) / 2, cy - step * (ny - 1) / 2
    inside = (np.abs(x - cx) <= step * nx / 2) & (np.abs(y - cy) <= step * ny / 2)
    return np.where(inside, bilinear(PIXELATED_I, x, y, x0, y0, step), 0.0)


SKY_I = np.array([[1.0, 1.2, 1.5], [0.9, 1.1, 1.6], [0.8, 1.0, 1.3]])


def bilinear_sky(x, y):
    """SKY_I's nodes on the centres of the window's first, middle and last pixels (0.5, 128,
    255.5 arcsec on each axis), bilinear, continued linearly to the window's edges."""
    return bilinear(SKY_I, x, y, 0.5, 0.5, (SIZE - 1) / 2)


FERRER = dict(rout=40.0, alpha=2.0, beta=0.5, I0=0.0)


def ferrer(x, y):
    """Modified Ferrer: 10**I0 (1 - (R/rout)^(2 - beta))^alpha inside rout, 0 beyond."""
    p, R = FERRER, np.hypot(*circularised(x, y))
    t = np.clip(R / p["rout"], 0.0, 1.0)
    return np.where(R < p["rout"], 10 ** p["I0"] * (1 - t ** (2 - p["beta"])) ** p["alpha"], 0.0)


KING = dict(Rc=6.0, Rt=60.0, alpha=2.0, I0=0.0)


def king(x, y):
    """Empirical King: 10**I0 ((g(R) - g(Rt)) / (1 - g(Rt)))^alpha inside Rt, 0 beyond,
    g(R) = (1 + (R/Rc)^2)^(-1/alpha)."""
    p, R = KING, np.hypot(*circularised(x, y))
    g = (1 + (R / p["Rc"]) ** 2) ** (-1 / p["alpha"])
    gt = (1 + (p["Rt"] / p["Rc"]) ** 2) ** (-1 / p["alpha"])
    return np.where(R < p["Rt"], 10 ** p["I0"] * (np.clip(g - gt, 0, None) / (1 - gt)) ** p["alpha"], 0.0)


# PSF models: rendered alone on their own PSF_GRID x PSF_GRID grid of 1 arcsec pixels, the centre
# of the grid's middle pixel at plane (0, 0) (polychrome's PSFImage); images compared normalised
PSF_GRID = 41
AIRY_ARL = 0.12  # 1/arcsec: first dark ring at 0.6098 / aRL = 5.1 arcsec
SERSIC_PSF = dict(n=1.5, Re=3.0, Ie=0.0)
PSF_PIXELS = np.log10(np.exp(-np.hypot(*np.meshgrid(np.arange(PSF_GRID) - 20.0, (np.arange(PSF_GRID) - 20.0) / 0.8)) / 4.0) + 1e-3)


def airy(x, y):
    """Airy pattern [2 J1(u)/u]^2, u = 2 pi aRL r (scipy's J1)."""
    from scipy.special import j1

    u = np.maximum(2 * math.pi * AIRY_ARL * np.hypot(x, y), 1e-300)
    return np.where(u > 1e-8, (2 * j1(u) / u) ** 2, 1.0)


def sersic_psf(x, y):
    """Circular Sersic of SERSIC_PSF about plane (0, 0)."""
    return sersic(np.hypot(x, y), **SERSIC_PSF)


def pixel_psf(x, y):
    """The pixelated PSF's pixels: 10**PSF_PIXELS, constant over each pixel."""
    i = np.clip(np.floor(y + PSF_GRID / 2).astype(int), 0, PSF_GRID - 1)
    j = np.clip(np.floor(x + PSF_GRID / 2).astype(int), 0, PSF_GRID - 1)
    return 10.0 ** PSF_PIXELS[i, j]


@dataclasses.dataclass(frozen=True)
class ZooCase:
    """One model type: polychrome's model_type and values (with its options), AstroPhot's
    model_type and values (None: AstroPhot lacks the type), the exact surface brightness
    (flux/arcsec^2) as f(x, y) arcsec, and how it is rendered: `psf_grid` > 0 for a PSF model
    rendered alone on its own psf_grid-pixel grid (centred on plane (0, 0), no PSF); `convolved`
    False for a model that is not PSF-convolved (a sky); `nudge` the parameter moved between
    timed calls (so that nothing is cached); `edges` the lines through the centre along which the
    brightness jumps (the reference cuts its pixel quadrature there)."""

    model_type: str
    values: dict
    astrophot_type: str | None
    astrophot_values: dict
    brightness: Callable
    psf_grid: int = 0
    convolved: bool = True
    nudge: str = "center"
    edges: tuple = ()  # plane angles (rad) of the lines through CENTER where the brightness jumps


def ap_log(values, *names):
    """`values` with the log10 entries `names` made linear (AstroPhot's brightness parameters)."""
    return {k: (np.power(10.0, v).tolist() if k in names else v) for k, v in values.items()}


PSF_CENTER = dict(center=[0.0, 0.0])  # AstroPhot's PSF models: centre in pixels from the grid's middle
AP_PSF_PIXELS = (10.0 ** PSF_PIXELS).T  # AstroPhot's pixelated PSF takes pixels[x, y]

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
    ZooCase("exponential galaxy model", dict(GEOMETRY, Re=10.0, Ie=0.0),
            "exponential galaxy model", dict(AP_GEOMETRY, Re=10.0, Ie=1.0), exponential),
    # AstroPhot's Gaussian peaks at flux / (2 pi sigma^2) whatever q: its flux is polychrome's / q
    ZooCase("gaussian galaxy model", dict(GEOMETRY, **GAUSS),
            "gaussian galaxy model", dict(AP_GEOMETRY, sigma=GAUSS["sigma"], flux=10 ** GAUSS["flux"] / GEOMETRY["q"]),
            gaussian),
    ZooCase("moffat galaxy model", dict(GEOMETRY, **MOFFAT),
            "moffat galaxy model", dict(AP_GEOMETRY, **ap_log(MOFFAT, "I0")), moffat),
    # AstroPhot's spline is a different curve (cubic Hermite of I, not a natural spline of ln I):
    # its error is the two interpolants' difference as much as its rendering's
    ZooCase("spline galaxy model", dict(GEOMETRY, knots=SPLINE_KNOTS, **{"I(R)": SPLINE_LOG10_I}),
            "spline galaxy model",
            dict(AP_GEOMETRY, I_R={"value": np.power(10.0, SPLINE_LOG10_I).tolist(), "prof": SPLINE_KNOTS}),
            spline),
    ZooCase("sersic ray galaxy model", dict(GEOMETRY, rays=2, **SECTORS),
            "sersic ray galaxy model", dict(AP_GEOMETRY, segments=2, **ap_log(SECTORS, "Ie")),
            functools.partial(sector_sersic, kind="ray")),
    ZooCase("sersic wedge galaxy model", dict(GEOMETRY, wedges=2, **SECTORS),
            "sersic wedge galaxy model", dict(AP_GEOMETRY, segments=2, **ap_log(SECTORS, "Ie")),
            functools.partial(sector_sersic, kind="wedge"), edges=wedge_edges()),
    ZooCase("truncated sersic galaxy model", dict(GEOMETRY, **SERSIC, Rt=TRUNCATION["Rt"],
                                                   St={"value": TRUNCATION["St"], "locked": False}),
            "truncated sersic galaxy model", dict(AP_GEOMETRY, **AP_SERSIC, **TRUNCATION), truncated_sersic),
    # AstroPhot's rotation is the transpose of polychrome's: its (alpha, beta, gamma) = (-gamma, -beta, -alpha)
    ZooCase("gaussianellipsoid model", dict(center=list(CENTER), **ELLIPSOID),
            "gaussianellipsoid model",
            {**ap_log(ELLIPSOID, "flux"), "center": AP_GEOMETRY["center"], "alpha": -ELLIPSOID["gamma"],
             "beta": -ELLIPSOID["beta"], "gamma": -ELLIPSOID["alpha"]},
            gaussian_ellipsoid),
    ZooCase("mge model", dict(center=list(CENTER), **MGE),
            "mge model", dict(ap_log(MGE, "flux"), center=AP_GEOMETRY["center"],
                              PA=[a + math.pi / 2 for a in MGE["PA"]]), mge),
    # AstroPhot 0.18's isothermal disk is (|x'|/rs) exp(-|x'|/rs) K1(|x'|/rs) sech^2 (an extra
    # exp(-|x'|/rs), edgeon.py): its error here is that difference, not its rendering's
    ZooCase("isothermal sech2 edgeon model", dict(center=list(CENTER), PA=GEOMETRY["PA"], **EDGEON),
            "isothermal sech2 edgeon model",
            dict(center=AP_GEOMETRY["center"], PA=AP_GEOMETRY["PA"], **ap_log(EDGEON, "I0")), edgeon),
    ZooCase("pixelated model", dict(PIXELATED, I=PIXELATED_I.tolist()),
            "pixelated model", dict(center=[c - 0.5 for c in PIXELATED["center"]], PA=0.0, pixelscale=8.0,
                                    I=PIXELATED_I.tolist()), pixelated),
    ZooCase("bilinear sky model", dict(I=SKY_I.tolist()),
            "bilinear sky model", dict(center=[SIZE / 2 - 0.5] * 2, PA=0.0, pixelscale=(SIZE - 1) / 2,
                                       I=SKY_I.tolist()), bilinear_sky, convolved=False, nudge="I"),
    ZooCase("moffat psf model", dict(n=2.5, Rd=3.0),
            "moffat psf model", dict(PSF_CENTER, n=2.5, Rd=3.0, I0=1.0),
            functools.partial(moffat, n=2.5, Rd=3.0, I0=0.0, center=(0.0, 0.0)), psf_grid=PSF_GRID, nudge="Rd"),
    ZooCase("airy psf model", dict(aRL=AIRY_ARL),
            "airy psf model", dict(PSF_CENTER, I0=1.0, R1=3.8317 / (2 * math.pi * AIRY_ARL)),
            airy, psf_grid=PSF_GRID, nudge="aRL"),
    ZooCase("sersic psf model", dict(SERSIC_PSF),
            "sersic psf model", dict(PSF_CENTER, **ap_log(SERSIC_PSF, "Ie")),
            sersic_psf, psf_grid=PSF_GRID, nudge="Re"),
    # AstroPhot's pixelated PSF interpolates its pixels bilinearly (polychrome's holds them as they
    # are): its error here is mostly that difference
    ZooCase("pixelated psf model", dict(pixels=PSF_PIXELS.tolist()),
            "pixelated psf model", dict(PSF_CENTER, pixels=AP_PSF_PIXELS.tolist()),
            pixel_psf, psf_grid=PSF_GRID, nudge="pixels"),
    # being added to polychrome by another branch: skipped ("not in this polychrome") until merged;
    # polychrome's parameters assumed to be AstroPhot's names with a log10 I0
    ZooCase("ferrer galaxy model", dict(GEOMETRY, **FERRER),
            "ferrer galaxy model", dict(AP_GEOMETRY, **ap_log(FERRER, "I0")), ferrer),
    ZooCase("king galaxy model", dict(GEOMETRY, **KING),
            "king galaxy model", dict(AP_GEOMETRY, **ap_log(KING, "I0")), king),
]
