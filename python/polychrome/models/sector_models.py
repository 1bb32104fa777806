"""Ray and wedge galaxy models (AutoProf's "<profile> ray galaxy model" and "<profile> wedge galaxy
model"), for every radial profile: sersic, exponential, gaussian, moffat, nuker, spline, ferrer and king.

The galaxy is cut into N angular segments (option ``rays`` or ``wedges``, AutoProf's names, an
integer in [1, 32], default 2), each with its own radial profile; the brightness at a point is

    I(w) = sum_k W_k(theta) I_k(R),   R = |w| the elliptical radius, theta = atan2(w_b, w_a),

theta measured from the major axis in the circularised coordinates w (AutoProf's angle after q is
applied). Segment k lies along the directions k pi / N and k pi / N + pi (the models are symmetric
about the centre):

* ray: between neighbouring rays k and k+1, at the fraction f of the way (f = theta N / pi - k),
  ray k weighs (1 + cos(pi f)) / 2 and ray k+1 (1 - cos(pi f)) / 2 (the weights sum to 1);
* wedge: the sector within pi / (2N) of k pi / N is segment k's alone; the brightness jumps on the
  sector edges (k + 1/2) pi / N.

Every profile parameter becomes an array with one value per segment, in AutoProf's names: e.g. a
Sersic ray model's ``n`` (N values, each in [0.36, 10]), ``Re`` (arcsec, each in [1e-6, 1e6]) and
``Ie`` (log10 flux/arcsec^2, each in [-100, 100]); a spline's ``I(R)`` has shape (N, knots). With
N = 1 either model is the elliptical one. The total flux is the mean of the segments' elliptical
total fluxes (each segment covers 1/N of the angles).

The core renders them at the stated pixel accuracy of the shaped profiles (2e-5 relative at the
default tolerance, measured against scipy quadrature with the sector edges as breakpoints): a-posteriori
2x2 Gauss-Legendre cells, a wedge's cells cut exactly along its sector edges. The Jacobian columns of
x, y, q and PA come from the pixels' boundaries (the transport theorem), so they hold across the
wedge's jumps. ``initialize()`` fits the elliptical model of the same profile and starts every
segment at it, then scales each segment's brightness to the light of its angles in the data.
"""

import math

import numpy as np

from .exponential import ExponentialGalaxy
from .gaussian import GaussianGalaxy
from .moffat import MoffatGalaxy
from .ferrer import FerrerGalaxy
from .king import KingGalaxy
from .nuker import NukerGalaxy
from .registry import register
from .sersic import SersicGalaxy
from .spline import SplineGalaxy

MAX_SEGMENTS = 32


def sector_weights(theta, count, kind):
    """The angular weights (count, *theta.shape) of the segments at angles ``theta`` (rad, from
    the major axis in circularised coordinates), for kind "ray" or "wedge" (see the module)."""
    theta = np.asarray(theta, float)
    x = np.mod(theta, math.pi) * count / math.pi
    weights = np.zeros((count,) + theta.shape)
    if kind == "wedge" or count == 1:
        k = np.floor(x + (0.5 if kind == "wedge" else 0.0)).astype(int) % count
        for segment in range(count):
            weights[segment] = k == segment
        return weights
    k = np.minimum(np.floor(x).astype(int), count - 1)
    c = np.cos(math.pi * (x - k))
    for segment in range(count):
        weights[segment] = np.where(k == segment, 0.5 * (1 + c), 0.0) + \
            np.where((k + 1) % count == segment, 0.5 * (1 - c), 0.0)
    return weights


