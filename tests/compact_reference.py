"""Brute-force reference pixel integrals of elliptical profiles with compact support (the Ferrer and
King profiles), written from their formulas (AstroPhot 0.18's) with numpy alone.

Each pixel is integrated as an iterated integral, over plane x along each row, then over plane y.
Every place where the integrand or its row integral is not smooth is a breakpoint: along a row the
points where it crosses the edge ellipse R = edge (a branch point (edge - R)^alpha) and the point
of the row nearest the centre (a cusp (R/rout)^(2-beta)); across rows the y where the row is tangent
to the edge ellipse, where the edge ellipse crosses the pixel's sides, and the centre's y. Each piece between breakpoints is cut into pieces shrinking
geometrically (factor 2, ``levels`` of them) towards both its ends, with Gauss-Legendre on each: the
integrand is a power law times a smooth factor there, integrated to ~1e-10 relative.
"""

import math

import numpy as np

NODES, WEIGHTS = np.polynomial.legendre.leggauss(8)


def ferrer_brightness(R, rout, alpha, beta, I0):
    """AstroPhot's modified Ferrer, I0 here log10 of its linear central brightness (flux/arcsec^2)."""
    R = np.asarray(R, float)
    x = np.clip(R, 0.0, rout) / rout
    return np.where(R < rout, 10.0**I0 * (1.0 - x ** (2.0 - beta)) ** alpha, 0.0)


def king_brightness(R, Rc, Rt, alpha, I0):
    """AstroPhot's empirical King (Elson 1999), I0 here log10 of its linear central brightness."""
    R = np.asarray(R, float)
    b = 1.0 / (1.0 + (Rt / Rc) ** 2) ** (1.0 / alpha)
    s = 1.0 / (1.0 + (R / Rc) ** 2) ** (1.0 / alpha)
    return np.where(R < Rt, 10.0**I0 * (np.clip((s - b) / (1.0 - b), 0.0, None)) ** alpha, 0.0)


def graded_pieces(lo, hi, levels):
    """(nodes, weights), arrays [..., k]: Gauss-Legendre on [lo, hi] (arrays, broadcast) cut into pieces
    shrinking geometrically (factor 2, ``levels`` of them) towards both ends; empty where hi <= lo."""
    hi = np.maximum(hi, lo)
    mid = 0.5 * (lo + hi)
    xs, ws = [], []
    for a in (lo, hi):
        span = mid - a
        for m in range(levels + 1):
            outer = 2.0**-m
            inner = 2.0 ** -(m + 1) if m < levels else 0.0
            left = np.minimum(a + span * inner, a + span * outer)
            half = 0.5 * np.abs(span) * (outer - inner)
            xs.append(left[..., None] + half[..., None] * (NODES + 1.0))
            ws.append(half[..., None] * WEIGHTS)
    return np.concatenate(xs, axis=-1), np.concatenate(ws, axis=-1)


def graded_nodes(breaks, levels):
    """(nodes, weights) on [breaks[0], breaks[-1]] (sorted arrays [..., n]), every piece between
    neighbouring breakpoints graded towards both its ends."""
    breaks = np.asarray(breaks, float)
    parts = [graded_pieces(breaks[..., k], breaks[..., k + 1], levels) for k in range(breaks.shape[-1] - 1)]
    return np.concatenate([p[0] for p in parts], axis=-1), np.concatenate([p[1] for p in parts], axis=-1)


class EllipseFrame:
    """Elliptical radius about ``center`` (arcsec) with axis ratio q and position angle PA (rad)."""

    def __init__(self, center, q, PA):
        self.cx, self.cy = center
        self.q, self.c, self.s = q, math.cos(PA), math.sin(PA)

    def radius(self, X, Y):
        dx, dy = X - self.cx, Y - self.cy
        return np.hypot(self.c * dx + self.s * dy, (-self.s * dx + self.c * dy) / self.q)

    def row_quadratic(self, Y):
        """R^2 = A dx^2 + B dx + C along the row at Y (dx = X - cx)."""
        dy = Y - self.cy
        c, s, q2 = self.c, self.s, self.q**2
        return c * c + s * s / q2, 2.0 * dy * c * s * (1.0 - 1.0 / q2), dy * dy * (s * s + c * c / q2)

    def column_crossings(self, X, E):
        """The Y (0 or 2 of them) where the column at X crosses the ellipse R = E."""
        dx = X - self.cx
        c, s, q2 = self.c, self.s, self.q**2
        A, B, C = s * s + c * c / q2, 2.0 * dx * c * s * (1.0 - 1.0 / q2), dx * dx * (c * c + s * s / q2) - E * E
        disc = B * B - 4.0 * A * C
        if disc <= 0.0:
            return []
        return [self.cy + (-B + sign * math.sqrt(disc)) / (2.0 * A) for sign in (-1.0, 1.0)]

    def y_extent(self, E):
        """Largest |Y - cy| of the ellipse R = E."""
        return E * math.sqrt(self.s**2 + self.q**2 * self.c**2)


