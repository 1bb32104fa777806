"""Truncated galaxy models (AstroPhot 0.18's type strings): "truncated <profile> galaxy model" and
"truncated <profile> <shape> galaxy model" for every radial profile (sersic, exponential, gaussian,
moffat, nuker, spline, ferrer, king) and every isophote shape of isophote_models (superellipse, fourier, warp,
superellipse warp, fourier warp).

The radial profile I(R) is multiplied by a smooth step at the truncation radius:

* outer (``outer_truncation=True``, the default): I(R) (1 - tanh(St (R - Rt))) / 2,
* inner (``outer_truncation=False``): I(R) (1 + tanh(St (R - Rt))) / 2,

R the elliptical (or isophote) radius. Parameters: the profile's, then ``Rt`` (truncation radius,
arcsec, in [1e-6, 1e6]; the King's own Rt, shared as in AstroPhot) and ``St`` (sharpness, 1/arcsec, in [1e-6, 1e6]: the light falls from 88%
to 12% of the untruncated profile's over 2 / St arcsec), then the isophote shape's. As in
AstroPhot, ``St`` starts at 1 and is locked unless given as ``{"value": ..., "locked": False}``;
a truncation sharp on the pixel scale is a jump the data may not constrain. The brightness
parameter keeps its meaning for the untruncated profile (``Ie`` at ``Re``, a Gaussian's ``flux``
its total without truncation); ``total_flux()`` is the truncated profile's.

The core renders the profile with the exact radial derivatives of the truncation to the fourth
(cpp/include/polychrome/profiles/truncated.hpp), so the elliptical models keep their a-priori
error estimate (2e-5 relative per pixel at the default tolerance), cells large against the
truncation's width next to them split until they resolve it; the pixel holding the centre is
integrated exactly in polar form (enclosed light by parts) where the truncation is smooth or
negligible on its scale, by subdivision elsewhere. On other isophotes the a-posteriori renderer
splits the cells that do not resolve the truncation's width likewise (2e-5).
``initialize()`` sets ``Rt`` as AstroPhot does (outer: the radius where its default profile
radii pass half the window's larger side; inner: 2 pixels, AstroPhot's 0 being outside the
limits), then measures the untruncated profile.
"""

import math

import numpy as np
from scipy import integrate

from .exponential import ExponentialGalaxy
from .gaussian import GaussianGalaxy
from .isophote_models import _Fourier, _shaped_model, _Superellipse, _Warp
from .moffat import MoffatGalaxy
from .ferrer import FerrerGalaxy
from .king import KingGalaxy
from .nuker import NukerGalaxy
from .parameter_spec import SIZE_LIMITS, ParameterSpec
from .registry import register
from .sersic import SersicGalaxy
from .spline import SplineGalaxy

DEFAULT_SHARPNESS = 1.0  # AstroPhot's St, 1/arcsec
SHARPNESS_LIMITS = (1e-6, 1e6)  # 1/arcsec
TRUNCATION_SPECS = (ParameterSpec("Rt", "arcsec", limits=SIZE_LIMITS),
                    ParameterSpec("St", "1/arcsec", limits=SHARPNESS_LIMITS))


def truncation(R, Rt, St, outer=True):
    """The truncation factor (1 -+ tanh(St (R - Rt))) / 2 at radii ``R`` (arcsec)."""
    step = np.tanh(St * (np.asarray(R, float) - Rt))
    return 0.5 * (1.0 - step) if outer else 0.5 * (1.0 + step)


def _default_profile_radii(shape, pixel, min_pixels=2, scale=0.2):
    """AstroPhot's default profile radii (arcsec): 0, 2 pixels, growing by the larger of 2 pixels
    and 20% until past half the window's larger side."""
    radii = [0.0, min_pixels * pixel]
    while radii[-1] < max(shape) * pixel / 2:
        radii.append(radii[-1] + max(min_pixels * pixel, radii[-1] * scale))
    return radii


class _Truncated:
    """Mixin over a GalaxyModel class: the profile truncated at Rt with sharpness St."""

    options = {"outer_truncation": True}
    _wrapper_count = len(TRUNCATION_SPECS)

    @property
    def profile(self):
        """The core's name of the truncated profile: "truncated <profile>" or "inner truncated <profile>"."""
        return ("truncated " if self.outer_truncation else "inner truncated ") + self._untruncated_profile

    def _check_options(self):
        super()._check_options()
        if not isinstance(self.outer_truncation, (bool, np.bool_)):
            raise TypeError(f"model {self.name!r}: outer_truncation must be True (light beyond Rt cut away) or "
                            f"False (light inside Rt), got {self.outer_truncation!r}")
        self.outer_truncation = bool(self.outer_truncation)

    def _from_autoprof_names(self, values):
        """St is locked unless given with "locked": False (AstroPhot's static St), at 1 unless given."""
        values = super()._from_autoprof_names(values)
        given = values.get("St")
        if isinstance(given, dict):
            given = {"locked": True, **given}
            if given.get("value") is None and given.get("locked"):
                given["value"] = DEFAULT_SHARPNESS
        else:
            given = {"value": DEFAULT_SHARPNESS if given is None else given, "locked": True}
        return dict(values, St=given)

    def _core_parameters(self, values):
        own = super()._core_parameters(values)
        extra = [values[name] if name in values else self.parameters[name].value for name in ("Rt", "St")]
        return own + extra

    def initialize(self, foreground=None):
        """Rt (unless given) as AstroPhot's default, St at 1 (unless given), then the untruncated
        profile's initialize()."""
        if self.parameters["Rt"].value is None:
            radii = _default_profile_radii(self.window.shape, math.sqrt(self.target.pixel_area))
            lo, hi = self.parameters["Rt"].limits
            self.parameters["Rt"].value = min(max(radii[-1] if self.outer_truncation else radii[1], lo), hi)
        if self.parameters["St"].value is None:
            self.parameters["St"].value = DEFAULT_SHARPNESS
        return super().initialize(foreground)


