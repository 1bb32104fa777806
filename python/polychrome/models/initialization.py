"""Measurements that give models a start from their target alone (``model.initialize()``).

Pure numpy (no scipy at run time), on the pixels of one model's window:
a robust sky from the window border, an iterated light-weighted centroid,
axis ratio and position angle from second moments, the azimuthally averaged
surface-brightness profile in elliptical annuli, the curve of growth, and a
small grid least-squares fit of a radial profile to log10 I(R). With a PSF
the second moments are deconvolved by the PSF's (measured the same way) and
the profile is chosen by rendering PSF-convolved candidates in 2-D (see
galaxy_model): a compact source under a broad PSF otherwise starts far too
large, round and shallow. These are starting values for a fit, not results.
"""

import functools
import math

import numpy as np

from .. import _core
from ..utils.geometric_grid import geometric_grid
from .annuli_in_radius_order import annulus_starts, clipped_in_radius_order, in_pixel_order
from .measurement_scope import remembered

LN10 = math.log(10.0)
Q_MIN = 0.05
# floor on the error of log10 I in an annulus, dex: keeps a few bright
# central annuli from dominating the profile fit
LOG_ERROR_FLOOR = 0.03


class _PlanePixels:
    """Pixels at plane positions ``x``, ``y`` (arcsec) whose offsets from a centre (``_Offsets``:
    their products and elliptical radii) are shared by the measurements about that centre:
    ``shape_moments``' fixed points and the annuli of ``RadialProfile`` (the same shape again
    when q and PA are given or the annuli follow the moments' shape)."""

    def offsets(self, center):
        """The ``_Offsets`` of these pixels from ``center`` (plane, arcsec), kept for the latest
        centre asked for."""
        key = (float(center[0]), float(center[1]))
        kept = self.__dict__.get("_offsets_kept")
        if kept is None or kept[0] != key:
            kept = self._offsets_kept = (key, _Offsets(self, center))
        return kept[1]


class WindowPixels(_PlanePixels):
    """The unmasked pixels of a model's window, with plane positions.

    Attributes: ``window`` (the Window measured), ``values`` (flux per pixel), ``variance``, ``x``, ``y``
    (plane position of each pixel centre, arcsec, through the image's
    ``pixel_to_plane``), ``border`` (bool, pixel on the window's border
    band), ``area`` (arcsec^2 per pixel), ``pixel`` (arcsec per pixel),
    ``window_center`` (plane position of the window centre), ``extent``
    (distance, arcsec, from the window centre to its nearest edge).
    ``foreground`` (flux per pixel, the window's shape), when given, is
    subtracted from the data first: the light of neighbours already
    initialised.
    """

    def __init__(self, model, foreground=None):
        model._require_target()
        target, window = model.target, model._initialization_window()
        key = (id(target), "window pixels", window.x_start, window.x_stop, window.y_start, window.y_stop)
        # the measurement of the data alone, shared within a group's initialize(): never modified
        self.__dict__.update(remembered(key, lambda: _window_pixels(model.name, target, window)))
        if foreground is not None:
            self.values = self.values - np.asarray(foreground, float)[self.grid_index]
            self._level = [None]  # this instance's own; without a foreground, the data's (shared)

    def border_level(self):
        """(sky, sigma) of the border values (``robust_level``), measured once (for the data
        alone, once for every WindowPixels of the window in a group's initialize())."""
        if self._level[0] is None:
            self._level[0] = robust_level(self.border_values())
        return self._level[0]

    def sky_error(self):
        """Uncertainty of the border's sky level (flux per pixel): the standard error of a median,
        1.2533 sigma / sqrt(border pixels). Common to every pixel of the window."""
        _, sigma = self.border_level()
        return 1.2533 * sigma / math.sqrt(max(self._border_count or self.values.size, 1))  # border_values().size

    def border_values(self):
        """Values on the border band (all unmasked pixels when the border is all masked)."""
        return self.values[self._border_index] if self._border_count else self.values

    def _smoothed(self, values):
        """``values`` on the window grid, averaged over 3x3 boxes of unmasked pixels (-inf where none)."""
        image = np.zeros(self._shape)
        weight = np.zeros(self._shape)
        image[self.grid_index] = values
        weight[self.grid_index] = 1.0
        smooth, norm = _box3(image), _box3(weight)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(norm > 0, smooth / np.maximum(norm, 1e-300), -np.inf)

    def brightest(self, values):
        """Plane position of the brightest pixel of ``values`` smoothed by a 3x3 box (masked = 0)."""
        smooth = self._smoothed(values)
        k = np.argmax(smooth[self.grid_index])
        return np.array([self.x[k], self.y[k]])

    def nearest_peak(self, values, noise):
        """Plane position of the significant peak of ``values`` nearest the window centre.

        A peak is a maximum of the 3x3-smoothed values over the 7x7 pixels
        around it, above 5 sigma of the smoothed noise (``noise``: the pixels'
        sigma): the source the window was drawn around, not a brighter
        neighbour near its edge. Without such a peak, the brightest pixel.
        """
        smooth = self._smoothed(values)
        padded = np.pad(smooth, 3, constant_values=-np.inf)
        ny, nx = self._shape
        local_max = np.max([padded[dy:dy + ny, dx:dx + nx] for dy in range(7) for dx in range(7)], axis=0)
        peaks = (smooth >= local_max) & (smooth > 5.0 * noise / 3.0)
        peaks = peaks[self.grid_index]
        if not noise > 0 or not np.any(peaks):
            return self.brightest(values)
        distance = np.hypot(self.x - self.window_center[0], self.y - self.window_center[1])
        k = np.flatnonzero(peaks)[np.argmin(distance[peaks])]
        return np.array([self.x[k], self.y[k]])


