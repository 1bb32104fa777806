"""The Sersic galaxy model."""

import functools
import math

import numpy as np

from .. import _core
from ..utils.geometric_grid import geometric_grid
from .galaxy_model import GEOMETRY_SPECS, GalaxyModel
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, SIZE_LIMITS, ParameterSpec
from .registry import register
from .shape_grids import ShapeGrids


def sersic_total_flux(n, Re, Ie, q):
    """Total flux (to infinity) of a Sersic of index n, Re arcsec, Ie log10 flux/arcsec^2, axis ratio q."""
    return sersic_total_flux_of_b(n, Re, Ie, q, _core.sersic_b(n)[0])


def sersic_total_flux_of_b(n, Re, Ie, q, b):
    """sersic_total_flux with b_n given (the core's _core.sersic_b(n)[0], when the caller has it)."""
    return 2 * math.pi * q * Re**2 * 10**Ie * n * math.exp(b) * b ** (-2 * n) * math.gamma(2 * n)


@functools.lru_cache(maxsize=1024)
def _sersic_b(n):
    """b_n of one index ``n`` (a float), from the core; kept (initialize() asks for the same grid
    of indices, INDEX_GRID and its refinements, source after source)."""
    return _core.sersic_b(n)[0]


def sersic_b_array(n):
    """b_n for every element of ``n`` (array), from the core (once per distinct value: _sersic_b
    keeps them)."""
    n = np.asarray(n, float)
    return np.array([_sersic_b(v) for v in n.ravel().tolist()], float).reshape(n.shape)


def sersic_log_shape(R, n, Re):
    """log10 of exp(-b_n [(R/Re)^(1/n) - 1]) (broadcasting)."""
    return -sersic_b_array(n) / math.log(10.0) * ((R / Re) ** (1.0 / n) - 1.0)


# initialize()'s grid of Sersic indices, the same for every source: made once, read-only
INDEX_GRID = geometric_grid(0.4, 8.0, 14)
INDEX_GRID.flags.writeable = False


def size_grid(radius, low=0.2, high=5.0, count=21):
    """A geometric grid of sizes around ``radius``."""
    return geometric_grid(low * radius, high * radius, count)


@register
class SersicGalaxy(GalaxyModel):
    """I(R) = 10**Ie exp(-b_n [(R/Re)^(1/n) - 1]) on elliptical radius R.

    Parameters, in order: ``center`` [x, y] arcsec, ``q``, ``PA`` rad,
    ``n`` (Sersic index, [0.36, 10]), ``Re`` (semi-major half-light radius,
    arcsec, [1e-6, 1e6]), ``Ie`` (log10 surface brightness at Re,
    flux/arcsec^2, [-100, 100]). ``q`` in [0.03, 1].
    """

    model_type = "sersic galaxy model"
    profile = "sersic"
    parameter_specs = GEOMETRY_SPECS + (
        ParameterSpec("n", "", limits=(0.36, 10.0)),
        ParameterSpec("Re", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("Ie", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS),
    )

    def total_flux(self):
        """Analytic total flux (image flux units), integrated to infinity."""
        v = self._values()
        return sersic_total_flux(v["n"], v["Re"], v["Ie"], v["q"])

    _profile_names = ("n", "Re", "Ie")

    @staticmethod
    def _log_shape(R, n, Re):
        return sersic_log_shape(R, n, Re)

    @staticmethod
    def _shape_grids(profile):
        return ShapeGrids(n=lambda: INDEX_GRID, Re=lambda: size_grid(profile.half_light_radius))

    @staticmethod
    def _shape_defaults(profile):
        return {"n": 2.0, "Re": profile.half_light_radius}
