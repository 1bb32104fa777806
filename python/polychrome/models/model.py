"""Model: the factory and common base of every model (components and groups).

``Model(name=..., model_type="sersic galaxy model", target=..., ...)``
builds an instance of the class registered for ``model_type`` (see
``registry``). Every model renders on the windows of its targets; sampling
and the Jacobian are assembled here from the ``_render`` of each component
model, so that a group and a single component behave alike.
"""

import abc
import contextlib
import itertools

import numpy as np

from ..image import ModelImage, ModelImageList, TargetImageList, WindowList
from ..param import FreeParameters
from .jacobian_image import JacobianImage
from ..param.parameter_table import parameter_table
from .registry import model_class, model_names_under
from .window_overlap import overlap_slices


# Largest fraction of the noise level set_noise_tolerance accepts: beyond it the model errors
# would no longer be small against the noise.
MAX_NOISE_FRACTION = 0.1

# numbers for the default names of models built without one ("sersic galaxy model 3")
_DEFAULT_NAME_NUMBERS = itertools.count(1)

# AutoProf's model.save() wrote here by default
DEFAULT_MODEL_FILE = "AutoProf.yaml"


def checked_noise_fraction(fraction):
    """``fraction`` (a share of the pixel noise sigma) as a float in (0, MAX_NOISE_FRACTION], or None."""
    if fraction is None:
        return None
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.integer, np.floating)):
        raise TypeError(f"fraction (of the pixel noise sigma) must be a number or None, got {fraction!r}")
    value = float(fraction)
    if not 0.0 < value <= MAX_NOISE_FRACTION:
        raise ValueError(f"fraction (of the pixel noise sigma) must be in (0, {MAX_NOISE_FRACTION}], got {value}")
    return value


class _ModelFactory(abc.ABCMeta):
    """Metaclass of Model: ``Model(model_type=...)`` builds the registered class,
    ``Model(filename=...)`` reads a saved model."""

    def __call__(cls, *args, filename=None, **kwargs):
        if filename is not None:
            from .model_file import load_model

            if args:
                raise TypeError("with filename, give only keyword arguments name, model_type and target")
            unknown = [key for key in kwargs if key not in ("name", "model_type", "target")]
            if unknown:
                raise TypeError(f"with filename, only name, model_type and target may be given, got {unknown}")
            if cls is not Model and kwargs.get("model_type") is None:
                kwargs["model_type"] = cls.model_type
            return load_model(filename, **kwargs)
        if cls is Model:
            cls = model_class(kwargs.get("model_type"))
            if kwargs.get("model_type") != cls.model_type:  # an alias: the model reports its own type
                kwargs["model_type"] = cls.model_type
        return super().__call__(*args, **kwargs)