def _window_pixels(name, target, window):
    """The attributes of a WindowPixels of ``window`` of ``target`` (no foreground), as a dict."""
    slices = target.slices_of(window)  # the arrays of target[window], without the view's set-up
    data, variance, mask = target.data[slices], target.variance[slices], target.mask[slices]
    ny, nx = window.shape
    if not mask.any():  # every pixel, in row-major order: the grids of the window's shape (kept)
        rows, cols, border, border_index = _unmasked_grids(ny, nx)

        def used(array):
            # flat, copied only where not contiguous (a window inside its image): the plane grids are
            # new arrays, and a cutout's window is often all of its image (a view of its arrays:
            # nothing here writes into them; callgrind counts a copy's bytes, ~30k instructions each)
            return np.asarray(array, float).ravel()
    else:
        good = ~mask
        if not np.any(good):
            raise ValueError(f"model {name!r}: cannot initialize, every pixel of its window "
                             f"{window.pixel_bounds} is masked")
        rows, cols = np.indices((ny, nx))
        border = _border_band(ny, nx)

        def used(array):
            return array[good]

        rows, cols, border = used(rows), used(cols), used(border)
        border_index = np.flatnonzero(border)
    x, y = (used(plane) for plane in target.mapping.pixel_box_to_plane(window.x_start, window.y_start, (ny, nx)))
    area = target.pixel_area
    pixel = math.sqrt(area)
    cx, cy = target.mapping.pixel_point_to_plane(0.5 * (window.x_start + window.x_stop - 1),
                                                 0.5 * (window.y_start + window.y_stop - 1))
    return {"window": window, "values": np.asarray(used(data), float),
            "variance": np.asarray(used(variance), float), "x": x, "y": y, "border": border,
            "area": area, "pixel": pixel,
            "window_center": np.array([cx, cy]), "extent": max(0.5 * min(ny, nx) * pixel, pixel),
            # the image grid, for smoothing and cutouts: (rows, columns) of each value in the window
            "grid_index": (rows, cols), "_shape": (ny, nx),
            # the positions of the pixels on the border band, and their count (border_values'
            # size, or 0: all of them are taken)
            "_border_index": border_index, "_border_count": border_index.size,
            # the border's (sky, sigma) of the data alone, measured on first use (WindowPixels.border_level)
            "_level": [None]}


def _border_band(ny, nx):
    """(ny, nx) bools: the pixels within 5% of the shorter side (at least 1) of the window's edge."""
    width = max(1, int(round(0.05 * min(ny, nx))))
    row, col = np.arange(ny), np.arange(nx)  # the band's rows and columns, broadcast onto the grid
    return ((row < width) | (row >= ny - width))[:, None] | ((col < width) | (col >= nx - width))


@functools.lru_cache(maxsize=64)
def _unmasked_grids(ny, nx):
    """(rows, columns, border, border positions) of every pixel of an (ny, nx) window in
    row-major order, flat and read-only: the same for every window of a shape (a survey's cutouts
    come in a few shapes; each made them anew, ~20% of _window_pixels' instructions). The border
    positions (np.flatnonzero of the border) gather the border values at about half the
    instructions of the boolean mask."""
    rows, cols = np.indices((ny, nx))
    grids = (rows.ravel(), cols.ravel(), _border_band(ny, nx).ravel())
    for grid in grids:
        grid.flags.writeable = False
    border_positions = np.flatnonzero(grids[2])
    border_positions.flags.writeable = False
    return grids + (border_positions,)


def _box3(image):
    padded = np.pad(image, 1)
    total = np.zeros_like(image)
    ny, nx = image.shape
    for dy in range(3):
        for dx in range(3):
            total += padded[dy:dy + ny, dx:dx + nx]
    return total


def robust_level(values, clip=3.0, iterations=5):
    """(median, sigma) of ``values`` after iterative sigma clipping (sigma from the MAD)."""
    values = np.asarray(values, float).ravel()
    if not np.all(np.isfinite(values)):
        return _robust_level_any(values, clip, iterations)
    # the core: the sorted values' runs, numpy's medians and (where the MAD is 0) np.std's number,
    # bit for bit, in one call (the rounds' ~25 small numpy calls were ~270k instructions a window)
    return _core.robust_level(values, float(clip), int(iterations))


def _robust_level_any(values, clip, iterations):
    """robust_level for values that may be NaN or infinite (numpy's median and comparisons)."""
    keep = np.ones(values.size, bool)
    median, sigma = 0.0, 0.0
    for _ in range(iterations):
        used = values[keep]
        if used.size == 0:
            break
        median = float(np.median(used))
        sigma = float(1.4826 * np.median(np.abs(used - median)))
        if sigma <= 0:
            sigma = float(np.std(used))
        new = np.abs(values - median) <= clip * sigma if sigma > 0 else np.ones(values.size, bool)
        if np.array_equal(new, keep):
            break
        keep = new
    return median, sigma


def plane_fit(x, y, values, reference, clip=3.0, iterations=5):
    """(F, [dS/dx, dS/dy]) of a plane through ``values`` at (x, y), about ``reference``, sigma-clipped."""
    design = np.stack([np.ones_like(x), x - reference[0], y - reference[1]], axis=1)
    coefficients = clipped_linear_fit(design, values, np.array([float(np.median(values)), 0.0, 0.0]),
                                      clip, iterations)
    return float(coefficients[0]), coefficients[1:].astype(float)


