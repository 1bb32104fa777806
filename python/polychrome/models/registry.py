"""The registry of model types: model_type strings ("sersic galaxy model", ...) to classes."""

_MODEL_TYPES = {}
_ALIASES = {}  # another spelling (an AutoProf one) -> the registered model_type


def register(cls, replace=False):
    """Class decorator: make ``cls`` constructible as ``Model(model_type=cls.model_type, ...)``.

    ``replace``: a user's class may take over its own model_type from an earlier definition of
    the same class name (a notebook cell run again); never one of polychrome's types."""
    name = cls.model_type
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__}.model_type must be a non-empty string to be registered")
    previous = _MODEL_TYPES.get(name)
    if replace and previous is not None and previous.__module__.startswith("polychrome."):
        raise ValueError(f"model_type {name!r} is one of polychrome's; give your class another model_type")
    if name in _ALIASES:
        raise ValueError(f"model_type {name!r} is already taken (another name of {_ALIASES[name]!r})")
    if replace and previous is not None and previous.__name__ == cls.__name__:
        _MODEL_TYPES[name] = cls
        return cls
    if name in _MODEL_TYPES and _MODEL_TYPES[name] is not cls:
        raise ValueError(f"model_type {name!r} is already registered to {_MODEL_TYPES[name].__name__}")
    _MODEL_TYPES[name] = cls
    return cls


def unregister(model_type):
    """Forget a user's model type (one registered by a class of the user's); polychrome's cannot be."""
    cls = _MODEL_TYPES.get(model_type)
    if cls is None:
        raise ValueError(f"model_type {model_type!r} is not registered")
    if cls.__module__.startswith("polychrome."):
        raise ValueError(f"model_type {model_type!r} is one of polychrome's and stays registered")
    del _MODEL_TYPES[model_type]


def register_alias(alias, model_type):
    """Make ``alias`` another name of the registered ``model_type`` (the model reports the latter)."""
    if model_type not in _MODEL_TYPES:
        raise ValueError(f"model_type {model_type!r} is not registered")
    if alias in _MODEL_TYPES or _ALIASES.get(alias, model_type) != model_type:
        raise ValueError(f"model_type {alias!r} is already taken")
    _ALIASES[alias] = model_type


def model_type_aliases():
    """{alias: model_type} of the other spellings accepted (e.g. AutoProf's)."""
    return dict(_ALIASES)


def model_types():
    """The known model_type strings, sorted."""
    return sorted(_MODEL_TYPES)


def model_class(model_type):
    """The class registered for ``model_type``; unknown types raise ValueError listing the known ones."""
    if model_type is None:
        raise ValueError(f"model_type is required; known model types: {model_types()}")
    if not isinstance(model_type, str):
        raise TypeError(f"model_type must be a string, got {type(model_type).__name__}; "
                        f"known model types: {model_types()}")
    try:
        return _MODEL_TYPES[_ALIASES.get(model_type, model_type)]
    except KeyError:
        raise ValueError(f"unknown model_type {model_type!r}; known model types: {model_types()}") from None


def model_names_under(base):
    """The registered model_type strings whose classes are ``base`` or derive from it, sorted."""
    return sorted(name for name, cls in _MODEL_TYPES.items() if issubclass(cls, base))
