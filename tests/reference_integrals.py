"""Independent reference pixel integrals of elliptical radial profiles.

Written from the exact formulas with numpy/scipy only, sharing nothing with the
C++ renderer, so that tests compare two independent computations:

* pixels near the centre (where a cusp may sit): exact polar integration.
  The pixel is mapped to the circularised plane w (where the elliptical radius
  is |w| and area scales by q); the integral over a polygon of f(|w|) is the
  signed sum over its edges of  int F(|w(t)|) / |w(t)|^2 * (W_k x W_k+1) dt,
  with F(R) = int_0^R f(s) s ds the analytic enclosed-light function.
  Each edge is split at its point closest to the centre, and each side into
  pieces shrinking geometrically towards that point, with Gauss-Legendre on
  each piece: the integrand is analytic on each piece and the pieces resolve
  its peak however close the edge passes to the centre.
* other pixels: tensor Gauss-Legendre of the exact formula.
"""

import numpy as np
from scipy.special import beta, betainc, gamma, gammainc, gammaincinv

LN10 = np.log(10.0)


def sersic_b(n):
    """Sersic b_n from P(2n, b) = 1/2 (scipy)."""
    return gammaincinv(2.0 * n, 0.5)


class Profile:
    """A radial profile: surface brightness f(r) and enclosed light F(R)."""

    def __init__(self, name, params):
        self.name = name
        self.params = dict(params)
        p = self.params
        if name == "sersic" or name == "exponential":
            n = p["n"] if name == "sersic" else 1.0
            self._n, self._re, self._ie = n, p["Re"], 10.0 ** p["Ie"]
            self._b = sersic_b(n)
        elif name == "gaussian":
            self._sigma, self._i0 = p["sigma"], 10.0 ** p["I0"]
        elif name == "moffat":
            self._n, self._rd, self._i0 = p["n"], p["Rd"], 10.0 ** p["I0"]
        elif name == "nuker":  # F(R) through the incomplete beta function: needs beta > 2
            self._rb, self._alpha, self._beta, self._gamma = p["Rb"], p["alpha"], p["beta"], p["gamma"]
            self._a = 10.0 ** p["Ib"] * 2.0 ** ((self._beta - self._gamma) / self._alpha)
            if not self._beta > 2.0:
                raise ValueError("the Nuker reference needs beta > 2")
        else:
            raise ValueError(name)

    def f(self, r):
        """Surface brightness at elliptical radius r (arcsec)."""
        if self.name in ("sersic", "exponential"):
            return self._ie * np.exp(-self._b * ((r / self._re) ** (1.0 / self._n) - 1.0))
        if self.name == "gaussian":
            return self._i0 * np.exp(-0.5 * (r / self._sigma) ** 2)
        if self.name == "nuker":
            x = np.asarray(r, float) / self._rb
            with np.errstate(divide="ignore"):
                return (self._a * x ** -self._gamma
                        * (1.0 + x**self._alpha) ** ((self._gamma - self._beta) / self._alpha))
        return self._i0 * (1.0 + (r / self._rd) ** 2) ** (-self._n)

    def enclosed(self, R):
        """F(R) = int_0^R f(s) s ds (light inside R is 2 pi q F(R))."""
        if self.name in ("sersic", "exponential"):
            n, re, b = self._n, self._re, self._b
            x = b * (R / re) ** (1.0 / n)
            return self._ie * np.exp(b) * n * re**2 * b ** (-2 * n) * gamma(2 * n) * gammainc(2 * n, x)
        if self.name == "gaussian":
            s2 = self._sigma**2
            return self._i0 * s2 * (-np.expm1(-0.5 * R**2 / s2))
        if self.name == "nuker":
            # x^alpha = y / (1 - y) turns the integral into B(z; (2 - gamma)/alpha, (beta - 2)/alpha) / alpha
            a, b = (2.0 - self._gamma) / self._alpha, (self._beta - 2.0) / self._alpha
            s = (np.asarray(R, float) / self._rb) ** self._alpha
            with np.errstate(invalid="ignore"):
                z = np.where(np.isinf(s), 1.0, s / (1.0 + s))
            return self._a * self._rb**2 * beta(a, b) * betainc(a, b, z) / self._alpha
        n, rd2 = self._n, self._rd**2
        u = R**2 / rd2
        if abs(n - 1.0) < 1e-12:
            return 0.5 * self._i0 * rd2 * np.log1p(u)
        return self._i0 * rd2 / (2.0 * (1.0 - n)) * ((1.0 + u) ** (1.0 - n) - 1.0)

    def total_flux(self, q):
        """Analytic total flux of the elliptical profile with axis ratio q."""
        return 2.0 * np.pi * q * self.enclosed(np.inf)


