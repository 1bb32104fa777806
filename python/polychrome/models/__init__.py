"""Models of galaxies, point sources and sky, and groups of them, rendered on target images.

``Model(name=..., model_type=..., target=..., ...)`` builds any registered
type; ``model_types()`` lists them. ``AutoProf_Model`` (also ``AutoPhot_Model``,
``AstroPhot_Model``) is the AutoProf / AstroPhot spelling of ``Model``; ``Group_Model``,
``Galaxy_Model``, ``Sersic_Galaxy``, ... of the PEP 8 class names.
"""

from .airy_psf import AiryPSF
from .basis_psf import BasisPSF
from .bilinear_sky import BilinearSky
from .component_model import ComponentModel
from .edgeon import EdgeOnDiskGalaxy
from .eigen_psf import EigenPSF
from .exponential import ExponentialGalaxy
from .ferrer import FerrerGalaxy
from .flat_sky import FlatSky
from .galaxy_model import GalaxyModel
from .gaussian import GaussianGalaxy
from .gaussian_ellipsoid import GaussianEllipsoid
from .gaussian_psf import GaussianPSF
from .group_model import GroupModel
from .isophote_models import SHAPED_MODELS
from .jacobian_image import JacobianImage
from .king import KingGalaxy
from .model import Model
from .model_collection import ModelCollection
from .moffat import MoffatGalaxy
from .moffat_psf import MoffatPSF
from .multi_gaussian_expansion import MultiGaussianExpansion
from .nuker import NukerGalaxy
from .sector_models import SECTOR_MODELS
from .pixelated_model import PixelatedModel
from .pixelated_psf import PixelatedPSF
from .plane_sky import PlaneSky
from .point_model import PointModel
from .psf_group_model import PSFGroupModel
from .psf_model import PSFModel
from .radial_psf_models import RADIAL_PSF_MODELS, RadialPSF
from .registry import model_types
from .sersic import SersicGalaxy
from .spline import SplineGalaxy
from .truncated_models import TRUNCATED_MODELS
from .star_models import (ExponentialStar, FerrerStar, GaussianStar, KingStar, MoffatStar, NukerStar, SersicStar,
                          SplineStar, StarModel)

# AutoProf / AutoPhot / AstroPhot spellings of the classes
AutoProf_Model = AutoPhot_Model = AstroPhot_Model = Model
Group_Model = GroupModel
Component_Model = ComponentModel
Galaxy_Model = GalaxyModel
Star_Model = StarModel
Sky_Model = ComponentModel  # sky models have no base class of their own here
Sersic_Galaxy, Exponential_Galaxy, Gaussian_Galaxy, Moffat_Galaxy, Nuker_Galaxy, Spline_Galaxy = (
    SersicGalaxy, ExponentialGalaxy, GaussianGalaxy, MoffatGalaxy, NukerGalaxy, SplineGalaxy)
Sersic_Star, Exponential_Star, Gaussian_Star, Moffat_Star, Nuker_Star, Spline_Star = (
    SersicStar, ExponentialStar, GaussianStar, MoffatStar, NukerStar, SplineStar)
Ferrer_Galaxy, King_Galaxy, Ferrer_Star, King_Star = FerrerGalaxy, KingGalaxy, FerrerStar, KingStar
Flat_Sky, Plane_Sky, Bilinear_Sky = FlatSky, PlaneSky, BilinearSky
Point_Source = PointModel
PixelBasisPSF = BasisPSF  # AstroPhot 0.18's class name of the "basis psf model"
Pixelated_Model = PixelatedModel

__all__ = [
    "AutoProf_Model", "AutoPhot_Model", "AstroPhot_Model", "Group_Model", "Component_Model", "Galaxy_Model",
    "Star_Model", "StarModel", "MultiGaussianExpansion", "GaussianEllipsoid", "EdgeOnDiskGalaxy", "AiryPSF", "BasisPSF", "PixelBasisPSF", "EigenPSF", "GaussianPSF", "MoffatPSF", "PixelatedModel", "Pixelated_Model", "PixelatedPSF", "PSFModel", "PSFGroupModel", "RadialPSF", "RADIAL_PSF_MODELS", "Sky_Model", "Sersic_Galaxy", "Exponential_Galaxy", "Gaussian_Galaxy", "Moffat_Galaxy",
    "Nuker_Galaxy", "Spline_Galaxy", "Sersic_Star", "Exponential_Star", "Gaussian_Star", "Moffat_Star",
    "Nuker_Star", "Spline_Star", "Flat_Sky", "Plane_Sky", "Bilinear_Sky", "Point_Source", "BilinearSky", "ComponentModel", "ExponentialGalaxy", "FlatSky", "GalaxyModel", "GaussianGalaxy",
    "GroupModel", "JacobianImage", "Model", "ModelCollection", "MoffatGalaxy", "NukerGalaxy", "PlaneSky", "PointModel",
    "SersicGalaxy", "SplineGalaxy", "ExponentialStar", "GaussianStar", "MoffatStar", "NukerStar",
    "SersicStar", "SplineStar", "model_types", "FerrerGalaxy", "KingGalaxy", "FerrerStar", "KingStar",
    "Ferrer_Galaxy", "King_Galaxy", "Ferrer_Star", "King_Star",
]
