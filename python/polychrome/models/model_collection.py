"""ModelCollection: the members of a group, in order, looked up by name."""

from .model import Model


class ModelCollection:
    """Ordered models with distinct names: ``collection["disk"]``, ``collection[0]``, iteration, len.

    Parameters
    ----------
    models : iterable of Model
    owner : str
        Name of the group holding them, for error messages.
    check : callable, optional
        Called after every later ``add`` (not for ``models``); a ValueError
        it raises undoes the addition (the group checks its tree with it).

    ``changes`` counts the additions and removals (undone ones included): a walk of a group
    tree stays valid while every collection in it shows the count it showed then (see
    components_memo).
    """

    def __init__(self, models=(), owner="", check=None):
        self.owner = owner
        self._by_name = {}
        self.changes = 0
        self._check = None
        if isinstance(models, Model):
            raise TypeError(f"group {owner!r}: models must be a sequence of models, not one model")
        for model in _flattened(models):
            self.add(model)
        self._check = check

    def add(self, model):
        """Append ``model``; its name must not be taken in this collection."""
        if not isinstance(model, Model):
            raise TypeError(f"group {self.owner!r}: members must be models, got {type(model).__name__}")
        if model.name in self._by_name:
            raise ValueError(f"group {self.owner!r} already has a model named {model.name!r}")
        self._by_name[model.name] = model
        self.changes += 1
        if self._check is not None:
            try:
                self._check()
            except ValueError:
                del self._by_name[model.name]
                raise

    def remove(self, name):
        """Remove and return the model called ``name``."""
        model = self[name]
        del self._by_name[name]
        self.changes += 1
        return model

    @property
    def names(self):
        """Member names, in order."""
        return list(self._by_name)

    def __getitem__(self, key):
        if isinstance(key, int):
            return list(self._by_name.values())[key]
        try:
            return self._by_name[key]
        except KeyError:
            raise KeyError(f"group {self.owner!r} has no model named {key!r}; members: {self.names}") from None

    def keys(self):
        """Member names, in order (as a dict's keys)."""
        return list(self._by_name)

    def values(self):
        """The members, in order (as a dict's values)."""
        return list(self._by_name.values())

    def items(self):
        """(name, member) pairs, in order (as a dict's items)."""
        return list(self._by_name.items())

    def __contains__(self, name):
        return name in self._by_name

    def __iter__(self):
        return iter(list(self._by_name.values()))

    def __len__(self):
        return len(self._by_name)

    def __repr__(self):
        return f"ModelCollection({self.names})"


def _flattened(models):
    """The models of ``models``, lists and tuples inside it opened (AutoProf accepted nested lists)."""
    for item in models:
        if isinstance(item, (list, tuple)):
            yield from _flattened(item)
        else:
            yield item
