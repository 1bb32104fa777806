"""Automatic windows: each component renders only where its light matters.

A component given no window gets one from its own light: a box centred on it
reaching to where its model (profile convolved with the PSF) has fallen below
``NOISE_FRACTION`` of the per-pixel noise of its target (or, on a target
without a noise model, below ``PEAK_FRACTION`` of its brightest pixel), so
that the light left outside is invisible in the residuals. The box is at
least ``FLOOR_FWHM`` PSF FWHM (``FLOOR_PIXELS`` pixels) on each side of the
centre and is clipped to the image. Until the component has every parameter
value (before ``initialize()``) the window is the whole image.

For a galaxy the extent is a strict bound when the PSF has no negative
pixels: if every PSF pixel farther than rho carries less than (t/2)/F of a
flux F into an image pixel (F the galaxy's flux) and the profile's pixels
beyond radius r are fainter than t/2, every pixel beyond r + rho receives
less than t/2 (the profile within rho, through a PSF summing to 1) plus t/2
(the rest of F, through the PSF's far pixels). A point model is measured
instead: rendered on the box of its PSF, sub-pixel shift included.

The window follows the model with some slack (``MARGIN_FRACTION``): it grows
as soon as the light needs more room and shrinks only when it is more than
``SHRINK_AREA`` times larger than needed, so that a fit moving the source by
small steps keeps its pixel sets.

Such a component still covers (samples, fits) its whole image; only its
light is confined to the render window. ``initialize()`` measures it, once
its centre is known, on a box grown from the data around the centre
(``measuring_bounds``), not on the whole image where its neighbours would
spoil its moments and profile.
"""

import math

import numpy as np

from ..image import Window
from .initialization import robust_level
from .measurement_scope import remembered

NOISE_FRACTION = 0.02      # light left outside the window, per pixel, in units of the pixel noise
PEAK_FRACTION = 1e-8       # the same without a noise model, in units of the component's brightest pixel
FLOOR_FWHM = 3.0           # least half-size of a window, PSF FWHM
FLOOR_PIXELS = 5.0         # least half-size of a window, pixels
MARGIN_FRACTION = 0.1      # slack added to each side, as a fraction of the needed half-size
SHRINK_AREA = 2.0          # a window shrinks once its area exceeds this multiple of the one needed
PROFILE_SAMPLES = 4000     # most radii at which a profile is sampled along its major axis


def light_threshold(target, peak):
    """The per-pixel light (flux) below which a component's light does not matter on ``target``.

    ``peak``: the component's brightest pixel, flux (used without a noise model).
    """
    noise = target.noise_level()
    if noise is not None:
        return NOISE_FRACTION * noise
    return PEAK_FRACTION * peak


def profile_radius(radii, light, threshold):
    """The radius (arcsec) beyond which ``light`` (per pixel, sampled at the evenly spaced
    ``radii``) stays below ``threshold``: one step beyond the last sample at or above it; 0 if none."""
    above = np.nonzero(~(light < threshold))[0]  # NaN counts as above: not shown to be faint
    if above.size == 0:
        return 0.0
    step = float(radii[1] - radii[0]) if radii.size > 1 else 0.0
    return float(radii[above[-1]]) + step


def ellipse_half_sizes(radius, q, PA):
    """Half-widths (x, y), arcsec, of the box around an ellipse of semi-major ``radius``."""
    c, s = math.cos(PA), math.sin(PA)
    minor = q * radius
    return math.hypot(radius * c, minor * s), math.hypot(radius * s, minor * c)


def bounds_around(target, center, half_x, half_y, psf):
    """Pixel bounds of the box ``center`` +- (half_x, half_y) arcsec (each grown by half a pixel
    diagonal and at least the floor) on ``target``, clipped to it. ``psf``: a PsfExtent or None.

    A box wholly outside the image gives the one pixel of the image nearest to its centre.
    """
    scale = target.pixelscale
    floor = FLOOR_PIXELS * math.sqrt(target.pixel_area)
    if psf is not None:
        floor = max(floor, FLOOR_FWHM * psf.fwhm)
    pad = 0.5 * math.sqrt(float(np.sum(scale**2)))
    half_x, half_y = max(half_x + pad, floor), max(half_y + pad, floor)
    cx, cy = float(center[0]), float(center[1])
    if _overlaps_image(target, cx, cy, half_x, half_y):
        return Window.from_plane_box(target, (cx - half_x, cx + half_x), (cy - half_y, cy + half_y)).pixel_bounds
    px, py = target.plane_to_pixel(np.array([cx]), np.array([cy]))
    ny, nx = target.shape
    x = int(np.clip(np.floor(np.clip(px[0], -1.0, nx) + 0.5), 0, nx - 1))
    y = int(np.clip(np.floor(np.clip(py[0], -1.0, ny) + 0.5), 0, ny - 1))
    return [[x, x + 1], [y, y + 1]]


