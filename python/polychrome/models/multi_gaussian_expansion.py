"""The multi-Gaussian expansion: concentric elliptical Gaussians, each with its own axis ratio,
angle, width and flux."""

import math

import numpy as np
from scipy.optimize import nnls

from .automatic_window import galaxy_bounds, image_reach, profile_sample_count
from .component_model import ComponentModel
from .gaussian_sum import GaussianSum
from .moment_start import moment_start
from .parameter_spec import (AXIS_RATIO, CENTER, LOG10_BRIGHTNESS_LIMITS, POSITION_ANGLE, SIZE_LIMITS,
                             ParameterSpec)
from .registry import register

DEFAULT_COMPONENTS = 3
MAX_COMPONENTS = 100
# the start's widths: geometric from this fraction of the measured major-axis sigma to this multiple
START_SPREAD = (0.3, 2.5)


def _given_value(value):
    """A given parameter value (a dict's "value"), or None."""
    return value.get("value") if isinstance(value, dict) else value


def _given_size(value):
    """The number of elements of a given parameter value, or None."""
    value = _given_value(value)
    return None if value is None else int(np.size(value))


@register
class MultiGaussianExpansion(ComponentModel):
    """I = sum_k F_k exp(-R_k^2 / (2 sigma_k^2)) / (2 pi q_k sigma_k^2), R_k the elliptical radius of
    axis ratio q_k and angle PA_k about the shared centre.

    Parameters, in order (AutoProf/AstroPhot names): ``center`` [x, y] arcsec; ``q`` (b/a of
    each component, [0.03, 1]); ``PA`` (each component's position angle, rad counter-clockwise
    from +x, cyclic on [0, pi)); ``sigma`` (each component's semi-major standard deviation,
    arcsec, [1e-6, 1e6]); ``flux`` (log10 of each component's total flux, image flux units,
    [-100, 100]). sigma and flux have one value per component; q and PA too, or one value
    shared by all the components when given as a scalar (as AstroPhot allows). Option
    ``n_components``: their number, an integer in [1, 100]; default the size of a given sigma,
    flux, q or PA, else 3. AutoProf/AstroPhot type "mge model" (AstroPhot 0.16's parameters; its later versions
    take a linear flux).

    Each component is the core's Gaussian profile rendered on the window (PSF-convolved with
    psf_mode "full"): the pixels are the integrals of the sum over the pixels to the core's
    stated tolerance (1e-5 relative by default), the Jacobian analytic.
    """

    model_type = "mge model"
    parameter_specs = (
        CENTER,
        ParameterSpec("q", "b/a", limits=AXIS_RATIO.limits, shape=None),
        ParameterSpec("PA", "rad", limits=POSITION_ANGLE.limits, cyclic=True, shape=None),
        ParameterSpec("sigma", "arcsec", limits=SIZE_LIMITS, shape=None),
        ParameterSpec("flux", "log10(flux)", limits=LOG10_BRIGHTNESS_LIMITS, shape=None),
    )
    options = {"n_components": None}

    def _split_kwargs(self, parameters, kwargs):
        values = super()._split_kwargs(parameters, kwargs)
        if self.n_components is None:
            sizes = [_given_size(values.get(name)) for name in ("sigma", "flux", "q", "PA")]
            self.n_components = next((size for size in sizes if size not in (None, 1)),
                                     next((size for size in sizes if size is not None), DEFAULT_COMPONENTS))
            self._check_options()
        # q and PA given as scalars: one value shared by all the components
        self._shared = tuple(name for name in ("q", "PA")
                             if values.get(name) is not None and np.ndim(_given_value(values[name])) == 0)
        return values

    def _check_options(self):
        n = self.n_components
        if n is None:
            return
        if isinstance(n, bool) or not isinstance(n, (int, np.integer, float)) or float(n) != int(n) \
                or not 1 <= int(n) <= MAX_COMPONENTS:
            raise ValueError(f"model {self.name!r}: n_components must be an integer in [1, {MAX_COMPONENTS}], "
                             f"got {n!r}")
        self.n_components = int(n)

    def _parameter_shape(self, spec):
        if spec.name == "center" or spec.name in self._shared:
            return spec.shape
        return (self.n_components,)

    def _per_component(self, values):
        """(center, q, PA, sigma, flux), q and PA one per component (a shared one repeated)."""
        n = self.n_components
        return (values["center"],) + tuple(np.broadcast_to(np.asarray(values[name], float), (n,))
                                           for name in ("q", "PA", "sigma", "flux"))

    def total_flux(self):
        """Total flux (image flux units): the sum of 10**flux."""
        return float(np.sum(10.0 ** np.asarray(self._values()["flux"], float)))

    # --- rendering --------------------------------------------------------------------
    def _gaussians(self, shape, origin):
        psf = {"psf": self._target.psf.convolver, "psf_upsample": self._target.psf_upsample} \
            if self._uses_psf() else {}
        return GaussianSum(shape, pixelscale=self._target.pixelscale, origin=origin, **psf,
                           absolute_tolerance=self._absolute_tolerance())

    def _renderer(self):
        self._values()
        gaussians = self._gaussians(self._window.shape, self._window.origin)
        parameters = [self.parameters[name] for name in ("center", "q", "PA", "sigma", "flux")]

        def render(jacobian):
            values = self._per_component({parameter.name: parameter.value for parameter in parameters})
            return self._to_model(gaussians(*values, jacobian))

        return render

    def _render(self, jacobian):
        return self._renderer()(jacobian)

    def _to_model(self, result):
        """The GaussianSum rows (x, y, then q, PA, sigma, flux per component) in parameter order
        (x, y, q[all], PA[all], sigma[all], flux[all]; a shared q or PA: the sum of its rows)."""
        image, rows = result
        if rows is None:
            return image, None
        n = self.n_components
        per_component = rows[2:].reshape((n, 4) + rows.shape[1:])
        blocks = [per_component[:, k] for k in range(4)]
        for k, name in enumerate(("q", "PA")):
            if name in self._shared:
                blocks[k] = blocks[k].sum(axis=0, keepdims=True)
        return image, np.concatenate([rows[:2]] + blocks, axis=0)

    def _needed_bounds(self):
        values = self._values()
        target = self._target
        reach = image_reach(target, values["center"])
        count = profile_sample_count(target, reach)
        radii = (reach / (count - 2)) * np.arange(count)
        _, q, _, sigma, flux = self._per_component(values)
        # each component along its own major axis: the window is a circle that holds them all
        peaks = 10.0 ** flux / (2.0 * math.pi * q * sigma**2)
        brightness = np.sum(peaks[:, None] * np.exp(-0.5 * (radii[None, :] / sigma[:, None]) ** 2), axis=0)
        psf = target.psf.extent if self._uses_psf() else None
        return galaxy_bounds(target, {"center": values["center"], "q": 1.0, "PA": 0.0}, radii, brightness, psf)

    # --- initialisation ---------------------------------------------------------------
    def initialize(self, foreground=None):
        """Give unset parameters a start from the data of the window (sky-subtracted by the
        border's level; ``foreground``, flux per pixel on the window, subtracted first).

        ``center``: the iterated centroid; ``q`` and ``PA``: those of the light's second moments
        (less the PSF's with psf_mode "full"), the same for every component (or the shared one); ``sigma``:
        geometrically spaced from 0.3 to 2.5 times the moments' major-axis sigma; ``flux``: the
        non-negative least-squares amplitudes of the components (rendered as the model renders
        them) against the data, each at least 1e-3 of the total. Returns the model.
        """
        given = {name: self.parameters[name].value for name in ("center", "q", "PA", "sigma", "flux")}
        if all(value is not None for value in given.values()):
            return self
        start = moment_start(self, foreground, given["center"])
        n = self.n_components
        values = {
            "center": start.center,
            "q": start.q if "q" in self._shared else np.full(n, start.q),
            "PA": start.PA if "PA" in self._shared else np.full(n, start.PA),
            "sigma": start.sigma_major * (np.geomspace(*START_SPREAD, n) if n > 1 else np.ones(1)),
        }
        values.update({name: value for name, value in given.items() if value is not None})
        if given["flux"] is None:
            values["flux"] = self._start_flux(start, dict(zip(("center", "q", "PA", "sigma", "flux"),
                                                              self._per_component(dict(values, flux=0.0)))))
        for name, value in values.items():
            parameter = self.parameters[name]
            if parameter.value is None:
                lo, hi = parameter.limits
                parameter.value = value if parameter.cyclic else np.clip(value, lo, hi)
        return self

    def _start_flux(self, start, values):
        """log10 of each component's flux: non-negative least squares of the unit-flux component
        images against the data (floor 1e-3 of the total each)."""
        pixels = start.pixels
        window = pixels.window
        gaussians = self._gaussians(window.shape, window.origin)
        columns = []
        for k in range(self.n_components):
            image, _ = gaussians(values["center"], values["q"][k], values["PA"][k], values["sigma"][k], 0.0)
            columns.append(image[pixels.grid_index])
        amplitudes, _ = nnls(np.stack(columns, axis=1), start.flux)
        return np.log10(np.maximum(amplitudes, 1e-3 * start.total / self.n_components))
