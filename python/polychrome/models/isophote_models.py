"""Galaxy models on isophotes other than ellipses, for every radial profile (AutoProf's type
strings): "<profile> superellipse galaxy model", "<profile> fourier galaxy model", "<profile> warp
galaxy model", "<profile> superellipse warp galaxy model", "<profile> fourier warp galaxy model".

The radial profile is evaluated at a radius R(w) of the circularised
coordinates w (along the major axis, and along the minor one divided by q):

* superellipse: R = (|w_a|^c + |w_b|^c)^(1/c), c = C0 + 2; parameter ``C0``
  in [-1, 10] (0: the ellipse; > 0 boxy, < 0 disky);
* fourier: R = |w| exp(sum_m a_m cos(m theta + phi_m)), theta = atan2(w_b, w_a);
  parameters ``am`` (one amplitude per mode, each in [-1, 1]) and ``phim``
  (phases, rad, cyclic on [0, 2 pi)); option ``modes`` (default (1, 3, 4));
* warp: at each radius r = |w| the isophote (an ellipse, or one of the above)
  is turned by PA(r) and flattened by q(r) (on top of the global q and PA), both
  curves through values at knot radii (AutoProf's cubic Hermite: each knot's
  tangent the mean of the secants beside it, constant beyond the last knot);
  parameters ``q(R)`` (in [0.05, 1]) and ``PA(R)`` (rad, in [-2 pi, 2 pi]; not
  cyclic, unlike AutoProf's, so that a knot near 0 is not wrapped apart from its neighbours),
  one value per knot; option ``warp_knots`` (arcsec; default as AutoProf's:
  0, 2 pixels, growing by the larger of 2 pixels and 20% to the window's
  half-size, and its half-diagonal).

The core integrates such pixels a-posteriori (2x2 Gauss-Legendre cells split
until a cell's children agree with it within the pixel's budget), to the
same stated accuracy as the elliptical models (2e-5 relative at the default
tolerance) but at ~100x their cost. ``initialize()`` measures the elliptical
model and starts the shape at the ellipse (C0 = 0, am = 0, q(R) = 1,
PA(R) = 0; AutoProf starts q(R) at 0.9).
"""

import math

import numpy as np

from .exponential import ExponentialGalaxy
from .gaussian import GaussianGalaxy
from .moffat import MoffatGalaxy
from .ferrer import FerrerGalaxy
from .king import KingGalaxy
from .nuker import NukerGalaxy
from .parameter_spec import ParameterSpec, check_shape
from .registry import register
from .sersic import SersicGalaxy
from .spline import SplineGalaxy

DEFAULT_MODES = (1, 3, 4)


class _Superellipse:
    """Isophote mixin: the superellipse (parameter C0)."""

    _isophote = "superellipse"
    _isophote_specs = (ParameterSpec("C0", "", limits=(-1.0, 10.0)),)

    def _inner_token(self):
        return "superellipse"

    def _inner_values(self, values):
        return [values.get("C0", 0.0)]

    def _isophote_defaults(self):
        return dict(super()._isophote_defaults(), C0=0.0)

    def _reach_factor(self, values):
        """Largest R_ellipse / R_superellipse: a boxy isophote reaches 2^(1/2 - 1/c) farther on its diagonal."""
        c = values.get("C0", 0.0) + 2.0
        return max(1.0, 2.0 ** (0.5 - 1.0 / c)) * super()._reach_factor(values)


class _Fourier:
    """Isophote mixin: Fourier modes of the radius (parameters am, phim; option modes)."""

    _isophote = "fourier"
    _isophote_specs = (ParameterSpec("am", "", limits=(-1.0, 1.0), shape=None),
                       ParameterSpec("phim", "rad", limits=(0.0, 2.0 * math.pi), cyclic=True, shape=None))
    options = {"modes": None}

    def _check_options(self):
        super()._check_options()
        given = DEFAULT_MODES if self.modes is None else self.modes
        try:
            modes = tuple(int(m) for m in given)
            exact = all(float(m) == int(m) for m in given)
        except (TypeError, ValueError):
            raise TypeError(f"model {self.name!r}: modes must be a sequence of integers, got {self.modes!r}") from None
        if not exact or not 1 <= len(modes) <= 32 or not all(1 <= m <= 64 for m in modes):
            raise ValueError(f"model {self.name!r}: modes must be 1 to 32 integers in [1, 64], got {self.modes!r}")
        self.modes = modes

    def _parameter_shape(self, spec):
        if spec.name in ("am", "phim"):
            return (len(self.modes),)
        return super()._parameter_shape(spec)

    def _inner_token(self):
        return f"fourier:{','.join(str(m) for m in self.modes)}"

    def _inner_values(self, values):
        zeros = np.zeros(len(self.modes))
        return list(np.atleast_1d(values.get("am", zeros))) + list(np.atleast_1d(values.get("phim", zeros)))

    def _isophote_defaults(self):
        return dict(super()._isophote_defaults(), am=np.zeros(len(self.modes)), phim=np.zeros(len(self.modes)))

    def _reach_factor(self, values):
        """Largest |w| / R: exp(sum |a_m|)."""
        am = values.get("am")
        return (1.0 if am is None else math.exp(float(np.sum(np.abs(am))))) * super()._reach_factor(values)