class Model(abc.ABC, metaclass=_ModelFactory):
    """Base of all models; calling it builds the class registered for ``model_type``.

    Parameters (of the factory; each model type documents its own)
    ----------
    name : str, optional
        The model's name (unique among the members of a group); default
        "<model_type> <k>", k counting the models built without a name.
    model_type : str
        A registered type, e.g. "sersic galaxy model", "group model"; an
        unknown one raises ValueError listing the known types.
    target : TargetImage (or TargetImageList for a group)
        The image the model is compared with; its pixel scale, origin, PSF
        and ``psf_upsample`` define the rendering.
    window : Window or [[x_start, x_stop], [y_start, y_stop]], optional
        The pixels the model is rendered on (default: the whole target).
    psf_mode : "full" or "none"
        Convolve with the target's PSF or not.
    parameters : dict, optional
        ``{name: value}``; a value may be a number, an array, or a dict with
        "value", "uncertainty", "limits", "locked".
    filename : str, optional
        Read the model saved there by ``save`` instead (then only ``name``,
        which renames it, ``model_type``, which must match, and ``target``
        may be given). Targets are not saved: assign them after loading
        (``model.target = images``).
    **options
        Parameter values by name (``q=0.6``) and type-specific options.
    """

    model_type = None

    def _set_name(self, name, model_type):
        if name is None:  # AutoProf/AstroPhot let a model go unnamed: a unique default
            name = f"{self.model_type or type(self).__name__} {next(_DEFAULT_NAME_NUMBERS)}"
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}")
        if model_type is not None and model_type != self.model_type:
            raise ValueError(f"model {name!r}: {type(self).__name__} is model_type {self.model_type!r}, "
                             f"not {model_type!r}")
        self.name = name

    # --- what subclasses provide ----------------------------------------------------
    @property
    @abc.abstractmethod
    def targets(self):
        """The TargetImages the model renders on, in order."""

    @property
    @abc.abstractmethod
    def windows(self):
        """The Window on each of ``targets``, in the same order."""

    @abc.abstractmethod
    def components(self):
        """The component (non-group) models inside this model, depth first."""

    def _require_target(self):
        """Raise ValueError naming the first component that has no target."""
        for component in self.components():
            component._require_target()

    def all_parameters(self):
        """Every parameter of every component, in a fixed order (linked ones repeated), a live PSF's
        after those of each component using it."""
        return [p for component in self.components() for p in component.jacobian_parameters()]

    # --- sampling and Jacobian ------------------------------------------------------
    def sample(self):
        """The model image: a ModelImage of the window (a ModelImageList over several targets).

        Pixel values are flux per pixel, ``.data[y, x]``.
        """
        self._require_target()
        images = [ModelImage(window, data=image)
                  for window, (image, _) in zip(self.windows, self._assemble(None))]
        return images[0] if len(images) == 1 else ModelImageList(images)

    def jacobian(self):
        """The PSF-convolved Jacobian over the window(s) for the free parameters.

        Returns a JacobianImage (a list of them, one per target, all with the
        same columns, for a model spanning several targets): locked
        parameters are left out, linked ones form one column (the sum of
        their derivatives).
        """
        return self.sample_with_jacobian()[1]

    def sample_with_jacobian(self):
        """(sample(), jacobian()) from one rendering pass."""
        self._require_target()
        free = FreeParameters(self.all_parameters())
        names = self._column_names(free)
        images, jacobians = [], []
        for window, (image, jac) in zip(self.windows, self._assemble(free)):
            images.append(ModelImage(window, data=image))
            jacobians.append(JacobianImage(jac, names, window, free))
        if len(images) == 1:
            return images[0], jacobians[0]
        return ModelImageList(images), jacobians

    def components_on(self, target, window):
        """(component, its slices, the window's slices) for each component that
        renders on `target` with a render window overlapping `window` (a Window of
        that target); the slices index the component's render and the window."""
        for component in self.components():
            if component.target is not target:
                continue
            slices = overlap_slices(component.render_window, window)
            if slices is not None:
                yield (component,) + slices

    def light_on(self, window):
        """The summed light (flux per pixel) of this model's components on ``window`` (a Window
        of one target): each adds its render where its own window overlaps, zero elsewhere."""
        image = np.zeros(window.shape)
        for component, own, ours in self.components_on(window.image, window):
            image[ours] += component._render(False)[0][own]
        return image

    def _assemble(self, free):
        """[(image, jacobian or None)] per target: the components' renders summed on the windows."""
        results = []
        for target, window in zip(self.targets, self.windows):
            image, jac = None, None
            for component, own, ours in self.components_on(target, window):
                rendered, local = component._render(free is not None)
                if image is None and _is_whole(component, window, free):
                    image, jac = rendered, local  # the first component fills it all: no copies
                    continue
                if image is None:
                    image = np.zeros(window.shape)
                    jac = None if free is None else np.zeros((free.size,) + tuple(window.shape))
                image[ours] += rendered[own]
                if jac is not None:
                    _add_columns(jac, ours, local, own, component, free)
            if image is None:
                image = np.zeros(window.shape)
                jac = None if free is None else np.zeros((free.size,) + tuple(window.shape))
            results.append((image, jac))
        return results

    def _column_names(self, free):
        owner = {}
        for component in self.components():
            for parameter in component.parameters:
                owner.setdefault(id(parameter), component.name)
            for parameter, psf_name in component.live_psf_parameters():
                owner.setdefault(id(parameter), psf_name)
        names = []
        for parameter, size in free.quantities:
            base = f"{owner[id(parameter)]}:{parameter.name}"
            names.extend([base] if parameter.shape == () else [f"{base}[{k}]" for k in range(size)])
        return names

    # --- automatic windows ------------------------------------------------------------
    def refresh_automatic_windows(self):
        """Size every automatic render window (see ``ComponentModel.render_window``) for the current
        parameters now, even while held.

        Returns True when any window changed. (Without a hold they follow
        the parameters by themselves whenever they are used.)
        """
        changed = False
        for component in self.components():
            changed = component._refresh_automatic_window() or changed
        return changed

    @contextlib.contextmanager
    def automatic_windows_held(self):
        """A context in which the components' automatic render windows keep their pixels while
        parameters change (they are sized first), except through ``refresh_automatic_windows()``.

        A fit holds them so that the model's pixel sets stay fixed within a
        step and change only between accepted steps.
        """
        components = self.components()
        self.refresh_automatic_windows()
        previous = [component._window_held for component in components]
        for component in components:
            component._window_held = True
        try:
            yield self
        finally:
            for component, held in zip(components, previous):
                component._window_held = held

    # --- rendering accuracy -----------------------------------------------------------
    def set_noise_tolerance(self, fraction):
        """Render every component so that each pixel may err by up to ``fraction`` x its target's
        noise level (flux per pixel), on top of the default relative tolerance 1e-5.

        The noise level is ``target.noise_level()`` (the 10th percentile of
        the pixel sigmas: the quieter pixels); a target without a variance or
        weight keeps the default accuracy. On noisy data (a survey's faint
        sources) most of the refinement that 1e-5 of every pixel asks for
        (steep cusps, flat or tiny ellipses, far wings) changes the model by
        far less than the noise: a fraction of 1e-3 keeps every model pixel
        within 0.001 sigma of the exact integral (the fitted values move by
        far less than their uncertainties) and renders several times faster.
        For the Sersic, exponential, Gaussian and Moffat profiles the pixels
        of the far wings are then left at 0 when all their light together is
        below one pixel's tolerance, and the PSF convolution transforms only
        the part of the grown window that holds light, and the Jacobian's
        planes are convolved in single precision (each within ~1e-6 of its
        largest magnitude; the image in double).
        ``fraction``: a number in (0, 0.1], or None for the default accuracy
        (pixels within 1e-5 of the exact integrals). Applies to the components
        held now (a group passes it to all); returns the model.
        """
        checked = checked_noise_fraction(fraction)
        for component in self.components():
            component._noise_fraction = checked
        return self

    # --- initialisation --------------------------------------------------------------
    @abc.abstractmethod
    def initialize(self):
        """Give every parameter without a value a start measured from the target(s) alone.

        Values already set are kept; returns the model. Each model type
        documents how it measures its start.
        """

    # --- saving -----------------------------------------------------------------------
    def save(self, filename=DEFAULT_MODEL_FILE):
        """Write the model tree to ``filename`` (YAML): names, types, options, windows, psf modes,
        parameter values, uncertainties, limits, locks and equality constraints -- not the images.

        ``Model(name=..., filename=...)`` builds it again; then assign the
        targets. ``filename`` defaults to "AutoProf.yaml" (AutoProf's default)
        in the working folder. Returns ``filename``.
        """
        from .model_file import save_model

        save_model(self, filename)
        return filename

    # --- parameters ----------------------------------------------------------------
    def __getitem__(self, name):
        raise KeyError(f"model {self.name!r} ({self.model_type}) has no parameters of its own")

    def named_parameters(self):
        """[("model:parameter", Parameter)] for every parameter of every component, in order."""
        return [(f"{component.name}:{p.name}", p) for component in self.components() for p in component.parameters]

    @property
    def parameter_order(self):
        """The names of the model's parameters in order (AutoProf's ``parameter_order``): a
        component's own names; a group's qualified "member:parameter" names."""
        return tuple(name for name, _ in self.named_parameters())

    @property
    def equality_constraints(self):
        """Names of this model's parameters that are linked to a parameter of another model (an
        equality constraint: one shared quantity); empty when none is."""
        return [name for name, p in self.named_parameters()
                if any(other is not p for other in p.linked)]

    def __call__(self, *args, **kwargs):
        """``model()`` is ``model.sample()`` (AutoProf's call): the model image."""
        if args or kwargs:
            raise TypeError(f"model {self.name!r}: model() takes no arguments (it samples on the model's "
                            "window); for another window set model.window first")
        return self.sample()

    def __str__(self):
        """A table of the parameters: value, uncertainty, units, limits, locked, linked to."""
        return parameter_table(f"{self.name} ({self.model_type})", self.named_parameters())

    @classmethod
    def List_Model_Names(cls, useable=None):
        """The model_type strings of the registered types under this class (AutoProf's call; every
        registered type can be built, so ``useable`` changes nothing)."""
        return model_names_under(cls)

    def add_equality_constraint(self, other, names):
        """Make this model's parameters ``names`` one shared quantity with ``other``'s.

        ``names`` is a parameter name or a list of them (e.g. ["center",
        "q", "PA"]). This model's parameters adopt ``other``'s value (or give
        theirs when ``other``'s is unset); from then on setting either
        changes both, and a fit or Jacobian sees one quantity. Linked
        parameters must have the same limits (e.g. a Sersic n, limited to
        [0.36, 10], and a Moffat n, [0.1, 10]: set the range you want on both
        first); otherwise ValueError.
        """
        if not isinstance(other, Model):
            raise TypeError(f"other must be a Model, got {type(other).__name__}")
        names = [names] if isinstance(names, str) else list(names)
        parameters = [(self[name], other[name]) for name in names]
        for ours, theirs in parameters:
            try:
                ours.link_to(theirs)
            except ValueError as err:
                raise ValueError(f"model {self.name!r} to model {other.name!r}: {err}") from None

    @property
    def target(self):
        """The TargetImage, or a TargetImageList when the model spans several."""
        targets = self.targets
        return targets[0] if len(targets) == 1 else TargetImageList(targets)

    @property
    def window(self):
        """The Window, or a WindowList when the model spans several targets."""
        windows = self.windows
        return windows[0] if len(windows) == 1 else WindowList(windows)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, model_type={self.model_type!r})"


def _is_whole(component, window, free):
    """True when the component fills ``window`` and its Jacobian rows are the columns as they are."""
    if component.render_window != window:
        return False
    if free is None:
        return True
    start = 0
    for parameter in component.jacobian_parameters():
        if free.slice_of(parameter) != slice(start, start + parameter.size):
            return False
        start += parameter.size
    return start == free.size


def _add_columns(jac, ours, local, own, component, free):
    """Add a component's Jacobian rows into the columns of its free quantities."""
    row = 0
    for parameter in component.jacobian_parameters():
        columns = free.slice_of(parameter)
        rows = slice(row, row + parameter.size)
        row += parameter.size
        if columns is not None:
            jac[(columns,) + ours] += local[(rows,) + own]
