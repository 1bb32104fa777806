"""Input and output: FITS through astropy."""

from .fits_target import ZEROPOINT_KEYWORDS, read_target

__all__ = ["read_target", "ZEROPOINT_KEYWORDS"]
