"""Models of galaxies, point sources and sky, and groups of them, rendered on target images.

``Model(name=..., model_type=..., target=..., ...)`` builds any registered
type; ``model_types()`` lists them. ``AutoProf_Model`` is the AutoProf /
AstroPhot spelling of ``Model``.
"""

from .airy_psf import AiryPSF
from .bilinear_sky import BilinearSky
from .component_model import ComponentModel
from .eigen_psf import EigenPSF
from .exponential import ExponentialGalaxy
from .flat_sky import FlatSky
from .galaxy_model import GalaxyModel
from .gaussian import GaussianGalaxy
from .gaussian_psf import GaussianPSF
from .group_model import GroupModel
from .isophote_models import SHAPED_MODELS
from .jacobian_image import JacobianImage
from .model import Model
from .model_collection import ModelCollection
from .moffat import MoffatGalaxy
from .moffat_psf import MoffatPSF
from .nuker import NukerGalaxy
from .pixelated_psf import PixelatedPSF
from .plane_sky import PlaneSky
from .point_model import PointModel
from .psf_model import PSFModel
from .registry import model_types
from .sersic import SersicGalaxy
from .spline import SplineGalaxy
from .star_models import ExponentialStar, GaussianStar, MoffatStar, NukerStar, SersicStar, SplineStar

AutoProf_Model = Model
AstroPhot_Model = Model

__all__ = [
    "AiryPSF", "AstroPhot_Model", "AutoProf_Model", "BilinearSky", "EigenPSF", "GaussianPSF", "MoffatPSF", "PixelatedPSF", "PSFModel", "ComponentModel", "ExponentialGalaxy", "FlatSky", "GalaxyModel", "GaussianGalaxy",
    "GroupModel", "JacobianImage", "Model", "ModelCollection", "MoffatGalaxy", "NukerGalaxy", "PlaneSky", "PointModel",
    "SersicGalaxy", "SplineGalaxy", "ExponentialStar", "GaussianStar", "MoffatStar", "NukerStar",
    "SersicStar", "SplineStar", "model_types",
]
