"""The Gaussian ellipsoid: a triaxial 3-D Gaussian, turned by Euler angles and projected on the sky."""

import math

import numpy as np

from .component_model import ComponentModel
from .gaussian_sum import GaussianSum
from .moment_start import moment_start
from .parameter_spec import CENTER, LOG10_BRIGHTNESS_LIMITS, MIN_AXIS_RATIO, SIZE_LIMITS, ParameterSpec
from .registry import register

ANGLE_LIMITS = (0.0, 2.0 * math.pi)
# The projected ellipse is rendered no rounder than this: its angle stays defined and the
# Jacobian through it finite (the image changes by ~1e-10 of itself at most; the angle's
# derivative, proportional to 1 - q^2, keeps ~1e-6 relative precision).
ROUNDEST_RENDERED = 1.0 - 1e-10
# initialize(): the disk thickness assumed, sigma_c / sigma_a (AstroPhot's)
START_THICKNESS = 0.2


def _rotation_z(angle):
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]), np.array([[-s, -c, 0.0], [c, -s, 0.0], [0.0] * 3])


def _rotation_x(angle):
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]), np.array([[0.0] * 3, [0.0, -s, -c], [0.0, c, -s]])


def euler_rotation(alpha, beta, gamma):
    """(R, [dR/dalpha, dR/dbeta, dR/dgamma]): R = Rz(alpha) Rx(beta) Rz(gamma), the z-x-z Euler
    rotation taking the ellipsoid's axes (a, b, c) to the sky's (x, y, line of sight)."""
    (za, dza), (xb, dxb), (zg, dzg) = _rotation_z(alpha), _rotation_x(beta), _rotation_z(gamma)
    return za @ xb @ zg, [dza @ xb @ zg, za @ dxb @ zg, za @ xb @ dzg]


def projected_covariance(sigmas, angles):
    """(Sigma2D (2x2, arcsec^2), [dSigma2D / dp for p = sigma_a, sigma_b, sigma_c, alpha, beta,
    gamma]): the sky-plane block of R diag(sigma^2) R^T."""
    R, dR = euler_rotation(*angles)
    D = np.diag(np.square(sigmas))
    sigma = R @ D @ R.T
    derivatives = [2.0 * s * np.outer(R[:, k], R[:, k]) for k, s in enumerate(sigmas)]
    derivatives += [d @ D @ R.T + R @ D @ d.T for d in dR]
    return sigma[:2, :2], [d[:2, :2] for d in derivatives]


def ellipse_of(covariance):
    """(sigma_major arcsec, q, PA rad in [0, pi), eigenvalue gap used for the angle's derivatives) of a
    2x2 covariance, q at most ROUNDEST_RENDERED."""
    (A, B), (_, C) = covariance
    mean, half_gap = 0.5 * (A + C), 0.5 * math.hypot(A - C, 2.0 * B)
    major, minor = mean + half_gap, mean - half_gap
    PA = (0.5 * math.atan2(2.0 * B, A - C)) % math.pi
    q = min(math.sqrt(max(minor, 0.0) / major), ROUNDEST_RENDERED)
    return math.sqrt(major), q, PA, major * (1.0 - q * q)


