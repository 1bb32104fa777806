"""Unit and profile conversions under AutoProf's names (``ap.utils.conversions.functions``)."""

from . import functions

__all__ = ["functions"]
