"""ComponentsMemo: a group's components, walked once while its tree stays as it was.

A survey's fit asks its group for the components about ten times (the
problem, its limits and wrappers, the plan, the windows, the rows...), each a
walk of the tree with its check that no model occurs twice (~6 us for a
two-member group). The walk depends only on the member collections of the
groups in the tree: while each group holds the same collection object showing
the same ``changes`` count (ModelCollection counts every addition and
removal), the tree, and so the walk and its check, are what they were. A tree
with a group whose members are not a ModelCollection (a plain list cannot tell
of changes) is walked every time.
"""

from .group_membership import components_and_groups
from .model_collection import ModelCollection


class ComponentsMemo:
    """The components of one group's tree (see the module), kept while no member collection in
    the tree changed. Holds no reference to its own group (no reference cycle through it)."""

    def __init__(self):
        self._components = None  # a tuple, or None: walk again
        self._own = (None, -1)  # (the group's collection, its changes) at the walk
        self._nested = ()  # ((group, its collection, the collection's changes) for each group inside)

    def components(self, group):
        """The components of ``group`` (the memo's owner, or a shallow copy of it: the same
        collection) depth first, a new list; the tree is walked again only when a member
        collection in it changed since the last walk."""
        collection, changes = self._own
        if (self._components is not None and group.models is collection and collection.changes == changes
                and self._nested_unchanged()):
            return list(self._components)
        components, groups = components_and_groups(group)
        collection = group.models
        nested = () if len(groups) == 1 else tuple([(g, g.models, g.models.changes) for g in groups[1:]])
        if type(collection) is ModelCollection and (not nested or _all_collections(nested)):
            self._components = tuple(components)
            self._own, self._nested = (collection, collection.changes), nested
        else:
            self._components, self._own, self._nested = None, (None, -1), ()
        return components

    def _nested_unchanged(self):
        for group, collection, changes in self._nested:  # (a loop: no generator per call)
            if group.models is not collection or collection.changes != changes:
                return False
        return True


def _all_collections(nested):
    """True when every (group, collection, changes) of ``nested`` holds a ModelCollection."""
    return all(type(collection) is ModelCollection for _, collection, _ in nested)