def _overlaps_image(target, cx, cy, half_x, half_y):
    """True when the plane box overlaps the image's plane footprint (its corners' bounding box)."""
    x, y = target.plane_corners()
    return (cx + half_x > np.min(x) and cx - half_x < np.max(x)
            and cy + half_y > np.min(y) and cy - half_y < np.max(y))


def profile_sample_count(target, reach):
    """How many radii sample a profile from 0 to ``reach`` arcsec at most half a pixel apart
    (16 to PROFILE_SAMPLES)."""
    pixel = math.sqrt(target.pixel_area)
    return int(np.clip(math.ceil(2.0 * reach / pixel) + 2, 16, PROFILE_SAMPLES))


def image_reach(target, center):
    """The distance (arcsec) from ``center`` to the farthest corner of ``target``."""
    x, y = target.plane_corners()
    return float(np.max(np.hypot(np.asarray(x) - center[0], np.asarray(y) - center[1])))


def _with_slack(bounds):
    """``bounds`` grown on each side by MARGIN_FRACTION of their half-size plus one pixel."""
    (x0, x1), (y0, y1) = bounds
    mx = int(math.ceil(MARGIN_FRACTION * 0.5 * (x1 - x0))) + 1
    my = int(math.ceil(MARGIN_FRACTION * 0.5 * (y1 - y0))) + 1
    return [[x0 - mx, x1 + mx], [y0 - my, y1 + my]]


def _contains(outer, inner):
    return (outer.x_start <= inner.x_start and inner.x_stop <= outer.x_stop
            and outer.y_start <= inner.y_start and inner.y_stop <= outer.y_stop)


def _area(window):
    ny, nx = window.shape
    return ny * nx


def next_window(target, current, needed):
    """The automatic window to use now: ``current`` (a Window of ``target`` or None) kept while
    it holds ``needed`` (pixel bounds, or None: the whole image) and is not much larger than it;
    otherwise ``needed`` with slack, clipped to the image."""
    if needed is None:
        return target.window
    need = Window(target, needed)
    if current is not None and current.image is target and _contains(current, need) \
            and _area(current) <= SHRINK_AREA * _area(Window(target, _with_slack(needed))):
        return current
    return Window(target, _with_slack(needed))


def galaxy_bounds(target, values, radii, brightness, psf):
    """Pixel bounds an elliptical galaxy's light needs on ``target``.

    ``values``: its parameter values (center, q, PA, ...); ``radii`` (evenly
    spaced from 0, arcsec) and ``brightness`` (flux/arcsec^2 there): its
    profile along the major axis; ``psf``: the PsfExtent it is convolved
    with, or None.
    """
    area = target.pixel_area
    light = brightness * area
    step = float(radii[1] - radii[0])
    q = float(values["q"])
    # total flux within the sampled radii: the central disc and the annuli
    flux = math.pi * q * (0.25 * step**2 * brightness[0] + 2.0 * step * float(np.sum(radii[1:] * brightness[1:])))
    threshold = light_threshold(target, float(light[0]))
    if psf is None:
        radius, wing = profile_radius(radii, light, threshold), 0.0
    else:  # half the allowance for the profile seen through the PSF, half for the PSF's far pixels
        radius = profile_radius(radii, light * psf.absolute_sum, 0.5 * threshold)
        wing = psf.radius_below(0.5 * threshold / flux if flux > 0 else 0.0, area)
    half_x, half_y = ellipse_half_sizes(radius, q, float(values["PA"]))
    return bounds_around(target, values["center"], half_x + wing, half_y + wing, psf)


