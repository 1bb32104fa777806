"""ParameterSet: an ordered collection of parameters, looked up by name."""

from .parameter import Parameter


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

    def __repr__(self):
        return f"ParameterSet({self.names})"
