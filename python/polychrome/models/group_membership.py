"""The members of a group tree, each exactly once.

A model object placed twice in one group would be rendered twice (its light
counted double, so a fit quietly halves its brightness), and a group placed
inside itself makes every walk of the tree endless. Both are refused here,
naming the model and where it was met.
"""


def _is_group(model):
    return hasattr(model, "models")


def members_depth_first(group):
    """Every model inside ``group`` (not the group itself), depth first, each with its path of names.

    Returns a list of (model, path) pairs, path being the tuple of names from
    ``group`` down to the model. Raises ValueError when a model object occurs
    twice in the tree or when ``group`` (or any group in it) contains itself.
    """
    found = []
    where = {id(group): (group.name,)}  # id -> path of every model met so far (the root included)
    _walk(group, (group.name,), where, found)
    return found


def _walk(group, path, where, found):
    for member in group.models:
        member_path = path + (member.name,)
        earlier = where.get(id(member))
        if earlier is not None:
            _refuse(member, earlier, member_path)
        where[id(member)] = member_path
        found.append((member, member_path))
        if _is_group(member):
            _walk(member, member_path, where, found)


def _refuse(model, earlier, again):
    if earlier == again[:len(earlier)]:
        raise ValueError(f"group {model.name!r} cannot contain itself (it would be inside itself as "
                         f"{'/'.join(again)})")
    raise ValueError(f"model {model.name!r} is in group {again[0]!r} twice, as {'/'.join(earlier)} and "
                     f"{'/'.join(again)}: a group renders each model object once; build a second model "
                     "(and link its parameters with add_equality_constraint) to use it twice")


def components_of(group):
    """The component (non-group) models inside ``group``, depth first (see members_depth_first)."""
    return [model for model, _ in members_depth_first(group) if not _is_group(model)]
