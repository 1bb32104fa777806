"""GroupModel: models rendered together, possibly on several targets; itself a model."""

from ..image import TargetImage, TargetImageList, Window, WindowList
from .initialization import signal_to_noise
from .model import Model
from .model_collection import ModelCollection
from .registry import register


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
        windows of the members on it (the whole image if none is).

    ``group.models["name"]`` is a member; ``sample()`` sums the members on
    each target (ModelImage for one target, ModelImageList for several);
    ``jacobian()`` has one column per distinct free quantity of all the
    members (linked parameters summed), on every target.
    """

    model_type = "group model"

    def __init__(self, name=None, model_type=None, models=(), target=None, window=None):
        self._set_name(name, model_type)
        self.models = ModelCollection(models, owner=name)
        self._given_target = target
        self._targets = self._resolve_targets(target)
        if window is None:
            self.update_window()
        else:
            self.set_window(window)

    def _resolve_targets(self, target):
        self._target_list = None
        if target is None:
            targets = []
            for member in self.models:
                for image in member.targets:
                    if not any(image is t for t in targets):
                        targets.append(image)
            if not targets:
                raise ValueError(f"group {self.name!r}: give models or a target")
            return targets
        if isinstance(target, TargetImage):
            targets = [target]
        elif isinstance(target, TargetImageList):
            targets = list(target)
        else:
            raise TypeError(f"group {self.name!r}: target must be a TargetImage or TargetImageList, "
                            f"got {type(target).__name__}")
        for member in self.models:
            for image in member.targets:
                if not any(image is t for t in targets):
                    raise ValueError(f"group {self.name!r}: member {member.name!r} is on an image that is "
                                     "not in the group's target")
        return targets

    def add_model(self, model):
        """Add a member (on one of the group's targets, or a new one when no target was given)."""
        self.models.add(model)
        try:
            self._targets = self._resolve_targets(self._given_target)
        except ValueError:
            self.models.remove(model.name)
            raise
        self.update_window()

    # --- targets and windows ---------------------------------------------------------
    @property
    def targets(self):
        return list(self._targets)

    @property
    def windows(self):
        return list(self._windows)

    @property
    def target(self):
        """The TargetImage, or a TargetImageList when the group spans several."""
        if self._given_target is not None:
            return self._given_target
        if len(self._targets) == 1:
            return self._targets[0]
        if self._target_list is None:
            self._target_list = TargetImageList(self._targets)
        return self._target_list

    @property
    def window(self):
        """The Window, or a WindowList when the group spans several targets."""
        return super().window

    @window.setter
    def window(self, window):
        self.set_window(window)

    def set_window(self, window):
        """Set the group's window(s): a Window (one target) or a WindowList (one per target, in order)."""
        windows = [window] if isinstance(window, Window) else window
        if not isinstance(windows, (list, tuple, WindowList)):
            raise TypeError(f"group {self.name!r}: window must be a Window or a WindowList, "
                            f"got {type(window).__name__}")
        windows = list(windows)
        if len(windows) != len(self._targets):
            raise ValueError(f"group {self.name!r}: {len(windows)} window(s) for {len(self._targets)} target(s)")
        for k, (w, image) in enumerate(zip(windows, self._targets)):
            if not isinstance(w, Window) or w.image is not image:
                raise ValueError(f"group {self.name!r}: window {k} must be a Window of target {k}")
        self._windows = windows

    def update_window(self):
        """Recompute the window on each target as the union of the members' windows there.

        Nested groups are updated first. A target without members keeps
        the whole image.
        """
        windows = []
        for member in self.models:
            if isinstance(member, GroupModel):
                member.update_window()
        for image in self._targets:
            union = None
            for member in self.models:
                for member_image, member_window in zip(member.targets, member.windows):
                    if member_image is image:
                        union = member_window if union is None else union.union(member_window)
            windows.append(image.window if union is None else union)
        self._windows = windows

    def initialize(self):
        """Initialise every component: skies first, then the others by decreasing S/N.

        Each component measures its own window independently (see the
        component types' ``initialize``). Sky models go first; the others
        follow in order of the signal-to-noise of their window (sky-
        subtracted sum over the root of the summed variance), so that in a
        joint model the quantities shared between images (linked
        parameters: centre, shape, size) are measured on the best image,
        and the members on the other images, finding them set, measure only
        their own (per-image brightness, with the shared ones fixed).
        Values already set are kept. Returns the group.
        """
        components = self.components()
        skies = [c for c in components if _is_sky(c)]
        others = [c for c in components if not _is_sky(c)]
        ranked = sorted(others, key=lambda c: -signal_to_noise(c))
        for component in skies + ranked:
            component.initialize()
        return self

    def components(self):
        return [component for member in self.models for component in member.components()]

    def __iter__(self):
        return iter(self.models)


def _is_sky(model):
    return "sky" in (model.model_type or "")
