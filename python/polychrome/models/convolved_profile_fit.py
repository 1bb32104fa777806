"""The profile start of a galaxy under a PSF: a grid of PSF-convolved candidates rendered in 2-D.

A source not much larger than the PSF looks like the PSF: fitting the observed
log I(R) with unconvolved profiles starts it far too large and shallow (a
Re = 1.5 px Sersic under a 4 px FWHM Moffat started at Re ~ 3.5 px, n ~ 0.8),
from where a fit can run to n = 10. Here each candidate of a coarse grid of
the shape parameters is rendered by the core, convolved with the target's PSF,
on a cutout around the source; its brightness is the weighted least-squares
amplitude, and the candidate of least chi^2 is refined by a short pattern search.
Centre, q and PA are held at their (deconvolved) starts. A well-resolved source
(initialization.well_resolved) skips this: its observed annuli give the start.
"""

import functools
import itertools
import math
import operator

import numpy as np

from .. import _core
from ..render import ProfileRenderer

# The search: every COARSE_STRIDE-th value (and the last) of the model's own initialisation grid
# per shape parameter, then REFINE_ROUNDS rounds of a pattern search around the best (its
# neighbours at half the last step, in log for positive grids, the values already tried not
# rendered again; per parameter only the side towards the minimum of the parabola through the
# best and its tried neighbours, see _downhill_offsets): <= 28 renders for a Sersic (3 n x 4 Re,
# then 2 x 8; 18 when the best is inside the grid), against 102 for the full grid refined on a 5x5
# one. Measured on 40 seeds (Re = 1.5 px, q = 0.6, n = 1.5 under a 4 px FWHM Moffat, S/N ~ 50):
# median start Re 1.29 px (was 1.32), every fit from it reaching the minimum, as before; a stride
# of 4 (46 renders) gave the old starts exactly. The one-sided rounds: the same starts as both
# sides on 8 seeds (n alone, and n with Re), 18-23 renders for 22-25.
# One refining round instead of two (4 renders per survey source, where the catalogue gives Re, q
# and PA and n alone is searched; measured 2026-12-04 on the isolated fields, survey_fit_only +
# compare_survey_fits): the LM then needs more steps, isolated1 9.34 -> 9.74 normal equations per
# source (+0.18 ms, the render saved), isolated3 10.73 -> 10.85; fits within 0.13 sigma. Kept at 2.
COARSE_STRIDE = 7
REFINE_ROUNDS = 2
# A search along one axis of three coarse values (the survey's, where the catalogue gives Re, q and
# PA and n alone is searched: n = 2.0, 0.4, 8.0) renders the high end only where the low end's
# chi^2 is not below the middle's: chi^2 along n mostly falls towards one end, and the high end
# then rarely holds the least (isolated1: in 3 of the 52 searches where the low end beat the
# middle, isolated3: 10 of 42). Each render skipped is ~0.16 ms (at the noise-set tolerance a
# candidate takes 0.13-0.17 ms on isolated1, the high end no more than the others). Measured 2026-12-04
# (survey_fit_only + compare_survey_fits against all three rendered): renders per search 5.00 ->
# 4.64 (isolated1) and 5.00 -> 4.69 (isolated3); fits: isolated1 3 sources moved, by at most
# 0.0099 sigma (chi^2 within 7e-4), isolated3 10, by at most 0.050 sigma (source 117, chi^2
# -0.002; chi^2 lower in 8, higher in 2 by <= 5.5e-4); normal equations per source 7.33 -> 7.32
# and 8.67 -> 8.63, chi^2 evaluations 0.75 -> 0.73 and 1.58 -> 1.55, flags the same.
# A start needs no 1e-5 pixels: candidates are integrated to 1e-3 per pixel (fewer subdivisions).
CANDIDATE_TOLERANCE = 1e-3
# With a noise tolerance (Model.set_noise_tolerance: the fit's pixels may err by that much, flux per
# pixel), a candidate after the first is rendered to this share of it, in the candidate's own units
# (its image is 1/amplitude of the data's; _AbsoluteTolerance): the core then leaves the dark wing
# at 0 and convolves only the lit box. Measured 2026-12-04 on the isolated1 candidates (730 recorded
# renders, process_time): 0.24 -> 0.14 ms per render, all of it at n < 1.5 (n = 0.4: 0.37 -> 0.13 ms,
# the Gaussian-like wing refused by the Taylor estimate), n >= 2 unchanged; the speed hardly depends
# on the share (1e-5 .. 1e-3 of the peak pixel within 10%), so it is kept well below the fit's own.
CANDIDATE_NOISE_SHARE = 0.1