class _Segmented:
    """Mixin over a GalaxyModel class: its profile's parameters, one per segment, rendered by the
    core's "<profile>/ray:N" or "<profile>/wedge:N"."""

    _sector = None  # "ray" or "wedge"
    _count_option = None  # "rays" or "wedges"

    @property
    def segments(self):
        """The number of rays or wedges."""
        return getattr(self, self._count_option)

    def _check_options(self):
        super()._check_options()
        symmetric = "symmetric_" + self._count_option
        if getattr(self, symmetric) is not True:
            raise ValueError(f"model {self.name!r}: {symmetric} must be True (the segments are symmetric about the "
                             f"centre, as AutoProf 0.8 renders them whatever it is given), got "
                             f"{getattr(self, symmetric)!r}")
        given = getattr(self, self._count_option)
        if isinstance(given, bool) or not isinstance(given, (int, np.integer, float)) or given != int(given) \
                or not 1 <= int(given) <= MAX_SEGMENTS:
            raise ValueError(f"model {self.name!r}: {self._count_option} must be an integer in [1, {MAX_SEGMENTS}] "
                             f"(the number of angular segments), got {given!r}")
        setattr(self, self._count_option, int(given))

    def _profile_specs(self):
        return self.parameter_specs[self._geometry_count:]

    def _parameter_shape(self, spec):
        if spec not in self._profile_specs():
            return super()._parameter_shape(spec)
        own = super()._parameter_shape(spec)
        return None if own is None else (self.segments,) + tuple(own)

    def _segment_values(self, values, k):
        """``values`` with every profile parameter replaced by segment k's value."""
        return dict(values, **{spec.name: np.asarray(values[spec.name])[k] for spec in self._profile_specs()})

    def _render_profile(self):
        return f"{self.profile}/{self._sector}:{self.segments}"

    def _render_parameters(self, values):
        flat = []
        for k in range(self.segments):
            flat += [float(v) for v in np.ravel(super()._core_parameters(self._segment_values(values, k)))]
        return flat

    def _core_to_model_jacobian(self, jacobian, values):
        # the core's rows: x, y, q, PA, then segment by segment its core parameters; the model's: each
        # parameter's array (segment, ...) flattened; a segment's conversion (e.g. the Gaussian's flux)
        # may add to the geometric rows
        geometry = 4
        N = self.segments
        each = (len(jacobian) - geometry) // N
        rows = np.empty((each, N) + jacobian.shape[1:])
        out_geometry = jacobian[:geometry].copy()
        for k in range(N):
            block = np.concatenate([np.zeros_like(jacobian[:geometry]),
                                    jacobian[geometry + k * each: geometry + (k + 1) * each]])
            block = super()._core_to_model_jacobian(block, self._segment_values(values, k))
            out_geometry += block[:geometry]
            rows[:, k] = block[geometry:]
        # a parameter of shape (N,) takes rows[p, :]; the spline's I(R) (N, knots) its rows segment by segment
        if len(self._profile_specs()) == 1 and each > 1:
            ordered = rows.transpose((1, 0) + tuple(range(2, rows.ndim))).reshape((N * each,) + rows.shape[2:])
        else:
            ordered = rows.reshape((each * N,) + rows.shape[2:])
        return np.concatenate([out_geometry, ordered])

    def segment_profiles(self, reach):
        """(radii arcsec, [surface brightness flux/arcsec^2 of each segment's profile, no PSF]) from
        0 to at least ``reach`` arcsec, every half pixel at most (ray_light_profile draws them)."""
        values = self._values()
        profiles = [super(_Segmented, self)._major_axis_brightness(self._segment_values(values, k), reach)
                    for k in range(self.segments)]
        return profiles[0][0], [brightness for _, brightness in profiles]

    def _major_axis_brightness(self, values, reach):
        """The brightest segment's profile at each radius (the window holds every segment's light)."""
        envelope = None
        for k in range(self.segments):
            radii, brightness = super()._major_axis_brightness(self._segment_values(values, k), reach)
            envelope = brightness if envelope is None else np.maximum(envelope, brightness)
        return radii, envelope

    def initialize(self, foreground=None):
        """Start every unset parameter from the elliptical model of the same profile fitted to the
        window (its initialize()), the same for every segment; then, where the brightness parameter
        was unset, each segment's brightness scaled by the ratio of the data to that start over
        the segment's angles (weighted by its angular weight, the pixels above 10% of the start's
        peak). Given per-segment values are kept (their means steer the elliptical start)."""
        self._initialize_live_psf()
        names = [spec.name for spec in self._profile_specs()]
        given = {name: self.parameters[name].value for name in names}
        if all(value is not None for value in given.values()) and all(
                self.parameters[name].value is not None for name in ("center", "q", "PA")):
            return self
        galaxy = self._galaxy
        start = galaxy.__new__(galaxy)
        start.__dict__.update({key: value for key, value in self.__dict__.items() if key != "parameters"})
        from ..param import ParameterSet
        from .parameter_spec import make_parameter
        seeds = {name: np.mean(value, axis=0) for name, value in given.items() if value is not None}
        start.parameters = ParameterSet(
            make_parameter(spec, seeds.get(spec.name, self.parameters[spec.name].value
                                           if spec.name in ("center", "q", "PA") else None),
                           self.name, galaxy._parameter_shape(start, spec))
            for spec in galaxy.parameter_specs)
        galaxy.initialize(start, foreground)
        for spec in self.parameter_specs:
            if self.parameters[spec.name].value is not None:
                continue
            value = start.parameters[spec.name].value
            if spec in self._profile_specs():
                value = np.broadcast_to(value, (self.segments,) + np.shape(value)).copy()
            self.parameters[spec.name].value = value
        brightness = names[-1]
        if given[brightness] is None and self.segments > 1:
            self._scale_segment_brightness(brightness, foreground)
        return self

    def _scale_segment_brightness(self, brightness, foreground):
        """Scale each segment's (log10) brightness by the data / model ratio over its angles."""
        try:
            model = self._render(False)[0]
        except ValueError:
            return
        window = self._window
        data = np.asarray(self._target[window].data, float)
        if foreground is not None and np.shape(foreground) == data.shape:
            data = data - foreground
        if model.shape != data.shape:
            return
        border = np.concatenate([data[0], data[-1], data[:, 0], data[:, -1]])
        data = data - np.median(border)
        values = self._values()
        ny, nx = data.shape
        jj, ii = np.meshgrid(np.arange(nx) + 0.5, np.arange(ny) + 0.5)
        pixelscale = np.atleast_2d(np.asarray(self._target.pixelscale, float))
        pixelscale = pixelscale * np.eye(2) if pixelscale.size == 1 else pixelscale
        origin = np.asarray(window.origin, float)
        x = origin[0] + pixelscale[0, 0] * jj + pixelscale[0, 1] * ii - values["center"][0]
        y = origin[1] + pixelscale[1, 0] * jj + pixelscale[1, 1] * ii - values["center"][1]
        c, s = math.cos(values["PA"]), math.sin(values["PA"])
        theta = np.arctan2((-s * x + c * y) / values["q"], c * x + s * y)
        weights = sector_weights(theta, self.segments, self._sector)
        bright = model > 0.1 * model.max()
        level = np.array(self.parameters[brightness].value, float)
        for k in range(self.segments):
            w = weights[k] * bright
            have, expect = np.sum(w * data), np.sum(w * model)
            if have > 0 and expect > 0:
                level[k] = level[k] + math.log10(have / expect)
        lo, hi = self.parameters[brightness].limits
        self.parameters[brightness].value = np.clip(level, lo, hi)


