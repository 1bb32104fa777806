"""Model parameters, their sharing (equality constraints) and their flat-vector view for fits."""

from .free_parameters import FreeParameters, free_quantities
from .parameter import Parameter
from .parameter_set import ParameterSet
from .shared_quantity import SharedQuantity

__all__ = ["FreeParameters", "Parameter", "ParameterSet", "SharedQuantity", "free_quantities"]