def point_bounds(target, center, flux, psf, render):
    """Pixel bounds a point source of ``flux`` (image units) at ``center`` (arcsec) needs on
    ``target``, whose PSF's PsfExtent is ``psf``.

    ``render(window)`` is the source's image on a Window of ``target``. The
    source is rendered on the box of the PSF around it and the window
    reaches the farthest pixel at or above the threshold: measured rather
    than bounded from the PSF, because a sub-pixel shift (a Fourier phase
    shift) spreads the PSF's light a little beyond where its own pixels
    put it.
    """
    threshold = light_threshold(target, flux * psf.peak_fraction(target.pixel_area))
    box = Window(target, bounds_around(target, center, psf.reach, psf.reach, None))
    image = render(box)
    rows, cols = np.nonzero(~(np.abs(image) < threshold))
    radius = 0.0
    if rows.size:
        x, y = target.pixel_to_plane(cols + box.x_start, rows + box.y_start)
        radius = float(np.max(np.hypot(np.asarray(x) - center[0], np.asarray(y) - center[1])))
    return bounds_around(target, center, radius, radius, psf)


# --- where initialize() measures a source with an automatic window --------------------------------
RING_LEVEL = 0.2           # a box stops growing once its border's median is this many sigma above the sky
GROWTH = 1.3               # factor by which the measuring box grows per step
SKY_SAMPLES = 20000        # about how many pixels estimate the image's sky and noise


def _image_sky(target):
    """(sky, sigma) of ``target``: the sigma-clipped median and scatter of a subsample of its
    unmasked pixels (about SKY_SAMPLES of them)."""
    ny, nx = target.shape
    stride = max(1, int(math.sqrt(ny * nx / SKY_SAMPLES)))
    return robust_level(target.data[::stride, ::stride][~target.mask[::stride, ::stride]])


def measuring_bounds(target, center, psf):
    """Pixel bounds of the box ``initialize()`` measures a source at ``center`` (arcsec) on, when its
    window is automatic; None: the whole image.

    From a box of the floor's half-size (see ``bounds_around``) around the
    centre, the box grows by GROWTH until the median of its border ring
    (data less the image's sky, the sigma-clipped median of a subsample)
    is at most RING_LEVEL times the image's noise (the clipped scatter of
    that subsample); the box of twice that half-size is returned, so that
    the source's wings are inside and its border measures the sky.
    ``psf``: the target's PsfExtent (for the floor) or None.
    """
    key = (id(target), float(center[0]), float(center[1]), None if psf is None else psf.fwhm)
    bounds = remembered(key, lambda: _measured_bounds(target, center, psf))
    return None if bounds is None else [list(pair) for pair in bounds]


def _measured_bounds(target, center, psf):
    ny, nx = target.shape
    px, py = target.plane_to_pixel(np.array([float(center[0])]), np.array([float(center[1])]))
    if not (np.isfinite(px[0]) and np.isfinite(py[0]) and 0 <= px[0] + 0.5 <= nx and 0 <= py[0] + 0.5 <= ny):
        return None
    x, y = int(math.floor(px[0] + 0.5)), int(math.floor(py[0] + 0.5))
    sky, sigma = remembered((id(target), "sky"), lambda: _image_sky(target))
    pixel = math.sqrt(target.pixel_area)
    half = max(FLOOR_PIXELS, FLOOR_FWHM * psf.fwhm / pixel if psf is not None else 0.0)
    while True:
        h = int(math.ceil(half))
        box = (slice(max(y - h, 0), min(y + h + 1, ny)), slice(max(x - h, 0), min(x + h + 1, nx)))
        inner = max(h - max(2, int(0.1 * h)), 0)
        rows, cols = np.ogrid[box]
        ring = (np.maximum(np.abs(rows - y), np.abs(cols - x)) > inner) & ~target.mask[box]
        values = target.data[box][ring]
        whole = box[0].start == 0 and box[1].start == 0 and box[0].stop == ny and box[1].stop == nx
        if values.size and float(np.median(values)) - sky <= RING_LEVEL * sigma:
            h = 2 * h
            return [[x - h, x + h + 1], [y - h, y + h + 1]]
        if whole:
            return None
        half *= GROWTH
