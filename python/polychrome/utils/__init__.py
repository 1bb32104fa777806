"""Small helpers shared by the rest of the package."""

from . import coordinates, initialize

__all__ = ["coordinates", "initialize"]
