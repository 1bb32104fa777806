"""Saving a model tree to YAML and building it again from the file.

The file holds what defines the model, not the images: names, types,
options, windows, psf modes, parameter values, uncertainties, limits, locks
and equality constraints. Targets are assigned after loading
(``model.target = images``); each component remembers the position of its
image in the saved model's target list, so that assigning the list to the
loaded group hands every member its image again.

Form (version 2)::

    polychrome_model: 2
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
    end_of_model: polychrome_model   # always the last line

A component's own PSF (``psf=``) is saved with it: an image as ``psf: {image:
[[...]], pixelscale: ...}``; a live PSF model as ``psf: {model: {...},
grid: {shape, pixelscale, origin}}`` (its entry, and the grid of its target,
on which a blank target is made again when loading: the PSF's pixels are not
saved), written at the first component using it and named by the others as
``psf: {same_as: [path of that component]}``. Its parameters' paths are the
component's, then ``psf``, then the parameter's name.

The closing ``end_of_model`` line makes a file cut short detectable: a
version-2 file without it is refused as incomplete. Version-1 files (written
by polychrome before the marker existed; the same form without that line)
still load, but a truncated one cannot be told from a complete one; saving
such a model again writes version 2.

Numbers are written with Python's shortest round-trip representation, so a
saved and reloaded model renders exactly the same images.
"""

import contextlib
import gc
import warnings

import numpy as np
import yaml

from ..image.window import as_pixel_bounds
from ..utils.atomic_file import atomic_write
from .group_model import GroupModel
from .model import Model
from .registry import model_class

FORMAT_KEY = "polychrome_model"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
# The last line of a version-2 file: a file cut short (at a line boundary or not) lacks it.
END_KEY = "end_of_model"
END_VALUE = "polychrome_model"
# libyaml's safe loader and dumper when PyYAML has them (same results, much faster), else PyYAML's own.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_PARAMETER_KEYS = ("value", "uncertainty", "limits", "locked")
_COMMON_KEYS = ("name", "model_type")
_COMPONENT_KEYS = _COMMON_KEYS + ("target", "window", "psf_mode", "options", "parameters", "psf")
_PSF_KEYS = ("image", "pixelscale", "model", "grid", "same_as")
_GROUP_KEYS = _COMMON_KEYS + ("targets", "window", "models")


# --- writing ---------------------------------------------------------------------------
def model_to_dict(model):
    """The file's content for ``model`` (a component or a group) as plain Python data.

    Linear in the number of components: every look-up below is a dict or set of ids.
    """
    owners = {}  # id(quantity) -> path of the first parameter holding it
    held = set()  # id of every parameter in the saved tree
    for path, parameter in _parameters_with_paths(model, ()):
        owners.setdefault(id(parameter.quantity), path)
        held.add(id(parameter))
        # a model's parameters may stand for others it holds inside (a psf group model's members'):
        # those are saved through it
        held.update(id(inner) for inner in getattr(parameter, "stands_for", ()))
    context = _SaveContext({id(image): k for k, image in enumerate(model.targets)}, owners, held)
    context.psf_holders = {}
    return {FORMAT_KEY: FORMAT_VERSION, "model": _model_entry(model, (), context), END_KEY: END_VALUE}


class _SaveContext:
    """What every entry of one saved tree needs: the root's image positions, the owner of each
    quantity and the set of parameters the tree holds."""

    def __init__(self, slots, owners, held):
        self.slots, self.owners, self.held = slots, owners, held


def save_model(model, filename):
    """Write ``model`` to ``filename`` as YAML, atomically (see ``utils.atomic_file``): a symbolic
    link is written through, and the previous file stays whole until the new one is on disk."""
    with _collector_paused():
        text = _HEADER + yaml.dump(model_to_dict(model), Dumper=_DUMPER, sort_keys=False,
                                   default_flow_style=None, width=100)
    with atomic_write(filename, overwrite=True) as temporary:
        with open(temporary, "w", encoding="utf-8") as stream:
            stream.write(text)


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a file's worth of objects is built.

    Building many objects in one go triggers repeated full collections, each
    walking every live object: that made saving and loading quadratic in the
    number of components. Nothing built here is garbage until it is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_HEADER = ("# polychrome model (load: polychrome.models.Model(name=..., filename=...); "
           "then assign model.target)\n")