def split_pixel_nodes(i, j, k, x, w):
    """(u, v, weights): Gauss-Legendre nodes of pixel row i, column j split into k x k sub-pixels,
    as pixel coordinates along each axis (the tensor grid is their outer product), from the nodes
    ``x`` and weights ``w`` on [-1, 1]; the weights sum to 1 along each axis."""
    edges = np.arange(k) / k
    u = (j + (edges[:, None] + (x[None, :] + 1) / (2 * k))).ravel()
    v = (i + (edges[:, None] + (x[None, :] + 1) / (2 * k))).ravel()
    return u, v, np.tile(w / (2 * k), k)


def _ellipse_matrix(q, pa):
    c, s = np.cos(pa), np.sin(pa)
    return np.array([[c, s], [-s / q, c / q]])


def _polar_pixel_integrals(profile, corners_w, q, nodes=16, levels=40):
    """Exact integrals over polygons given by corners in w-space.

    corners_w: (npix, 4, 2) vertices in order around each polygon. Near the
    foot of the perpendicular from the centre the integrand has a peak of
    width ~ (distance of the edge from the centre); each side of the foot is
    therefore cut into geometrically shrinking pieces towards the foot
    (factor 2, `levels` of them) with Gauss-Legendre on each piece.
    """
    x, wts = np.polynomial.legendre.leggauss(nodes)
    # at r = 0 the edge runs through the centre (cross = 0): F/r^2 -> I(0)/2, which is
    # infinite for a cusp (a Nuker gamma > 0), whose edge then adds nothing
    at_centre = 0.5 * profile.f(0.0) if np.isfinite(profile.f(0.0)) else 0.0
    total = np.zeros(corners_w.shape[0])
    for k in range(4):
        a = corners_w[:, k, :]
        b = corners_w[:, (k + 1) % 4, :]
        d = b - a
        cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
        # closest point of the edge line to the origin, clamped to the edge
        t0 = np.clip(-(a * d).sum(1) / np.maximum((d * d).sum(1), 1e-300), 0.0, 1.0)
        for end in (np.zeros_like(t0), np.ones_like(t0)):
            span = end - t0  # signed length (in t) from the foot to the edge's end
            # pieces [t0 + span 2^-(m+1), t0 + span 2^-m], and the last one down to t0
            for m in range(levels + 1):
                outer = 2.0**-m
                inner = 2.0 ** -(m + 1) if m < levels else 0.0
                # integrate with t increasing on both sides of the foot
                lo = np.minimum(t0 + span * inner, t0 + span * outer)
                hi = np.maximum(t0 + span * inner, t0 + span * outer)
                half = 0.5 * (hi - lo)
                t = lo[:, None] + half[:, None] * (x[None, :] + 1.0)
                w = a[:, None, :] + t[..., None] * d[:, None, :]
                r2 = (w**2).sum(-1)
                r = np.sqrt(r2)
                with np.errstate(invalid="ignore", divide="ignore"):
                    g = np.where(r2 > 0, profile.enclosed(r) / r2, at_centre)
                total += cross * half * (g * wts[None, :]).sum(1)
    # orientation of the polygon (signed area) fixes the overall sign
    area = 0.5 * sum(
        corners_w[:, k, 0] * corners_w[:, (k + 1) % 4, 1] - corners_w[:, (k + 1) % 4, 0] * corners_w[:, k, 1]
        for k in range(4)
    )
    return q * np.sign(area) * total


