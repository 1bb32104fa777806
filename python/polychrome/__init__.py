"""polychrome: forward modelling of astronomical images with a C++ core.

Galaxies, stars and sky rendered with adaptive sub-pixel integration and
analytic Jacobians, convolved with each image's PSF, fitted jointly across many
images. See README.md for a tour.
"""

from . import _core, fit, image, io, models, param, plots, psf, utils
from .ap_config import AP_config
from .build_info import build_info
from .point_source import point_source_image
from .psf import PointSourceRenderer, PsfConvolver
from .render import parameter_names, profile_names, render_profile
from .thread_policy import get_threads, set_threads, threads

__version__ = "0.1.0"

__all__ = ["AP_config", "build_info", "fit", "image", "io", "models", "param", "plots", "psf", "utils", "render_profile",
           "parameter_names", "profile_names",
           "point_source_image", "PsfConvolver", "PointSourceRenderer", "get_threads", "set_threads",
           "threads", "__version__", "_core"]