def clipped_linear_fit(design, values, start, clip=3.0, iterations=5):
    """Coefficients of the least-squares fit of ``design`` (pixels, terms) @ c to ``values``,
    iterated with the pixels beyond ``clip`` x the residuals' MAD sigma left out (sources on a
    background); ``start`` when fewer pixels than terms remain."""
    keep = np.ones(values.size, bool)
    coefficients = np.asarray(start, float)
    for _ in range(iterations):
        if keep.sum() < design.shape[1]:
            break
        coefficients = np.linalg.lstsq(design[keep], values[keep], rcond=None)[0]
        residual = values - design @ coefficients
        sigma = 1.4826 * np.median(np.abs(residual[keep]))
        if not sigma > 0:
            break
        new = np.abs(residual) <= clip * sigma
        if np.array_equal(new, keep):
            break
        keep = new
    return coefficients


def centroid(pixels, flux, start=None):
    """Iterated light-weighted centroid (plane, arcsec) in a circular aperture shrinking towards the centre.

    Starts from ``start``, else the significant peak nearest the window
    centre (``WindowPixels.nearest_peak``, the noise from the window's border),
    else the window centre; negative (noise) pixels get no weight.
    """
    weight = np.clip(flux, 0.0, None)
    if not np.any(weight > 0):
        return pixels.window_center.copy()
    if start is None:
        center = pixels.nearest_peak(flux, pixels.border_level()[1])
    else:
        center = np.asarray(start, float)
    radius = 0.5 * pixels.extent
    smallest = 3.0 * pixels.pixel
    for _ in range(15):
        inside = (pixels.x - center[0]) ** 2 + (pixels.y - center[1]) ** 2 <= radius**2
        total = weight[inside].sum()
        if total <= 0:
            break
        new = np.array([np.sum(weight[inside] * pixels.x[inside]), np.sum(weight[inside] * pixels.y[inside])]) / total
        moved = np.hypot(*(new - center))
        center = new
        if radius <= smallest and moved < 1e-3 * pixels.pixel:
            break
        radius = max(0.8 * radius, smallest)
    return center


def shape_moments(pixels, flux, center, q=None, PA=None):
    """(q, PA, sigma_major) from the second moments of the light in an elliptical aperture, iterated.

    The aperture follows the shape found (semi-major 3 sigma of the major
    axis, within the window), so truncation does not bias q. Iterated from
    the window's size down (where the moments there are not positive
    definite, a source small against the window whose noise dominates, the
    aperture is halved, down to 3 pixels, until they are), and from 3 pixels
    up. The two usually meet (or nearly: a Sersic's long wings leave two
    fixed points ~15% apart, and the larger one is kept); where the one from
    the window is more than 1.5x larger, a sky level left in ``flux`` (a
    border median off by a tenth of the noise) or a neighbour holds it, its
    moments theirs (measured: sigma 3.5x the source's, q 0.52 for 0.6), and
    the one from 3 pixels is the source's. Given ``q`` or ``PA`` are kept
    fixed. q = sqrt(minor/major eigenvalue) clipped to [0.05, 1]; PA
    counter-clockwise from +x in [0, pi).
    """
    offsets = pixels.offsets(center)
    if q is not None and PA is not None and bool(np.isfinite(flux).all()):
        # one aperture shape: its sums sorted once
        within = _RadialSums(offsets, flux, q, PA, measured_reach(pixels)).within
    else:
        within = _masked_sums(offsets, flux)
    steps = {}  # the moment steps taken, shared by the two fixed points (they usually meet)
    from_window = _moment_fixed_point(pixels, within, q, PA, pixels.extent, steps)
    from_small = _moment_fixed_point(pixels, within, q, PA, min(3.0 * pixels.pixel, pixels.extent), steps)
    return from_small if from_window[2] > 1.5 * from_small[2] else from_window


class _Offsets:
    """Pixel offsets (arcsec) from a centre, their second-moment products, and their elliptical
    radii for the latest (q, PA) asked for (the same shape is asked for again and again when q
    and PA are given: computed once)."""

    def __init__(self, pixels, center):
        self.dx, self.dy = pixels.x - center[0], pixels.y - center[1]
        self._shape, self._radius, self._order = None, None, None

    @functools.cached_property
    def products(self):
        """dx^2, dy^2 and dx dy of each pixel (3, pixels), arcsec^2."""
        return np.stack([self.dx * self.dx, self.dy * self.dy, self.dx * self.dy])

    def radius(self, q, PA):
        """elliptical_radius of the offsets for axis ratio ``q`` and angle ``PA`` (radians)."""
        if self._shape != (q, PA):
            self._shape, self._radius = (q, PA), elliptical_radius(self.dx, self.dy, q, PA)
            self._order = None
        return self._radius

    def radius_order(self, q, PA, reach):
        """(order, sorted radii) of the pixels within ``reach`` (arcsec) of ``radius(q, PA)``: the
        positions of those pixels in radius order and their radii in that order, kept with the
        radii (shape_moments' sums and RadialProfile's annuli and curve of growth sort the same
        radii, out to the same reach, ``measured_reach``). The first entries of np.argsort of all
        the radii, bit for bit: the core sorts only the pixels within reach (about half of a survey
        window's), unless two of them have the same radius (then np.argsort's order of the ties
        is kept: all are sorted)."""
        radius = self.radius(q, PA)
        if self._order is None or self._order[0] != reach:
            order, ordered_radius, ties = _core.radius_order(radius, float(reach))
            if ties:  # np.argsort's own order of the ties
                order = np.argsort(radius)[:order.size]
                ordered_radius = radius[order]
            self._order = (reach, order, ordered_radius)
        return self._order[1:]


