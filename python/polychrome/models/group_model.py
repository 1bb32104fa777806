"""GroupModel: models rendered together, possibly on several targets; itself a model."""

import warnings

import numpy as np

from ..image import TargetImage, TargetImageList, Window, WindowList
from ..param import ParameterSet
from ..param.numpy_values import NumpyArray
from ..param.parameter_table import parameter_table
from .components_memo import ComponentsMemo
from .group_membership import members_depth_first
from .initialization import signal_to_noise
from .measurement_scope import measurements_kept
from .model import Model
from .model_collection import ModelCollection
from .registry import register
from .window_overlap import overlap_slices


def _joined(window, other):
    """``window.union(other)`` (two Windows of one image), or whichever of the two already holds
    the other (equal bounds: Windows are values, never changed in place): a survey group's
    members all cover their whole cutout, so its window is theirs without a new Window's checks."""
    if _holds(window, other):
        return window
    if _holds(other, window):
        return other
    return window.union(other)


def _holds(outer, inner):
    """True when the Window ``outer`` covers every pixel of ``inner`` (of the same image)."""
    return (outer.x_start <= inner.x_start and inner.x_stop <= outer.x_stop
            and outer.y_start <= inner.y_start and inner.y_stop <= outer.y_stop)


def _same_pixel_grid(image, other):
    """True when two images without WCS map pixels to the plane alike (pixel scale and origin)."""
    if image.wcs is not None or other.wcs is not None:
        return False
    return (np.allclose(image.pixelscale, other.pixelscale, rtol=1e-12, atol=0.0)
            and np.allclose(image.origin, other.origin, rtol=0.0, atol=1e-9))


