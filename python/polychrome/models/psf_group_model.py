"""The PSF group model (AstroPhot 0.18's "psf group model"): PSF models summed into one PSF image.

Like AstroPhot's, each member renders without its own normalisation and the sum is normalised (option
``normalize_psf``, default True): the members' amplitudes (``flux``, ``I0``, ``Ie``, ...) set their
relative strengths; they are 0 and locked by default (each member then contributes its profile with
unit amplitude): give them as ``{"value": ..., "locked": False}`` to fit the strengths (one of them
locked, normalised: only their ratios matter). Unlike AstroPhot's (a group) it is a PSF model itself,
so it can be a galaxy's live PSF (``psf=``) and its parameters fitted jointly.
"""

import numpy as np

from .parameter_spec import ParameterSpec
from .psf_model import PSFModel
from .registry import register


def _plain(value):
    """An option's value as YAML-safe data (arrays as lists of floats)."""
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array.tolist()


@register
class PSFGroupModel(PSFModel):
    """The normalised sum of PSF models rendered on one PSF grid.

    Parameters
    ----------
    name : str
    models : sequence of PSF models
        The members (distinct names; e.g. a narrow "gaussian psf model" and a
        broad "moffat psf model"), each on the group's grid: a member without a
        target is given the group's; one with a target must have the group's
        window shape, pixel scale and origin.
    target : PSFImage or TargetImage, optional
        Default: the first member's target.
    members : list of dicts, optional
        The members as {"name", "model_type", "options"} (what a saved file
        holds; ``models`` is the usual way).

    The group's parameters are its members' (the same quantities), named
    "<member>:<parameter>" (``group["core:sigma"]``), in member order; the
    render's Jacobian is the members' stacked, chained through the
    normalisation. ``initialize()`` initialises each member on the grid.
    """

    model_type = "psf group model"
    options = {"normalize_psf": True, "members": None}

    def __init__(self, name=None, model_type=None, models=None, target=None, window=None, psf_mode=None,
                 parameters=None, members=None, **kwargs):
        from .model import Model

        self._set_name(name, model_type)
        if models is None and members is not None:
            models = [Model(**_member_arguments(spec, self.name)) for spec in members]
        if models is None or not len(models):
            raise ValueError(f"psf group model {self.name!r}: give models (PSF models to sum), at least one")
        models = list(models)
        for member in models:
            if not isinstance(member, PSFModel):
                raise TypeError(f"psf group model {self.name!r}: members must be PSF models (e.g. a 'moffat psf "
                                f"model'), got {type(member).__name__}")
        names = [member.name for member in models]
        if len(set(names)) != len(names):
            raise ValueError(f"psf group model {self.name!r}: member names must be distinct, got {names}")
        self.models = models
        pairs = [(f"{member.name}:{p.name}", p) for member in models for p in member.parameters]
        self.parameter_specs = tuple(ParameterSpec(name, p.units, tuple(p.limits), p.cyclic, None)
                                     for name, p in pairs)
        if target is None:
            target = next((member.target for member in models if member.target is not None), None)
        super().__init__(name=name, model_type=model_type, target=None, window=window, psf_mode=psf_mode,
                         parameters=parameters, **kwargs)
        given = set(parameters or {}) | set(kwargs)
        for (key, own), (_, group) in zip(pairs, zip(self.parameters.names, self.parameters)):
            if key in given:
                own.link_to(group)  # a value given to the group (or read from a file) is the member's
            else:
                group.link_to(own)
            group.stands_for = (own,) + tuple(getattr(own, "stands_for", ()))  # saved through the group (model_file)
        if target is not None:
            self.target = target

    @property
    def members(self):
        """The members as {"name", "model_type", "options"} (what a file saves)."""
        return [{"name": member.name, "model_type": member.model_type,
                 "options": {key: _plain(getattr(member, key)) for key in member.options
                             if getattr(member, key) is not None}} for member in self.models]

    @members.setter
    def members(self, value):
        pass  # read in __init__ (the members are built from it there)

    def _parameter_shape(self, spec):
        return None

    def _attach(self, target, window):
        super()._attach(target, window)
        for member in self.models:
            if member.target is None:
                member.target = target
            box = member.window
            same = (tuple(box.shape) == tuple(window.shape)
                    and np.allclose(member.target.pixelscale, target.pixelscale, rtol=1e-12, atol=0.0)
                    and np.allclose(box.origin, window.origin, rtol=0.0, atol=1e-9 * np.abs(target.pixelscale).max()))
            if not same:
                raise ValueError(f"psf group model {self.name!r}: member {member.name!r} renders on a window of "
                                 f"{tuple(box.shape)} pixels at origin {list(box.origin)}, not the group's "
                                 f"{tuple(window.shape)} at {list(window.origin)} with the same pixel scale")

    def _raw(self, jacobian):
        images, rows = [], []
        for member in self.models:
            image, member_rows = member._raw(jacobian)
            images.append(image)
            rows.append(member_rows)
        total = np.sum(images, axis=0)
        return total, (np.concatenate(rows) if jacobian else None)

    def initialize(self, foreground=None):
        for member in self.models:
            member.initialize(foreground)
        return self


def _member_arguments(spec, group):
    """Model() arguments of a member saved as {"name", "model_type", "options"}."""
    if not isinstance(spec, dict) or not {"name", "model_type"} <= set(spec) or set(spec) - {"name", "model_type",
                                                                                         "options"}:
        raise ValueError(f"psf group model {group!r}: each of members must be a mapping with 'name', 'model_type' "
                         f"and optionally 'options', got {spec!r}")
    return dict(name=spec["name"], model_type=spec["model_type"], **(spec.get("options") or {}))
