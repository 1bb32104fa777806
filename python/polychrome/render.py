"""Low-level rendering of a single radial profile on a pixel grid.

This is the thin Python face of the C++ renderer; models (issue-level API)
build on it. Conventions (see DESIGN.md): arrays are ``data[y, x]``; the
centre of pixel (i, j) is at ``origin + pixelscale @ (j + 0.5, i + 0.5)`` in
arcsec; PA is counter-clockwise from +x in radians; q = b/a.
"""

import functools
import math

import numpy as np

from . import _core
from .psf import as_convolver, check_psf_upsample
from .utils.arguments import as_point, as_shape
from .utils.coordinates import pixelscale_matrix

_GEOMETRIC = ("x", "y", "q", "PA")


def profile_names():
    """Names of the radial profiles the core can render."""
    return list(_core.profile_names())


def nonradial_profile_names():
    """Names of the profiles that are not functions of the elliptical radius: "edgeon" (the
    edge-on isothermal disk: ``hs``, ``rs`` arcsec, ``I0`` log10 flux/arcsec^2; ``q`` is not
    used and takes no isophote shape)."""
    return list(_core.nonradial_profile_names())


def parameter_names(profile, knots=None):
    """Jacobian column names for ``profile``: x, y, q, PA, then its own parameters.

    ``knots`` (spline only) are the knot radii in arcsec.
    """
    n_knots = 0 if knots is None else len(knots)
    return list(_GEOMETRIC) + list(_core.profile_parameter_names(profile, n_knots))


def _by_element(params):
    """{name: value} with each vector value (a shape's am, phim, a spline's I(R)) split into its
    elements, named as the core names them: "am[0]", "am[1]", ..."""
    flat = {}
    for key, value in params.items():
        if np.ndim(value):
            flat.update((f"{key}[{k}]", v) for k, v in enumerate(np.ravel(value)))
        else:
            flat[key] = value
    return flat


def _profile_values(profile, params, knots):
    names = parameter_names(profile, knots)[len(_GEOMETRIC):]
    if isinstance(params, dict):
        if profile == "spline" and set(params) == {"I(R)"}:
            values = [float(v) for v in np.atleast_1d(params["I(R)"])]
            if len(values) != len(names):
                raise ValueError(f"params for the spline profile must have {len(names)} values "
                                 f"(one per knot), got {len(values)}")
            return values
        params = _by_element(params)
        missing = [n for n in names if n not in params]
        extra = [n for n in params if n not in names]
        if missing or extra:
            raise ValueError(
                f"params for the {profile} profile must be exactly {names}; "
                f"missing {missing}, unexpected {extra}"
            )
        return [float(params[n]) for n in names]
    values = [float(v) for v in np.atleast_1d(np.asarray(params, dtype=float))]
    if len(values) != len(names):
        raise ValueError(f"params for the {profile} profile must have {len(names)} values {names}, got {len(values)}")
    return values