@register
class GaussianEllipsoid(ComponentModel):
    """A 3-D Gaussian ellipsoid of standard deviations ``sigma_a``, ``sigma_b``, ``sigma_c`` along its
    own axes, turned by the z-x-z Euler angles R = Rz(alpha) Rx(beta) Rz(gamma) (its axes a, b, c to the
    sky's x, y and the line of sight) and integrated along the line of sight: on the sky an elliptical
    Gaussian of covariance Sigma2D, the x-y block of R diag(sigma_a^2, sigma_b^2, sigma_c^2) R^T,

        I(r) = F exp(-r^T Sigma2D^-1 r / 2) / (2 pi sqrt(det Sigma2D)).

    For a disk (sigma_a = sigma_b, thickness sigma_c) alpha is the position angle of the major
    axis (counter-clockwise from +x), beta the inclination (0: face-on), gamma a spin in the disk's
    plane (no effect). The model is degenerate (many ellipsoids project alike): fit it with some of
    its parameters locked or linked.

    Parameters, in order (AstroPhot's names): ``center`` [x, y] arcsec; ``sigma_a``, ``sigma_b``,
    ``sigma_c`` (arcsec, [1e-6, 1e6]); ``alpha``, ``beta``, ``gamma`` (rad, cyclic on [0, 2 pi));
    ``flux`` (log10 of the total flux, image flux units, [-100, 100]). AstroPhot type
    "gaussianellipsoid model" (AstroPhot takes a linear flux, and its rotation matrix is the
    transpose of this one: its (alpha, beta, gamma) are (-gamma, -beta, -alpha) here). The projected
    axis ratio must be at least 0.03 (the renderer's).

    Rendered as the core's Gaussian profile on the projected ellipse (PSF-convolved with psf_mode
    "full"): pixels within the core's tolerance (1e-5 relative by default), the Jacobian analytic
    through the projection (a projection rounder than 1 - 1e-10 is rendered at that axis ratio).
    """

    model_type = "gaussianellipsoid model"
    parameter_specs = (
        CENTER,
        ParameterSpec("sigma_a", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("sigma_b", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("sigma_c", "arcsec", limits=SIZE_LIMITS),
        ParameterSpec("alpha", "rad", limits=ANGLE_LIMITS, cyclic=True),
        ParameterSpec("beta", "rad", limits=ANGLE_LIMITS, cyclic=True),
        ParameterSpec("gamma", "rad", limits=ANGLE_LIMITS, cyclic=True),
        ParameterSpec("flux", "log10(flux)", limits=LOG10_BRIGHTNESS_LIMITS),
    )

    def total_flux(self):
        """Total flux (image flux units): 10**flux."""
        return 10 ** self._values()["flux"]

    def projected_ellipse(self):
        """(sigma_major arcsec, q, PA rad): the ellipse the model projects to on the sky."""
        values = self._values()
        return self._ellipse(values)[:3]

    def _ellipse(self, values):
        sigmas = [values[name] for name in ("sigma_a", "sigma_b", "sigma_c")]
        angles = [values[name] for name in ("alpha", "beta", "gamma")]
        covariance, derivatives = projected_covariance(sigmas, angles)
        sigma, q, PA, gap = ellipse_of(covariance)
        if q < MIN_AXIS_RATIO:
            raise ValueError(f"model {self.name!r}: the ellipsoid projects to an axis ratio {q:.3g} on the sky, "
                             f"below the renderer's {MIN_AXIS_RATIO} (sigma_a, sigma_b, sigma_c = {sigmas} arcsec, "
                             f"alpha, beta, gamma = {angles} rad): give a thicker or less inclined ellipsoid")
        return sigma, q, PA, gap, derivatives

    def _renderer(self):
        self._values()
        psf = {"psf": self._target.psf.convolver, "psf_upsample": self._target.psf_upsample} \
            if self._uses_psf() else {}
        gaussian = GaussianSum(self._window.shape, pixelscale=self._target.pixelscale, origin=self._window.origin,
                               **psf, absolute_tolerance=self._absolute_tolerance())
        parameters = [(spec.name, self.parameters[spec.name]) for spec in self.parameter_specs]

        def render(jacobian):
            values = {name: parameter.value for name, parameter in parameters}
            sigma, q, PA, gap, derivatives = self._ellipse(values)
            image, rows = gaussian(values["center"], q, PA, sigma, values["flux"], jacobian)
            if not jacobian:
                return image, None
            # rows: x, y, q, PA, sigma, log10 F -> d/d(A, B, C) of Sigma2D = [[A, B], [B, C]]
            d_x, d_y, d_q, d_pa, d_sigma, d_flux = rows
            major = sigma * sigma
            d_major = d_sigma / (2.0 * sigma) - d_q * q / (2.0 * major)
            d_minor = d_q / (2.0 * q * major)
            c2, s2 = math.cos(2.0 * PA), math.sin(2.0 * PA)
            d_A = 0.5 * (1 + c2) * d_major + 0.5 * (1 - c2) * d_minor - s2 / (2.0 * gap) * d_pa
            d_C = 0.5 * (1 - c2) * d_major + 0.5 * (1 + c2) * d_minor + s2 / (2.0 * gap) * d_pa
            d_B = s2 * (d_major - d_minor) + c2 / gap * d_pa  # B is both off-diagonal elements
            shape_rows = [d[0, 0] * d_A + d[0, 1] * d_B + d[1, 1] * d_C for d in derivatives]
            return image, np.stack([d_x, d_y] + shape_rows + [d_flux])

        return render

    def _render(self, jacobian):
        return self._renderer()(jacobian)

    def _needed_bounds(self):
        from .automatic_window import galaxy_bounds, image_reach, profile_sample_count

        values = self._values()
        sigma, q, PA = self._ellipse(values)[:3]
        target = self._target
        reach = image_reach(target, values["center"])
        count = profile_sample_count(target, reach)
        radii = (reach / (count - 2)) * np.arange(count)
        brightness = 10 ** values["flux"] / (2.0 * math.pi * q * sigma**2) * np.exp(-0.5 * (radii / sigma) ** 2)
        psf = target.psf.extent if self._uses_psf() else None
        return galaxy_bounds(target, {"center": values["center"], "q": q, "PA": PA}, radii, brightness, psf)

    def initialize(self, foreground=None):
        """Give unset parameters a start from the data of the window (sky-subtracted by the
        border's level; ``foreground``, flux per pixel on the window, subtracted first), read as a
        thin disk (AstroPhot's reading): ``center`` the iterated centroid; from the light's second
        moments (less the PSF's with psf_mode "full"), of axis ratio q, angle PA and major-axis
        sigma: sigma_a = sigma_b = sigma, sigma_c = 0.2 sigma, alpha = PA, beta the inclination
        giving q (cos^2 beta = (q^2 - 0.04) / 0.96), gamma = 0; ``flux`` log10 of the window's
        sky-subtracted flux. Returns the model.
        """
        names = [spec.name for spec in self.parameter_specs]
        given = {name: self.parameters[name].value for name in names}
        if all(value is not None for value in given.values()):
            return self
        start = moment_start(self, foreground, given["center"])
        thin = START_THICKNESS**2
        cos2 = min(max((start.q**2 - thin) / (1.0 - thin), 0.0), 1.0)
        values = {"center": start.center, "sigma_a": start.sigma_major, "sigma_b": start.sigma_major,
                  "sigma_c": START_THICKNESS * start.sigma_major, "alpha": start.PA, "beta": math.acos(math.sqrt(cos2)),
                  "gamma": 0.0, "flux": math.log10(start.total)}
        for name, value in values.items():
            parameter = self.parameters[name]
            if parameter.value is None:
                lo, hi = parameter.limits
                parameter.value = value if parameter.cyclic else np.clip(value, lo, hi)
        return self