def _model_entry(model, path, context):
    entry = {"name": model.name, "model_type": model.model_type}
    if isinstance(model, GroupModel):
        entry["targets"] = _group_slots(model, context)
        if model._window_bounds is not None:
            entry["window"] = [list(map(list, bounds)) for bounds in model._window_bounds]
        entry["models"] = [_model_entry(member, path + (member.name,), context) for member in model.models]
        return entry
    slot = model._target_slot if model.target is None else context.slots.get(id(model.target))
    if slot is not None:
        entry["target"] = slot
    if model._requested_window is not None:
        entry["window"] = [list(map(int, axis)) for axis in model._requested_window]
    if model.psf_mode is not None:
        entry["psf_mode"] = model.psf_mode
    options = {name: _plain(getattr(model, name)) for name in model.options if getattr(model, name) is not None}
    if options:
        entry["options"] = options
    entry["parameters"] = {parameter.name: _parameter_entry(parameter, path + (parameter.name,), context)
                           for parameter in model.parameters}
    psf = _psf_entry(model, path, context)
    if psf is not None:
        entry["psf"] = psf
    return entry


def _psf_entry(model, path, context):
    """The ``psf`` entry of a component with a PSF of its own (None without)."""
    own = getattr(model, "psf", None)
    if own is None:
        return None
    if not isinstance(own, Model):
        return {"image": np.asarray(own.data, float).tolist(),
                "pixelscale": np.asarray(own.pixelscale, float).tolist() if own.pixelscale_given else None}
    holder = context.psf_holders.get(id(own))
    if holder is not None:
        return {"same_as": list(holder)}
    context.psf_holders[id(own)] = path
    entry = {"model": _model_entry(own, path + ("psf",), context)}
    grid = own.target
    if grid is not None:
        entry["grid"] = {"shape": list(map(int, grid.shape)), "pixelscale": np.asarray(grid.pixelscale, float).tolist(),
                         "origin": np.asarray(grid.origin, float).tolist()}
    return entry


def _group_slots(group, context):
    targets = group.targets
    if group._target_slots is not None and not targets:
        return list(group._target_slots)
    return [context.slots[id(image)] for image in targets]


def _parameter_entry(parameter, path, context):
    owner = context.owners[id(parameter.quantity)]
    if owner != path:
        return {"same_as": list(owner)}
    outside = [p for p in parameter.linked if id(p) not in context.held]
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


def _parameters_with_paths(model, path):
    """(path of member names then parameter name, parameter) for every parameter, depth first."""
    if isinstance(model, GroupModel):
        for member in model.models:
            yield from _parameters_with_paths(member, path + (member.name,))
        return
    for parameter in model.parameters:
        yield path + (parameter.name,), parameter
    live = getattr(model, "psf", None)
    if isinstance(live, Model):
        yield from _parameters_with_paths(live, path + ("psf",))