def measured_reach(pixels):
    """The largest semi-major radius (arcsec) measured about a centre in ``pixels`` (a
    WindowPixels): RadialProfile's outer radius (the window's extent, at least 2 pixels), beyond
    every aperture of shape_moments (at most the extent)."""
    return max(pixels.extent, 2.0 * pixels.pixel)


def _masked_sums(offsets, flux):
    """``within(q, PA, semi_major)``: (total, [sum w dx^2, sum w dy^2, sum w dx dy]) of ``flux``
    inside the ellipse (``offsets``: the pixels' _Offsets from the centre); the products' sums
    are None when the total is not positive. Each call weighs every pixel by the aperture's 0/1."""
    products = offsets.products
    finite = bool(np.isfinite(flux).all())

    def within(q, PA, semi_major):
        inside = offsets.radius(q, PA) <= semi_major
        # finite flux times the aperture's 0/1 is np.where(inside, flux, 0.0) but for the sign of
        # the zeros, which no sum of them keeps unless every term is 0 (~4x faster: np.where with a
        # scalar was numpy's largest cost in initialize, ~15 steps per source)
        w = flux * inside if finite else np.where(inside, flux, 0.0)
        total = float(np.add.reduce(w))  # w.sum()'s number, without the method's wrapper
        if not total > 0:
            return total, None
        # einsum, not ``products @ w``: numpy's BLAS threads products of more than 10^4
        # pixels, and its helper threads then spin for milliseconds on a shared machine
        # (measured: 53 of a 3-band source's 70 ms of initialize CPU)
        return total, np.einsum("ki,i->k", products, w).tolist()

    return within


class _RadialSums:
    """The sums of ``_masked_sums`` for one aperture shape (``q``, ``PA`` given, finite flux): the
    pixels sorted by elliptical radius once, the flux and its second-moment products summed
    cumulatively in that order, so that an aperture's sums are read off at its semi-major axis
    (a binary search) instead of weighing every pixel again (~15 apertures per survey source:
    each a compare, a product, a sum and an einsum over its ~2300 pixels).

    The same pixels are summed as by _masked_sums, in another order: the sums agree to rounding
    (not bit for bit). shape_moments then returns the given q and PA, and sigma_major to rounding."""

    def __init__(self, offsets, flux, q, PA, reach):
        order, self._radius = offsets.radius_order(q, PA, reach)
        self._reach = reach
        # running sums of flux, w dx^2, w dy^2, w dx dy in radius order (each product rounded as
        # _masked_sums' einsum rounds it), rows of one array from the core (the gathers, products
        # and cumsums were 11 numpy calls)
        self._sums = list(_core.ordered_moment_sums(order, flux, offsets.dx, offsets.dy))
        self._shape = (q, PA)

    def within(self, q, PA, semi_major):
        """(total, [sum w dx^2, sum w dy^2, sum w dx dy] or None) inside semi-major ``semi_major``
        (arcsec) of the given shape (``q`` and ``PA`` must be it)."""
        assert (q, PA) == self._shape and semi_major <= self._reach  # only the pixels within reach are summed
        # the count of pixels with radius <= semi_major, and the sums' entries as Python floats, by
        # the arrays' own methods (np.searchsorted's wrapper and a float() of each numpy scalar
        # made ~45% of the ~15 calls' instructions per source: fixed points 491k -> 328k)
        k = self._radius.searchsorted(semi_major, "right")
        if k == 0:
            return 0.0, None
        k -= 1
        total, xx, yy, xy = self._sums
        total = total.item(k)
        return (total, [xx.item(k), yy.item(k), xy.item(k)]) if total > 0 else (total, None)


def _moment_fixed_point(pixels, within, q, PA, semi_major, steps, max_steps=8):
    """shape_moments' iteration from an aperture of semi-major ``semi_major`` (arcsec): moments
    in the aperture, then the aperture 3 sigma of their major axis, until it repeats. Where the
    moments are not positive definite the aperture is halved (from above the smallest) or
    doubled (at the smallest). ``within(q, PA, semi_major)``: the aperture's sums
    (_masked_sums, or _RadialSums' for a given q and PA). ``steps``: {(q, PA, semi_major): the
    step's (q, PA, sigma_major, next semi_major)} of the moment steps taken so far with these
    pixels, flux, given q and PA (a dict, filled here): a step taken again is read off it (the two
    fixed points of shape_moments usually meet, the second then at an aperture the first took;
    measured: about one step of ~14 a survey source)."""
    cur_q = 1.0 if q is None else q
    cur_pa = 0.0 if PA is None else PA
    smallest = min(3.0 * pixels.pixel, pixels.extent)
    growing = semi_major <= smallest
    sigma_major = 0.25 * pixels.extent
    count = 0
    while count < max_steps:  # moment steps; the halvings and doublings (finitely many) are not counted
        previous = (cur_q, cur_pa, semi_major)
        step = steps.get(previous)
        if step is None:
            step, definite = _moment_step(pixels, within, q, PA, cur_q, cur_pa, semi_major, smallest, growing)
            if step is None:
                break
            if step[2] is None:  # noise-dominated: another aperture, not a moment step
                semi_major = step[3]
                continue
            if definite:  # (a step taken from moments not positive definite depends on ``growing``)
                steps[previous] = step
        cur_q, cur_pa, sigma_major, semi_major = step
        count += 1
        if (cur_q, cur_pa, semi_major) == previous:
            break  # the same aperture again: every further step would give the same numbers
    return cur_q, cur_pa % math.pi, max(sigma_major, 0.5 * pixels.pixel)


