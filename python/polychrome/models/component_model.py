"""ComponentModel: a model of one thing (galaxy, star, sky) on one target, with its own parameters."""

import abc

import numpy as np

from ..image import TargetImage, Window
from ..param import ParameterSet
from .model import Model
from .parameter_spec import check_shape, make_parameter

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
    target : TargetImage
    window : Window or [[x_start, x_stop], [y_start, y_stop]], optional
        Pixel box of ``target`` to render on; default the whole image.
    psf_mode : "full" or "none", optional
        Convolve with the target's PSF ("full", needs ``target.psf``) or not;
        default "full" when the target has a PSF and the type allows it.
    parameters : dict, optional
        ``{name: value or {"value", "uncertainty", "limits", "locked"}}``.
    **kwargs
        Parameter values by name, and the type's options.
    """

    parameter_specs = ()
    options = {}
    psf_modes = PSF_MODES

    def __init__(self, name=None, model_type=None, target=None, window=None, psf_mode=None,
                 parameters=None, **kwargs):
        self._set_name(name, model_type)
        if not isinstance(target, TargetImage):
            raise TypeError(f"model {name!r}: target must be a TargetImage, got {type(target).__name__}")
        self._target = target
        self.set_window(window)
        self.psf_mode = self._checked_psf_mode(psf_mode)
        values = self._split_kwargs(parameters, kwargs)
        self.parameters = ParameterSet(
            make_parameter(spec, values.get(spec.name), name, self._parameter_shape(spec))
            for spec in self.parameter_specs)

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
        for key, value in kwargs.items():
            if key in values:
                raise ValueError(f"model {self.name!r}: parameter {key!r} given twice (keyword and parameters)")
            values[key] = value
        unknown = [key for key in values if key not in names]
        if unknown:
            raise TypeError(f"model {self.name!r} ({self.model_type}): unknown parameter(s) or option(s) "
                            f"{unknown}; parameters: {names}; options: {list(self.options)}")
        self._check_options()
        return values

    def _check_options(self):
        """Validate the options (subclasses with options override)."""

    def _parameter_shape(self, spec):
        """Required shape of the value of ``spec`` (None: any)."""
        return spec.shape

    def _checked_psf_mode(self, psf_mode):
        if psf_mode is None:
            return "full" if "full" in self.psf_modes and self._target.has_psf else self.psf_modes[-1]
        if psf_mode not in PSF_MODES:
            raise ValueError(f"model {self.name!r}: psf_mode must be one of {list(PSF_MODES)}, got {psf_mode!r}")
        if psf_mode not in self.psf_modes:
            raise ValueError(f"model {self.name!r}: a {self.model_type} takes psf_mode "
                             f"{' or '.join(repr(m) for m in self.psf_modes)}, got {psf_mode!r}")
        if psf_mode == "full" and "none" in self.psf_modes and not self._target.has_psf:
            raise ValueError(f"model {self.name!r}: psf_mode 'full' needs a target with a psf")
        return psf_mode

    # --- target and window ------------------------------------------------------------
    @property
    def targets(self):
        return [self._target]

    @property
    def windows(self):
        return [self._window]

    @property
    def target(self):
        """The TargetImage the model renders on."""
        return self._target

    @property
    def window(self):
        """The Window of the target the model renders on."""
        return self._window

    @window.setter
    def window(self, window):
        self.set_window(window)

    def set_window(self, window):
        """Set the window: a Window of the target, pixel bounds, or None for the whole image."""
        if window is None:
            window = self._target.window
        elif isinstance(window, Window):
            if window.image is not self._target:
                raise ValueError(f"model {self.name!r}: window belongs to another image than the target")
        else:
            window = Window(self._target, window)
        self._window = window

    def components(self):
        return [self]

    # --- parameters ----------------------------------------------------------------------
    def __getitem__(self, name):
        """The Parameter called ``name`` (e.g. ``model["q"].value = 0.5``)."""
        if name not in self.parameters:
            raise KeyError(f"model {self.name!r} ({self.model_type}) has no parameter {name!r}; "
                           f"parameters: {self.parameters.names}")
        return self.parameters[name]

    def _values(self):
        """{name: value} of every parameter; raises ValueError naming any without a value."""
        values = {}
        for spec in self.parameter_specs:
            value = self.parameters[spec.name].value
            if value is None:
                raise ValueError(f"model {self.name!r}: parameter {spec.name!r} has no value; set it "
                                 f"(model[{spec.name!r}].value = ...) or give it at construction")
            check_shape(spec.name, np.shape(value), self._parameter_shape(spec), self.name)
            values[spec.name] = value
        return values

    # --- rendering helpers ---------------------------------------------------------------
    def _uses_psf(self):
        return self.psf_mode == "full" and self._target.has_psf

    def _grid(self):
        """Keyword arguments placing a render on the window: shape, pixelscale, origin."""
        return {"pixelscale": self._target.pixelscale, "origin": self._window.origin}

    @abc.abstractmethod
    def _render(self, jacobian):
        """(image [ny, nx], Jacobian [n, ny, nx] or None) over the window."""