class _TruncatedFlux:
    """Mixin of the truncated models whose untruncated model has an analytic total flux."""

    def total_flux(self):
        """Total flux (image flux units) of the truncated profile: the untruncated total times the
        truncated share of the light, 2 pi q int I(R) T(R) R dR over 2 pi q int I(R) R dR (quadrature
        of the profile's shape)."""
        values = self._values()
        shape = [values[name] for name in self._profile_names[:-1]]
        Rt, St = values["Rt"], values["St"]

        def light(R, truncated):
            weight = truncation(R, Rt, St, self.outer_truncation) if truncated else 1.0
            return 10.0 ** self._log_shape(R, *shape) * R * weight

        def integral(truncated):
            edges = [0.0, Rt, Rt + 40.0 / St]
            parts = [integrate.quad(light, a, b, args=(truncated,), limit=200)[0] for a, b in zip(edges, edges[1:])]
            return sum(parts) + integrate.quad(light, edges[-1], np.inf, args=(truncated,), limit=200)[0]

        untruncated = integral(False)
        share = integral(True) / untruncated if untruncated > 0 else 0.0
        return super().total_flux() * share


class _SharedRadius:
    """Mixin of a truncated model whose profile has an Rt of its own (the King's edge): as in AstroPhot,
    where the two share one parameter, the truncation sits at the profile's Rt; the model's parameters
    are the profile's, then St alone. The core takes Rt twice: its two Jacobian rows are summed."""

    _wrapper_count = 1

    def _core_to_model_jacobian(self, jacobian, values):
        names = [spec.name for spec in self.parameter_specs[self._geometry_count:]]
        own = 4 + names.index("Rt")  # the core's rows: x, y, q, PA, the profile's, Rt, St, the shape's
        wrapper = 4 + len(names) - self._isophote_count - 1
        jacobian = np.array(jacobian)
        jacobian[own] += jacobian[wrapper]
        return super()._core_to_model_jacobian(np.delete(jacobian, wrapper, axis=0), values)


def _truncated_model(galaxy):
    """The truncated class of ``galaxy`` (a GalaxyModel class)."""
    name = "Truncated" + galaxy.__name__
    options = dict(getattr(galaxy, "options", {}), **_Truncated.options)
    shared = any(spec.name == "Rt" for spec in galaxy.parameter_specs)
    attributes = {
        "__doc__": f"The {galaxy.model_type} truncated at Rt (arcsec) with sharpness St (1/arcsec), see "
                   f"polychrome.models.truncated_models: its parameters, then "
                   f"{'St (Rt is the profile own, as in AstroPhot)' if shared else 'Rt, St'}.",
        "__module__": __name__,
        "model_type": "truncated " + galaxy.model_type,
        "parameter_specs": galaxy.parameter_specs + (TRUNCATION_SPECS[1:] if shared else TRUNCATION_SPECS),
        "options": options,
        "_untruncated_profile": galaxy.profile,
    }
    # the spline has no analytic total flux to scale
    flux = (_TruncatedFlux,) if hasattr(galaxy, "total_flux") and hasattr(galaxy, "_log_shape") else ()
    cls = type(name, ((_SharedRadius,) if shared else ()) + (_Truncated,) + flux + (galaxy,), attributes)
    globals()[name] = cls  # a module attribute: models pickle by reference to their class
    return register(cls)


_GALAXIES = (SersicGalaxy, ExponentialGalaxy, GaussianGalaxy, MoffatGalaxy, NukerGalaxy, SplineGalaxy, FerrerGalaxy,
             KingGalaxy)
_SHAPES = ((), (_Superellipse,), (_Fourier,), (_Warp,), (_Superellipse, _Warp), (_Fourier, _Warp))

TRUNCATED_GALAXIES = {galaxy.profile: _truncated_model(galaxy) for galaxy in _GALAXIES}
TRUNCATED_MODELS = {(profile, tuple(shape._isophote for shape in shapes)):
                    _shaped_model(truncated, shapes) if shapes else truncated
                    for profile, truncated in TRUNCATED_GALAXIES.items() for shapes in _SHAPES}