def _moment_step(pixels, within, q, PA, cur_q, cur_pa, semi_major, smallest, growing):
    """One step of _moment_fixed_point from the aperture (``cur_q``, ``cur_pa``, ``semi_major``):
    (step, definite): ``step`` (q, PA, sigma_major, next semi_major) of the moments in it, (None,
    None, None, the next aperture) where they are not positive definite and another aperture is
    to be tried, or None where the iteration stops (no light); ``definite``: the moments were
    positive definite (the step does not depend on ``growing``)."""
    total, sums = within(cur_q, cur_pa, semi_major)
    positive = sums is not None
    if positive:
        sxx, syy, sxy = sums
        xx, yy, xy = sxx / total, syy / total, sxy / total  # divided as floats
        # eigenvalues of [[xx, xy], [xy, yy]] in closed form; the major axis at half the angle
        # of (xx - yy, 2 xy)
        root = math.hypot(0.5 * (xx - yy), xy)
        major, minor = 0.5 * (xx + yy) + root, 0.5 * (xx + yy) - root
        positive = minor > 0 and math.isfinite(major)
    if not positive:  # noise-dominated: another aperture
        if growing and semi_major < pixels.extent:
            return (None, None, None, min(2.0 * semi_major, pixels.extent)), False
        if not growing and semi_major > smallest:
            return (None, None, None, max(0.5 * semi_major, smallest)), False
        if not (total > 0 and major > 0 and math.isfinite(major)):
            return None, False
    if q is None:
        cur_q = float(min(max(math.sqrt(max(minor, 0.0) / major), Q_MIN), 1.0))
    if PA is None:
        cur_pa = 0.5 * math.atan2(2.0 * xy, xx - yy) % math.pi
    sigma_major = math.sqrt(major)
    return (cur_q, cur_pa, sigma_major, float(min(max(3.0 * sigma_major, smallest), pixels.extent))), positive


class _PsfPixels(_PlanePixels):
    """The pixels of a target's PSF image in the form ``shape_moments`` measures: plane
    offsets (arcsec) from its centre on the grid ``matrix`` (2x2, arcsec per PSF pixel),
    ``extent`` (half its width) and ``pixel`` (its pixel size)."""

    def __init__(self, psf, matrix):
        data = np.asarray(psf.data, float)
        ny, nx = data.shape
        rows, cols = np.indices(data.shape)
        offsets = matrix @ np.vstack([(cols - 0.5 * (nx - 1)).ravel(), (rows - 0.5 * (ny - 1)).ravel()])
        self.x, self.y = offsets
        self.values = data.ravel()
        self.pixel = math.sqrt(abs(np.linalg.det(matrix)))
        self.extent = 0.5 * min(ny, nx) * self.pixel


# A PSF grid this close (relative) to a scaled rotation or reflection is taken as one: the PSF's
# moments are then measured once per PSF on its own pixels and mapped onto the grid.
_ORTHOGONAL_TOLERANCE = 1e-9


def _scaled_orthogonal(grid):
    """True when the 2x2 ``grid`` is a scale times a rotation or a reflection (to rounding): its
    Gram matrix G^T G within _ORTHOGONAL_TOLERANCE (relative) of a multiple of the identity. In
    Python floats (a survey asks once per group, each group's grid its own: numpy's matmul, trace,
    eye and max of 2x2 arrays were ~80k instructions a source)."""
    (a, b), (c, d) = grid.tolist()
    xx, yy, xy = a * a + c * c, b * b + d * d, a * b + c * d  # G^T G: [[xx, xy], [xy, yy]]
    scale = 0.5 * (xx + yy)
    # (a grid with an infinite or NaN entry is measured on itself, as numpy's NaN max left it)
    return 0 < scale < math.inf and max(abs(xx - scale), abs(yy - scale), abs(xy)) <= _ORTHOGONAL_TOLERANCE * scale


def psf_covariance(target):
    """Second-moment matrix (arcsec^2, plane axes) of ``target``'s PSF, measured like a source's
    (``shape_moments``: iterated elliptical aperture), so that the aperture's truncation
    biases both alike.

    The measurement commutes with a scaled rotation or reflection of the grid (apertures, sizes
    and limits all scale with it): on such a grid (square pixels, the usual case) the moments
    are measured once per PSF, in its own pixels, and mapped by the grid G (arcsec per PSF
    pixel) as G C G^T; a survey places one PSF on a slightly different grid per group. A
    sheared grid is measured on itself. Either is kept per grid (the PSF's ``derived``)."""
    grid = np.asarray(target.pixelscale, float) / target.psf_upsample
    psf = target.psf

    def measure(matrix):
        pixels = _PsfPixels(psf, matrix)
        return moment_matrix(*shape_moments(pixels, pixels.values, np.zeros(2)))

    def on_grid():
        if _scaled_orthogonal(grid):
            unit = psf.pixel_derived(("second moments", "pixels"), lambda: measure(np.eye(2)))
            return grid @ unit @ grid.T
        return measure(grid)

    # kept per grid too: a survey's groups share one placed PSF per grid (the orthogonality test
    # and the mapping were ~120k instructions a source)
    return psf.derived(("second moments", grid.tobytes()), on_grid).copy()


def moment_matrix(q, PA, sigma_major):
    """The 2x2 second-moment matrix of an ellipse of axis ratio q, angle PA, major-axis sigma."""
    c, s = math.cos(PA), math.sin(PA)
    rotation = np.array([[c, -s], [s, c]])
    return rotation @ np.diag([sigma_major**2, (q * sigma_major) ** 2]) @ rotation.T