def _plain(value):
    """numpy scalars and arrays as Python floats and lists (what safe_dump writes); flags as bools;
    strings as they are; mappings (and lists of them) entry by entry."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(item, (dict, str)) for item in value):
        return [_plain(item) for item in value]
    if isinstance(value, np.bool_):
        return bool(value)
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
        with open(filename, encoding="utf-8") as stream, _collector_paused():
            content = yaml.load(stream, Loader=_LOADER)
    except yaml.YAMLError as err:
        raise ValueError(f"{filename}: not a YAML file: {err}") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{filename}: not a YAML file: not UTF-8 text (a binary file?): {err}") from None
    try:
        with _collector_paused():
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
    _check_keys(content, (FORMAT_KEY, "model", END_KEY), "the file")
    version = content[FORMAT_KEY]
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise ValueError(f"{FORMAT_KEY} is {version!r}; this version of polychrome reads "
                         f"version {' or '.join(map(str, READABLE_VERSIONS))}")
    if version >= 2 and content.get(END_KEY) != END_VALUE:
        raise ValueError(f"the file is incomplete (cut short?): its last line must be "
                         f"'{END_KEY}: {END_VALUE}'")
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
    psf = _built_psf(entry.get("psf"), path, links, where)
    model = Model(name=name, model_type=cls.model_type, window=entry.get("window"),
                  psf_mode=entry.get("psf_mode"), parameters=values, **options, **({} if psf is None else {"psf": psf}))
    target = entry.get("target")
    if target is not None:
        if isinstance(target, bool) or not isinstance(target, int) or target < 0:
            raise ValueError(f"{where}: target must be an image position (integer >= 0), got {target!r}")
        model._target_slot = target
    return model


def _built_psf(entry, path, links, where):
    """A component's own PSF from its ``psf`` entry: a PSFImage, a live PSF model (on a blank target
    of its saved grid), or None (none, or one named by ``same_as``: set by ``_link``)."""
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: 'psf' must be a mapping, got {type(entry).__name__}")
    _check_keys(entry, _PSF_KEYS, f"{where}: psf")
    if "same_as" in entry:
        links.append((path, {"psf": entry["same_as"]}))
        return None
    if "image" in entry:
        from ..image import PSFImage

        return PSFImage(np.asarray(entry["image"], float), pixelscale=entry.get("pixelscale"))
    if "model" not in entry:
        raise ValueError(f"{where}: psf must hold an image, a model or same_as")
    model = _build(entry["model"], path + ("psf",), links)
    grid = entry.get("grid")
    if grid is not None:
        from ..image import TargetImage

        try:
            model.target = TargetImage(np.zeros(tuple(int(n) for n in grid["shape"])), pixelscale=grid["pixelscale"],
                                       origin=grid["origin"])
        except (KeyError, TypeError) as err:
            raise ValueError(f"{where}: psf grid must hold shape, pixelscale and origin: {err}") from None
    return model


def _component_at(root, path, where):
    model = root
    for part in path:
        if not hasattr(model, "models") or part not in model.models:
            raise ValueError(f"{where}: no model {'/'.join(path)!r} in the file")
        model = model.models[part]
    return model


def _link(root, links):
    """Make each ``same_as`` parameter one quantity with the parameter it names, and give each
    component whose psf is ``same_as`` another's that component's live PSF."""
    for path, other in links:
        if isinstance(other, dict):
            where = f"model {'/'.join(path)}: psf same_as"
            holder = _component_at(root, tuple(other["psf"]), where)
            if not isinstance(getattr(holder, "psf", None), Model):
                raise ValueError(f"{where}: {'/'.join(other['psf'])!r} has no live psf model")
            _component_at(root, path, where).psf = holder.psf
            continue
        where = f"parameter {'/'.join(path)}"
        if not isinstance(other, list) or not other or not all(isinstance(part, str) for part in other):
            raise ValueError(f"{where}: same_as must be a list of member names then a parameter name, "
                             f"got {other!r}")
        if tuple(other) == path:
            raise ValueError(f"{where}: same_as names the parameter itself")
        try:
            mine, owner = _find(root, path)[path[-1]], _find(root, tuple(other))[other[-1]]
            mine.limits = owner.limits  # a same_as entry has no fields of its own: the owner's hold
            mine.link_to(owner)
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None


def _find(root, path):
    """The component holding the parameter at ``path`` (member names, then the parameter's name)."""
    model = root
    for part in path[:-1]:
        if part == "psf" and not hasattr(model, "models") and isinstance(getattr(model, "psf", None), Model):
            model = model.psf  # a component's live PSF
            continue
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
