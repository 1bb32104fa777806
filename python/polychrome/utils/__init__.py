"""Small helpers shared by the rest of the package."""

from . import conversions, coordinates, initialize

__all__ = ["conversions", "coordinates", "initialize"]