def pixel_integral(brightness, frame, edge, x0, x1, y0, y1, levels=14):
    """The integral (flux) of brightness(R) over the plane box [x0, x1] x [y0, y1] (arcsec)."""
    ext = frame.y_extent(edge)
    # the row integral is not smooth where a row is tangent to the edge ellipse, where the edge
    # crosses the pixel's sides x0 and x1, and at the centre's row
    crossings = [y for x in (x0, x1) for y in frame.column_crossings(x, edge)]
    ybreaks = np.sort(np.clip([y0, frame.cy - ext, frame.cy, frame.cy + ext, y1] + crossings, y0, y1))
    # breakpoints clipped to the same side of the pixel leave pieces of zero length: their nodes
    # would carry weight 0, so they are left out (the same rule, without the work)
    ybreaks = np.concatenate([ybreaks[:1], ybreaks[1:][np.diff(ybreaks) > 0]])
    Y, wy = graded_nodes(ybreaks, levels)
    A, B, C = frame.row_quadratic(Y)
    foot = frame.cx - B / (2.0 * A)
    disc = np.maximum(B * B - 4.0 * A * (C - edge * edge), 0.0)  # no crossing: both roots at the foot
    roots = [frame.cx + (-B + sign * np.sqrt(disc)) / (2.0 * A) for sign in (-1.0, 1.0)]
    xbreaks = np.sort(np.clip(np.stack([np.full_like(Y, x0), roots[0], foot, roots[1], np.full_like(Y, x1)],
                                       axis=-1), x0, x1), axis=-1)
    # each row's pieces between neighbouring breakpoints, those of zero length left out as above
    rows = np.zeros_like(Y)
    for k in range(xbreaks.shape[-1] - 1):
        lo, hi = xbreaks[:, k], xbreaks[:, k + 1]
        live = hi > lo
        if live.any():
            X, wx = graded_pieces(lo[live], hi[live], levels)
            rows[live] += np.sum(wx * brightness(frame.radius(X, Y[live, None])), axis=-1)
    return float(np.dot(wy, rows))


def reference_image(brightness, edge, shape, center, q, PA, pixelscale, graded_within=1.0, gauss=16):
    """Pixel integrals [ny, nx] (flux per pixel; pixel (i, j) covers [j, j+1] x [i, i+1] pixelscale
    arcsec). Pixels within ``graded_within`` pixels (in R) of the edge or of the centre: the graded
    iterated rule (pixel_integral); the others, where the profile is smooth: gauss x gauss
    Gauss-Legendre."""
    frame = EllipseFrame(center, q, PA)
    x, w = np.polynomial.legendre.leggauss(gauss)
    t, w = 0.5 * (x + 1.0), 0.5 * w
    ny, nx = shape
    out = np.empty(shape)
    reach = graded_within * pixelscale / q
    for i in range(ny):
        for j in range(nx):
            x0, y0 = j * pixelscale, i * pixelscale
            R0 = frame.radius(x0 + 0.5 * pixelscale, y0 + 0.5 * pixelscale)
            if abs(R0 - edge) < reach or R0 < reach:
                out[i, j] = pixel_integral(brightness, frame, edge, x0, x0 + pixelscale, y0, y0 + pixelscale)
            elif R0 > edge:
                out[i, j] = 0.0
            else:
                X, Y = np.meshgrid(x0 + pixelscale * t, y0 + pixelscale * t)
                out[i, j] = pixelscale**2 * np.einsum("ab,a,b->", brightness(frame.radius(X, Y)), w, w)
    return out
