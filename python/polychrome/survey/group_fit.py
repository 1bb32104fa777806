"""GroupFitter: fit one group of sources jointly on every image that covers it; one row per source.

Per source and image cutout one component of the source's model type; its
shape parameters (ModelSpec.shared: centre, q, PA, n, Re by default) are one
quantity across the images (add_equality_constraint), its brightness is per
image; one sky per cutout. The start is the catalogue's (centre from ra/dec,
Re from size, q, PA from pa), the rest from the data (model.initialize());
then fit.LM with the spec's iterations and the group's remaining time, stepping the spec's
log_parameters (Sersic n and the sizes by default) in their logarithm.
"""

import functools
import math
import time

import numpy as np

from ..fit import LM
from ..models import Model
from ..models.parameter_spec import MIN_AXIS_RATIO
from ..models.registry import model_class
from ..param import FreeParameters
from .cutouts import group_cutouts
from .flags import SourceFlag
from .fitted_values import FitAttempt, fill_row
from .image_spec import ImageSpec
from .model_choice import allowed_candidates, best_uniform
from .model_spec import ModelSpec
from .rows import bands_of, columns, empty_row


def _start_values(source, center, model_type, limits, guesses=("center", "size", "q", "pa")):
    """{parameter: value or dict} for a component of ``model_type`` from the catalogue row: the
    columns named in ``guesses`` (see ModelSpec.catalogue_guesses) and the limits."""
    names = _parameter_names(model_class(model_type))
    values = {"center": [float(center[0]), float(center[1])]} if "center" in guesses else {}
    size = source.get("size") if "size" in guesses else None
    if "Re" in names and size is not None and math.isfinite(size) and size > 0:
        values["Re"] = float(size)
    q = source.get("q") if "q" in guesses else None
    if "q" in names and q is not None and math.isfinite(q) and 0.03 <= q <= 1.0:
        values["q"] = float(q)
    pa = source.get("pa") if "pa" in guesses else None
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


@functools.lru_cache(maxsize=64)
def _parameter_names(model_cls):
    """The parameter names of a model class (a frozenset; every component of a group asks)."""
    return frozenset(spec.name for spec in model_cls.parameter_specs)


def _limits_for_grids(limits, cutouts):
    """``limits`` with q's lower limit raised, where a cutout's pixels are not square, so that no
    ellipse becomes flatter than the renderer's smallest axis ratio on that pixel grid (an
    ellipse of axis ratio q can appear as flat as q / (ratio of the grid's singular values))."""
    if "q" in limits or all(_is_similarity(cutout.target.pixelscale) for cutout in cutouts):
        return limits
    stretch = max(float(np.linalg.cond(cutout.target.pixelscale)) for cutout in cutouts)
    if stretch <= 1.0 + 1e-9:
        return limits
    return {**limits, "q": (min(MIN_AXIS_RATIO * stretch * (1.0 + 1e-9), 1.0), 1.0)}


def _is_similarity(A):
    """True when the 2x2 matrix ``A`` is exactly a scaled rotation or reflection (condition number 1:
    square pixels; see cutouts._squared_up), telling so without an SVD."""
    (a00, a01), (a10, a11) = A.tolist()
    return (a00 == a11 and a01 == -a10) or (a00 == -a11 and a01 == a10)


def _values_of(model):
    """{parameter: {"value", "limits"}} of a fitted component, to start another fit there."""
    return {p.name: {"value": p.value, "limits": p.limits} for p in model.parameters}


