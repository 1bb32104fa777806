"""Galaxy models on isophotes other than ellipses: "<profile> superellipse galaxy model" and
"<profile> fourier galaxy model" for every radial profile (AutoProf's type strings).

The radial profile is evaluated at a radius R(w) of the circularised
coordinates w (along the major axis, and along the minor one divided by q):

* superellipse: R = (|w_a|^c + |w_b|^c)^(1/c), c = C0 + 2; parameter ``C0``
  in [-1, 10] (0: the ellipse; > 0 boxy, < 0 disky);
* fourier: R = |w| exp(sum_m a_m cos(m theta + phi_m)), theta = atan2(w_b, w_a);
  parameters ``am`` (one amplitude per mode, each in [-1, 1]) and ``phim``
  (phases, rad, cyclic on [0, 2 pi)); option ``modes`` (default (1, 3, 4)).

The core integrates such pixels a-posteriori (2x2 Gauss-Legendre cells
split until a cell's children agree with it within the pixel's budget), to
the same stated accuracy as the elliptical models (2e-5 relative at the
default tolerance) but at ~100x their cost. ``initialize()`` measures the
elliptical model and starts the shape at the ellipse (C0 = 0, am = 0).
"""

import math

import numpy as np

from .exponential import ExponentialGalaxy
from .gaussian import GaussianGalaxy
from .moffat import MoffatGalaxy
from .nuker import NukerGalaxy
from .parameter_spec import ParameterSpec
from .registry import register
from .sersic import SersicGalaxy
from .spline import SplineGalaxy

DEFAULT_MODES = (1, 3, 4)


class _Superellipse:
    """Mixin: the superellipse isophote (parameter C0)."""

    _isophote = "superellipse"
    _isophote_specs = (ParameterSpec("C0", "", limits=(-1.0, 10.0)),)

    def _core_profile(self):
        return f"{self.profile}/superellipse"

    def _isophote_values(self, values):
        return [values.get("C0", 0.0)]

    def _isophote_defaults(self):
        return {"C0": 0.0}

    @staticmethod
    def _reach_factor(values):
        """Largest R_ellipse / R_superellipse: a boxy isophote reaches 2^(1/2 - 1/c) farther on its diagonal."""
        c = values.get("C0", 0.0) + 2.0
        return max(1.0, 2.0 ** (0.5 - 1.0 / c))


class _Fourier:
    """Mixin: Fourier modes of the isophote radius (parameters am, phim; option modes)."""

    _isophote = "fourier"
    _isophote_specs = (ParameterSpec("am", "", limits=(-1.0, 1.0), shape=None),
                    ParameterSpec("phim", "rad", limits=(0.0, 2.0 * math.pi), cyclic=True, shape=None))
    options = {"modes": None}

    def _check_options(self):
        super()._check_options()
        modes = DEFAULT_MODES if self.modes is None else self.modes
        try:
            modes = tuple(int(m) for m in modes)
            exact = all(float(m) == int(m) for m in (DEFAULT_MODES if self.modes is None else self.modes))
        except (TypeError, ValueError):
            raise TypeError(f"model {self.name!r}: modes must be a sequence of integers, got {self.modes!r}") from None
        if not exact or not 1 <= len(modes) <= 32 or not all(1 <= m <= 64 for m in modes):
            raise ValueError(f"model {self.name!r}: modes must be 1 to 32 integers in [1, 64], got {self.modes!r}")
        self.modes = modes

    def _parameter_shape(self, spec):
        if spec.name in ("am", "phim"):
            return (len(self.modes),)
        return super()._parameter_shape(spec)

    def _core_profile(self):
        return f"{self.profile}/fourier:{','.join(str(m) for m in self.modes)}"

    def _isophote_values(self, values):
        count = len(self.modes)
        am = values.get("am")
        phim = values.get("phim")
        return list(np.zeros(count) if am is None else np.atleast_1d(am)) + \
            list(np.zeros(count) if phim is None else np.atleast_1d(phim))

    def _isophote_defaults(self):
        return {"am": np.zeros(len(self.modes)), "phim": np.zeros(len(self.modes))}

    @staticmethod
    def _reach_factor(values):
        """Largest |w| / R: exp(sum |a_m|)."""
        am = values.get("am")
        return 1.0 if am is None else math.exp(float(np.sum(np.abs(am))))


class _Shaped:
    """Mixin over a GalaxyModel class and a shape mixin: the core renders "<profile>/<shape>"; the
    window sizing and initialize() use the elliptical profile, the window widened by how far the
    shape can carry light beyond the ellipse."""

    def _render_profile(self):
        return self._core_profile()

    def _render_parameters(self, values):
        return self._core_parameters(values) + [float(v) for v in self._isophote_values(values)]

    def _major_axis_brightness(self, values, reach):
        radii, brightness = super()._major_axis_brightness(values, reach)
        return radii * self._reach_factor(values), brightness

    def initialize(self, foreground=None):
        """As the elliptical model's initialize() (the shape's parameters held at the ellipse
        meanwhile), then the shape's unset parameters at the ellipse: C0 = 0, am = 0, phim = 0."""
        super().initialize(foreground)
        for name, value in self._isophote_defaults().items():
            if self.parameters[name].value is None:
                self.parameters[name].value = value
        return self


def _shaped_model(galaxy, shape):
    """The class of ``galaxy`` (a GalaxyModel class) on the isophotes of ``shape`` (a mixin)."""
    name = galaxy.__name__.replace("Galaxy", shape.__name__.strip("_") + "Galaxy")
    options = dict(getattr(galaxy, "options", {}), **getattr(shape, "options", {}))
    cls = type(name, (_Shaped, shape, galaxy), {
        "__doc__": f"The {galaxy.model_type} on {shape._isophote} isophotes (see polychrome.models.isophote_models): "
                   f"its parameters, then {', '.join(spec.name for spec in shape._isophote_specs)}.",
        "__module__": __name__,
        "model_type": galaxy.model_type.replace("galaxy model", f"{shape._isophote} galaxy model"),
        "parameter_specs": galaxy.parameter_specs + shape._isophote_specs,
        "options": options,
        "_isophote_count": len(shape._isophote_specs),
    })
    globals()[name] = cls  # a module attribute: models pickle by reference to their class
    return register(cls)


SHAPED_MODELS = {(galaxy.profile, shape._isophote): _shaped_model(galaxy, shape)
                 for galaxy in (SersicGalaxy, ExponentialGalaxy, GaussianGalaxy, MoffatGalaxy, NukerGalaxy,
                                SplineGalaxy)
                 for shape in (_Superellipse, _Fourier)}
