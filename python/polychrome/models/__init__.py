"""Models of galaxies, point sources and sky, and groups of them, rendered on target images.

``Model(name=..., model_type=..., target=..., ...)`` builds any registered
type; ``model_types()`` lists them. ``AutoProf_Model`` is the AutoProf /
AstroPhot spelling of ``Model``.
"""

from .bilinear_sky import BilinearSky
from .component_model import ComponentModel
from .exponential import ExponentialGalaxy
from .flat_sky import FlatSky
from .galaxy_model import GalaxyModel
from .gaussian import GaussianGalaxy
from .group_model import GroupModel
from .isophote_models import SHAPED_MODELS
from .jacobian_image import JacobianImage
from .model import Model
from .model_collection import ModelCollection
from .moffat import MoffatGalaxy
from .nuker import NukerGalaxy
from .plane_sky import PlaneSky
from .point_model import PointModel
from .registry import model_types
from .sersic import SersicGalaxy
from .spline import SplineGalaxy
from .star_models import ExponentialStar, GaussianStar, MoffatStar, NukerStar, SersicStar, SplineStar

AutoProf_Model = Model

__all__ = [
    "AutoProf_Model", "BilinearSky", "ComponentModel", "ExponentialGalaxy", "FlatSky", "GalaxyModel", "GaussianGalaxy",
    "GroupModel", "JacobianImage", "Model", "ModelCollection", "MoffatGalaxy", "NukerGalaxy", "PlaneSky", "PointModel",
    "SersicGalaxy", "SplineGalaxy", "ExponentialStar", "GaussianStar", "MoffatStar", "NukerStar",
    "SersicStar", "SplineStar", "model_types",
]
