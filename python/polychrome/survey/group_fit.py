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
from .cutouts import group_cutouts
from .flags import SourceFlag
from .image_spec import ImageSpec
from .model_choice import best_uniform
from .model_spec import ModelSpec
from .rows import bands_of, columns, empty_row, magnitude, shape_columns

_LN10 = math.log(10.0)
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


def _values_of(model):
    """{parameter: {"value", "limits"}} of a fitted component, to start another fit there."""
    return {p.name: {"value": p.value, "limits": p.limits} for p in model.parameters}


def _near_limit(value, low, high):
    for limit in (low, high):
        if limit is not None and math.isfinite(limit) and abs(value - limit) <= _AT_LIMIT * max(abs(limit), 1e-3):
            return True
    return False


def _flux_and_gradient(component, free):
    """(total flux, gradient over the free vector) of a component, by central differences of its
    non-centre parameters (one-sided next to a limit)."""
    flux = float(component.total_flux())
    gradient = np.zeros(free.size)
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
    return flux, gradient


class GroupFitter:
    """Fits groups of a catalogue on ``images`` (ImageSpecs or dicts) under ``spec`` (ModelSpec or
    dict). Holds specifications only: pickles small, each worker opens the images itself.

    id_dtype: the numpy dtype of the id column ("int64", or "str" for string ids).
    """

    def __init__(self, images, spec, id_dtype="int64"):
        self.images = [ImageSpec.from_dict(image) for image in images]
        self.spec = ModelSpec.from_dict(spec)
        self.id_dtype = id_dtype
        self.bands = bands_of(self.images)
        self._columns = columns(self.bands, self.spec.shared, id_dtype)

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
                flags[k] |= self._fill(row, k, attempt, cut)
            row["flags"] = int(flags[k])
            row["message"] = "; ".join(messages[k])
            rows.append(row)
        wall_share = (time.perf_counter() - wall) / count
        cpu_share = (time.process_time() - cpu) / count
        for row in rows:
            row["wall_time"], row["cpu_time"] = wall_share, cpu_share
        return rows

    def _fit_candidates(self, cut, task, started):
        """(chosen _Attempt, extra flags (S,), note) fitting each candidate (see model_choice)."""
        spec = self.spec
        fitted = cut.fit
        attempts = []
        timed_out = False

        def remaining():
            return spec.time_budget - (time.perf_counter() - started)

        for candidate in spec.candidates:
            if attempts and remaining() <= 0:
                timed_out = True
                break
            types = [candidate if f else None for f in fitted]
            attempts.append(self._fit_once(cut, task, types, max(remaining(), 1e-3)))
        chosen = attempts[best_uniform(attempts)]
        if len(spec.candidates) > 1 and spec.choice == "source" and int(np.sum(fitted)) > 1:
            # each source in turn tries the other candidates, the others starting where they are
            for k in np.flatnonzero(fitted):
                for candidate in spec.candidates:
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
        components, models, skies = {}, [], []
        first = {}
        for c, cutout in enumerate(cut.cutouts):
            for k in np.flatnonzero(cutout.uses & cut.fit):
                values = _start_values(task.sources[k], cut.centers[k], types[k], spec.limits)
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
            if spec.sky is not None:
                sky = Model(name=f"sky {c}", model_type=spec.sky, target=cutout.target,
                            parameters=None if start is None else _values_of(start.skies[c]))
                skies.append(sky)
                models.append(sky)
        joint = Model(name=f"group {task.group_id}", model_type="group model", models=models)
        joint.initialize()
        result = LM(joint, max_iter=spec.max_iterations, max_time=max_time).fit()
        free = FreeParameters(joint.all_parameters())
        n_pixels = sum(int(np.sum(~cutout.target.mask)) for cutout in cut.cutouts)
        return _Attempt(types, joint, components, skies, result, free, n_pixels)

    # --- rows -------------------------------------------------------------------------
    def _fill(self, row, k, attempt, cut):
        """Write source k's fitted values into ``row``; returns its flags from the fit."""
        result, free = attempt.result, attempt.free
        own = [(c, m) for (s, c), m in attempt.components.items() if s == k]
        first = own[0][1]
        covariance = result.covariance if result.covariance.shape == (free.size, free.size) else None
        flags = 0
        row["model_type"] = attempt.types[k]
        row["chi2"], row["ndf"], row["iterations"] = float(result.chi2), int(result.ndf), int(result.iterations)
        row["n_images"] = len(own)
        center = first["center"]
        x, y = (float(v) for v in center.value)
        ra, dec = cut.plane.to_sky(x, y)
        row["ra"], row["dec"] = float(ra), float(dec)
        sigma = self._sigmas(center, free, covariance)
        row["ra_err"], row["dec_err"] = float(sigma[0]), float(sigma[1])
        for name in shape_columns(self.spec.shared):
            if name not in first.parameters.names:
                continue
            parameter = first[name]
            value, error = float(parameter.value), float(self._sigmas(parameter, free, covariance)[0])
            if name == "PA":
                value, error = (math.degrees(value) - 90.0) % 180.0, math.degrees(error)
            row[name], row[f"{name}_err"] = value, error
        for _, model in own:
            for parameter in model.parameters:
                where = free.slice_of(parameter)
                if where is None:
                    continue
                if result.unconstrained is not None and np.any(result.unconstrained[where]):
                    flags |= SourceFlag.SINGULAR_COVARIANCE
                elif not np.all(np.isfinite(self._sigmas(parameter, free, covariance))):
                    flags |= SourceFlag.SINGULAR_COVARIANCE
                if not parameter.cyclic and any(_near_limit(v, *parameter.limits)
                                                for v in np.ravel(parameter.value)):
                    flags |= SourceFlag.AT_LIMIT
        self._fill_fluxes(row, own, cut, free, covariance)
        return flags

    @staticmethod
    def _sigmas(parameter, free, covariance):
        where = free.slice_of(parameter)
        if where is None or covariance is None:
            return np.full(parameter.size if parameter.shape != () else 1, math.nan)
        variances = np.diag(covariance)[where]
        return np.sqrt(np.where(variances >= 0, variances, np.nan))

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
