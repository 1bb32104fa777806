"""Saving a model tree to YAML and building it again from the file.

The file holds what defines the model, not the images: names, types,
options, windows, psf modes, parameter values, uncertainties, limits, locks
and equality constraints. Targets are assigned after loading
(``model.target = images``); each component remembers the position of its
image in the saved model's target list, so that assigning the list to the
loaded group hands every member its image again.

Form (version 1)::

    polychrome_model: 1
    model:
      name: LEDA 41136
      model_type: group model
      targets: [0, 1, 2]          # a group's images, as positions in the root's list
      models:
        - name: rband model
          model_type: sersic galaxy model
          target: 0               # a component's image, position in the root's list
          window: [[0, 500], [0, 500]]   # only when set explicitly (default: whole image)
          psf_mode: full
          parameters:
            center: {value: [52.3, 51.7], uncertainty: [0.01, 0.01], limits: [null, null], locked: false}
            q: {same_as: [W1 model, q]}  # one quantity with that parameter: path of member names, then name
        ...

Numbers are written with Python's shortest round-trip representation, so a
saved and reloaded model renders exactly the same images.
"""

import os
import tempfile
import warnings

import numpy as np
import yaml

from ..image.window import as_pixel_bounds
from .group_model import GroupModel
from .model import Model
from .registry import model_class

FORMAT_KEY = "polychrome_model"
FORMAT_VERSION = 1
_PARAMETER_KEYS = ("value", "uncertainty", "limits", "locked")
_COMMON_KEYS = ("name", "model_type")
_COMPONENT_KEYS = _COMMON_KEYS + ("target", "window", "psf_mode", "options", "parameters")
_GROUP_KEYS = _COMMON_KEYS + ("targets", "window", "models")


# --- writing ---------------------------------------------------------------------------
def model_to_dict(model):
    """The file's content for ``model`` (a component or a group) as plain Python data."""
    root_targets = model.targets
    owners = {}  # id(quantity) -> path of the first parameter holding it
    for path, parameter in _parameters_with_paths(model, ()):
        owners.setdefault(id(parameter.quantity), path)
    return {FORMAT_KEY: FORMAT_VERSION, "model": _model_entry(model, (), root_targets, owners, model)}


def save_model(model, filename):
    """Write ``model`` to ``filename`` as YAML (replacing the file only once it is complete)."""
    text = _HEADER + yaml.safe_dump(model_to_dict(model), sort_keys=False, default_flow_style=None, width=100)
    folder = os.path.dirname(os.path.abspath(filename))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".polychrome-", suffix=".yaml")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.chmod(temporary, _file_mode(filename))  # mkstemp made it private (0600)
        os.replace(temporary, filename)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _file_mode(filename):
    """Permissions for the saved file: those of the file it replaces, else what open() would give
    a new file (0666 less the umask)."""
    if os.path.exists(filename):
        return os.stat(filename).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_HEADER = ("# polychrome model (load: polychrome.models.Model(name=..., filename=...); "
           "then assign model.target)\n")


def _model_entry(model, path, root_targets, owners, root):
    entry = {"name": model.name, "model_type": model.model_type}
    if isinstance(model, GroupModel):
        entry["targets"] = _group_slots(model, root_targets)
        if model._window_bounds is not None:
            entry["window"] = [list(map(list, bounds)) for bounds in model._window_bounds]
        entry["models"] = [_model_entry(member, path + (member.name,), root_targets, owners, root)
                           for member in model.models]
        return entry
    slot = _slot_of(model.target, model._target_slot, root_targets)
    if slot is not None:
        entry["target"] = slot
    if model._requested_window is not None:
        entry["window"] = [list(map(int, axis)) for axis in model._requested_window]
    if model.psf_mode is not None:
        entry["psf_mode"] = model.psf_mode
    options = {name: _plain(getattr(model, name)) for name in model.options if getattr(model, name) is not None}
    if options:
        entry["options"] = options
    entry["parameters"] = {parameter.name: _parameter_entry(parameter, path + (parameter.name,), owners, root)
                           for parameter in model.parameters}
    return entry