def deconvolved_shape(q, PA, sigma_major, psf_moments, pixel):
    """(q, PA, sigma_major) of the source whose moments, plus ``psf_moments``, are those of
    the observed (q, PA, sigma_major). A second moment below a tenth of the PSF's smaller one
    (or (0.2 pixel)^2) is not resolved: it is held at that floor, so that an unresolved
    source starts round, not as a noise-thin needle. q is clipped to [0.05, 1], PA to [0, pi)."""
    eigenvalues, eigenvectors = np.linalg.eigh(moment_matrix(q, PA, sigma_major) - psf_moments)
    floor = max((0.2 * pixel) ** 2, 0.1 * float(np.linalg.eigvalsh(psf_moments)[0]))
    minor, major = np.maximum(eigenvalues, floor)
    q = float(np.clip(math.sqrt(minor / major), Q_MIN, 1.0))
    PA = float(math.atan2(eigenvectors[1, 1], eigenvectors[0, 1]) % math.pi)
    return q, PA, math.sqrt(major)


# A source whose observed second moments exceed the PSF's this many times over (trace against
# trace) is well resolved: its profile start comes from the observed annuli, without the convolved
# search (Re = 8 px, n = 1.5 under a 4 px FWHM Moffat, 40 seeds: median start Re 8.8 px, n 1.0,
# against 7.4 px, n 1.3 from the search, at a tenth of the cost).
RESOLVED_MOMENT_RATIO = 4.0


def well_resolved(q, sigma_major, psf_moments):
    """True when the observed second moments (axis ratio ``q``, major-axis sigma ``sigma_major``,
    arcsec) exceed ``psf_moments`` (2x2, arcsec^2) RESOLVED_MOMENT_RATIO times over (traces)."""
    observed = sigma_major**2 * (1.0 + q * q)
    trace = psf_moments[0, 0].item() + psf_moments[1, 1].item()  # np.trace's number (0 + a + b)
    return observed > RESOLVED_MOMENT_RATIO * trace


def elliptical_radius(dx, dy, q, PA):
    """Semi-major elliptical radius (arcsec) of offsets (dx, dy) (arrays of one shape, arcsec) for
    axis ratio q and position angle PA (radians): sqrt(along^2 + (across / q)^2), by the core."""
    dx, dy = np.asarray(dx, float), np.asarray(dy, float)
    if dx.shape != dy.shape:
        raise ValueError(f"dx and dy must have one shape, got {dx.shape} and {dy.shape}")
    return _core.elliptical_radii(dx.ravel(), dy.ravel(), float(q), float(PA)).reshape(dx.shape)


def annulus_statistics(index, flux, bins, valid=None):
    """(count, median, MAD) of ``flux`` in each of ``bins`` annuli (``index``: each pixel's
    annulus, pixels outside 0..bins-1 ignored); median and MAD are 0 in empty annuli.
    ``valid``: the positions of the pixels inside the annuli, when known (``_in_annuli``)."""
    valid = _in_annuli(index, bins) if valid is None else valid
    annulus = index[valid]
    ordered = valid[_by_annulus_then_value(flux[valid], annulus)]
    annulus = index[ordered]
    counts = np.bincount(annulus, minlength=bins)
    filled = counts > 0
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[filled]
    lower, upper = starts + (counts[filled] - 1) // 2, starts + counts[filled] // 2  # the middle one or two
    values = flux[ordered]
    median, mad = np.zeros(bins), np.zeros(bins)
    median[filled] = 0.5 * (values[lower] + values[upper])
    deviation = np.abs(values - np.repeat(median, counts))
    # the values come sorted per annulus: their deviations fall to the median and rise after it,
    # two sorted runs per annulus, which numpy's stable sort (timsort) merges (measured on a
    # 3540-pixel survey window: 76 -> 45 us)
    deviation = deviation[_by_annulus_then_value(deviation, annulus, kind="stable")]
    mad[filled] = 0.5 * (deviation[lower] + deviation[upper])
    return counts, median, mad


def _in_annuli(index, bins):
    """The positions of the pixels in annuli 0..bins-1 (``index``: each pixel's annulus)."""
    return np.flatnonzero((index >= 0) & (index < bins))


def _by_annulus_then_value(values, annulus, kind=None):
    """A permutation sorting by ``annulus`` (small non-negative ints), ties by ``values``: a sort of
    the values, then a stable (radix) sort of the annuli as 16-bit integers, several times faster
    than np.lexsort((values, annulus)). Equal values may come in any order (the values read off
    it, medians, are the same): numpy's default sort of the values (``kind`` None), ~3.5x faster
    than its stable one on a survey window's ~2000-4000 values in no order; ``kind="stable"`` for
    values made of a few sorted runs."""
    by_value = np.argsort(values, kind=kind)
    small = annulus.astype(np.int16) if annulus.size and int(annulus.max()) < 2**15 else annulus
    return by_value[np.argsort(small[by_value], kind="stable")]


