"""ParameterSet: an ordered collection of parameters, looked up by name."""

import numpy as np

from .numpy_values import NumpyArray
from .parameter import Parameter
from .parameter_table import parameter_table


class ParameterSet:
    """Parameters in a fixed order, indexable by name, iterable, with len.

    Parameters
    ----------
    parameters : iterable of Parameter
        Names must be distinct.
    """

    def __init__(self, parameters=()):
        self._by_name = {}
        for parameter in parameters:
            self.add(parameter)

    def add(self, parameter):
        """Append ``parameter``; its name must not be taken."""
        if not isinstance(parameter, Parameter):
            raise TypeError(f"ParameterSet holds Parameters, got {type(parameter).__name__}")
        if parameter.name in self._by_name:
            raise ValueError(f"a parameter named {parameter.name!r} is already in the set")
        self._by_name[parameter.name] = parameter

    @property
    def names(self):
        """Parameter names, in order."""
        return list(self._by_name)

    def __getitem__(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no parameter named {name!r}; known: {self.names}") from None

    def __contains__(self, name):
        return name in self._by_name

    def __iter__(self):
        return iter(self._by_name.values())

    def __len__(self):
        return len(self._by_name)

    def values(self):
        """{name: value} for every parameter, in order."""
        return {name: p.value for name, p in self._by_name.items()}

    def update(self, values):
        """Set values from a {name: value} mapping; unknown names raise KeyError."""
        for name, value in dict(values).items():
            self[name].value = value

    def get_vector(self):
        """The values of the free (unlocked) parameters as one flat numpy vector, in order (AutoProf's
        ``parameters.get_vector()``; a center contributes its x then y, arcsec)."""
        parts = [np.ravel(p.value) for p in self if not p.locked and p.value is not None]
        return (np.concatenate(parts) if parts else np.zeros(0)).view(NumpyArray)

    def set_values(self, vector):
        """Set the free parameters from one flat vector, in the order of ``get_vector``."""
        vector = np.asarray(vector, dtype=float).ravel()
        free = [p for p in self if not p.locked and p.value is not None]
        sizes = [p.size for p in free]
        if vector.size != sum(sizes):
            raise ValueError(f"vector must have {sum(sizes)} values (the free parameters "
                             f"{[p.name for p in free]}), got {vector.size}")
        start = 0
        for parameter, size in zip(free, sizes):
            parameter.value = vector[start:start + size].reshape(parameter.shape)
            start += size

    def __str__(self):
        return parameter_table("parameters", ((p.name, p) for p in self))

    def __repr__(self):
        return f"ParameterSet({self.names})"
