"""The spline galaxy model: a free-form radial profile through knots."""

import math

import numpy as np

from .galaxy_model import GEOMETRY_SPECS, GalaxyModel
from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, ParameterSpec, check_shape
from .registry import register

DEFAULT_KNOT_COUNT = 8


@register
class SplineGalaxy(GalaxyModel):
    """ln I(R) a natural cubic spline in R through knots at fixed radii.

    Parameters, in order: ``center`` [x, y] arcsec, ``q``, ``PA`` rad,
    ``I(R)`` (log10 surface brightness at each knot, flux/arcsec^2, one
    value per knot, each in [-100, 100]). Beyond the first and last knots ln I
    continues linearly with the spline's slope there, except that it never
    rises outward: where the natural spline would rise at the last knot, the
    end condition is a zero slope instead and ln I falls beyond the knot as
    the parabola of the end's curvature.

    Option ``knots``: the knot radii along the major axis, arcsec, strictly
    increasing, >= 0, 2 to 64 of them. Default: 0 and 7 radii spaced
    logarithmically from one pixel to half the window's diagonal.
    AutoProf's spelling, ``I(R)={"value": ..., "prof": radii}``, gives the
    knots inside the parameter's dict.
    """

    model_type = "spline galaxy model"
    profile = "spline"
    parameter_specs = GEOMETRY_SPECS + (ParameterSpec("I(R)", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS,
                                                              shape=None),)
    options = {"knots": None}

    def _from_autoprof_names(self, values):
        """AutoProf's knot radii, given inside I(R) as {"value": ..., "prof": radii}, are the knots option."""
        given = values.get("I(R)")
        if isinstance(given, dict) and "prof" in given:
            given = dict(given)
            prof = given.pop("prof")
            if self.knots is not None:
                raise ValueError(f"model {self.name!r}: knot radii given twice (knots= and I(R)'s 'prof')")
            self.knots = prof
            values = dict(values, **{"I(R)": given})
        return values

    def _check_options(self):
        if self.knots is None:
            return  # set from the window when the model gets its target
        try:
            knots = np.array(self.knots, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"model {self.name!r}: knots must be a sequence of radii (arcsec), "
                            f"got {self.knots!r}") from None
        if knots.ndim != 1 or not 2 <= knots.size <= 64:
            raise ValueError(f"model {self.name!r}: knots must be 2 to 64 radii, got shape {knots.shape}")
        if not np.all(np.isfinite(knots)) or knots[0] < 0 or np.any(np.diff(knots) <= 0):
            raise ValueError(f"model {self.name!r}: knots must be finite, >= 0 and strictly increasing, "
                             f"got {knots.tolist()}")
        self.knots = knots

    def _attach(self, target, window):
        if self.knots is not None:
            return
        knots = _default_knots(target, window)
        values = self.parameters["I(R)"].value
        if values is not None:  # one value per default knot, or give the knots option with I(R)
            check_shape("I(R)", np.shape(values), knots.shape, self.name)
        self.knots = knots

    def _parameter_shape(self, spec):
        if spec.name != "I(R)":
            return spec.shape
        return None if self.knots is None else (len(self.knots),)

    def _core_parameters(self, values):
        return list(np.atleast_1d(values["I(R)"]))

    def _knots(self):
        return self.knots

    def _initial_profile(self, profile, q):
        """Knot values: log10 of the annulus means interpolated at the knot radii.

        Linear in log10 I between annuli; flat inside the innermost one;
        beyond the outermost detected annulus, continued with the slope of
        the outer annuli (made to fall). With fewer than two detected annuli
        every knot gets the mean brightness inside the largest aperture.
        """
        if self.parameters["I(R)"].value is not None:
            return {}
        R, log_I, _ = profile.log_points()
        if R.size < 2:
            area = math.pi * q * profile.radius**2
            mean = profile.flux / area if profile.flux > 0 else profile.brightness_floor()
            return {"I(R)": np.full(len(self.knots), math.log10(mean))}
        values = np.interp(self.knots, R, log_I)
        outer = self.knots > R[-1]
        if np.any(outer):
            tail = slice(max(R.size - 3, 0), R.size)
            slope = np.polyfit(R[tail], log_I[tail], 1)[0] if R.size >= 2 else 0.0
            slope = min(slope, -0.1 / max(R[-1], profile.pixel))
            values[outer] = log_I[-1] + slope * (self.knots[outer] - R[-1])
        return {"I(R)": values}


def _default_knots(target, window):
    """0 and DEFAULT_KNOT_COUNT - 1 radii (arcsec) spaced logarithmically from one pixel to half
    the window's diagonal."""
    pixel = math.sqrt(target.pixel_area)
    ny, nx = window.shape
    outer = max(0.5 * pixel * math.hypot(nx, ny), 2.0 * pixel)
    return np.concatenate([[0.0], np.geomspace(pixel, outer, DEFAULT_KNOT_COUNT - 1)])
