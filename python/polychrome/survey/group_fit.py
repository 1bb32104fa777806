"""GroupFitter: fit one group of sources jointly on every image that covers it; one row per source.

Per source and image cutout one component of the source's model type; its
shape parameters (ModelSpec.shared: centre, q, PA, n, Re by default) are one
quantity across the images (add_equality_constraint), its brightness is per
image; one sky per cutout. The start is the catalogue's (centre from ra/dec,
Re from size, q, PA from pa), the rest from the data (model.initialize());
then fit.LM with the spec's iterations and the group's remaining time.
"""

import dataclasses
import math
import time

import numpy as np

from ..fit import LM
from ..models import Model
from ..param import FreeParameters
from ..models.parameter_spec import MIN_AXIS_RATIO
from ..models.sersic import sersic_total_flux
from .cutouts import group_cutouts
from .flags import SourceFlag
from .image_spec import ImageSpec
from .model_choice import allowed_candidates, best_uniform
from .model_spec import ModelSpec
from .rows import bands_of, columns, empty_row, magnitude, shape_columns

_LN10 = math.log(10.0)
_SINGULAR, _AT_LIMIT_FLAG = int(SourceFlag.SINGULAR_COVARIANCE), int(SourceFlag.AT_LIMIT)
# A fitted value this close to a limit (relative to the limit's size, at least 1e-3) is "at" it.
_AT_LIMIT = 1e-5


@dataclasses.dataclass
class _Attempt:
    """One fit of the group with one model type per source."""

    types: list  # model type per source (None: not fitted)
    joint: object
    components: dict  # (source, cutout index) -> component model
    skies: list
    result: object
    free: FreeParameters
    n_pixels: int
    neighbours: dict = None  # (neighbour index, cutout index) -> model of a modelled neighbour
    _errors: np.ndarray = None

    def errors(self):
        """(P,) one-sigma uncertainty of each free parameter (NaN where the covariance has none)."""
        if self._errors is None:
            covariance = self.result.covariance
            if covariance.shape == (self.free.size, self.free.size):
                variances = np.diag(covariance)
                self._errors = np.sqrt(np.where(variances >= 0, variances, np.nan))
            else:
                self._errors = np.full(self.free.size, math.nan)
        return self._errors

    @property
    def chi2(self):
        return self.result.chi2

    @property
    def n_free(self):
        return self.free.size


def _start_values(source, center, model_type, limits):
    """{parameter: value or dict} for a component of ``model_type`` from the catalogue row."""
    from ..models.registry import model_class

    names = {spec.name for spec in model_class(model_type).parameter_specs}
    values = {"center": [float(center[0]), float(center[1])]}
    size = source.get("size")
    if "Re" in names and size is not None and math.isfinite(size) and size > 0:
        values["Re"] = float(size)
    q = source.get("q")
    if "q" in names and q is not None and math.isfinite(q) and 0.03 <= q <= 1.0:
        values["q"] = float(q)
    pa = source.get("pa")
    if "PA" in names and pa is not None and math.isfinite(pa):
        # degrees east of north -> radians counter-clockwise from the plane's +x (West)
        values["PA"] = math.radians(pa + 90.0) % math.pi
    for name, (low, high) in limits.items():
        if name in names:
            value = values.get(name)
            if value is not None and not low <= value <= high:
                value = min(max(value, low), high)
            values[name] = {"value": value, "limits": (low, high)}
    return {name: value for name, value in values.items() if name in names}


def _limits_for_grids(limits, cutouts):
    """``limits`` with q's lower limit raised, where a cutout's pixels are not square, so that no
    ellipse becomes flatter than the renderer's smallest axis ratio on that pixel grid (an
    ellipse of axis ratio q can appear as flat as q / (ratio of the grid's singular values))."""
    stretch = max(float(np.linalg.cond(cutout.target.pixelscale)) for cutout in cutouts)
    if "q" in limits or stretch <= 1.0 + 1e-9:
        return limits
    return {**limits, "q": (min(MIN_AXIS_RATIO * stretch * (1.0 + 1e-9), 1.0), 1.0)}


def _values_of(model):
    """{parameter: {"value", "limits"}} of a fitted component, to start another fit there."""
    return {p.name: {"value": p.value, "limits": p.limits} for p in model.parameters}


def _near_limit(value, low, high):
    for limit in (low, high):
        if limit is not None and math.isfinite(limit) and abs(value - limit) <= _AT_LIMIT * max(abs(limit), 1e-3):
            return True
    return False


