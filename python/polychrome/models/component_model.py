"""ComponentModel: a model of one thing (galaxy, star, sky) on one target, with its own parameters."""

import abc
import warnings

import numpy as np

from ..image import TargetImage, Window
from ..image.window import as_pixel_bounds
from ..param import ParameterSet
from ..param.numpy_values import numpy_value
from .automatic_window import measuring_bounds, next_window
from .model import Model
from .window_forms import autoprof_window
from .parameter_spec import CENTER, check_shape, make_parameter

PSF_MODES = ("full", "none")


class ComponentModel(Model):
    """Base of the models that own parameters and render on one window of one target.

    Subclasses declare ``parameter_specs`` (the fixed parameter order),
    ``options`` ({option name: default}), ``psf_modes`` (the allowed
    psf_mode values) and implement
    ``_render(jacobian)``: the image over ``window`` (flux per pixel) and,
    with ``jacobian``, its derivatives ``[n, ny, nx]``, one row per scalar of
    ``parameters`` in order.

    Parameters
    ----------
    name : str
    model_type : str, optional
        Must be this class's type when given.
    target : TargetImage, optional
        The image the model renders on. A model may be built without one
        (e.g. read from a file) and given it later: ``model.target = image``.
    window : Window, [[x_start, x_stop], [y_start, y_stop]] or (x_min, x_max, y_min, y_max), optional
        Pixel box of ``target`` the model covers (its image, its fitted
        pixels) and renders on, kept fixed (also when the target is
        reassigned). Default: the whole image, the light rendered only on an
        automatic ``render_window``: grown from the model's own light to
        where it falls well below the noise, following the model as its
        parameters change (see ``automatic_window``). A flat four-number
        (x_min, x_max, y_min, y_max) is AutoProf 0.8's plane box in arcsec
        (see ``window_forms.autoprof_window``).
    psf_mode : "full" or "none", optional
        Convolve with the target's PSF ("full", needs ``target.psf`` or the
        model's own ``psf``) or not; default "full" when the target has a PSF
        and the type allows it. "full" asked for with no PSF anywhere builds
        the model (as AutoProf did) with a warning; rendering it raises until
        a PSF is given (never a silent "none").
    parameters : dict, optional
        ``{name: value or {"value", "uncertainty", "limits", "locked"}}``.
    psf : PSFImage, 2-D array or model, optional
        The model's own PSF instead of the target's (as in AutoProf): an
        image (odd-sized, normalised to unit sum; on the target's grid divided
        by ``target.psf_upsample``), or a **live PSF**: a PSF model (e.g. a
        "moffat psf model" on its PSF grid) or any component model with an
        odd-sized window, whose normalised render is the PSF and whose
        parameters are fitted with this model's (one such model may be the
        PSF of several sources; see ``live_psf``). Its parameters are also
        reached as ``model["psf:n"]``.
    **kwargs
        Parameter values by name, and the type's options.
    """

    parameter_specs = ()
    options = {}
    psf_modes = PSF_MODES
    # share of the target's noise level a rendered pixel may err by (None: the default accuracy);
    # see Model.set_noise_tolerance
    _noise_fraction = None

    # AutoProf's parameter order of the base classes (user subclasses extend it)
    _parameter_order = ("center",)
    _spec_defaults = {}  # {name: {"value"/"locked"/"uncertainty": ...}} from a user's parameter_specs dict

    def __init_subclass__(cls, **kwargs):
        """A user's subclass written as for AutoProf (``parameter_specs`` a dict, ``radial_model`` or
        ``evaluate_model`` in numpy) gets its parameters, rendering and registration: see
        custom_brightness."""
        super().__init_subclass__(**kwargs)
        from . import custom_brightness
        from .registry import register

        declared = cls.__dict__.get("parameter_specs")
        if isinstance(declared, dict):
            parent = super(cls, cls).parameter_specs
            inherited = parent if isinstance(parent, tuple) and parent else (CENTER,)
            specs, defaults = custom_brightness.specs_from_dict(cls, declared, inherited)
            order = cls.__dict__.get("_parameter_order")
            if order is not None:
                by_name = {spec.name: spec for spec in specs}
                missing = [name for name in order if name not in by_name]
                if missing or len(order) != len(specs):
                    raise ValueError(f"{cls.__name__}._parameter_order {tuple(order)} must name each parameter "
                                     f"once: {tuple(by_name)}")
                specs = tuple(by_name[name] for name in order)
            cls.parameter_specs = specs
            cls._spec_defaults = {**getattr(cls, "_spec_defaults", {}), **defaults}
        custom = custom_brightness.is_custom(cls)
        if custom and not getattr(cls, "_custom_brightness", False):
            for name in custom_brightness.MIXED_IN:
                if name not in cls.__dict__:
                    setattr(cls, name, custom_brightness.CustomBrightness.__dict__[name])
            cls._custom_brightness = True
        if custom and "initialize" in cls.__dict__:  # a user's initialize may be written in torch
            from .torch_interop import retrying_with_tensors

            cls.initialize = retrying_with_tensors(cls.__dict__["initialize"])
        if (custom or isinstance(declared, dict)) and isinstance(cls.__dict__.get("model_type"), str):
            register(cls, replace=True)

    def __init__(self, name=None, model_type=None, target=None, window=None, psf_mode=None,
                 parameters=None, psf=None, **kwargs):
        self._set_name(name, model_type)
        self._own_psf, self._live_psf = None, None
        self.psf_upscale = kwargs.pop("psf_upscale", None)
        if psf is not None:
            self.psf = psf
        if isinstance(window, Window) and window.image is not target:
            raise ValueError(f"model {name!r}: window belongs to another image than the target")
        self._target = None
        self._window_box = None        # the Window covered (given, or the whole image)
        self._render_box = None        # the automatic render window (no window given)
        self._automatic_key = None     # what the automatic render window was last sized for
        self._window_held = False      # True: the automatic render window stays as it is (in a fit)
        self._requested_window = self._checked_bounds(autoprof_window(window, target, self.name))
        self._requested_psf_mode = self._checked_psf_request(psf_mode)
        self._target_slot = None  # position in a saved model's target list, until a target is assigned
        values = self._split_kwargs(parameters, kwargs)
        self.parameters = ParameterSet(
            make_parameter(spec, values.get(spec.name), name, self._parameter_shape(spec))
            for spec in self.parameter_specs)
        if target is not None:
            self.target = target

    def _split_kwargs(self, parameters, kwargs):
        """Set the options from ``kwargs``; return {parameter name: given value}."""
        names = [spec.name for spec in self.parameter_specs]
        values = {}
        if parameters is not None:
            if not isinstance(parameters, dict):
                raise TypeError(f"model {self.name!r}: parameters must be a dict {{name: value}}, "
                                f"got {type(parameters).__name__}")
            values.update(parameters)
        for option, default in self.options.items():
            setattr(self, option, kwargs.pop(option, default))
        if getattr(self, "_custom_brightness", False):  # a user's class: its plain class attributes are options
            for key in [k for k in kwargs if k not in names and _is_user_setting(type(self), k)]:
                setattr(self, key, kwargs.pop(key))
        for key, value in kwargs.items():
            if key in values:
                raise ValueError(f"model {self.name!r}: parameter {key!r} given twice (keyword and parameters)")
            values[key] = value
        values = self._from_autoprof_names(values)
        unknown = [key for key in values if key not in names]
        if unknown:
            raise TypeError(f"model {self.name!r} ({self.model_type}): unknown parameter(s) or option(s) "
                            f"{unknown}; parameters: {names}; options: {list(self.options)}")
        self._check_options()
        return values

    def _from_autoprof_names(self, values):
        """{name: value} with AutoProf's spellings turned into this type's parameters and options
        (subclasses whose AutoProf parameters differ override; see FlatSky, PlaneSky, SplineGalaxy);
        here the defaults of a user's parameter_specs dict fill what was not given."""
        if self._spec_defaults:
            values = {**{k: dict(v) for k, v in self._spec_defaults.items()}, **values}
        return values

    def _check_options(self):
        """Validate the options (subclasses with options override)."""

    def _parameter_shape(self, spec):
        """Required shape of the value of ``spec`` (None: any)."""
        return spec.shape

    def _checked_psf_request(self, psf_mode):
        """Validate a requested psf_mode (None: decided by the target) without a target."""
        if psf_mode is None:
            return None
        if psf_mode not in PSF_MODES:
            raise ValueError(f"model {self.name!r}: psf_mode must be one of {list(PSF_MODES)}, got {psf_mode!r}")
        if psf_mode not in self.psf_modes:
            raise ValueError(f"model {self.name!r}: a {self.model_type} takes psf_mode "
                             f"{' or '.join(repr(m) for m in self.psf_modes)}, got {psf_mode!r}")
        return psf_mode

    @property
    def psf(self):
        """The model's own PSF: a PSFImage, a live PSF model, or None (the target's PSF is used)."""
        return self._live_psf.model if self._live_psf is not None else self._own_psf

    @psf.setter
    def psf(self, psf):
        from ..image import PSFImage
        from .live_psf import LivePsf
        from .model import Model

        if psf is not None and "full" not in self.psf_modes:
            raise ValueError(f"model {self.name!r}: a {self.model_type} is not PSF-convolved and takes no psf")
        if psf is None:
            self._own_psf, self._live_psf = None, None
        elif isinstance(psf, Model):
            if psf is self:
                raise ValueError(f"model {self.name!r}: a model cannot be its own psf")
            live = LivePsf(psf)
            if getattr(psf, "psf_upscale", None) is not None and self._target is not None and psf.target is not None:
                live.upsample_for(self._target)  # a psf_upscale that does not match the grids: said now
            self._own_psf, self._live_psf = None, live
        else:
            self._own_psf = psf if isinstance(psf, PSFImage) else PSFImage(psf)
            self._live_psf = None
        self._render_box, self._automatic_key = None, None

    @property
    def psf_upscale(self):
        """AutoProf's ``psf_upscale`` of a model used as a PSF: how many of its pixels per pixel of
        the image it convolves (an integer >= 1), or None (not given). polychrome takes a live PSF's
        fineness from its own target's pixel scale (see ``live_psf``); a value given here is checked
        against it when the model becomes a live PSF (``psf=`` or ``set_aux_psf``)."""
        return self._psf_upscale

    @psf_upscale.setter
    def psf_upscale(self, value):
        if value is None:  # (every model built: no import)
            self._psf_upscale = None
            return
        from .live_psf import checked_psf_upscale

        self._psf_upscale = checked_psf_upscale(value, self.name)

    def set_aux_psf(self, aux_psf, add_parameters=True):
        """AutoProf's name for giving the model a live PSF: ``model.psf = aux_psf`` (a PSF model, or
        any component model with an odd-sized window), its parameters fitted with this model's
        (reached as ``model["psf:n"]``). ``add_parameters=False`` (AutoProf: the PSF's parameters
        not fitted with this model) is refused: lock them instead (``aux_psf["n"].locked = True``)."""
        if add_parameters is not True:
            raise ValueError(f"model {self.name!r}: set_aux_psf(add_parameters={add_parameters!r}): a live PSF's "
                             "parameters are always fitted with the model; to keep them fixed, lock them "
                             "(psf_model['n'].locked = True)")
        self.psf = aux_psf

    def _has_psf_on(self, target):
        return self._own_psf is not None or self._live_psf is not None or target.has_psf

    def _psf_image(self):
        """The PSFImage the model convolves with now (its own, its live PSF's, or the target's)."""
        if self._live_psf is not None:
            return self._live_psf.image()
        if self._own_psf is not None:
            return self._own_psf.on_grid_of(np.asarray(self._target.pixelscale) / self._target.psf_upsample)
        return self._target.psf

    def _psf_upsample(self):
        """PSF pixels per target pixel along each axis."""
        if self._live_psf is not None:
            return self._live_psf.upsample_for(self._target)
        return self._target.psf_upsample

    def _initialize_live_psf(self):
        """Give a live PSF model's parameters that have no value their starts (its initialize())."""
        if self._live_psf is not None and any(p.value is None for p in self._live_psf.parameters()):
            self._live_psf.model.initialize()

    def jacobian_parameters(self):
        """The parameters of the Jacobian rows ``_render`` gives: the model's own, then those of a
        live PSF."""
        own = list(self.parameters)
        return own if self._live_psf is None else own + self._live_psf.parameters()

    def live_psf_parameters(self):
        """[(parameter, the live PSF model's name)] (empty without a live PSF)."""
        if self._live_psf is None:
            return []
        return [(parameter, self._live_psf.model.name) for parameter in self._live_psf.parameters()]

    def _psf_mode_on(self, target):
        """The psf_mode the model renders with on ``target``. A "full" asked for while neither the
        target nor the model has a PSF stays "full" (as in AutoProf): rendering raises until a PSF
        is given (see ``_uses_psf``), never a silent "none"."""
        psf_mode = self._requested_psf_mode
        if psf_mode is None:
            return "full" if "full" in self.psf_modes and self._has_psf_on(target) else self.psf_modes[-1]
        return psf_mode

    def _psf_missing_message(self):
        return (f"model {self.name!r}: psf_mode 'full' needs a PSF, and neither its target nor the model has "
                "one: give the target a psf (TargetImage(..., psf=...)), the model its own (psf=...), or "
                "ask for psf_mode='none'")

    def _warn_if_psf_missing(self, target):
        """Warn when psf_mode "full" was asked for and no PSF is there (yet) on ``target``."""
        if (self._requested_psf_mode == "full" and "none" in self.psf_modes
                and not self._has_psf_on(target)):
            warnings.warn(self._psf_missing_message() + " (rendering raises until then)", UserWarning,
                          stacklevel=3)

    @property
    def psf_mode(self):
        """"full" (convolved with the target's PSF) or "none"; None while the model has no
        target and no psf_mode was given (then the target decides)."""
        if self._target is None:
            return self._requested_psf_mode
        return self._psf_mode_on(self._target)

    @psf_mode.setter
    def psf_mode(self, psf_mode):
        self._requested_psf_mode = self._checked_psf_request(psf_mode)
        if self._target is not None:
            self._warn_if_psf_missing(self._target)

    # --- target and window ------------------------------------------------------------
    @property
    def targets(self):
        return [] if self._target is None else [self._target]

    @property
    def windows(self):
        return [] if self._window_box is None else [self._window_box]

    @property
    def target(self):
        """The TargetImage the model renders on (None until one is assigned)."""
        return self._target

    @target.setter
    def target(self, target):
        """Render on ``target`` (a TargetImage): the window keeps its pixel bounds (the whole
        image when none were given) and options that default from the target are set."""
        if not isinstance(target, TargetImage):
            raise TypeError(f"model {self.name!r}: target must be a TargetImage, got {type(target).__name__}")
        window = self._window_on(target, self._requested_window)
        self._attach(target, window)
        self._warn_if_psf_missing(target)
        self._target, self._window_box = target, window
        self._render_box, self._automatic_key = None, None
        self._target_slot = None

    def _attach(self, target, window):
        """Check the model can render on ``target`` over ``window``; set options that default
        from them. Raises before changing anything (subclasses with such options override)."""

    @property
    def window(self):
        """The Window of the target the model covers: its image and fitted pixels (None until a
        target is assigned). The whole image unless one was given."""
        return self._window_box

    @property
    def window_is_automatic(self):
        """True when no window was given: the model covers the whole image and renders its light
        on an automatic ``render_window``; False when a window was given (it renders on all of it)."""
        return self._requested_window is None

    @property
    def render_window(self):
        """The Window the model's light is rendered on (zero outside it; None without a target).

        The given window; without one, the automatic window of the model's
        light (see ``automatic_window``), brought up to date with the
        parameters first unless held (see ``Model.automatic_windows_held``).
        """
        if self._requested_window is not None or self._target is None:
            return self._window_box
        if not self._window_held or self._render_box is None:
            self._refresh_automatic_window()
        return self._render_box

    @property
    def _window(self):
        """The box ``_render`` renders on: ``render_window``."""
        return self.render_window

    @property
    def _window_follows_parameters(self):
        """True when the automatic render window may move as the parameters change: False with a
        given window, and for a model whose light needs the whole image whatever its values (no
        ``_needed_bounds`` of its own: sky models), whose automatic window is always that image."""
        return (self._requested_window is None and self._target is not None
                and type(self)._needed_bounds is not ComponentModel._needed_bounds)

    def _refresh_automatic_window(self):
        """Size the automatic render window for the current parameters; True when it changed."""
        if self._requested_window is not None or self._target is None:
            return False
        key = self._sizing_key()
        if key == self._automatic_key:
            return False
        self._automatic_key = key
        try:
            needed = self._needed_bounds() if key[-1] else None
        except (ValueError, OverflowError, FloatingPointError, ZeroDivisionError):
            needed = None  # not renderable as it stands: the whole image (rendering will say why)
        window = next_window(self._target, self._render_box, needed)
        changed = window != self._render_box
        self._render_box = window
        return changed

    def _sizing_key(self):
        """What an automatic window depends on: the target, psf mode and parameter values; its last
        element is True when every parameter has a value."""
        if type(self)._needed_bounds is ComponentModel._needed_bounds:
            # a model that needs the whole image whatever its values (a sky): the target and psf
            # mode alone (its window is next_window(target, ..., None), the image's)
            return (id(self._target), self._requested_psf_mode, None, True)
        # the stored arrays' bytes: finite values (checked on assignment), equal exactly when the bytes are
        values = tuple(None if p.quantity.value is None else p.quantity.value.tobytes()
                       for p in self.jacobian_parameters())
        return (id(self._target), self._requested_psf_mode, values, all(v is not None for v in values))

    def _initialization_window(self):
        """The Window ``initialize()`` measures on: the given window; without one, a box grown from
        the data around the centre when it is known (see ``automatic_window.measuring_bounds``),
        else (and for models without a centre) the whole image."""
        center = self.parameters["center"].value if "center" in self.parameters else None
        if self._requested_window is not None or center is None:
            return self._window_box
        psf = self._psf_image().extent if self._has_psf_on(self._target) else None
        bounds = measuring_bounds(self._target, center, psf)
        return self._window_box if bounds is None else Window(self._target, bounds)

    def _needed_bounds(self):
        """Pixel bounds of the box the model's light needs (None: the whole image). Models with a
        light profile override this; sky models keep the whole image."""
        return None

    @window.setter
    def window(self, window):
        self.set_window(window)

    def set_window(self, window):
        """Set the window: a Window of the target, pixel bounds [[x_start, x_stop], [y_start, y_stop]],
        a plane box (x_min, x_max, y_min, y_max) in arcsec (AutoProf's flat form; needs the target),
        or None for the whole image with an automatic ``render_window``. Without a target the bounds
        are kept for the one assigned later."""
        window = autoprof_window(window, self._target, self.name)
        if isinstance(window, Window):
            if self._target is None or window.image is not self._target:
                raise ValueError(f"model {self.name!r}: window belongs to another image than the target")
            requested = window.pixel_bounds
        else:
            requested = self._checked_bounds(window)
        if self._target is not None:
            self._window_box = self._window_on(self._target, requested)
        self._requested_window = requested
        self._render_box, self._automatic_key = None, None

    def _checked_bounds(self, window):
        """Pixel bounds as [[x0, x1], [y0, y1]] ints, or None; a Window gives its bounds."""
        if window is None:
            return None
        if isinstance(window, Window):
            return window.pixel_bounds
        try:
            return as_pixel_bounds(window)
        except (TypeError, ValueError) as err:
            raise type(err)(f"model {self.name!r}: window: {err}") from None

    def _window_on(self, target, bounds):
        """The Window of ``target`` with pixel bounds ``bounds`` (None: the whole image)."""
        if bounds is None:
            return target.window
        try:
            return Window(target, bounds)
        except (TypeError, ValueError) as err:
            raise ValueError(f"model {self.name!r}: window {bounds} does not fit the target: {err}") from None

    def center_region(self):
        """(lower [x, y], upper [x, y]), arcsec: the plane box of the pixels this model has data
        on, the default bound of its centre in fits -- the window when one was given,
        else the whole target image (an automatic window may follow the source)."""
        self._require_target()
        bounds = self._requested_window
        (x0, x1), (y0, y1) = bounds if bounds is not None else self._target.window.pixel_bounds
        # outer pixel edges (pixel centres are at integers)
        xs = [float(x) - 0.5 for x in (x0, x1, x0, x1)]
        ys = [float(y) - 0.5 for y in (y0, y0, y1, y1)]
        return self._target.mapping.plane_bounds(xs, ys)

    def _require_target(self):
        if self._target is None:
            raise ValueError(f"model {self.name!r} has no target: assign one (model.target = image, or "
                             "the target of a group holding it) before sampling, initialising or fitting")

    def components(self):
        return [self]

    # --- parameters ----------------------------------------------------------------------
    def named_parameters(self):
        """[(name, Parameter)] of the model's own parameters, in order (unqualified names)."""
        return [(p.name, p) for p in self.parameters]

    def __getitem__(self, name):
        """The Parameter called ``name`` (e.g. ``model["q"].value = 0.5``)."""
        if name not in self.parameters and self._live_psf is not None:
            prefix, _, rest = name.partition(":")
            if rest and prefix in ("psf", self._live_psf.model.name):
                return self._live_psf.model[rest]
        if name not in self.parameters:
            raise KeyError(f"model {self.name!r} ({self.model_type}) has no parameter {name!r}; "
                           f"parameters: {self.parameters.names}")
        return self.parameters[name]

    def _values(self):
        """{name: value} of every parameter; raises ValueError naming any without a value."""
        self._require_target()
        return {spec.name: numpy_value(self._stored_value(spec)) for spec in self.parameter_specs}

    def _check_values(self):
        """What ``ComponentModel._values`` checks (a target; every parameter a value of its shape),
        without making its dict of copies (~10k instructions a parameter): a renderer's set-up."""
        self._require_target()
        for spec in self.parameter_specs:
            self._stored_value(spec)

    def _stored_value(self, spec):
        """The value the parameter of ``spec`` stores (its quantity's array: not to be modified);
        ValueError naming it when it has none or not of its shape."""
        value = self.parameters[spec.name].quantity.value
        if value is None:
            raise ValueError(f"model {self.name!r}: parameter {spec.name!r} has no value; set it "
                             f"(model[{spec.name!r}].value = ...) or give it at construction")
        check_shape(spec.name, value.shape, self._parameter_shape(spec), self.name)
        return value

    # --- rendering helpers ---------------------------------------------------------------
    def _uses_psf(self):
        """True when the render is convolved with a PSF; ValueError when psf_mode "full" was asked
        for and there is no PSF to convolve with."""
        if self.psf_mode != "full":
            return False
        if not self._has_psf_on(self._target):
            raise ValueError(self._psf_missing_message())
        return True

    def _grid(self):
        """Keyword arguments placing a render on the window: shape, pixelscale, origin."""
        return {"pixelscale": self._target.pixelscale, "origin": self._window.origin}

    def _absolute_tolerance(self):
        """The error a rendered pixel may have, flux per pixel: the noise fraction (see
        Model.set_noise_tolerance) x the target's noise level; 0 (the default accuracy) without."""
        if self._noise_fraction is None:
            return 0.0
        level = self._target.noise_level()
        return 0.0 if level is None else self._noise_fraction * level

    def _renderer(self):
        """A callable ``render(jacobian)`` giving what ``_render`` gives, on the render window as it
        is now, for many calls while only the parameter values change (a fit holds the windows):
        the parameters and options are checked, and the grid prepared, once, here."""
        self._values()
        return self._render

    @abc.abstractmethod
    def _render(self, jacobian):
        """(image [ny, nx], Jacobian [n, ny, nx] or None) over the window."""


def _is_user_setting(cls, key):
    """True when ``key`` is a plain (number, string, tuple) class attribute a user's class declares."""
    for klass in cls.__mro__:
        if key in vars(klass):
            return (not klass.__module__.startswith("polychrome.") and not key.startswith("_")
                    and isinstance(vars(klass)[key], (int, float, str, tuple, bool)))
    return False