def render_profile(profile, params, shape, *, center, q=1.0, PA=0.0, pixelscale=1.0,
                   origin=(0.0, 0.0), knots=None, jacobian=False, tolerance=1e-5,
                   faint_fraction=1e-9, max_depth=14, threads=None, psf=None, psf_upsample=1,
                   absolute_tolerance=0.0, jacobian_precision="double"):
    """Integrate a radial surface-brightness profile over every pixel of a grid.

    With ``psf``, each pixel is instead the integral over the pixel of the
    profile convolved with the PSF: the profile is rendered on the window
    grown by the PSF half-sizes on every side (so light scattered in from
    outside the window is counted), convolved by FFT without wrap-around and
    cropped; the Jacobian is convolved the same way, in the same batch.

    Parameters
    ----------
    profile : str
        One of :func:`profile_names` ("sersic", "exponential", "gaussian",
        "moffat", "spline", "nuker", "ferrer", "king"), each also truncated ("truncated sersic",
        "inner truncated sersic": its parameters, then ``Rt`` arcsec and ``St``
        1/arcsec; see :func:`truncation_names`).
    params : dict or sequence
        Profile parameters by name (see :func:`parameter_names`): Sersic
        ``n``, ``Re`` (arcsec), ``Ie`` (log10 flux/arcsec^2 at Re);
        exponential ``Re``, ``Ie``; Gaussian ``sigma`` (arcsec), ``I0``
        (log10 central flux/arcsec^2); Moffat ``n``, ``Rd`` (arcsec), ``I0``;
        spline: one log10 surface brightness per knot (``{"I(R)": [...]}``);
        the edge-on disk "edgeon" (see :func:`nonradial_profile_names`): ``hs``,
        ``rs`` (arcsec), ``I0`` (log10 central flux/arcsec^2), ``q`` unused.
        Sizes must lie between 1e-12 and 1e12 pixels (square root of the
        pixel area); a size far below a pixel renders as the point source it
        is, with its exact flux. The peak surface brightness times the pixel
        area must lie between 1e-200 and 1e200 (flux per pixel).
    shape : (int, int)
        Image shape ``(ny, nx)``.
    center : (float, float)
        Profile centre on the plane, arcsec, within 1e9 pixels of the grid.
    q : float
        Axis ratio b/a in [0.03, 1]; the ellipse as it lies on the pixel grid
        (non-square or sheared pixels) must also have an axis ratio >= 0.03.
        At q = 0.03 the default tolerance keeps bright pixels within 1e-4
        of the exact integrals and the flux within 1e-5.
    PA : float
        Position angle of the major axis, radians counter-clockwise from +x.
    pixelscale : float or 2x2 array
        Arcsec per pixel (matrix columns: steps in x and in y).
    origin : (float, float)
        Plane position (arcsec) of the outer corner of pixel (0, 0).
    knots : sequence of float, optional
        Spline knot radii in arcsec (strictly increasing), spline only.
    jacobian : bool
        Also return d(pixel)/d(parameter) for x, y, q, PA and the profile
        parameters, shape ``(nparams, ny, nx)``.
    tolerance : float
        Target relative error per pixel of the adaptive integration. The
        plain (untruncated) elliptical "gaussian" is integrated near-exactly
        instead (every pixel to ~1e-13 relative, erfc in one pixel axis and
        Gauss-Legendre in the other): the accuracy options are checked but
        not needed there.
    faint_fraction : float
        Pixels fainter than this fraction of the peak pixel are integrated to
        an absolute error of ``tolerance * faint_fraction * peak``.
    max_depth : int
        Maximum levels of 2x2 pixel subdivision.
    absolute_tolerance : float
        Error every pixel may have in any case, flux per pixel (>= 0; 0, the
        default: none): a pixel is done when its estimated error is below the
        larger of this and ``tolerance`` x its value. For noisy data a small
        fraction of the pixel noise sigma spares the refinement that the data
        cannot tell from the exact integral (see
        ``Model.set_noise_tolerance``). With ``psf`` it bounds the error of
        the convolved pixels.
    threads : int or None
        Threads to use, 1 to :data:`polychrome.thread_policy.MAX_THREADS`
        (capped at the CPUs this process may use); None or 0: the default
        (``polychrome.threads`` / ``set_threads``, else ``OMP_NUM_THREADS``,
        else the usable CPUs; see :mod:`polychrome.thread_policy`).
    psf : 2D array or PsfConvolver, optional
        PSF image: odd sizes, centre pixel ``(ny // 2, nx // 2)``, normalised
        to unit sum (any positive total is accepted). Pass a
        :class:`polychrome.psf.PsfConvolver` to reuse its cached transform
        across calls. ``None``: no convolution.
    psf_upsample : int
        The PSF's pixels are the image's divided by this integer (>= 1). The
        profile is then rendered on that finer grid (same origin: image pixel
        (i, j) is the fine block ``[k i, k i + k) x [k j, k j + k)``),
        convolved there, and each block summed back into its pixel.
    jacobian_precision : {"double", "single"}
        With ``psf`` and ``jacobian``: the precision of the Jacobian planes' convolution.
        "double" (the default): like the image, each plane the exact convolution of the
        rendered Jacobian to rounding; "single": float transforms, a third cheaper, each plane
        within ~1e-6 of its largest magnitude (a plane whose values leave float's range is
        convolved in double; models rendered at a noise tolerance use it, see
        ``Model.set_noise_tolerance``). The image is convolved in double either way.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        The image in flux per pixel, ``[ny, nx]``, and with ``jacobian=True``
        also the Jacobian ``[nparams, ny, nx]``; always finite.

    Raises
    ------
    ValueError
        For a value outside the ranges above (``polychrome._core.render_ranges()``),
        naming the parameter, its units and its range.
    """
    values = _profile_values(_checked_profile(profile), params, _checked_knots(profile, knots))
    renderer = ProfileRenderer(profile, shape, pixelscale=pixelscale, origin=origin, knots=knots,
                               tolerance=tolerance, faint_fraction=faint_fraction, max_depth=max_depth,
                               threads=threads, psf=psf, psf_upsample=psf_upsample,
                               absolute_tolerance=absolute_tolerance, jacobian_precision=jacobian_precision)
    return renderer(values, center, q, PA, jacobian)


