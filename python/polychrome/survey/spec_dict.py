"""Building the survey's frozen spec dataclasses from plain dicts (YAML, JSON, Dask messages)."""

import dataclasses


def from_fields(cls, d, what):
    """``cls(**d)`` for a dict ``d`` of the dataclass's fields (an instance passes through);
    TypeError for other types, ValueError naming unknown keys. ``what`` names the thing in errors."""
    if isinstance(d, cls):
        return d
    if not isinstance(d, dict):
        raise TypeError(f"{what} must be given as a dict of {cls.__name__} fields, got {type(d).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise ValueError(f"{what}: unknown field(s) {unknown}; known: {sorted(known)}")
    return cls(**d)