@register
class GroupModel(Model):
    """A sum of models: a galaxy with its bulge and disk, an object seen in several images,
    a field of objects. Groups nest.

    Parameters
    ----------
    name : str
    models : sequence of Model
        The members (distinct names); each on its own target, which may
        differ between members (a joint fit across images).
    target : TargetImage or TargetImageList, optional
        The images the group renders on; every member's target must be one
        of them. Default: the distinct targets of the members, in order of
        first appearance.
    window : Window or WindowList, optional
        The group's window on each target. Default (and after
        ``update_window()``): on each target, the smallest box holding the
        windows of the members on it (the whole image if none is), following
        the members when their windows change.

    A group (like its members) may be built before its images exist, e.g.
    read from a file: ``group.target = image_list`` then hands each member
    its image (see the ``target`` setter).

    ``group.models["name"]`` is a member; ``sample()`` sums the members on
    each target (ModelImage for one target, ModelImageList for several);
    ``jacobian()`` has one column per distinct free quantity of all the
    members (linked parameters summed), on every target.
    """

    model_type = "group model"

    def __init__(self, name=None, model_type=None, models=(), target=None, window=None):
        self._set_name(name, model_type)
        self.models = ModelCollection(models, owner=self.name, check=self._check_tree)
        self._components_memo = ComponentsMemo()
        self.components()  # checks the tree (a walk that the memo keeps for the next listings)
        self._given_target = None
        self._target_list = None      # the TargetImageList of several member targets, kept while they are
        self._target_slots = None     # read from a file: the saved target positions of this group
        self._window_bounds = None    # pixel bounds per target when set explicitly; None: members' union
        if target is not None:
            self._given_target = self._checked_target(target)
            self._adopt_members_on_same_grid()
            self._check_members_on(self._given_list())
        elif not len(self.models):
            raise ValueError(f"group {self.name!r}: give models or a target")
        if window is not None:
            self.set_window(window)

    def _checked_target(self, target):
        if isinstance(target, (TargetImage, TargetImageList)):
            return target
        raise TypeError(f"group {self.name!r}: target must be a TargetImage or TargetImageList, "
                        f"got {type(target).__name__}")

    def _given_list(self):
        target = self._given_target
        return [target] if isinstance(target, TargetImage) else list(target)

    def _check_members_on(self, targets):
        known = {id(image) for image in targets}
        for member in self.models:
            for image in member.targets:
                if id(image) not in known:
                    raise ValueError(f"group {self.name!r}: member {member.name!r} is on an image that is "
                                     "not in the group's target")

    def _adopt_members_on_same_grid(self):
        """Move a member on another image onto the group's single target when both images share
        one pixel grid (same pixel scale and origin, no WCS): AutoProf rendered members by their
        windows' coordinates, so its scripts build such groups (e.g. a model initialised on one
        simulated image and fitted in a group on another). Warns, naming the member; members on
        images with another grid stay refused by ``_check_members_on``."""
        group_image = self._given_target
        if not isinstance(group_image, TargetImage):
            return
        for member in self.models:
            image = getattr(member, "target", None)
            if (isinstance(member, GroupModel) or not isinstance(image, TargetImage) or image is group_image
                    or not _same_pixel_grid(image, group_image)):
                continue
            warnings.warn(f"group {self.name!r}: member {member.name!r} is on another image with the same pixel "
                          "grid; it now renders on, and is fitted to, the group's target (as in AutoProf)",
                          UserWarning, stacklevel=3)
            member.target = group_image

    def _member_targets(self):
        """The distinct targets of the members, in order of first appearance."""
        targets, seen = [], set()
        for member in self.models:
            for image in member.targets:
                if id(image) not in seen:
                    seen.add(id(image))
                    targets.append(image)
        return targets

    def add_model(self, model):
        """Add a member (on one of the group's targets, or on any image when no target was given).

        Refused (ValueError) when ``model`` is already in this group's tree or contains the group.
        """
        self.models.add(model)  # checks the tree (see _check_tree)
        if self._given_target is not None:
            try:
                self._adopt_members_on_same_grid()
                self._check_members_on(self._given_list())
            except ValueError:
                self.models.remove(model.name)
                raise

    def _check_tree(self):
        """Refuse a model placed twice in this group's tree, or a group inside itself."""
        members_depth_first(self)

    # --- targets and windows ---------------------------------------------------------
    @property
    def targets(self):
        if self._given_target is None:
            return self._member_targets()
        targets = self._given_list()
        self._check_members_on(targets)
        return targets

    @property
    def windows(self):
        targets = self.targets
        if self._window_bounds is None:
            return [self._members_union(image) for image in targets]
        if len(self._window_bounds) != len(targets):
            raise ValueError(f"group {self.name!r}: its window has {len(self._window_bounds)} box(es) for "
                             f"{len(targets)} target(s); set a new one or call update_window()")
        windows = []
        for k, (image, bounds) in enumerate(zip(targets, self._window_bounds)):
            try:
                windows.append(Window(image, bounds))
            except (TypeError, ValueError) as err:
                raise ValueError(f"group {self.name!r}: window {k} {bounds} does not fit its target: {err}; "
                                 "set a new one or call update_window()") from None
        return windows

    def _members_union(self, image):
        union = None
        for member in self.models:
            for member_image, member_window in zip(member.targets, member.windows):
                if member_image is image:
                    union = member_window if union is None else _joined(union, member_window)
        return image.window if union is None else union

    @property
    def target(self):
        """The TargetImage, or a TargetImageList when the group spans several (None: no target yet)."""
        if self._given_target is not None:
            return self._given_target
        targets = self._member_targets()
        if len(targets) <= 1:
            return targets[0] if targets else None
        if self._target_list is None or [id(t) for t in self._target_list] != [id(t) for t in targets]:
            self._target_list = TargetImageList(targets)
        return self._target_list

    @target.setter
    def target(self, target):
        """Render on ``target`` (a TargetImage or a TargetImageList), handing the members their images.

        The members follow position for position: a member on the group's
        k-th image moves to the k-th image given; a member read from a file
        goes to the image at its saved position; with one image given,
        members without a target take it. Members keep their window bounds.
        """
        target = self._checked_target(target)
        images = [target] if isinstance(target, TargetImage) else list(target)
        if self._target_slots is not None:
            slots = self._target_slots
            if len(images) != len(slots):
                raise ValueError(f"group {self.name!r} was saved on {len(slots)} image(s); got {len(images)}")

            def new_image(image, slot):
                if image is None and slot in slots:
                    return images[slots.index(slot)]
                return image if image is not None or len(images) != 1 else images[0]
        else:
            old = self.targets
            if old and len(images) != len(old):
                raise ValueError(f"group {self.name!r} spans {len(old)} image(s); got {len(images)}: give one "
                                 "per image, in the order of group.target")

            def new_image(image, slot):
                if image is None:
                    return images[0] if len(images) == 1 else None
                return next((images[k] for k, t in enumerate(old) if t is image), image)
        self._retarget(new_image)
        self._given_target = target
        self._target_slots = None
        self._check_members_on(images)

    def _retarget(self, new_image):
        """Give every component the image ``new_image(its target, its saved slot)``."""
        for member in self.models:
            if isinstance(member, GroupModel):
                member._retarget(new_image)
                given = member._given_target
                if isinstance(given, TargetImage):
                    member._given_target = new_image(given, None)
                elif given is not None:
                    member._given_target = TargetImageList([new_image(image, None) for image in given])
                member._target_slots = None
                continue
            image = new_image(member.target, member._target_slot)
            if image is not None and image is not member.target:
                member.target = image

    @property
    def window(self):
        """The Window, or a WindowList when the group spans several targets."""
        return super().window

    @window.setter
    def window(self, window):
        self.set_window(window)

    def set_window(self, window):
        """Set the group's window(s): a Window (one target), a WindowList (one per target, in order),
        or None to follow the union of the members' windows again."""
        if window is None:
            self._window_bounds = None
            return
        windows = [window] if isinstance(window, Window) else window
        if not isinstance(windows, (list, tuple, WindowList)):
            raise TypeError(f"group {self.name!r}: window must be a Window or a WindowList, "
                            f"got {type(window).__name__}")
        windows = list(windows)
        targets = self.targets
        if len(windows) != len(targets):
            raise ValueError(f"group {self.name!r}: {len(windows)} window(s) for {len(targets)} target(s)")
        for k, (w, image) in enumerate(zip(windows, targets)):
            if not isinstance(w, Window) or w.image is not image:
                raise ValueError(f"group {self.name!r}: window {k} must be a Window of target {k}")
        self._window_bounds = [w.pixel_bounds for w in windows]

    def update_window(self):
        """Make the window on each target the union of the members' windows there (from now on
        following them), in nested groups too. A target without members keeps the whole image."""
        for member in self.models:
            if isinstance(member, GroupModel):
                member.update_window()
        self._window_bounds = None

    def initialize(self):
        """Initialise every component: skies first, then the others by decreasing S/N.

        Each component measures its own window independently (see the
        component types' ``initialize``; a component without a window
        measures, once its centre is known, a box grown from the data around
        it, see ``automatic_window.measuring_bounds``). Sky models go first; the others
        follow in order of the signal-to-noise of their window (sky-
        subtracted sum over the root of the summed variance), so that in a
        joint model the quantities shared between images (linked
        parameters: centre, shape, size) are measured on the best image,
        and the members on the other images, finding them set, measure only
        their own (per-image brightness, with the shared ones fixed).
        Each source measures the data less the light of the sources
        initialised before it on its image (rendered from their starts):
        in a blend the fainter ones then see themselves, not the wings of
        the brighter. Values already set are kept. Returns the group.
        """
        self._require_target()
        components = self.components()
        with measurements_kept():  # the data do not change here: each box and sky measured once
            skies = [c for c in components if _is_sky(c)]
            others = [c for c in components if not _is_sky(c)]
            ranked = sorted(others, key=lambda c: -signal_to_noise(c)) if len(others) > 1 else others
            for component in skies:
                component.initialize()
            done = []  # _Started: the components initialised so far
            for component in ranked:
                component.initialize(foreground=_light_of(done, component))
                done.append(_Started(component))
        return self

    def components(self):
        # walked again (which refuses a tree changed behind add_model into a repeat) only when a
        # member collection in the tree changed: see components_memo
        return self._components_memo.components(self)

    @property
    def parameters(self):
        """Every parameter of every component by qualified name: a GroupParameters
        (``group.parameters["disk:Re"]``, iteration over the Parameters, ``get_vector()``, a
        printable table). Linked parameters appear under each of their names."""
        return GroupParameters(self.named_parameters())

    def __getitem__(self, key):
        """``group["member:parameter"]`` (a Parameter of a component, nested groups included) or
        ``group["member"]`` (a member model)."""
        if not isinstance(key, str):
            raise TypeError(f"group {self.name!r}: index with a 'model:parameter' or model name string, "
                            f"got {key!r}")
        if key in self.models:
            return self.models[key]
        named = dict(self.named_parameters())
        if key in named:
            return named[key]
        raise KeyError(f"model {self.name!r} ({self.model_type}) has no parameters of its own, and no member or "
                       f"member parameter {key!r}; they are named 'model:parameter', e.g. {list(named)[:4]}")

    def __iter__(self):
        return iter(self.models)


