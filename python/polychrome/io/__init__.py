"""Input and output: FITS through astropy."""

from .fit_summary import fit_summary, write_fit_summary
from .fits_output import model_on_target, residual_arrays, write_fit_images, write_fits
from .fits_target import ZEROPOINT_KEYWORDS, read_target

__all__ = ["read_target", "ZEROPOINT_KEYWORDS", "write_fits", "write_fit_images", "residual_arrays",
           "model_on_target", "fit_summary", "write_fit_summary"]