def isophote_names():
    """Names of the isophote shapes other than the ellipse: a profile "<radial>/<shape>" (e.g.
    "sersic/superellipse", "nuker/fourier:1,3,4" with its Fourier modes, "exponential/warp:0,1,3"
    with the warp's knot radii in arcsec, "sersic/superellipse/warp:0,1,3") takes the radial
    profile's parameters, then the shape's (C0; am[k], then phim[k] per mode), then the warp's
    (q(R)[k], then PA(R)[k] per knot)."""
    return list(_core.isophote_names())


def sector_names():
    """Names of the angular segmentations: a profile "<radial>/ray:N" or "<radial>/wedge:N" (N rays
    or wedges in [1, 32], default 2; AutoProf's ray and wedge galaxy models) takes each segment's
    radial parameters, segment by segment, named by their index in the model's per-segment arrays
    ("n[0]", "Re[0]", "Ie[0]", "n[1]", ...; a spline's knot j of segment k: "I(R)[k * knots + j]")."""
    return list(_core.sector_names())


def truncation_names():
    """Names of the truncations of a radial profile: "truncated <radial>" (the light beyond Rt cut
    away) and "inner truncated <radial>" (the light inside Rt), e.g. "truncated sersic",
    "inner truncated exponential/superellipse": the radial profile's parameters, then ``Rt``
    (truncation radius, arcsec) and ``St`` (sharpness, 1/arcsec): the profile times
    (1 -+ tanh(St (R - Rt))) / 2 (AstroPhot's truncated models). Rays and wedges take none."""
    return list(_core.truncation_names())


def untruncated_name(radial):
    """The radial profile's name without its truncation ("truncated sersic" -> "sersic")."""
    for prefix in _truncation_prefixes():
        if radial.startswith(prefix):
            return radial[len(prefix):]
    return radial


@functools.cache
def _truncation_prefixes():
    """("<truncation> ", ...) of the core's truncations, longest first (the core's names are fixed:
    read once, not at every renderer made)."""
    return tuple(prefix + " " for prefix in sorted(truncation_names(), key=len, reverse=True))


def _checked_profile(profile):
    if not isinstance(profile, str):
        raise TypeError(f"profile must be a string naming the profile, got {type(profile).__name__}")
    return _checked_profile_name(profile)


