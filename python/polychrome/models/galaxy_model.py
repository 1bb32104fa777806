"""GalaxyModel: an elliptical radial profile rendered by the core, optionally PSF-convolved."""

import functools
import math
import operator

import numpy as np

from ..param.numpy_values import numpy_value
from ..render import ProfileRenderer, render_profile
from .automatic_window import PROFILE_SAMPLES, galaxy_bounds, image_reach, profile_sample_count
from .component_model import ComponentModel
from .convolved_profile_fit import Cutout, convolved_profile_start
from .initialization import (RadialProfile, WindowPixels, centroid, deconvolved_shape, enclosed_shape_flux,
                             fit_log_profile, psf_covariance, shape_moments, well_resolved)
from .live_psf import convolved_with_derivatives
from .parameter_spec import AXIS_RATIO, CENTER, POSITION_ANGLE

GEOMETRY_SPECS = (CENTER, AXIS_RATIO, POSITION_ANGLE)


class GalaxyModel(ComponentModel):
    """An elliptical galaxy: ``center`` [x, y] (arcsec), ``q`` (b/a in [0.03, 1]),
    ``PA`` (radians counter-clockwise from +x, cyclic on [0, pi)), then the
    profile's parameters.

    Every pixel is the integral over the pixel of the profile (convolved with
    the target's PSF with psf_mode "full", rendered on the window grown by the
    PSF half-size so that light from outside the window is counted).
    Subclasses set ``profile`` (the core's profile name) and
    ``parameter_specs``; those whose parameters differ from the core's
    override ``_core_parameters`` and ``_core_to_model_jacobian``.
    """

    profile = None
    model_type = "galaxy model"  # AutoProf's base name (user types are "<name> galaxy model"); not registered
    parameter_specs = GEOMETRY_SPECS
    _parameter_order = ("center", "q", "PA")
    # how many of parameter_specs are geometry (center, q, PA) ahead of the profile's
    _geometry_count = len(GEOMETRY_SPECS)
    # geometry held at fixed values rather than fitted ({"q": 1.0, "PA": 0.0} for a star model)
    _fixed_geometry = {}
    # how many of parameter_specs, at the end, belong to a non-elliptical isophote shape
    _isophote_count = 0
    # how many of parameter_specs, after the profile's (and before the isophote's), belong to a
    # wrapper of the profile (the truncation's Rt and St: truncated_models.py)
    _wrapper_count = 0

    def _values(self):
        values = super()._values()
        values.update(self._fixed_geometry)
        return values

    def _core_parameters(self, values):
        """The core radial profile's parameter values, in its order, from the model's {name: value}."""
        end = len(self.parameter_specs) - self._isophote_count - self._wrapper_count
        return [values[spec.name] for spec in self.parameter_specs[self._geometry_count:end]]

    def _render_profile(self):
        """The core's name of what this model renders: its radial profile (on ellipses)."""
        return self.profile

    def _render_parameters(self, values):
        """The parameter values (flat) of ``_render_profile()``."""
        return self._core_parameters(values)

    def _core_to_model_jacobian(self, jacobian, values):
        """Turn the core's Jacobian rows (x, y, q, PA, profile...) into the model's, in place."""
        return jacobian

    def _knots(self):
        """Knot radii (arcsec) for spline profiles, None otherwise."""
        return None

    def _render(self, jacobian):
        return self._renderer()(jacobian)

    def _renderer(self):
        plain = self._renders_profile_parameters()
        if plain and type(self)._values is GalaxyModel._values:
            self._check_values()  # every parameter checked here, once (as _values would, without its copies)
        else:
            self._values()  # every parameter checked here, once (a subclass's own checks included)
        if self._live_psf is not None and self._uses_psf():
            return self._live_psf_renderer()
        psf = {"psf": self._psf_image().convolver, "psf_upsample": self._psf_upsample()} \
            if self._uses_psf() else {}
        renderer = ProfileRenderer(self._render_profile(), self._window.shape, knots=self._knots(), **self._grid(),
                                   **psf, **self._accuracy())
        if plain:
            return self._plain_renderer(renderer)
        parameters = [(spec.name, self.parameters[spec.name]) for spec in self.parameter_specs]

        fixed = self._fixed_geometry

        def render(jacobian):
            values = {name: parameter.value for name, parameter in parameters}
            values.update(fixed)
            result = renderer(self._render_parameters(values), values["center"], values["q"], values["PA"],
                              jacobian)
            if not jacobian:
                return result, None
            image, core_jacobian = result
            return image, self._core_to_model_jacobian(core_jacobian, values)

        return render

    def _renders_profile_parameters(self):
        """True when the core takes the model's own parameters as they are: centre, q, PA and the
        profile's parameters in the order of ``parameter_specs`` (no fixed geometry, no conversion
        of the parameters or of the Jacobian's rows: none of the hooks overridden)."""
        cls = type(self)
        return (not self._fixed_geometry and self._isophote_count == 0 and self._wrapper_count == 0
                and cls._render_parameters is GalaxyModel._render_parameters
                and cls._core_parameters is GalaxyModel._core_parameters
                and cls._core_to_model_jacobian is GalaxyModel._core_to_model_jacobian
                and cls._render_profile is GalaxyModel._render_profile
                and tuple(spec.name for spec in self.parameter_specs[:self._geometry_count]) == ("center", "q", "PA"))

    def _plain_renderer(self, renderer):
        """``render(jacobian, jacobian_out=None)`` for a model whose parameters are the core's (see
        ``_renders_profile_parameters``): reads the parameters' values straight into the core's
        arguments (no per-call dict, copies or conversions beyond floats); the same values, so
        the same pixels, as the general path."""
        # the parameters' quantities (what holds their values), read once: a renderer serves one
        # render or one fit's plan, within which no parameter is linked anew
        center, q, PA = (self.parameters[name].quantity for name in ("center", "q", "PA"))
        profile = [self.parameters[spec.name].quantity for spec in self.parameter_specs[self._geometry_count:]]
        if len(profile) != renderer.value_count:
            raise ValueError(f"model {self.name!r}: {len(profile)} profile parameters for the core's "
                             f"{renderer.value_count}")
        call = renderer.unchecked()

        def render(jacobian, jacobian_out=None):
            x, y = center.value.tolist()
            result = call([float(p.value) for p in profile], (float(x), float(y)),
                          float(q.value), float(PA.value), bool(jacobian), jacobian_out)
            return result if jacobian else (result, None)

        # jacobian_out: None, or an array (the core's Jacobian shape, C-contiguous float64) the core
        # writes the Jacobian into, returned as the Jacobian (a fit's stack, see fit.model_problem)
        render.takes_jacobian_out = True
        render.at_vector = functools.partial(_vector_renderer, call, renderer.unchecked_equations, center, q, PA,
                                             profile)
        return render

    def _live_psf_renderer(self):
        """``render(jacobian)`` convolving with the live PSF as it is at each call; the Jacobian's
        last rows are the live PSF's parameters, (dP/d theta) * (unconvolved light)."""
        live, k = self._live_psf, self._psf_upsample()
        parameters = [(spec.name, self.parameters[spec.name]) for spec in self.parameter_specs]
        fixed, shape = self._fixed_geometry, tuple(self._window.shape)
        options = dict(knots=self._knots(), **self._accuracy())

        def render(jacobian):
            values = {name: parameter.value for name, parameter in parameters}
            values.update(fixed)
            args = (self._render_parameters(values), values["center"], values["q"], values["PA"])
            psf = live.image()
            renderer = ProfileRenderer(self._render_profile(), shape, **self._grid(), psf=psf.convolver,
                                       psf_upsample=k, **options)
            result = renderer(*args, jacobian)
            if not jacobian:
                return result, None
            image, core_jacobian = result
            own = self._core_to_model_jacobian(core_jacobian, values)
            rows, count = live.free_rows()
            psf_rows = np.zeros((count,) + shape)
            if rows:
                hy, hx = psf.data.shape[0] // 2, psf.data.shape[1] // 2
                fine = np.asarray(self._target.pixelscale, float) / k
                origin = np.asarray(self._window.origin, float) - fine @ np.array([hx, hy], float)
                padded = ProfileRenderer(self._render_profile(), (k * shape[0] + 2 * hy, k * shape[1] + 2 * hx),
                                         pixelscale=fine, origin=origin, **options)(*args, False)
                psf_rows[rows] = convolved_with_derivatives(padded, live.derivatives(), rows, k)
            return image, np.concatenate([own, psf_rows])

        return render

    def _accuracy(self):
        """ProfileRenderer's accuracy options: at a noise tolerance (Model.set_noise_tolerance) the
        pixels' absolute tolerance and the Jacobian's planes convolved in single precision (each
        within ~1e-6 of its largest magnitude, far below what the tolerance lets the pixels err);
        else the default accuracy, the Jacobian in double."""
        absolute = self._absolute_tolerance()
        return dict(absolute_tolerance=absolute, jacobian_precision="single" if absolute > 0 else "double")

    def _needed_bounds(self):
        values = self._values()
        target = self._target
        radii, brightness = self._major_axis_brightness(values, image_reach(target, values["center"]))
        psf = self._psf_image().extent if self._uses_psf() else None
        return galaxy_bounds(target, values, radii, brightness, psf)

    def _major_axis_brightness(self, values, reach):
        """(radii, surface brightness) of the profile (no PSF) along its major axis, from 0 to at
        least ``reach`` arcsec, evenly spaced by at most half a pixel (PROFILE_SAMPLES at most):
        the core renders a strip of square cells centred on the radii, each giving its mean."""
        count = profile_sample_count(self._target, reach)
        step = reach / (count - 2)
        strip = render_profile(self.profile, self._core_parameters(values), (1, count), center=(0.0, 0.0),
                               q=1.0, PA=0.0, pixelscale=step, origin=(-0.5 * step, -0.5 * step),
                               knots=self._knots(), tolerance=1e-3)
        return step * np.arange(count), strip[0] / step**2

    def radial_model(self, R, image=None, parameters=None):
        """The profile (no PSF) at elliptical radii ``R`` (arcsec, a numpy array) in flux per pixel of
        the target (surface brightness x pixel area), AutoProf's call; interpolated from the mean
        brightness of cells at most half a pixel wide along the major axis (as galaxy_light_profile
        draws it). ``image`` and ``parameters`` are accepted for AutoProf's signature; radii given as a
        CPU torch tensor are taken as an array. The result is numpy (asked for ``.detach()``, it says
        so: see param.numpy_values)."""
        radii = np.asarray(R, dtype=float)
        reach = max(float(np.max(radii)) if radii.size else 0.0, 1e-6) * 1.01
        samples, brightness = self._major_axis_brightness(self._values(), reach)
        return numpy_value(np.interp(radii, samples, brightness) * self._target.pixel_area)

    # --- initialisation ------------------------------------------------------------------
    # Subclasses declare the profile for initialize(): ``_profile_names`` (shape parameters, then
    # the brightness parameter), ``_log_shape(R, *shape)`` (log10 of the profile shape,
    # vectorised), ``_shape_grids(profile)`` and ``_shape_defaults(profile)``.
    _profile_names = ()
    # True: the brightness always matches the aperture flux (a total-flux parameter)
    _brightness_from_flux = False

    def initialize(self, foreground=None):
        """Give every parameter without a value a start measured from the target alone.

        On the model's window of its target, sky-subtracted by the
        sigma-clipped median of the window border, masked pixels ignored:
        ``center`` by an iterated light-weighted centroid in a shrinking
        aperture (from the brightest smoothed pixel); ``q`` and ``PA`` from
        the second moments of the light in an elliptical aperture; the
        profile by a small grid least-squares fit of log10 of the
        azimuthally averaged surface brightness in elliptical annuli (pixels
        standing out of their annulus, a neighbour's light, replaced by the
        annulus' median: ``clipped_to_annuli``), the
        curve of growth's half-light radius setting the size grid. When all
        shape parameters are already set (e.g. linked from another image),
        the brightness alone is set so that the model's flux inside an
        elliptical aperture of three half-light radii matches the data's
        (robust to the PSF, unlike the inner annuli). With the PSF (psf_mode
        "full"), q and PA come from the moments less the PSF's, and the profile
        from PSF-convolved candidates rendered on a cutout (convolved_profile_fit),
        unless the source is well resolved (moments > 4x the PSF's: the annuli fit).
        The values are starts for a fit, not measurements. Parameters that already
        have a value (given by the user, or linked to one already set) are
        kept. ``foreground`` (flux per pixel on the window, optional) is
        subtracted from the data first: the light of neighbours already
        initialised (a group passes it). A live PSF model's parameters without
        a value are initialised first (from its own target). Returns the model.
        """
        self._initialize_live_psf()
        pixels = WindowPixels(self, foreground)
        sky, _ = pixels.border_level()
        flux = pixels.values - sky
        center = self.parameters["center"].value
        if center is None:
            center = centroid(pixels, flux)
        q, PA = self._given_axis_ratio_and_angle()
        # a model's own or live PSF: the start is measured as without one (or with the target's)
        convolved = self._uses_psf() and hasattr(self, "_shape_grids") and self._target.has_psf
        convolved = convolved and self._own_psf is None and self._live_psf is None
        profile_q, profile_PA = q, PA
        if convolved and q is not None and PA is not None and self._profile_shape_given():
            # nothing left for the moments to decide: the observed shape is the given one (what
            # shape_moments returns for a given q and PA), and no convolved search follows
            profile_PA, convolved = PA % math.pi, False
        if convolved or q is None or PA is None:
            profile_q, profile_PA, sigma_major = shape_moments(pixels, flux, center, q, PA)
        if convolved:
            psf_moments = psf_covariance(self._target)
            if q is None and PA is None:
                q, PA, _ = deconvolved_shape(profile_q, profile_PA, sigma_major, psf_moments, pixels.pixel)
            convolved = not well_resolved(profile_q, sigma_major, psf_moments)
        q = profile_q if q is None else q
        PA = profile_PA if PA is None else PA
        # the annuli follow the observed isophotes
        profile = RadialProfile(pixels, flux, center, profile_q, profile_PA, sky_error=pixels.sky_error())
        values = {"center": center, "q": q, "PA": PA}
        found = self._initial_convolved_profile(pixels, flux, values, profile) if convolved else None
        values.update(found if found is not None else self._initial_profile(profile, q))
        self._fill(values)
        return self

    def _profile_shape_given(self):
        """True when every shape parameter of the profile (all of ``_profile_names`` but the
        brightness) already has a value."""
        names = self._profile_names
        return bool(names) and all(self.parameters[name].value is not None for name in names[:-1])

    def _initial_convolved_profile(self, pixels, flux, geometry, profile):
        """{profile parameter: start} from PSF-convolved candidates (see convolved_profile_fit),
        or None when the shape is all given or no candidate has light."""
        names = self._profile_names
        brightness, q = names[-1], geometry["q"]
        values = {name: self.parameters[name].value for name in names}
        if all(values[name] is not None for name in names[:-1]):
            return None
        psf_half_width = 0.5 * max(self._target.psf.data.shape) / self._target.psf_upsample * pixels.pixel
        # the source's extent (3 observed half-light radii), at least the PSF's half-width
        radius = max(psf_half_width, 3.0 * profile.half_light_radius)
        cutout = Cutout(self, pixels, flux, geometry["center"], radius)
        fixed = None if values[brightness] is None else self._fixed_amplitude(values, q)
        found = convolved_profile_start(self, cutout, dict(values, **geometry), q, self._shape_grids(profile),
                                        fixed)
        if found is None:
            return None
        shape, amplitude = found
        values.update(shape)
        if values[brightness] is None:
            values[brightness] = self._brightness(amplitude, values, q)
        return values

    def _given_axis_ratio_and_angle(self):
        """(q, PA) given before initialize() (None for those to measure)."""
        return tuple(self._fixed_geometry[name] if name in self._fixed_geometry else self.parameters[name].value
                     for name in ("q", "PA"))

    def _fill(self, values):
        """Set the parameters that have no value from ``values`` (clipped into their limits;
        names the model does not have, e.g. a star model's fixed q and PA, are skipped)."""
        for name, value in values.items():
            if name not in self.parameters:
                continue
            parameter = self.parameters[name]
            if parameter.quantity.value is not None:  # set (not copied out as .value would)
                continue
            lo, hi = parameter.limits
            if type(value) is float:  # most starts: np.clip's number in Python floats (~3 numpy calls fewer)
                if not math.isfinite(value):
                    raise ValueError(f"model {self.name!r}: initialize found no finite start for {name!r} "
                                     f"(got {value}); set it by hand")
                parameter.value = value if parameter.cyclic else min(max(value, lo), hi)
                continue
            value = np.asarray(value, float)
            if not np.isfinite(value).all():
                raise ValueError(f"model {self.name!r}: initialize found no finite start for {name!r} "
                                 f"(got {value.tolist()}); set it by hand")
            if not parameter.cyclic:
                value = np.clip(value, lo, hi)
            parameter.value = value

    def _initial_profile(self, profile, q):
        names = self._profile_names
        shape_names, brightness = names[:-1], names[-1]
        values = {name: self.parameters[name].value for name in names}
        fitted = any(values[name] is None for name in shape_names)
        # the annuli's means only for a shape to fit (a member whose shape is linked to another
        # image's needs the curve of growth alone: its brightness from the aperture flux)
        R, log_I, error = profile.log_points() if fitted else (None, None, None)
        if fitted and R.size > len(shape_names):
            grids = self._shape_grids(profile)
            grid_list = [[values[name]] if values[name] is not None else grids[name] for name in shape_names]
            fixed = None if values[brightness] is None else self._fixed_amplitude(values, q)
            found, amplitude = fit_log_profile(R, log_I, error, self._log_shape, grid_list, amplitude=fixed)
            values.update({name: v for name, v in zip(shape_names, found) if values[name] is None})
            if values[brightness] is None and not self._brightness_from_flux:
                values[brightness] = self._brightness(amplitude, values, q)
            if values[brightness] is not None:
                return values
        else:
            defaults = self._shape_defaults(profile)
            values.update({name: defaults[name] for name in shape_names if values[name] is None})
        if values[brightness] is None:
            shape = [values[name] for name in shape_names]
            aperture = profile.aperture()
            inside = enclosed_shape_flux(lambda R: 10 ** self._log_shape(R, *shape), aperture, q)
            flux = profile.flux_within(aperture)
            total = flux if flux > 0 else profile.brightness_floor() * inside
            values[brightness] = self._brightness(math.log10(total / inside), values, q)
        return values

    def _fixed_amplitude(self, values, q):
        """The log10 amplitude of ``_log_shape`` implied by a given brightness (None: fit it)."""
        return values[self._profile_names[-1]]

    def _brightness(self, amplitude, values, q):
        """The brightness parameter from the log10 amplitude of ``_log_shape``."""
        return amplitude