def _gauss_pixel_integrals(profile, pix_u, pix_v, P, origin, center, A, nodes=20):
    x, wts = np.polynomial.legendre.leggauss(nodes)
    s = 0.5 * (x + 1.0)
    wts = 0.5 * wts
    uu = pix_u[:, None, None] + s[None, :, None]
    vv = pix_v[:, None, None] + s[None, None, :]
    X = origin[0] + P[0, 0] * uu + P[0, 1] * vv - center[0]
    Y = origin[1] + P[1, 0] * uu + P[1, 1] * vv - center[1]
    wa = A[0, 0] * X + A[0, 1] * Y
    wb = A[1, 0] * X + A[1, 1] * Y
    vals = profile.f(np.sqrt(wa**2 + wb**2))
    area = abs(np.linalg.det(P))
    return area * np.einsum("pij,i,j->p", vals, wts, wts)


def reference_image(profile, shape, center, q, pa, pixelscale=1.0, origin=(0.0, 0.0),
                    polar_radius=4.0, gauss_nodes=20, polar_nodes=16):
    """Reference image [ny, nx] of pixel integrals (flux per pixel).

    Pixels whose centre lies within polar_radius pixels of the profile centre
    are integrated exactly in polar form; the rest by Gauss-Legendre.
    """
    P = np.eye(2) * pixelscale if np.ndim(pixelscale) == 0 else np.asarray(pixelscale, float)
    origin = np.asarray(origin, float)
    center = np.asarray(center, float)
    ny, nx = shape
    jj, ii = np.meshgrid(np.arange(nx), np.arange(ny))
    pix_u = jj.ravel().astype(float)
    pix_v = ii.ravel().astype(float)
    A = _ellipse_matrix(q, pa)
    cu, cv = np.linalg.solve(P, center - origin)
    near = np.hypot(pix_u + 0.5 - cu, pix_v + 0.5 - cv) <= polar_radius
    out = np.empty(pix_u.size)
    far = ~near
    if far.any():
        out[far] = _gauss_pixel_integrals(profile, pix_u[far], pix_v[far], P, origin, center, A, gauss_nodes)
    if near.any():
        du = np.array([0.0, 1.0, 1.0, 0.0])
        dv = np.array([0.0, 0.0, 1.0, 1.0])
        cu_ = pix_u[near, None] + du[None, :]
        cv_ = pix_v[near, None] + dv[None, :]
        X = origin[0] + P[0, 0] * cu_ + P[0, 1] * cv_ - center[0]
        Y = origin[1] + P[1, 0] * cu_ + P[1, 1] * cv_ - center[1]
        corners = np.stack([A[0, 0] * X + A[0, 1] * Y, A[1, 0] * X + A[1, 1] * Y], axis=-1)
        out[near] = _polar_pixel_integrals(profile, corners, q, polar_nodes)
    return out.reshape(ny, nx)


def airy_reference_pixels(pixels, aRL, I0, pixelscale=1.0, origin=(0.0, 0.0), center=(0.0, 0.0)):
    """Pixel integrals (flux per pixel) of the Airy pattern 10**I0 [2 J1(x)/x]^2, x = 2 pi aRL r, by
    scipy's adaptive dblquad of the exact formula (scipy.special.j1), for the (row, column) pixels
    listed in ``pixels`` of a grid of square pixels ``pixelscale`` arcsec wide."""
    from scipy.integrate import dblquad
    from scipy.special import j1

    def surface_brightness(y, x):
        r = np.hypot(x - center[0], y - center[1])
        X = 2.0 * np.pi * aRL * r
        return 10.0 ** I0 * (1.0 if X < 1e-8 else (2.0 * j1(X) / X) ** 2)

    out = []
    for i, j in pixels:
        x0, y0 = origin[0] + j * pixelscale, origin[1] + i * pixelscale
        value, _ = dblquad(surface_brightness, x0, x0 + pixelscale, y0, y0 + pixelscale, epsabs=1e-14, epsrel=1e-12)
        out.append(value)
    return np.array(out)
