"""The members of a group tree, each exactly once.

A model object placed twice in one group would be rendered twice (its light
counted double, so a fit quietly halves its brightness), and a group placed
inside itself makes every walk of the tree endless. Both are refused here,
naming the model and where it was met.
"""


def _is_group(model):
    return hasattr(model, "models")


def members_depth_first(group):
    """Every model inside ``group`` (not the group itself), depth first.

    Raises ValueError, naming the model and the two places it was met, when a
    model object occurs twice in the tree or when ``group`` (or any group in
    it) contains itself.
    """
    found, seen = [], {id(group)}
    if not _walk(group, seen, found):
        _walk_with_paths(group, (group.name,), {id(group): (group.name,)})  # raises, naming the places
    return found


def _walk(group, seen, found):
    """Append the members of ``group`` to ``found``, depth first; False at the first repeat."""
    for member in group.models:
        if id(member) in seen:
            return False
        seen.add(id(member))
        found.append(member)
        if _is_group(member) and not _walk(member, seen, found):
            return False
    return True


def _walk_with_paths(group, path, where):
    """The same walk as _walk, keeping each model's path of names, to report the first repeat."""
    for member in group.models:
        member_path = path + (member.name,)
        if id(member) in where:
            _refuse(member, where[id(member)], member_path)
        where[id(member)] = member_path
        if _is_group(member):
            _walk_with_paths(member, member_path, where)


def _refuse(model, earlier, again):
    if earlier == again[:len(earlier)]:
        raise ValueError(f"group {model.name!r} cannot contain itself (it would be inside itself as "
                         f"{'/'.join(again)})")
    raise ValueError(f"model {model.name!r} is in group {again[0]!r} twice, as {'/'.join(earlier)} and "
                     f"{'/'.join(again)}: a group renders each model object once; build a second model "
                     "(and link its parameters with add_equality_constraint) to use it twice")


def components_and_groups(group):
    """(components, groups): the component models inside ``group``, depth first (see
    members_depth_first), and the groups of its tree, ``group`` first, then depth first."""
    components, groups = [], [group]
    for model in members_depth_first(group):
        (groups if _is_group(model) else components).append(model)
    return components, groups