class Cutout:
    """The sky-subtracted pixels measured for a model (``pixels``: the WindowPixels of the window
    initialize() measures on) around ``center`` (plane, arcsec) within ``radius`` (arcsec):
    ``data`` and ``weight`` (1/variance; 0 where masked or not measured) on a pixel box, its
    ``shape`` and ``origin`` (plane position of its outer corner)."""

    def __init__(self, model, pixels, flux, center, radius):
        target, window = model.target, pixels.window
        px, py = target.mapping.plane_point_to_pixel(center[0], center[1])
        half = radius / pixels.pixel
        ny, nx = window.shape
        x0 = _clipped(math.floor(px - half) - window.x_start, 0, nx - 1)
        x1 = _clipped(math.ceil(px + half) + 1 - window.x_start, x0 + 1, nx)
        y0 = _clipped(math.floor(py - half) - window.y_start, 0, ny - 1)
        y1 = _clipped(math.ceil(py + half) + 1 - window.y_start, y0 + 1, ny)
        box = (slice(y0, y1), slice(x0, x1))
        # contiguous copies: every candidate multiplies them (a strided view's products took 2x as long)
        self.data = np.ascontiguousarray(_on_window_grid(pixels, flux)[box])
        self.weight = _box_weight(pixels, box)
        # weight x data, the same for every candidate (their amplitudes' numerators), and the sum of
        # weight x data^2 (the chi^2 of no model: each candidate's chi^2 is read off it, _candidate)
        self.weighted_data = self.weight * self.data
        self.weighted_squares = float(_total(self.weighted_data * self.data))
        self.shape = self.data.shape
        self.origin = np.asarray(window.origin, float) + np.asarray(target.pixelscale, float) @ np.array(
            [x0, y0], float)


def _on_window_grid(pixels, values):
    """``values`` (one per pixel of the WindowPixels ``pixels``) on the window's grid, 0 where no
    pixel is measured; an unmasked window's values (all of its pixels, in row-major order) are
    reshaped, not scattered."""
    shape = pixels.window.shape
    if values.size == shape[0] * shape[1]:
        return values.reshape(shape)
    grid = np.zeros(shape)
    grid[pixels.grid_index] = values
    return grid


def _box_weight(pixels, box):
    """1/variance of the WindowPixels ``pixels`` on ``box`` (row slice, column slice) of the
    window's grid, contiguous, 0 where no pixel is measured: an unmasked window's divided on the
    box alone (the same quotients; a cutout is about half of its window)."""
    shape = pixels.window.shape
    if pixels.variance.size == shape[0] * shape[1]:
        return np.ascontiguousarray(1.0 / pixels.variance.reshape(shape)[box])
    return np.ascontiguousarray(_on_window_grid(pixels, 1.0 / pixels.variance)[box])


def _clipped(k, low, high):
    """The integer ``k`` clipped to [low, high] (np.clip's value for ints, without its cost)."""
    return min(max(k, low), high)