def _sersic_log_flux_derivatives(values):
    """{parameter: d ln(total flux) / d parameter} of a Sersic: analytic in Ie, Re and q, by central
    differences of the closed form in n."""
    n, Re, Ie, q = values["n"], values["Re"], values["Ie"], values["q"]
    h = 1e-5 * n
    up, down = sersic_total_flux(n + h, Re, Ie, q), sersic_total_flux(n - h, Re, Ie, q)
    return {"Ie": _LN10, "Re": 2.0 / Re, "q": 1.0 / q, "n": math.log(up / down) / (2 * h)}


# model type -> d ln(flux)/d parameter from the component's values (the common cases, without
# touching the parameters); other types go through _numerical_flux_gradient
_LOG_FLUX_DERIVATIVES = {
    "sersic galaxy model": _sersic_log_flux_derivatives,
    "point model": lambda values: {"flux": _LN10},
}


def _numerical_flux_gradient(component, free, gradient):
    """Central differences of component.total_flux() in its non-centre scalar free parameters
    (one-sided next to a limit), into ``gradient``."""
    for parameter in component.parameters:
        where = free.slice_of(parameter)
        if where is None or parameter.name == "center" or parameter.shape != ():
            continue
        value = float(parameter.value)
        low, high = parameter.limits
        h = 1e-6 * max(abs(value), 1e-2)
        up = value + h if high is None or value + h <= high else value
        down = value - h if low is None or value - h >= low else value
        try:
            parameter.value = up
            f_up = float(component.total_flux())
            parameter.value = down
            f_down = float(component.total_flux())
        finally:
            parameter.value = value
        if up > down:
            gradient[where.start] = (f_up - f_down) / (up - down)


def _flux_and_gradient(component, free):
    """(total flux, its gradient over the free vector) of a component."""
    flux = float(component.total_flux())
    gradient = np.zeros(free.size)
    derivatives = _LOG_FLUX_DERIVATIVES.get(component.model_type)
    if derivatives is None:
        _numerical_flux_gradient(component, free, gradient)
        return flux, gradient
    values = {p.name: p.value for p in component.parameters}
    for name, derivative in derivatives(values).items():
        where = free.slice_of(component[name])
        if where is not None:
            gradient[where.start] += derivative * flux
    return flux, gradient


