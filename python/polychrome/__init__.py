"""polychrome: forward modelling of astronomical images with a C++ core.

Galaxies, stars and sky rendered with adaptive sub-pixel integration and
analytic Jacobians, convolved with each image's PSF, fitted jointly across many
images. See README.md for a tour.
"""

from . import _core, image, param, utils
from .render import parameter_names, profile_names, render_profile

__version__ = "0.1.0"

__all__ = ["image", "param", "utils", "render_profile", "parameter_names", "profile_names", "__version__", "_core"]