def convolved_profile_start(model, cutout, values, q, grids, fixed_amplitude=None):
    """(shape values {name: value}, log10 amplitude) of the best PSF-convolved candidate, or None
    when no candidate has a positive amplitude (no light).

    ``values``: {name: value} with the centre and the shape parameters given
    by the user (None for those to find); ``grids``: {name: 1-D grid} for the
    shape parameters to find (the search stays within each grid's range);
    ``fixed_amplitude``: the log10 amplitude when the brightness is given
    (None: fitted). With a noise tolerance set on the model
    (Model.set_noise_tolerance), the candidates after the first are rendered
    to a share of it (_AbsoluteTolerance), the first to the relative
    tolerance alone.
    """
    names = [name for name in model._profile_names[:-1] if values[name] is None]
    axes = [_search_axis(grids[name]) for name in names]
    tried = {}
    target = model.target

    # every candidate on the same grid: checked and prepared once, then copied per absolute
    # tolerance (with_absolute_tolerance); a small cutout: threads would cost more than they save
    checked = ProfileRenderer(model.profile, cutout.shape, pixelscale=target.pixelscale, origin=cutout.origin,
                              psf=target.psf.convolver, psf_upsample=target.psf_upsample,
                              tolerance=CANDIDATE_TOLERANCE, threads=1)

    def renderer(absolute_tolerance):
        return checked.with_absolute_tolerance(absolute_tolerance)

    # the renderer's arguments as it converts them (floats; the centre a pair), converted once:
    # each candidate then calls the core without the per-call checks
    center = tuple(float(u) for u in values["center"])
    if len(center) != 2:
        raise ValueError(f"model {model.name!r}: center must be a pair (x, y), got {values['center']!r}")
    render = _candidate_renderer(renderer, center, float(q), float(values["PA"]))
    tolerance = _AbsoluteTolerance(model._absolute_tolerance())

    # (chi^2, point, log10 amplitude) of the candidates with light, in the order tried (the
    # least's first one is the best, as min() over all of them picks it)
    found = []

    def best_of(points):
        for point in points:
            key = _point_key(point)
            if key not in tried:
                trial = dict(values)
                for name, axis, u in zip(names, axes, point):
                    trial[name] = axis.value(u)
                result = _candidate(model, render, cutout, trial, q, fixed_amplitude, tolerance.per_unit())
                tried[key] = (result, point)
                if result is not None:
                    found.append((result[0], point, result[1]))
                    tolerance.add(result[1])
        return min(found, key=_first) if found else None

    # the points as tuples of floats, in numpy's meshgrid (indexing "ij") order: the first axis slowest,
    # but the middle one rendered first (at the default accuracy: the amplitude that sets the others')
    coarse = list(itertools.product(*[axis.coarse for axis in axes]))
    middle = tuple(axis.coarse[len(axis.coarse) // 2] for axis in axes)
    if len(coarse) == 3 and len(axes) == 1:
        # one axis of three (the survey's n): its low end after the middle, its high end only where
        # the low end does not beat the middle (measured: see the note after REFINE_ROUNDS)
        best = best_of([middle, coarse[0]])
        low, mid = (tried[_point_key(point)][0] for point in (coarse[0], middle))
        if not (low is not None and mid is not None and low[0] < mid[0]):
            best = best_of([coarse[-1]])
    else:
        best = best_of([middle] + coarse)
    if best is None:
        return None
    steps = [axis.step for axis in axes]
    for _ in range(REFINE_ROUNDS):
        steps = [0.5 * step for step in steps]
        sides = [_downhill_offsets(found, best[1], a, step) for a, step in enumerate(steps)]
        best = best_of([tuple(axis.clip(u + o) for axis, u, o in zip(axes, best[1], offset))
                        for offset in itertools.product(*sides)])
    return {name: float(axis.value(u)) for name, axis, u in zip(names, axes, best[1])}, best[2]


def _point_key(point):
    """The key of a search point (a tuple of floats) among those tried: its coordinates rounded to
    9 decimals (a point reached twice by sums of steps is rendered once)."""
    return tuple([round(u, 9) for u in point])


_first = operator.itemgetter(0)


def _downhill_offsets(found, best, a, step):
    """The offsets along axis ``a`` to try around the point ``best``: (-step, 0) or (0, step), the
    side towards the minimum of the parabola through ``best`` and its nearest tried neighbours on
    either side along that axis (``found``: [(chi^2, point, ...)]), or (-step, 0, step) without one on
    each side (at the grid's edge, the clipped side is ``best`` again, not rendered twice).

    The pattern search tried both sides; chi^2 is smooth in the shape parameters, and the side
    away from the descent rarely held the best point (and then within a step of it)."""
    if len(best) == 1:  # one axis (the survey's n): every point tried is on the line
        line = [(point[0], chi2) for chi2, point, *_ in found]
    else:
        key = [round(u, 9) for u in best]
        line = [(point[a], chi2) for chi2, point, *_ in found
                if all(round(u, 9) == k for j, (u, k) in enumerate(zip(point, key)) if j != a)]
    u1 = best[a]
    below, above = u1 - 1e-9, u1 + 1e-9
    # max() and min() of the points on either side (tuples: by u, then chi^2, as before)
    lower = max([item for item in line if item[0] < below], default=None)
    upper = min([item for item in line if item[0] > above], default=None)
    if lower is None or upper is None:
        return (-step, 0.0, step)
    chi1 = min([chi2 for u, chi2 in line if abs(u - u1) <= 1e-9])
    (u0, chi0), (u2, chi2) = lower, upper
    # the parabola's slope at u1 (times u2 - u0 > 0): positive, its minimum lies below u1
    slope = (chi2 - chi1) / (u2 - u1) * (u1 - u0) + (chi1 - chi0) / (u1 - u0) * (u2 - u1)
    if slope > 0:
        return (-step, 0.0)
    if slope < 0:
        return (0.0, step)
    return (-step, 0.0, step)


def _search_axis(grid):
    """The _SearchAxis of ``grid`` (1-D), kept per grid's values: a model's grid of a parameter
    without a catalogue value (the survey's n) is the same at every source (an axis is never
    modified after it is made)."""
    grid = np.asarray(grid, float)
    return _kept_search_axis(grid.tobytes())


@functools.lru_cache(maxsize=64)
def _kept_search_axis(grid_bytes):
    return _SearchAxis(np.frombuffer(grid_bytes))


class _SearchAxis:
    """One shape parameter's search coordinate: log of the value for a positive grid (else the
    value), its coarse values (every COARSE_STRIDE-th of the grid's, the last kept), the coarse
    step and the grid's range."""

    def __init__(self, grid):
        grid = np.asarray(grid, float)
        self.logarithmic = bool(grid[0] > 0)
        u = (np.log(grid) if self.logarithmic else grid).tolist()
        # a few values, in Python floats: the same numbers as numpy's unique/diff/max/min of them
        index = sorted(set(range(0, len(u), COARSE_STRIDE)) | {len(u) - 1})
        self.coarse = [u[k] for k in index]
        self.step = max(b - a for a, b in zip(self.coarse, self.coarse[1:])) if len(index) > 1 else 0.0
        self.low, self.high = min(u), max(u)

    def clip(self, u):
        return min(max(u, self.low), self.high)  # np.clip's value, without its call's cost

    def value(self, u):
        return math.exp(u) if self.logarithmic else u


class _AbsoluteTolerance:
    """The absolute tolerance (flux per pixel of a candidate's own image, amplitude 1) of the next
    candidate render: ``CANDIDATE_NOISE_SHARE`` x the model's noise tolerance ``noise`` (flux per
    pixel of the data) over the largest amplitude found so far, rounded down to a power of 16 (one
    renderer each: usually one for all the candidates after the first; rounded to powers of 2, the
    largest amplitude's growth made 2.8 renderers per search, 15 us each); 0 (the relative
    tolerance alone) before any amplitude or without a noise tolerance. The candidates' amplitudes
    differ by a few times along n at a given size (a Sersic's total flux per 10**Ie: 1.3 at n = 0.4, 1.9 at n = 1, 7.8 at n = 4), so the largest so far keeps
    every candidate's pixels within about the share of the fit's own tolerance."""

    def __init__(self, noise):
        self.noise = noise
        self.amplitude = 0.0  # the largest so far

    def add(self, log_amplitude):
        self.amplitude = max(self.amplitude, 10.0**log_amplitude)

    def per_unit(self):
        if not (self.noise > 0 and self.amplitude > 0):
            return 0.0
        share = CANDIDATE_NOISE_SHARE * self.noise / self.amplitude
        return math.ldexp(1.0, 4 * math.floor(0.25 * math.log2(share))) if share > 0 else 0.0


def _candidate_renderer(renderer, center, q, PA):
    """``render(profile_values, absolute_tolerance=0.0)``: the image of ``renderer(absolute_tolerance)``
    (a ProfileRenderer, made once per distinct tolerance) at the fixed ``center`` (x, y floats),
    ``q`` and ``PA`` (floats), through its unchecked call (the profile's values, as many as it
    takes, converted to floats here as the checked call does)."""
    calls = {}

    def render(profile_values, absolute_tolerance=0.0):
        if absolute_tolerance not in calls:
            made = renderer(absolute_tolerance)
            calls[absolute_tolerance] = made.unchecked(), made.value_count
        call, count = calls[absolute_tolerance]
        floats = [float(v) for v in profile_values]
        if len(floats) != count:
            raise ValueError(f"{len(floats)} profile values for the renderer's {count}")
        return call(floats, center, q, PA, False)

    return render


def _candidate(model, render, cutout, values, q, fixed_amplitude, absolute_tolerance=0.0):
    """(chi^2, log10 amplitude) of one candidate on the cutout (``render``: the image of the
    model's profile on it from the profile's values, _candidate_renderer, to ``absolute_tolerance``
    flux per pixel at amplitude 1), or None without light. ``values``: the candidate's {name:
    value}, a dict of its own (its brightness entry is set here)."""
    brightness = model._profile_names[-1]
    values[brightness] = model._brightness(0.0, values, q)
    image = render(model._core_parameters(values), absolute_tolerance)
    # sum w m^2 and sum (w d) m in one core call (numpy's pairwise sums of the same products, bit
    # for bit: two multiplies and two reductions fewer per candidate)
    norm, cross = _core.candidate_sums(cutout.weight, cutout.weighted_data, image)
    if not norm > 0 or not math.isfinite(norm):
        return None
    if fixed_amplitude is None:
        amplitude = cross / norm
        if not amplitude > 0:
            return None
    else:
        amplitude = 10.0**fixed_amplitude
    # sum w (d - a m)^2 expanded into the sums at hand (no residual image: 4 array passes fewer). It
    # differs from the direct sum by rounding, ~1e-16 of sum w d^2 (a bright source's 1e6 against
    # a chi^2 of ~1e3: 1e-13 relative), far below the candidates' chi^2 differences.
    chi2 = cutout.weighted_squares - 2.0 * amplitude * cross + amplitude * amplitude * norm
    return chi2, math.log10(amplitude)


def _total(array):
    """The sum of every element of ``array`` (2-D): ``array.sum()``'s number (np.add.reduce over
    all axes, numpy's pairwise summation) without the method's Python wrapper."""
    return np.add.reduce(array, axis=None)
