"""GalaxyModel: an elliptical radial profile rendered by the core, optionally PSF-convolved."""

from ..render import render_profile
from .component_model import ComponentModel
from .parameter_spec import AXIS_RATIO, CENTER, POSITION_ANGLE

GEOMETRY_SPECS = (CENTER, AXIS_RATIO, POSITION_ANGLE)


class GalaxyModel(ComponentModel):
    """An elliptical galaxy: ``center`` [x, y] (arcsec), ``q`` (b/a in (0, 1]),
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

    def _core_parameters(self, values):
        """The core profile's parameter values, in its order, from the model's {name: value}."""
        return [values[spec.name] for spec in self.parameter_specs[len(GEOMETRY_SPECS):]]

    def _core_to_model_jacobian(self, jacobian, values):
        """Turn the core's Jacobian rows (x, y, q, PA, profile...) into the model's, in place."""
        return jacobian

    def _knots(self):
        """Knot radii (arcsec) for spline profiles, None otherwise."""
        return None

    def _render(self, jacobian):
        values = self._values()
        psf = {"psf": self._target.psf.convolver, "psf_upsample": self._target.psf_upsample} \
            if self._uses_psf() else {}
        result = render_profile(self.profile, self._core_parameters(values), self._window.shape,
                                center=values["center"], q=values["q"], PA=values["PA"],
                                knots=self._knots(), jacobian=jacobian, **self._grid(), **psf)
        if not jacobian:
            return result, None
        image, core_jacobian = result
        return image, self._core_to_model_jacobian(core_jacobian, values)