def _mean_segment_flux(self):
    """Total flux (image flux units): the mean of the segments' elliptical total fluxes (each segment
    covers 1/N of the angles)."""
    values = self._values()
    return float(np.mean([_SegmentView(self, self._segment_values(values, k)).total_flux()
                          for k in range(self.segments)]))


class _SegmentView:
    """One segment of a sector model seen as its elliptical model (for total_flux)."""

    def __init__(self, model, values):
        self._model, self._segment = model, values

    def _values(self):
        return self._segment

    def total_flux(self):
        return type(self._model)._galaxy.total_flux(self)


def _sector_model(galaxy, sector):
    """The class of ``galaxy`` (a GalaxyModel class) in rays or wedges (``sector``)."""
    option = {"ray": "rays", "wedge": "wedges"}[sector]
    name = galaxy.__name__.replace("Galaxy", sector.capitalize() + "Galaxy")
    options = dict(getattr(galaxy, "options", {}), **{option: 2, "symmetric_" + option: True})
    profile_names = ", ".join(spec.name for spec in galaxy.parameter_specs[galaxy._geometry_count:])
    cls = type(name, (_Segmented, galaxy), {
        "__doc__": f"The {galaxy.model_type} with one profile per {sector} (see polychrome.models.sector_models): "
                   f"center, q, PA, then {profile_names}, each an array with one value (a spline's I(R): one row "
                   f"of knot values) per {sector}; option ``{option}`` (default 2; ``symmetric_{option}`` "
                   f"is accepted, True only).",
        "__module__": __name__,
        "model_type": galaxy.model_type.replace("galaxy model", f"{sector} galaxy model"),
        "options": options,
        "_sector": sector,
        "_count_option": option,
        "_galaxy": galaxy,
    })
    if hasattr(galaxy, "total_flux"):
        cls.total_flux = _mean_segment_flux
    globals()[name] = cls  # a module attribute: models pickle by reference to their class
    return register(cls)


SECTOR_MODELS = {(galaxy.profile, sector): _sector_model(galaxy, sector)
                 for galaxy in (SersicGalaxy, ExponentialGalaxy, GaussianGalaxy, MoffatGalaxy, NukerGalaxy,
                                SplineGalaxy, FerrerGalaxy, KingGalaxy)
                 for sector in ("ray", "wedge")}