class _Warp:
    """Isophote mixin: the warp (parameters q(R), PA(R); option warp_knots)."""

    _isophote = "warp"
    _isophote_specs = (ParameterSpec("q(R)", "b/a", limits=(0.05, 1.0), shape=None),
                       # not cyclic (unlike AutoProf's): a knot wrapped alone by pi would fold the curve
                       ParameterSpec("PA(R)", "rad", limits=(-2.0 * math.pi, 2.0 * math.pi), shape=None))
    options = {"warp_knots": None}

    def _check_options(self):
        super()._check_options()
        if self.warp_knots is None:
            return  # from the window, when the model gets its target
        try:
            knots = np.array(self.warp_knots, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"model {self.name!r}: warp_knots must be a sequence of radii (arcsec), "
                            f"got {self.warp_knots!r}") from None
        if knots.ndim != 1 or not 2 <= knots.size <= 64 or not np.all(np.isfinite(knots)) or knots[0] < 0 \
                or np.any(np.diff(knots) <= 0):
            raise ValueError(f"model {self.name!r}: warp_knots must be 2 to 64 finite radii (arcsec), >= 0 and "
                             f"strictly increasing, got {self.warp_knots!r}")
        self.warp_knots = knots

    def _attach(self, target, window):
        super()._attach(target, window)
        if self.warp_knots is not None:
            return
        given = [self.parameters[name].value for name in ("q(R)", "PA(R)") if self.parameters[name].value is not None]
        count = np.size(given[0]) if given else None
        knots = _default_warp_knots(target, window, count)
        for value, name in zip(given, ("q(R)", "PA(R)")):
            check_shape(name, np.shape(value), knots.shape, self.name)
        self.warp_knots = knots

    def _parameter_shape(self, spec):
        if spec.name in ("q(R)", "PA(R)"):
            return None if self.warp_knots is None else (len(self.warp_knots),)
        return super()._parameter_shape(spec)

    def _warp_token(self):
        return "warp:" + ",".join(f"{float(r):.17g}" for r in self.warp_knots)

    def _warp_values(self, values):
        count = len(self.warp_knots)
        q = values.get("q(R)")
        pa = values.get("PA(R)")
        return list(np.ones(count) if q is None else np.atleast_1d(q)) + \
            list(np.zeros(count) if pa is None else np.atleast_1d(pa))

    def _isophote_defaults(self):
        count = len(self.warp_knots)
        return dict(super()._isophote_defaults(), **{"q(R)": np.ones(count), "PA(R)": np.zeros(count)})

    def _reach_factor(self, values):
        """Largest |w| / R of a warp: 1 / (the smallest q(R))."""
        q = values.get("q(R)")
        return (1.0 if q is None else 1.0 / float(np.min(q))) * super()._reach_factor(values)


def _default_warp_knots(target, window, count=None):
    """AutoProf's warp radii (arcsec): 0, 2 pixels, then steps of the larger of 2 pixels and 20% up to
    the window's half-size, less the last two, and the half-diagonal; with ``count`` values given,
    0 and count - 1 radii spaced logarithmically from 2 pixels to the half-size, a pixel apart at least."""
    pixel = math.sqrt(target.pixel_area)
    ny, nx = window.shape
    half = 0.5 * min(ny, nx) * pixel
    if count is not None:
        knots = [0.0] + list(np.geomspace(2 * pixel, max(half, 3 * pixel), count - 1)) if count > 1 else [0.0]
        for k in range(1, len(knots)):
            knots[k] = max(knots[k], knots[k - 1] + pixel)
        return np.array(knots)
    knots = [0.0, 2 * pixel]
    while knots[-1] < half:
        knots.append(knots[-1] + max(2 * pixel, 0.2 * knots[-1]))
    knots = knots[:-2] if len(knots) > 3 else knots[:2]
    diagonal = 0.5 * math.hypot(ny, nx) * pixel
    knots.append(max(diagonal, knots[-1] + pixel))
    return np.array(knots)


