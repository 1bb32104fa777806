"""Star models: the radial profiles of the galaxy models, circular (AutoProf's "<profile> star model").

A star model is its galaxy model with q = 1 and PA = 0 held fixed rather
than fitted: its parameters are ``center`` and the profile's own (e.g.
"gaussian star model": center, sigma, flux; "moffat star model": center,
n, Rd, I0), rendered and initialised by the same code, its Jacobian the
galaxy's without the q and PA columns. (For a star that is the image's PSF,
see "point model", also spelled "psf star model".)
"""

import numpy as np

from .exponential import ExponentialGalaxy
from .galaxy_model import GEOMETRY_SPECS
from .gaussian import GaussianGalaxy
from .moffat import MoffatGalaxy
from .ferrer import FerrerGalaxy
from .king import KingGalaxy
from .nuker import NukerGalaxy
from .parameter_spec import CENTER
from .registry import model_names_under, register, register_alias
from .sersic import SersicGalaxy
from .spline import SplineGalaxy

class StarModel:
    """Mixin over a GalaxyModel class: q = 1 and PA = 0, not parameters (the base of every star model;
    AutoProf's ``Star_Model``)."""

    @classmethod
    def List_Model_Names(cls, useable=None):
        """The model_type strings of the star models (AutoProf's call)."""
        return model_names_under(cls)

    _fixed_geometry = {"q": 1.0, "PA": 0.0}
    _geometry_count = 1  # center only, ahead of the profile's parameters

    def _core_to_model_jacobian(self, jacobian, values):
        # the galaxy's rows are x, y, q, PA, profile...: a star has no q and PA columns
        return np.delete(super()._core_to_model_jacobian(jacobian, values), [2, 3], axis=0)


def _star_model(galaxy):
    """The star model class of the galaxy model class ``galaxy``."""
    profile_specs = galaxy.parameter_specs[len(GEOMETRY_SPECS):]
    name = galaxy.__name__.replace("Galaxy", "Star")
    doc = (f"The circular form of the {galaxy.model_type} (q = 1, PA = 0 fixed): parameters ``center`` "
           f"[x, y] arcsec, then {', '.join(f'``{spec.name}``' for spec in profile_specs)} as in "
           f"{galaxy.__name__}.")
    cls = type(name, (StarModel, galaxy), {
        "__doc__": doc, "__module__": __name__,
        "model_type": galaxy.model_type.replace("galaxy model", "star model"),
        "parameter_specs": (CENTER,) + tuple(profile_specs),
    })
    return register(cls)


SersicStar, ExponentialStar, GaussianStar, MoffatStar, NukerStar, SplineStar, FerrerStar, KingStar = (
    _star_model(galaxy) for galaxy in (SersicGalaxy, ExponentialGalaxy, GaussianGalaxy, MoffatGalaxy,
                                       NukerGalaxy, SplineGalaxy, FerrerGalaxy, KingGalaxy))

# AutoProf's star model shaped by the image's PSF
register_alias("psf star model", "point model")
