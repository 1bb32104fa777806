"""The problems the peers.py cases pose, and how each peer spells them.

Grid and Sersic describe what is rendered or fitted, in polychrome's
conventions (see peers.py); moffat_psf_image is the PSF of the convolved and
fit cases. The remaining functions turn a Sersic into each peer's own
conventions (polychrome's render_profile call, Imfit's and AstroPhot's
parameters, GalSim's object); the renderers and fitters of every case share
them.
"""

import dataclasses
import logging
import math


# ----------------------------------------------------------------------------
# The model being rendered
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Grid:
    """A square-pixel image grid: ``ny`` x ``nx`` pixels of ``pixelscale``
    arcsec, the outer corner of pixel (0, 0) at plane position (0, 0)."""

    ny: int
    nx: int
    pixelscale: float = 1.0


@dataclasses.dataclass(frozen=True)
class Sersic:
    """An elliptical Sersic profile in polychrome's conventions.

    x, y: centre (arcsec on the plane); q: axis ratio b/a; PA: radians
    counter-clockwise from +x; n: Sersic index; Re: semi-major half-light
    radius (arcsec); Ie: log10 surface brightness at Re (flux/arcsec^2).
    """

    x: float
    y: float
    q: float
    PA: float
    n: float
    Re: float
    Ie: float

    def b(self):
        """The Sersic b(n), from polychrome's core (exact root)."""
        from polychrome import _core

        return _core.sersic_b(self.n)[0]

    def total_flux(self):
        """Analytic total flux (flux units), integrated to infinity."""
        b = self.b()
        return (2 * math.pi * self.q * self.Re**2 * 10**self.Ie * self.n
                * math.exp(b) * b ** (-2 * self.n) * math.gamma(2 * self.n))

    def perturbed(self, k):
        """A copy moved by a negligible, call-dependent amount, so that a
        renderer given it must recompute rather than reuse a cached image."""
        return dataclasses.replace(self, x=self.x + 1e-7 * k, Ie=self.Ie + 1e-9 * k)


# The grid and Sersic of the render, convolved and fit cases.
SINGLE_GRID = Grid(256, 256, 1.0)
SINGLE_SERSIC = Sersic(x=128.3, y=127.8, q=0.6, PA=math.radians(30.0), n=2.5, Re=10.0, Ie=0.0)


# PSF-convolved renderers take a `psf` keyword (odd-sized array at the
# image's pixel scale, centre pixel (ny//2, nx//2), sum 1: the effective PSF,
# i.e. already including the pixel response). Each computes
# "pixel-integrated profile convolved with the PSF image" in its own way.


def moffat_psf_image(size=51, fwhm_pixels=4.0, beta=3.0):
    """A normalised, pixel-integrated Moffat PSF image, size x size pixels."""
    from polychrome.utils.initialize import moffat_psf

    rd = fwhm_pixels / (2.0 * math.sqrt(2.0 ** (1.0 / beta) - 1.0))
    return moffat_psf(beta, rd, size, 1.0)


# ----------------------------------------------------------------------------
# Each peer's conventions
# ----------------------------------------------------------------------------


def polychrome_render(s, shape, **options):
    """polychrome.render_profile of Sersic `s` on an image of `shape`;
    `options` are render_profile's keywords (pixelscale, origin, psf,
    tolerance, ...)."""
    import polychrome

    return polychrome.render_profile("sersic", {"n": s.n, "Re": s.Re, "Ie": s.Ie}, shape,
                                     center=(s.x, s.y), q=s.q, PA=s.PA, **options)


def imfit_parameters(s, ps):
    """Sersic `s` as Imfit parameters on pixels of `ps` arcsec: X0, Y0 in
    1-based pixel coordinates (x0 = x/ps + 0.5), PA in degrees from +y, ell =
    1 - q, I_e linear flux per pixel, r_e in pixels (see make_pyimfit)."""
    return {"X0": s.x / ps + 0.5, "Y0": s.y / ps + 0.5,
            "PA": (math.degrees(s.PA) + 90.0) % 180.0, "ell": 1.0 - s.q, "n": s.n,
            "I_e": 10**s.Ie * ps**2, "r_e": s.Re / ps}


def import_astrophot():
    """Import AstroPhot without it creating ./AstroPhot.log: its import calls
    logging.basicConfig(filename=...), a no-op once logging is configured."""
    logging.basicConfig(level=logging.WARNING)
    import astrophot

    return astrophot


def import_astrophot_torch(threads):
    """(astrophot, torch), torch limited to `threads` threads when > 0."""
    ap = import_astrophot()
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    return ap, torch


def astrophot_parameters(s, shift):
    """Sersic `s` as AstroPhot parameters, named as build_params_array_names()
    names them: centre moved by -`shift` arcsec on both axes (the offset of
    the target's pixel centres from polychrome's), PA_ap = PA + pi/2, Ie
    linear flux/arcsec^2 (see make_astrophot)."""
    return {"center_0": s.x - shift, "center_1": s.y - shift, "q": s.q,
            "PA": (s.PA + math.pi / 2) % math.pi, "n": s.n, "Re": s.Re, "Ie": 10**s.Ie}


def astrophot_model_values(p):
    """(center, other values) of astrophot_parameters' `p`, as ap.Model takes them."""
    return [p["center_0"], p["center_1"]], {k: v for k, v in p.items() if not k.startswith("center")}


def galsim_sersic(s, gsparams=None):
    """The GalSim object of a Sersic: circular half_light_radius Re*sqrt(q)
    sheared to q at position angle PA (both counter-clockwise from +x), total
    flux from polychrome's Ie convention, no truncation."""
    import galsim

    profile = galsim.Sersic(n=s.n, half_light_radius=s.Re * math.sqrt(s.q), flux=s.total_flux(),
                            trunc=0.0, gsparams=gsparams)
    return profile.shear(q=s.q, beta=s.PA * galsim.radians)