def _vector_renderer(call, equations_of, center, q, PA, profile, columns_of):
    """``render_at(values, jacobian, jacobian_out=None)``: the plain renderer ``call`` (see
    GalaxyModel._plain_renderer) with its arguments read straight off a fit's parameter vector
    (``values``, a list of floats, clipped into the limits as the model would store them) instead
    of off the quantities: ``columns_of(quantity)`` gives a quantity's slice of the vector (None
    when it is not free). The same floats reach the core, so the same pixels. None when some
    quantity is not a free one of the right size (the caller then writes the model and renders
    with ``render``). The image returned is the core's own (a new array at each call).
    ``render_at.equations``: ``equations_at(values, stack, offsets, data, weight)``, the window's
    normal equations in one core call with the arguments read the same way (see
    ProfileRenderer.unchecked_equations; ``equations_of()`` makes its call), or None where the
    renderer has none."""
    columns = [columns_of(quantity) for quantity in (center, q, PA, *profile)]
    if None in columns:
        return None
    starts = [c.start for c in columns]
    if [c.stop for c in columns] != [starts[0] + 2] + [start + 1 for start in starts[1:]]:
        return None  # (not of the sizes the core's arguments have)
    center_at = operator.itemgetter(starts[0], starts[0] + 1)  # a tuple (x, y)
    q_index, PA_index, profile_indices = starts[1], starts[2], starts[3:]

    def render_at(values, jacobian, jacobian_out=None):
        result = call([values[i] for i in profile_indices], center_at(values), values[q_index],
                      values[PA_index], jacobian, jacobian_out)
        return result if jacobian else (result, None)

    equations = equations_of()
    render_at.equations = None
    if equations is not None:
        def equations_at(values, stack, offsets, data, weight):
            return equations([values[i] for i in profile_indices], center_at(values), values[q_index],
                             values[PA_index], stack, offsets, data, weight)

        render_at.equations = equations_at
    return render_at