class GroupFitter:
    """Fits groups of a catalogue on ``images`` (ImageSpecs or dicts) under ``spec`` (ModelSpec or
    dict). Holds specifications only: pickles small, each worker opens the images itself.

    id_dtype: the numpy dtype of the id column ("int64", or "str" for string ids).
    ``phase_seconds`` adds up the CPU seconds (time.process_time) this process spent in each
    phase: "cutouts", "build", "initialize", "fit" (LM), "rows" (for benchmarks).
    """

    def __init__(self, images, spec, id_dtype="int64"):
        self.images = [ImageSpec.from_dict(image) for image in images]
        self.spec = ModelSpec.from_dict(spec)
        self.id_dtype = id_dtype
        self.bands = bands_of(self.images)
        self._columns = columns(self.bands, self.spec.shared, id_dtype)
        self.phase_seconds = dict.fromkeys(("cutouts", "build", "initialize", "fit", "rows"), 0.0)

    def _lap(self, phase, since):
        """Add the CPU seconds since ``since`` to ``phase``; returns the time now."""
        now = time.process_time()
        self.phase_seconds[phase] += now - since
        return now

    def columns(self):
        """[(name, numpy dtype, unit, description)] of every row key, in a fixed order."""
        return list(self._columns)

    def failed_rows(self, task, flags, message):
        """One row per source of ``task`` with NaN values, ``flags`` and ``message``."""
        return [empty_row(self._columns, source, task, int(task.flags) | int(flags), message)
                for source in task.sources]

    # --- fitting ----------------------------------------------------------------------
    def fit(self, task):
        """The rows of ``task`` (a GroupTask): one dict per source, keys = columns(). Data
        problems (no coverage, NaN pixels or PSF, too few pixels, no convergence, time-out)
        become flags and messages; bugs raise."""
        wall, cpu = time.perf_counter(), time.process_time()
        spec = self.spec
        cut = group_cutouts(task, self.images, spec)
        self._lap("cutouts", cpu)
        count = len(task.sources)
        flags = cut.flags | int(task.flags)
        messages = [list(m) for m in cut.messages]
        attempt = None
        if np.any(cut.fit) and cut.cutouts:
            attempt, extra_flags, note = self._fit_candidates(cut, task, wall)
            flags = flags | extra_flags
            if note:
                for k in np.flatnonzero(cut.fit):
                    messages[k].append(note)
        lap = time.process_time()
        rows = []
        for k, source in enumerate(task.sources):
            row = empty_row(self._columns, source, task)
            if attempt is not None and cut.fit[k]:
                flags[k] |= self._fill(row, k, attempt, cut)
            row["flags"] = int(flags[k])
            row["message"] = "; ".join(messages[k])
            rows.append(row)
        wall_share = (time.perf_counter() - wall) / count
        cpu_share = (time.process_time() - cpu) / count
        for row in rows:
            row["wall_time"], row["cpu_time"] = wall_share, cpu_share
        self._lap("rows", lap)
        return rows

    def _fit_candidates(self, cut, task, started):
        """(chosen _Attempt, extra flags (S,), note) fitting each candidate (see model_choice)."""
        spec = self.spec
        fitted = cut.fit
        attempts = []
        timed_out = False

        def remaining():
            return spec.time_budget - (time.perf_counter() - started)

        allowed = [allowed_candidates(spec.candidates, source.get("kind")) if f else ()
                   for source, f in zip(task.sources, fitted)]
        uniform = []
        for candidate in spec.candidates:
            types = [(candidate if candidate in a else a[0]) if f else None for a, f in zip(allowed, fitted)]
            if types not in uniform:
                uniform.append(types)
        for types in uniform:
            if attempts and remaining() <= 0:
                timed_out = True
                break
            attempts.append(self._fit_once(cut, task, types, max(remaining(), 1e-3)))
        chosen = attempts[best_uniform(attempts)]
        if len(uniform) > 1 and spec.choice == "source" and int(np.sum(fitted)) > 1:
            # each source in turn tries the other candidates, the others starting where they are
            for k in np.flatnonzero(fitted):
                for candidate in allowed[k]:
                    if candidate == chosen.types[k]:
                        continue
                    if remaining() <= 0:
                        timed_out = True
                        break
                    types = list(chosen.types)
                    types[k] = candidate
                    trial = self._fit_once(cut, task, types, remaining(), start=chosen)
                    chosen = [chosen, trial][best_uniform([chosen, trial])]
        extra = np.zeros(len(fitted), np.int64)
        note = ""
        message = chosen.result.message
        if message.startswith("time limit") or timed_out:
            extra[fitted] |= SourceFlag.TIMEOUT
            note = message if message.startswith("time limit") else "time budget spent before every candidate"
        elif not chosen.result.success:
            extra[fitted] |= SourceFlag.NOT_CONVERGED
            note = message
        return chosen, extra, note

    def _fit_once(self, cut, task, types, max_time, start=None):
        """Build, initialise and fit the group with model ``types`` per source; an _Attempt.

        start: an earlier _Attempt whose values start the sources of the same type (and the skies)."""
        spec = self.spec
        lap = time.process_time()
        components, models, skies = {}, [], []
        first = {}
        neighbours = {}  # (neighbour, cutout) -> its model, filled by _neighbour_models
        limits = _limits_for_grids(spec.limits, cut.cutouts)
        for c, cutout in enumerate(cut.cutouts):
            for k in np.flatnonzero(cutout.uses & cut.fit):
                values = _start_values(task.sources[k], cut.centers[k], types[k], limits)
                if start is not None and start.types[k] == types[k]:
                    values.update(_values_of(start.components[(k, c)]))
                model = Model(name=f"source {k} image {c}", model_type=types[k], target=cutout.target,
                              parameters=values)
                if k in first:
                    names = [name for name in spec.shared if name in model.parameters.names]
                    model.add_equality_constraint(first[k], names)
                else:
                    first[k] = model
                components[(k, c)] = model
                models.append(model)
            models += self._neighbour_models(cut, c, limits, neighbours, start)
            if spec.sky is not None:
                sky = Model(name=f"sky {c}", model_type=spec.sky, target=cutout.target,
                            parameters=None if start is None else _values_of(start.skies[c]))
                skies.append(sky)
                models.append(sky)
        joint = Model(name=f"group {task.group_id}", model_type="group model", models=models)
        lap = self._lap("build", lap)
        joint.initialize()
        lap = self._lap("initialize", lap)
        result = LM(joint, max_iter=spec.max_iterations, max_time=max_time).fit()
        self._lap("fit", lap)
        free = FreeParameters(joint.all_parameters())
        n_pixels = sum(int(np.sum(~cutout.target.mask)) for cutout in cut.cutouts)
        return _Attempt(types, joint, components, skies, result, free, n_pixels, neighbours)

    def _neighbour_models(self, cut, c, limits, neighbours, start):
        """The models of the neighbours centred on cutout ``c`` (ModelSpec.neighbours "fit"): the
        last candidate their catalogue kind allows, linked across the images like the members;
        recorded in ``neighbours`` {(neighbour, cutout): model}."""
        models = []
        target = cut.cutouts[c].target
        ny, nx = target.shape
        for n, (row, center) in enumerate(cut.modelled):
            x, y = target.plane_to_pixel_affine(*center)
            if not (-0.5 <= x <= nx - 0.5 and -0.5 <= y <= ny - 0.5):
                continue
            model_type = allowed_candidates(self.spec.candidates, row.get("kind"))[-1]
            values = _start_values(row, center, model_type, limits)
            if start is not None and (n, c) in start.neighbours:
                values.update(_values_of(start.neighbours[(n, c)]))
            model = Model(name=f"neighbour {n} image {c}", model_type=model_type, target=target,
                          parameters=values)
            earlier = next((m for (m_n, _), m in neighbours.items() if m_n == n), None)
            if earlier is not None:
                model.add_equality_constraint(earlier, [p for p in self.spec.shared if p in model.parameters.names])
            neighbours[(n, c)] = model
            models.append(model)
        return models

    # --- rows -------------------------------------------------------------------------
    def _fill(self, row, k, attempt, cut):
        """Write source k's fitted values into ``row``; returns its flags from the fit."""
        result, free = attempt.result, attempt.free
        own = [(c, m) for (s, c), m in attempt.components.items() if s == k]
        first = own[0][1]
        covariance = result.covariance if result.covariance.shape == (free.size, free.size) else None
        errors = attempt.errors()
        unconstrained = result.unconstrained if result.unconstrained is not None else np.zeros(free.size, bool)
        flags = 0
        row["model_type"] = attempt.types[k]
        row["chi2"], row["ndf"], row["iterations"] = float(result.chi2), int(result.ndf), int(result.iterations)
        row["n_images"] = len(own)
        center = first["center"]
        x, y = center.value.tolist()
        ra, dec = cut.plane.to_sky(x, y)
        row["ra"], row["dec"] = float(ra), float(dec)
        where = free.slice_of(center)
        row["ra_err"], row["dec_err"] = errors[where].tolist() if where is not None else (math.nan, math.nan)
        names = first.parameters.names
        for name in shape_columns(self.spec.shared):
            if name not in names:
                continue
            parameter = first[name]
            where = free.slice_of(parameter)
            value, error = float(parameter.value), float(errors[where.start]) if where is not None else math.nan
            if name == "PA":
                value, error = (math.degrees(value) - 90.0) % 180.0, math.degrees(error)
            row[name], row[f"{name}_err"] = value, error
        for _, model in own:
            for parameter in model.parameters:
                where = free.slice_of(parameter)
                if where is None:
                    continue
                if unconstrained[where].any() or not np.isfinite(errors[where]).all():
                    flags |= _SINGULAR
                if not parameter.cyclic:
                    low, high = parameter.limits
                    if any(_near_limit(v, low, high) for v in np.ravel(parameter.value).tolist()):
                        flags |= _AT_LIMIT_FLAG
        self._fill_fluxes(row, own, cut, free, covariance)
        return flags

    def _fill_fluxes(self, row, own, cut, free, covariance):
        """flux_<band>, mag_<band> and errors: per band the inverse-variance mean of its images'
        fluxes, each brought to the band's first zeropoint."""
        per_band = {}
        for c, model in own:
            if not hasattr(model, "total_flux"):
                continue
            flux, gradient = _flux_and_gradient(model, free)
            per_band.setdefault(cut.cutouts[c].band, []).append((flux, gradient, cut.cutouts[c].target.zeropoint))
        for band, entries in per_band.items():
            reference = entries[0][2]
            scale = np.array([1.0 if zp is None or reference is None else 10 ** (-0.4 * (zp - reference))
                              for _, _, zp in entries])
            fluxes = np.array([f for f, _, _ in entries]) * scale
            gradients = np.array([g for _, g, _ in entries]) * scale[:, None]
            variance = np.array([_propagated_variance(g, covariance) for g in gradients])
            if len(entries) == 1 or not np.all((variance > 0) & np.isfinite(variance)):
                weights = np.full(len(entries), 1.0 / len(entries))
            else:
                weights = (1.0 / variance) / np.sum(1.0 / variance)
            flux = float(weights @ fluxes)
            error = math.sqrt(_propagated_variance(weights @ gradients, covariance))
            row[f"flux_{band}"], row[f"flux_{band}_err"] = flux, error
            row[f"mag_{band}"], row[f"mag_{band}_err"] = magnitude(flux, error, reference)


def _propagated_variance(gradient, covariance):
    """gradient^T C gradient over the parameters it depends on: inf when one of them is not
    constrained (NaN or inf variance), NaN without a covariance."""
    if covariance is None:
        return math.nan
    used = np.flatnonzero(gradient)
    block = covariance[np.ix_(used, used)]
    if not np.all(np.isfinite(block)):
        return math.inf
    return max(float(gradient[used] @ block @ gradient[used]), 0.0)