@functools.lru_cache(maxsize=256)
def _checked_profile_name(profile):
    """``profile`` (a str) when the core renders it, else ValueError; a name's check is remembered
    (the core's names are fixed; a fit makes a renderer per component and evaluation plan)."""
    radial, *shapes = profile.split("/")
    if radial in nonradial_profile_names() and not shapes:
        return profile
    truncated = untruncated_name(radial) != radial
    radial = untruncated_name(radial)
    if truncated and len(shapes) == 1 and shapes[0].partition(":")[0] in sector_names():
        raise ValueError(f"rays and wedges take no truncation, got {profile!r}")
    if radial not in profile_names():
        raise ValueError(f"unknown profile {profile!r}; known profiles: {profile_names()}, each also as "
                         f"'<profile>/<shape>' with a shape of {isophote_names()}, and each "
                         f"'<truncation> <profile>' with a truncation of {truncation_names()}")
    if len(shapes) == 1 and shapes[0].partition(":")[0] in sector_names():
        return profile
    for shape in shapes:
        if shape.partition(":")[0] not in isophote_names():
            raise ValueError(f"unknown isophote shape in {profile!r}; known shapes: {isophote_names()}, "
                             f"or one of {sector_names()} alone")
    return profile


def _checked_knots(profile, knots):
    if untruncated_name(profile.partition("/")[0]) != "spline":
        return knots
    if knots is None:
        raise ValueError("knots (the knot radii in arcsec) are required for the spline profile")
    return [float(k) for k in np.atleast_1d(np.asarray(knots, dtype=float))]