def clipped_to_annuli(index, flux, bins, clip=3.0):
    """``flux`` with each value above its annulus' median + ``clip`` sigma (sigma from the MAD)
    replaced by that median; ``index``: each pixel's annulus, pixels outside 0..bins-1 unchanged.

    A neighbour covers a part of an annulus around the source: its pixels stand out above the
    annulus' level and are replaced by it, so that mean profiles measure the source (AutoProf's
    starts took medians in annuli for the same reason; replacing by the ceiling would leave a
    ridge). The source's own light varies smoothly within an annulus of its shape and stays
    (0.13% of pure noise is replaced). Annuli of fewer than 5 pixels are left alone.
    """
    valid = _in_annuli(index, bins)
    counts, median, mad = annulus_statistics(index, flux, bins, valid)
    ceiling = np.where(counts >= 5, median + clip * 1.4826 * mad, np.inf)
    outlier = valid[flux[valid] > ceiling[index[valid]]]
    clipped = flux.copy()
    clipped[outlier] = median[index[outlier]]
    return clipped


@functools.lru_cache(maxsize=64)
def _annulus_edges(inner, outer, bins):
    """The edges (arcsec, read-only) of RadialProfile's annuli: 0, then ``bins`` radii from
    ``inner`` to ``outer`` evenly spaced in log; the same for every window of a size and pixel
    (made once per size: a survey's cutouts come in a few)."""
    edges = np.concatenate([[0.0], geometric_grid(inner, outer, bins)])
    edges.flags.writeable = False
    return edges


class RadialProfile:
    """The azimuthally averaged surface brightness in elliptical annuli, and the curve of growth.

    Attributes: ``R`` (mean semi-major radius of each annulus, arcsec),
    ``I`` (mean surface brightness, flux/arcsec^2), ``error`` (its standard
    error, with ``sky_error``, the uncertainty of the subtracted sky level
    in flux per pixel, in quadrature), ``radius`` (the largest semi-major radius used), ``flux`` (the
    sky-subtracted flux inside it), ``half_light_radius`` (from the curve
    of growth), ``q`` (the annuli's axis ratio).
    """

    def __init__(self, pixels, flux, center, q, PA, bins=24, sky_error=0.0):
        offsets = pixels.offsets(center)
        outer = measured_reach(pixels)
        inner = 0.5 * pixels.pixel
        edges = _annulus_edges(inner, outer, bins)
        # the pixels within the outer radius in radius order (shared with shape_moments): each
        # annulus is a run of them (edges[-1] is outer: the annuli end before it)
        order, ordered_radius = offsets.radius_order(q, PA, outer)
        starts = annulus_starts(ordered_radius, edges)
        within = ordered_radius.size
        # neighbours' light out of the means: clipped_to_annuli's numbers, annulus by annulus
        ordered_flux = clipped_in_radius_order(flux[order], starts)
        # the annuli's means are measured when first asked for (a start under a PSF needs only
        # the curve of growth)
        self._annuli_input = (order, starts, ordered_flux, flux, offsets.radius(q, PA), pixels.variance, sky_error,
                              pixels.area)
        self._annuli = None
        self.q = q
        self.radius = outer
        growth = np.cumsum(ordered_flux[:within])
        self.flux = float(growth[-1]) if growth.size else 0.0
        self._sorted_radius, self._growth = ordered_radius[:within], growth
        if self.flux > 0:
            k = int(np.searchsorted(growth, 0.5 * self.flux))
            self.half_light_radius = float(self._sorted_radius[min(k, growth.size - 1)])
        else:
            self.half_light_radius = 0.25 * outer
        # np.clip's number (NaN kept) without its call's cost
        self.half_light_radius = min(max(float(self.half_light_radius), 0.5 * pixels.pixel), outer)
        self.pixel = pixels.pixel
        self._variance, self._area = pixels.variance, pixels.area

    @property
    def noise_floor(self):
        """The median pixel's noise sigma per arcsec^2 (flux/arcsec^2)."""
        return math.sqrt(float(np.median(self._variance))) / self._area

    def _annuli_means(self):
        """(R, I, error) of the annuli, measured on first use."""
        if self._annuli is None:
            order, starts, ordered_flux, flux, radius, variance, sky_error, area = self._annuli_input
            index, flux = in_pixel_order(order, starts, ordered_flux, flux)
            bins = len(starts) - 1
            valid = index < bins
            # the pixels in the annuli, in pixel order (the sums' order), each gathered once
            index, flux, radius, variance = index[valid], flux[valid], radius[valid], variance[valid]
            count = np.diff(starts).astype(float)  # each annulus' pixels: a run of the radius order
            total = np.bincount(index, weights=flux, minlength=bins)
            squares = np.bincount(index, weights=flux**2, minlength=bins)
            r_sum = np.bincount(index, weights=radius, minlength=bins)
            noise = np.bincount(index, weights=variance, minlength=bins)
            used = count > 0
            count, total, squares, r_sum, noise = (a[used] for a in (count, total, squares, r_sum, noise))
            mean = total / count
            scatter = np.sqrt(np.maximum(squares / count - mean**2, 0.0) / np.maximum(count - 1, 1))
            # the sky level's own error is common to all pixels of an annulus: it does not average
            # down, and where an annulus is no brighter than it, the annulus says nothing of the profile
            error = np.hypot(np.maximum(scatter, np.sqrt(noise) / count), sky_error)
            self._annuli = (r_sum / count, mean / area, np.maximum(error / area, 1e-300))
            self._annuli_input = None
        return self._annuli

    @property
    def R(self):
        """Mean semi-major radius of each annulus (arcsec)."""
        return self._annuli_means()[0]

    @property
    def I(self):  # noqa: E743 (the profile's usual name)
        """Mean surface brightness of each annulus (flux/arcsec^2)."""
        return self._annuli_means()[1]

    @property
    def error(self):
        """Standard error of ``I`` with the sky level's error in quadrature (flux/arcsec^2)."""
        return self._annuli_means()[2]

    def aperture(self):
        """A semi-major radius for flux matching: 3 half-light radii, at least 4 pixels, within the window."""
        return min(max(3.0 * self.half_light_radius, 4.0 * self.pixel), self.radius)  # np.clip's number

    def flux_within(self, radius):
        """Sky-subtracted flux of the pixels within semi-major radius ``radius``."""
        k = int(np.searchsorted(self._sorted_radius, radius, side="right"))
        return float(self._growth[k - 1]) if k > 0 else 0.0

    def log_points(self):
        """(R, log10 I, error of log10 I) of the annuli detected at > 2 sigma, outside the central pixel,
        out to the first two undetected annuli in a row.

        Annuli within one pixel of the centre are left out (their mean is
        set by the pixel integration of the core, and the PSF, more than by
        the profile) unless that would leave fewer than three. Beyond two
        undetected annuli in a row the profile has reached the noise: the
        annuli further out that pass 2 sigma are the noise's upward
        fluctuations (1 in 40 of them), and they flattened the profile's
        outer part into n at its limit (measured: n 8 for 2.5 in a 64 x 64
        window at S/N 50).
        """
        good = (self.I > 2.0 * self.error) & (self.I > 0)
        if np.sum(good & (self.R >= self.pixel)) >= 3:
            good &= self.R >= self.pixel
        missed = ~good[1:] & ~good[:-1]  # annuli k and k+1 both undetected
        first_detected = int(np.argmax(good)) if np.any(good) else good.size
        gaps = np.flatnonzero(missed[first_detected:])
        if gaps.size:
            good[first_detected + gaps[0]:] = False
        R, I, error = self.R[good], self.I[good], self.error[good]
        return R, np.log10(I), np.hypot(error / (I * LN10), LOG_ERROR_FLOOR)

    def brightness_floor(self):
        """A small positive surface brightness (flux/arcsec^2) for a log10 when nothing is detected."""
        return max(self.noise_floor, 1e-30)


