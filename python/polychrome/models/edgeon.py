"""The edge-on isothermal disk: an exponential-like disk seen exactly edge-on, sech^2 vertically."""

import math

import numpy as np

from ..render import render_profile
from .automatic_window import bounds_around, image_reach, light_threshold, profile_radius, profile_sample_count
from .galaxy_model import GalaxyModel
from .moment_start import moment_start
from .parameter_spec import CENTER, LOG10_BRIGHTNESS_LIMITS, POSITION_ANGLE, SIZE_LIMITS, ParameterSpec
from .registry import register

# Second moments of the disk: along the major axis 3 rs^2 (of |x| K1(|x|/rs)), across it
# pi^2 hs^2 / 12 (of sech^2(y/hs)).
MAJOR_MOMENT_PER_RS2 = 3.0
MINOR_MOMENT_PER_HS2 = math.pi**2 / 12.0


@register
class EdgeOnDiskGalaxy(GalaxyModel):
    """The isothermal disk of van der Kruit & Searle (1981) seen edge-on:

        I(x', y') = 10**I0 (|x'| / rs) K1(|x'| / rs) sech^2(y' / hs),

    (x', y') the offsets from ``center`` along the disk's major axis (``PA``) and across it, arcsec;
    K1 the modified Bessel function of the second kind (s K1(s) -> 1 at s = 0: 10**I0 is the
    central surface brightness). Total flux 2 pi hs rs 10**I0.

    Parameters, in order (AutoProf/AstroPhot names): ``center`` [x, y] arcsec; ``PA`` (the disk
    plane's angle, rad counter-clockwise from +x, cyclic on [0, pi)); ``I0`` (log10 of the central
    surface brightness, flux/arcsec^2, [-100, 100]); ``hs`` (scale height, arcsec, [1e-6, 1e6]);
    ``rs`` (scale length, arcsec, [1e-6, 1e6]). AutoProf/AstroPhot type "isothermal sech2 edgeon
    model" (AstroPhot's 0.x parameters and PA convention; its 1.x takes a linear I0 and measures PA
    from the other axis).

    Rendered by the core's edge-on renderer (cpp/src/kernels/edgeon_render.cpp): the sech^2 factor
    is integrated across each pixel exactly, the radial factor by adaptive Gauss-Kronrod pieces
    split at the disk's narrow features, so that any hs and rs within the limits render in bounded
    time (256x256 pixels, CPU time on one core: 0.01-0.05 s for a disk far thinner or shorter than a
    pixel, 0.7 s with or without the Jacobian for one that covers every pixel). Pixels within the core's tolerance (1e-5 relative by default;
    measured against scipy quadrature: < 1e-11, thin disks hs = 0.01 pixel and thick ones alike)
    of the exact integrals; the Jacobian analytic, from the same quadrature nodes. The core
    accepts hs and rs from 1e-12 to 1e12 pixels and refuses others naming the parameter.
    """

    model_type = "isothermal sech2 edgeon model"
    profile = "edgeon"
    parameter_specs = (
        CENTER, POSITION_ANGLE,
        ParameterSpec("I0", "log10(flux/arcsec^2)", limits=LOG10_BRIGHTNESS_LIMITS),
        ParameterSpec("hs", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("rs", "arcsec", limits=SIZE_LIMITS),
    )
    _fixed_geometry = {"q": 1.0}  # not a parameter of the disk

    def _core_parameters(self, values):
        return [values["hs"], values["rs"], values["I0"]]

    def _core_to_model_jacobian(self, jacobian, values):
        # core rows x, y, q, PA, hs, rs, I0 -> x, y, PA, I0, hs, rs
        return jacobian[[0, 1, 3, 6, 4, 5]]

    def total_flux(self):
        """Total flux (image flux units): 2 pi hs rs 10**I0."""
        v = self._values()
        return 2.0 * math.pi * v["hs"] * v["rs"] * 10 ** v["I0"]

    def _needed_bounds(self):
        values = self._values()
        target = self._target
        reach = image_reach(target, values["center"])
        count = profile_sample_count(target, reach)
        step = reach / (count - 2)
        parameters = self._core_parameters(values)
        # the mean brightness of square cells centred along the major axis (PA 0) and across it (PA pi/2)
        along, across = (render_profile(self.profile, parameters, (1, count), center=(0.0, 0.0), PA=angle,
                                        pixelscale=step, origin=(-0.5 * step, -0.5 * step), tolerance=1e-3)[0]
                         * (target.pixel_area / step**2) for angle in (0.0, 0.5 * math.pi))
        psf = target.psf.extent if self._uses_psf() else None
        scattered = psf.absolute_sum if psf is not None else 1.0
        threshold = light_threshold(target, float(along[0]))
        if psf is not None:  # half the allowance for the disk seen through the PSF, half for its far pixels
            threshold *= 0.5
        radii = step * np.arange(count)
        half_length = profile_radius(radii, along * scattered, threshold)
        half_height = profile_radius(radii, across * scattered, threshold)
        if psf is not None:
            flux = 2.0 * math.pi * values["hs"] * values["rs"] * 10 ** values["I0"]
            wing = psf.radius_below(threshold / flux, target.pixel_area)
            half_length, half_height = half_length + wing, half_height + wing
        c, s = abs(math.cos(values["PA"])), abs(math.sin(values["PA"]))
        return bounds_around(target, values["center"], half_length * c + half_height * s,
                             half_length * s + half_height * c, psf)

    def initialize(self, foreground=None):
        """Give unset parameters a start from the data of the window (sky-subtracted by the
        border's level; ``foreground``, flux per pixel on the window, subtracted first).

        ``center``: the iterated centroid; ``PA``: the major axis of the light's second moments
        (less the PSF's with psf_mode "full"); ``rs`` and ``hs`` from the moments along and across
        it (3 rs^2 and pi^2 hs^2 / 12 for the disk); ``I0`` so that the total flux is the window's
        sky-subtracted flux. Returns the model.
        """
        names = ("center", "PA", "I0", "hs", "rs")
        given = {name: self.parameters[name].value for name in names}
        if all(value is not None for value in given.values()):
            return self
        start = moment_start(self, foreground, given["center"])
        values = {"center": start.center, "PA": start.PA,
                  "rs": start.sigma_major / math.sqrt(MAJOR_MOMENT_PER_RS2),
                  "hs": start.q * start.sigma_major / math.sqrt(MINOR_MOMENT_PER_HS2)}
        values.update({name: value for name, value in given.items() if value is not None})
        values["I0"] = math.log10(start.total / (2.0 * math.pi * values["hs"] * values["rs"]))
        self._fill(values)  # the given values are kept
        return self