def _group_slots(group, root_targets):
    if group._target_slots is not None and not group.targets:
        return list(group._target_slots)
    return [_slot_of(image, None, root_targets) for image in group.targets]


def _slot_of(image, pending, root_targets):
    if image is None:
        return pending
    return next(k for k, t in enumerate(root_targets) if t is image)


def _parameter_entry(parameter, path, owners, root):
    owner = owners[id(parameter.quantity)]
    if owner != path:
        return {"same_as": list(owner)}
    outside = [p for p in parameter.linked if not _holds(root, p)]
    if outside:
        warnings.warn(f"parameter {'/'.join(path)} is linked to a parameter outside the saved model "
                      f"({outside[0].name!r}); the file keeps its value but not that link", stacklevel=4)
    lo, hi = parameter.limits
    entry = {"value": _plain(parameter.value)}
    if parameter.uncertainty is not None:
        entry["uncertainty"] = _plain(parameter.uncertainty)
    entry["limits"] = [None if np.isinf(lo) else lo, None if np.isinf(hi) else hi]
    entry["locked"] = bool(parameter.locked)
    return entry


def _holds(root, parameter):
    return any(p is parameter for component in root.components() for p in component.parameters)


def _parameters_with_paths(model, path):
    """(path of member names then parameter name, parameter) for every parameter, depth first."""
    if isinstance(model, GroupModel):
        for member in model.models:
            yield from _parameters_with_paths(member, path + (member.name,))
        return
    for parameter in model.parameters:
        yield path + (parameter.name,), parameter


def _plain(value):
    """numpy scalars and arrays as Python floats and lists (what safe_dump writes)."""
    if value is None:
        return None
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array.tolist()


# --- reading ---------------------------------------------------------------------------
def load_model(filename, name=None, model_type=None, target=None):
    """Build the model saved in ``filename``.

    ``name`` renames the root model; ``model_type``, when given, must be the
    saved root's type; ``target`` (optional) is assigned to the loaded model
    (otherwise assign it afterwards). Files are read with yaml.safe_load;
    a file of the wrong form raises ValueError naming the file and what is
    wrong.
    """
    try:
        with open(filename) as stream:
            content = yaml.safe_load(stream)
    except yaml.YAMLError as err:
        raise ValueError(f"{filename}: not a YAML file: {err}") from None
    try:
        model = model_from_dict(content, name=name, model_type=model_type)
    except (TypeError, ValueError, KeyError) as err:
        message = err.args[0] if err.args else str(err)
        raise ValueError(f"{filename}: {message}") from None
    if target is not None:
        model.target = target
    return model


def model_from_dict(content, name=None, model_type=None):
    """Build a model from the file content (see ``model_to_dict``)."""
    if not isinstance(content, dict) or FORMAT_KEY not in content:
        raise ValueError(f"not a polychrome model file: expected a mapping with {FORMAT_KEY!r} and 'model'")
    _check_keys(content, (FORMAT_KEY, "model"), "the file")
    if content[FORMAT_KEY] != FORMAT_VERSION:
        raise ValueError(f"{FORMAT_KEY} is {content[FORMAT_KEY]!r}; this version of polychrome reads "
                         f"version {FORMAT_VERSION}")
    entry = content.get("model")
    if not isinstance(entry, dict):
        raise ValueError("'model' must be a mapping with name, model_type and the model's fields")
    if model_type is not None and entry.get("model_type") != model_type:
        raise ValueError(f"the saved model is a {entry.get('model_type')!r}, not a {model_type!r}")
    links = []
    model = _build(entry, (), links, name)
    _link(model, links)
    return model