class GroupFitter:
    """Fits groups of a catalogue on ``images`` (ImageSpecs or dicts) under ``spec`` (ModelSpec or
    dict). Holds specifications only: pickles small, each worker opens the images itself.

    id_dtype: the numpy dtype of the id column ("int64", or "str" for string ids).
    ``phase_seconds`` adds up the CPU seconds (time.process_time) this process spent in each
    phase: "cutouts", "build", "initialize", "fit" (LM), "rows" (for benchmarks); together they
    cover each group's whole time in ``fit``.
    """

    def __init__(self, images, spec, id_dtype="int64"):
        self.images = [ImageSpec.from_dict(image) for image in images]
        self.spec = ModelSpec.from_dict(spec)
        self.id_dtype = id_dtype
        self.bands = bands_of(self.images)
        self._columns = columns(self.bands, self.spec.shared, id_dtype)
        self.phase_seconds = dict.fromkeys(("cutouts", "build", "initialize", "fit", "rows"), 0.0)
        self._lap_start = 0.0  # process_time at the end of the last phase

    def _lap(self, phase):
        """Add the CPU seconds since the end of the previous phase to ``phase``; returns the time now.
        One clock reading per phase boundary: process_time is a system call (~1 us here, ~30 us on one
        benchmark VM)."""
        now = time.process_time()
        self.phase_seconds[phase] += now - self._lap_start
        self._lap_start = now
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
        self._lap_start = cpu
        spec = self.spec
        cut = group_cutouts(task, self.images, spec)
        self._lap("cutouts")
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
        rows = []
        for k, source in enumerate(task.sources):
            row = empty_row(self._columns, source, task)
            if attempt is not None and cut.fit[k]:
                flags[k] |= fill_row(row, k, attempt, cut, self.spec.shared)
            row["flags"] = int(flags[k])
            row["message"] = "; ".join(messages[k])
            rows.append(row)
        wall_share = (time.perf_counter() - wall) / count
        cpu_share = (self._lap("rows") - cpu) / count
        for row in rows:
            row["wall_time"], row["cpu_time"] = wall_share, cpu_share
        return rows

    def _fit_candidates(self, cut, task, started):
        """(chosen FitAttempt, extra flags (S,), note) fitting each candidate (see model_choice)."""
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
        """Build, initialise and fit the group with model ``types`` per source; an FitAttempt.

        start: an earlier FitAttempt whose values start the sources of the same type (and the skies)."""
        spec = self.spec
        components, models, skies = {}, [], []
        first = {}
        neighbours = {}  # (neighbour, cutout) -> its model, filled by _neighbour_models
        limits = _limits_for_grids(spec.limits, cut.cutouts)
        fitted = cut.fit.tolist()
        for c, cutout in enumerate(cut.cutouts):
            on_cutout = len(models)
            for k in [k for k, used in enumerate(cutout.uses.tolist()) if used and fitted[k]]:
                values = _start_values(task.sources[k], cut.centers[k], types[k], limits, spec.catalogue_guesses)
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
            if len(models) - on_cutout == 1:
                # the cutout was cut for this one source: its light is rendered on all of it
                # (an automatic window would be resized after every step, to no gain)
                models[-1].window = cutout.target.window
            if spec.sky is not None:
                sky = Model(name=f"sky {c}", model_type=spec.sky, target=cutout.target,
                            parameters=None if start is None else _values_of(start.skies[c]))
                skies.append(sky)
                models.append(sky)
        joint = Model(name=f"group {task.group_id}", model_type="group model", models=models)
        if spec.render_accuracy is not None:
            joint.set_noise_tolerance(spec.render_accuracy)
        self._lap("build")
        joint.initialize()
        self._lap("initialize")
        free = FreeParameters(joint.all_parameters())
        logs = [name for name in spec.log_parameters if name in free.names]
        result = LM(joint, max_iter=spec.max_iterations, max_time=max_time, log_parameters=logs,
                    total_flux=spec.total_flux, free=free).fit()
        self._lap("fit")
        n_pixels = sum(cutout.target.mask.size - np.count_nonzero(cutout.target.mask) for cutout in cut.cutouts)
        return FitAttempt(types, joint, components, skies, result, free, n_pixels, neighbours)

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
            values = _start_values(row, center, model_type, limits, self.spec.catalogue_guesses)
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