class _IsophoteBase:
    """The end of the isophote mixins' chains (after them in the MRO)."""

    def _isophote_defaults(self):
        return {}

    def _reach_factor(self, values):
        return 1.0


class _Shaped:
    """Mixin over a GalaxyModel class and isophote mixins: the core renders "<profile>/<shapes>"; the
    window sizing and initialize() use the elliptical profile, the window widened by how far the
    shape can carry light beyond the ellipse."""

    def _render_profile(self):
        tokens = [self.profile]
        if hasattr(self, "_inner_token"):
            tokens.append(self._inner_token())
        if hasattr(self, "_warp_token"):
            tokens.append(self._warp_token())
        return "/".join(tokens)

    def _render_parameters(self, values):
        extra = []
        if hasattr(self, "_inner_values"):
            extra += self._inner_values(values)
        if hasattr(self, "_warp_values"):
            extra += self._warp_values(values)
        return self._core_parameters(values) + [float(v) for v in extra]

    def _major_axis_brightness(self, values, reach):
        radii, brightness = super()._major_axis_brightness(values, reach)
        return radii * self._reach_factor(values), brightness

    def _core_to_model_jacobian(self, jacobian, values):
        # the core's rows: geometry, radial, inner shape, warp; the model's: ..., warp, inner shape
        jacobian = super()._core_to_model_jacobian(jacobian, values)
        if not (hasattr(self, "_inner_values") and hasattr(self, "_warp_values")):
            return jacobian
        inner = len(self._inner_values(values))
        head = len(jacobian) - inner - len(self._warp_values(values))
        order = list(range(head)) + list(range(head + inner, len(jacobian))) + list(range(head, head + inner))
        return jacobian[order]

    def initialize(self, foreground=None):
        """As the elliptical model's initialize() (the shape held at the ellipse meanwhile), then the
        shape's unset parameters at the ellipse (C0 = 0, am = phim = 0, q(R) = 1, PA(R) = 0)."""
        super().initialize(foreground)
        for name, value in self._isophote_defaults().items():
            if self.parameters[name].value is None:
                self.parameters[name].value = value
        return self


def _shaped_model(galaxy, shapes):
    """The class of ``galaxy`` (a GalaxyModel class) on the isophotes of ``shapes`` (mixins, the
    inner shape first, then the warp)."""
    words = " ".join(shape._isophote for shape in shapes)
    name = galaxy.__name__.replace("Galaxy", "".join(shape.__name__.strip("_") for shape in shapes) + "Galaxy")
    options = dict(getattr(galaxy, "options", {}))
    for shape in shapes:
        options.update(getattr(shape, "options", {}))
    # AutoProf's order: the warp's parameters, then the inner shape's
    specs = tuple(spec for shape in reversed(shapes) for spec in shape._isophote_specs)
    bases = (_Shaped,) + tuple(reversed(shapes)) + (_IsophoteBase, galaxy)
    cls = type(name, bases, {
        "__doc__": f"The {galaxy.model_type} on {words} isophotes (see polychrome.models.isophote_models): "
                   f"its parameters, then {', '.join(spec.name for spec in specs)}.",
        "__module__": __name__,
        "model_type": galaxy.model_type.replace("galaxy model", f"{words} galaxy model"),
        "parameter_specs": galaxy.parameter_specs + specs,
        "options": options,
        "_isophote_count": len(specs),
    })
    globals()[name] = cls  # a module attribute: models pickle by reference to their class
    return register(cls)


SHAPED_MODELS = {(galaxy.profile, tuple(shape._isophote for shape in shapes)): _shaped_model(galaxy, shapes)
                 for galaxy in (SersicGalaxy, ExponentialGalaxy, GaussianGalaxy, MoffatGalaxy, NukerGalaxy,
                                SplineGalaxy, FerrerGalaxy, KingGalaxy)
                 for shapes in ((_Superellipse,), (_Fourier,), (_Warp,), (_Superellipse, _Warp),
                                (_Fourier, _Warp))}