class GroupParameters(ParameterSet):
    """The parameters of a group's components under qualified names "model:parameter"; a linked
    parameter is listed under each name but counted once by ``get_vector``."""

    def __init__(self, named_parameters):
        super().__init__()
        self._by_name = dict(named_parameters)

    @property
    def _distinct(self):
        seen, distinct = set(), []
        for parameter in self._by_name.values():
            if id(parameter.quantity) not in seen:
                seen.add(id(parameter.quantity))
                distinct.append(parameter)
        return distinct

    def get_vector(self):
        """The values of the distinct free quantities as one flat vector (each linked set once)."""
        parts = [np.ravel(p.value) for p in self._distinct if not p.locked and p.value is not None]
        return (np.concatenate(parts) if parts else np.zeros(0)).view(NumpyArray)

    def set_values(self, vector):
        """Set the distinct free quantities from a flat vector in the order of ``get_vector``."""
        ParameterSet.set_values(_Distinct(self._distinct), vector)

    def __str__(self):
        return parameter_table("parameters", self._by_name.items())


class _Distinct(ParameterSet):
    def __init__(self, parameters):
        super().__init__()
        self._by_name = {str(k): p for k, p in enumerate(parameters)}


class _Started:
    """A component initialised in a group, and its image at its start on its render window then
    (rendered when first asked for: only a later source overlapping it needs it)."""

    def __init__(self, component):
        self.component = component
        self.window = component.render_window
        self._image = None

    @property
    def image(self):
        if self._image is None:
            self._image = self.component._render(False)[0]
        return self._image


def _light_of(sources, component):
    """The summed images of ``sources`` (_Started) on the window ``component`` initialises on;
    None when none of them overlaps it."""
    light = None
    measured = None
    for source in sources:
        if source.component.target is not component.target:
            continue
        measured = component._initialization_window() if measured is None else measured
        slices = overlap_slices(source.window, measured)
        if slices is None:
            continue
        if light is None:
            light = np.zeros(measured.shape)
        theirs, ours = slices
        light[ours] += source.image[theirs]
    return light


def _is_sky(model):
    return "sky" in (model.model_type or "")