def fit_log_profile(R, log_I, error, shape, grids, amplitude=None, refine=2):
    """Grid least-squares fit of log10 I(R) = A + shape(R, *p) over the parameters p.

    ``shape(R, *p)`` returns log10 of the profile shape (arrays broadcast:
    R has shape [m] and each p is [k, 1]). ``grids`` is one 1-D grid per
    parameter (a single value fixes it). For each grid point the amplitude
    A is the weighted least-squares mean (or ``amplitude`` when given);
    the best point is refined on finer grids around it ``refine`` times.
    Returns (tuple of best p, A).
    """
    weight = 1.0 / error**2
    weight_sum = np.add.reduce(weight)  # (np.add.reduce: np.sum's numbers without its wrapper)
    row = R[None, :]
    grids = [np.atleast_1d(np.asarray(g, float)) for g in grids]
    best = None
    for round_ in range(refine + 1):
        if round_:
            grids = [finer_grid(grid, value) for grid, value in zip(grids, best[0])]
        flat = _grid_points(grids)
        residual = log_I - shape(row, *flat)  # (points, annuli), before the amplitude
        if amplitude is None:
            amp = np.add.reduce(weight * residual, axis=1) / weight_sum
        else:
            amp = np.full(residual.shape[0], float(amplitude))
        chi2 = np.add.reduce(weight * (residual - amp[:, None]) ** 2, axis=1)
        chi2 = np.where(np.isfinite(chi2), chi2, np.inf)
        k = int(np.argmin(chi2))
        best = (tuple(float(f[k, 0]) for f in flat), float(amp[k]))
    return best


def _grid_points(grids):
    """Every point of the grid spanned by the 1-D ``grids``, as one (points, 1) column per grid:
    np.meshgrid(*grids, indexing="ij") flattened (the first grid slowest): each grid's values
    repeated for the points of the grids after it, that run repeated for those before it (no
    repeat or copy where there is one: a fixed parameter's single value, the only grid)."""
    sizes = [grid.size for grid in grids]
    columns = []
    for a, grid in enumerate(grids):
        inner, outer = math.prod(sizes[a + 1:]), math.prod(sizes[:a])
        column = grid if inner == 1 else np.repeat(grid, inner)
        if outer > 1:
            column = np.concatenate((column,) * outer)  # np.tile's values (~5x its cost per call)
        columns.append(column.reshape(-1, 1))
    return columns


def finer_grid(grid, value, points=9):
    """A finer grid of ``points`` values spanning the neighbours of ``value`` in ``grid``
    (geometric when positive)."""
    if grid.size == 1:
        return grid
    k = int(np.argmin(np.abs(grid - value)))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    if lo > 0:
        return geometric_grid(lo, hi, points)
    return np.linspace(lo, hi, points)


def enclosed_shape_flux(shape_linear, radius, q, samples=2048):
    """Integral of 2 pi q R f(R) dR from 0 to ``radius`` of a profile shape f (linear)."""
    R = np.linspace(0.0, radius, samples)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = 2.0 * math.pi * q * R * shape_linear(R)
    values[0] = 0.0  # R f(R) -> 0 at the centre, a cusp (f(0) infinite) included
    return float(np.sum(0.5 * (values[1:] + values[:-1]) * np.diff(R)))


def signal_to_noise(model):
    """Sky-subtracted sum over sqrt(summed variance) in a component's window (0 when unusable)."""
    try:
        pixels = WindowPixels(model)
    except ValueError:
        return 0.0
    sky, _ = pixels.border_level()
    noise = math.sqrt(float(np.sum(pixels.variance)))
    value = float(np.sum(pixels.values - sky)) / noise if noise > 0 else 0.0
    return value if np.isfinite(value) else 0.0