def _build(entry, path, links, rename=None):
    where = "model " + ("/".join(path) if path else "(root)")
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(entry).__name__}")
    for key in _COMMON_KEYS:
        if key not in entry:
            raise ValueError(f"{where}: missing {key!r}")
    try:
        cls = model_class(entry["model_type"])
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: {err}") from None
    name = entry["name"] if rename is None else rename
    if cls.model_type == "group model":
        _check_keys(entry, _GROUP_KEYS, where)
        members = entry.get("models")
        if not isinstance(members, list) or not members:
            raise ValueError(f"{where}: 'models' must be a non-empty list of models")
        models = [_build(member, path + (_member_name(member, where),), links) for member in members]
        group = Model(name=name, model_type=cls.model_type, models=models)
        group._target_slots = _slots(entry.get("targets", []), f"{where}: targets")
        if entry.get("window") is not None:
            group._window_bounds = _group_window(entry["window"], len(group._target_slots), where)
        return group
    _check_keys(entry, _COMPONENT_KEYS, where)
    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise ValueError(f"{where}: 'options' must be a mapping, got {type(options).__name__}")
    unknown = [key for key in options if key not in cls.options]
    if unknown:
        raise ValueError(f"{where}: unknown option(s) {unknown} for a {cls.model_type}; options: {list(cls.options)}")
    parameters = entry.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise ValueError(f"{where}: 'parameters' must be a mapping, got {type(parameters).__name__}")
    values = {}
    for pname, fields in parameters.items():
        if isinstance(fields, dict) and "same_as" in fields:
            _check_keys(fields, ("same_as",), f"{where}: parameter {pname!r}")
            links.append((path + (pname,), fields["same_as"]))
            continue
        if not isinstance(fields, dict):
            raise ValueError(f"{where}: parameter {pname!r} must be a mapping with {list(_PARAMETER_KEYS)} "
                             "or same_as")
        _check_keys(fields, _PARAMETER_KEYS, f"{where}: parameter {pname!r}")
        values[pname] = dict(fields)
        if "limits" in fields:
            values[pname]["limits"] = _limits(fields["limits"], f"{where}: parameter {pname!r}")
    model = Model(name=name, model_type=cls.model_type, window=entry.get("window"),
                  psf_mode=entry.get("psf_mode"), parameters=values, **options)
    target = entry.get("target")
    if target is not None:
        if isinstance(target, bool) or not isinstance(target, int) or target < 0:
            raise ValueError(f"{where}: target must be an image position (integer >= 0), got {target!r}")
        model._target_slot = target
    return model


def _link(root, links):
    """Make each ``same_as`` parameter one quantity with the parameter it names."""
    for path, other in links:
        where = f"parameter {'/'.join(path)}"
        if not isinstance(other, list) or not other or not all(isinstance(part, str) for part in other):
            raise ValueError(f"{where}: same_as must be a list of member names then a parameter name, "
                             f"got {other!r}")
        if tuple(other) == path:
            raise ValueError(f"{where}: same_as names the parameter itself")
        try:
            _find(root, path)[path[-1]].link_to(_find(root, tuple(other))[other[-1]])
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None


def _find(root, path):
    """The component holding the parameter at ``path`` (member names, then the parameter's name)."""
    model = root
    for part in path[:-1]:
        if not hasattr(model, "models") or part not in model.models:
            raise ValueError(f"same_as: no model {'/'.join(path[:-1])!r} in the file")
        model = model.models[part]
    if hasattr(model, "models") or path[-1] not in model.parameters:
        raise ValueError(f"same_as: no parameter {'/'.join(path)!r} in the file")
    return model


def _member_name(member, where):
    if not isinstance(member, dict) or not isinstance(member.get("name"), str):
        raise ValueError(f"{where}: every entry of 'models' must be a mapping with a 'name' string")
    return member["name"]


def _check_keys(mapping, allowed, where):
    unknown = [key for key in mapping if key not in allowed]
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed: {list(allowed)}")


def _slots(values, where):
    if not isinstance(values, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                               for v in values):
        raise ValueError(f"{where} must be image positions (integers >= 0), got {values!r}")
    return list(values)


def _limits(limits, where):
    if not isinstance(limits, list) or len(limits) != 2:
        raise ValueError(f"{where}: limits must be [lo, hi] (null for unbounded), got {limits!r}")
    return tuple(limits)


def _group_window(window, count, where):
    if not isinstance(window, list) or len(window) != count:
        raise ValueError(f"{where}: window must hold one [[x_start, x_stop], [y_start, y_stop]] per target "
                         f"({count}), got {window!r}")
    try:
        return [as_pixel_bounds(bounds) for bounds in window]
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: window: {err}") from None