class ProfileRenderer:
    """One profile on one fixed pixel grid, rendered many times with changing parameters.

    Takes the arguments of :func:`render_profile` that describe the grid and
    the rendering (checked once, here); each call then takes only what a fit
    changes: ``renderer(params, center, q, PA, jacobian=False)``, with
    ``params`` the profile's parameter values in the order of
    :func:`parameter_names` (a sequence of numbers, no dict), ``center``
    (x, y) arcsec, ``q`` and ``PA`` (radians). Returns what
    :func:`render_profile` returns. The core still checks the values' ranges
    at every call.
    """

    def __init__(self, profile, shape, *, pixelscale=1.0, origin=(0.0, 0.0), knots=None, tolerance=1e-5,
                 faint_fraction=1e-9, max_depth=14, threads=None, psf=None, psf_upsample=1,
                 absolute_tolerance=0.0, jacobian_precision="double"):
        profile = _checked_profile(profile)
        knots = _checked_knots(profile, knots)
        self._count = _value_count(profile, None if knots is None else len(knots))
        self._static = (profile, knots or [], as_shape(shape), as_point(origin, "origin"),
                        pixelscale_matrix(pixelscale))
        self._options = (float(tolerance), float(faint_fraction), int(max_depth), threads)
        self._absolute_tolerance = _checked_absolute_tolerance(absolute_tolerance)
        if psf is None:
            if psf_upsample != 1:
                raise ValueError("psf_upsample needs a psf")
            self._convolution = ()
            self._core = _core.render
        else:
            self._convolution = (as_convolver(psf), check_psf_upsample(psf_upsample))
            self._core = _core.render_convolved
        self._single = _checked_jacobian_precision(jacobian_precision) == "single" and psf is not None
        if self._single:
            self._core = functools.partial(_core.render_convolved, single_precision_jacobian=True)

    def __call__(self, params, center, q, PA, jacobian=False):
        profile, knots, shape, origin, pixelscale = self._static
        values = [float(v) for v in params]
        if len(values) != self._count:
            raise ValueError(f"params for the {profile} profile must have {self._count} values "
                             f"{parameter_names(profile, knots or None)[len(_GEOMETRIC):]}, got {len(values)}")
        return self._core(profile, values, knots, shape, origin, pixelscale, as_point(center, "center"), float(q),
                          float(PA), bool(jacobian), *self._options, *self._convolution, self._absolute_tolerance)

    def unchecked(self):
        """``call(values, center, q, PA, jacobian, jacobian_out=None)``: this renderer for a caller
        that converts the arguments itself, many times a fit: ``values`` a list of the profile's
        parameter values as Python floats, in the order of :func:`parameter_names`
        (``value_count`` of them), ``center`` a pair of floats (x, y) arcsec, ``q`` and ``PA``
        (radians) floats, ``jacobian`` a bool, ``jacobian_out`` None or a writable C-contiguous
        float64 array of the Jacobian's shape (parameters, ny, nx) that the core writes the
        Jacobian into (and returns as the Jacobian) instead of a new one. Returns what a call of
        the renderer returns; the core still checks the values' ranges (and jacobian_out) at
        every call, but nothing checks the arguments' types or count."""
        profile, knots, shape, origin, pixelscale = self._static
        core, options, convolution, absolute = self._core, self._options, self._convolution, self._absolute_tolerance

        def call(values, center, q, PA, jacobian, jacobian_out=None):
            return core(profile, values, knots, shape, origin, pixelscale, center, q, PA, jacobian, *options,
                        *convolution, absolute, jacobian_out)

        return call

    def with_absolute_tolerance(self, absolute_tolerance):
        """This renderer at another ``absolute_tolerance`` (flux per pixel; checked as the
        constructor checks it), everything else as checked here: a candidate search renders one
        grid at a few tolerances, and a construction's checks cost ~20x a copy's."""
        other = ProfileRenderer.__new__(ProfileRenderer)
        other.__dict__.update(self.__dict__)
        other._absolute_tolerance = _checked_absolute_tolerance(absolute_tolerance)
        return other

    def unchecked_equations(self):
        """``equations(values, center, q, PA, stack, offsets, data, weight)``: a window's normal
        equations (chi^2, J^T W r, J^T W J) whose model is this renderer's image plus ``offsets`` (a
        list of floats, flux per pixel, added in order: uniform components), in one core call
        (``_core.render_convolved_normal_equations``): the Jacobian is written into the first rows
        of ``stack`` (a C-contiguous float64 (rows, ny, nx) array, the rest of its rows the
        caller's), the residuals are ``data`` (flat, ny * nx) less the model and the equations are
        taken over every row of the stack with ``weight`` (flat), as a render with the Jacobian
        followed by ``_core.normal_equations`` gives them. The first four arguments as
        ``unchecked``'s. None for a renderer without a PSF (the fit then renders and accumulates in
        two calls)."""
        if not self._convolution:
            return None
        profile, knots, shape, origin, pixelscale = self._static
        core, options, convolution = _core.render_convolved_normal_equations, self._options, self._convolution
        absolute, single = self._absolute_tolerance, self._single

        def equations(values, center, q, PA, stack, offsets, data, weight):
            return core(profile, values, knots, shape, origin, pixelscale, center, q, PA, *options, *convolution,
                        absolute, single, stack, offsets, data, weight)

        return equations

    @property
    def value_count(self):
        """How many profile parameter values a call takes (those of :func:`parameter_names` after
        x, y, q, PA)."""
        return self._count


@functools.lru_cache(maxsize=256)
def _value_count(profile, knot_count):
    """How many profile parameter values ``profile`` takes with ``knot_count`` knots (None: no
    knots): the core's names counted once per pair (a fit makes a renderer per component and plan;
    the core's call costs ~9k instructions)."""
    return len(_core.profile_parameter_names(profile, knot_count or 0))


def _checked_jacobian_precision(value):
    if value not in ("single", "double"):
        raise ValueError(f'jacobian_precision must be "single" or "double", got {value!r}')
    return value


def _checked_absolute_tolerance(value):
    """The absolute tolerance (flux per pixel) as a float; ValueError unless finite and >= 0."""
    try:
        tolerance = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"absolute_tolerance must be a number (flux per pixel), got {value!r}") from None
    if not (math.isfinite(tolerance) and tolerance >= 0.0):
        raise ValueError(f"absolute_tolerance must be finite and >= 0 (flux per pixel), got {tolerance}")
    return tolerance
