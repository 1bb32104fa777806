"""A model and its targets as the least-squares problem the fitter solves.

chi^2 = sum over every target the model renders on, over the unmasked pixels
of its window there, of (data - model)^2 / variance. The normal equations
are accumulated target by target over those windows only.

What does not change within a fit is prepared once (an evaluation plan):
the windows' data and weights; per component, its renderer on its render
window (parameters checked, grid and PSF prepared), where its pixels sit in
the window, and which entries of the parameter vector its Jacobian rows
feed. The plan is rebuilt only when an automatic render window moves (see
``after_accepted_step``), so that an evaluation costs the core's render
calls and a few array operations: a uniform component's (a flat sky's)
Jacobian rows are written into the stack once per plan and its image is a
value added to the window; a single target whose rows are the whole parameter
vector returns the core's normal equations as they come. Where a stacked plan is
a PSF-convolved galaxy followed by uniform components (a survey cutout: the galaxy
and its flat sky) on an unmasked window, one core call renders the galaxy into
the stack, forms the residuals and accumulates the equations
(``render.ProfileRenderer.unchecked_equations``): the same sums as the image
coming back, the sky's value added and ``_core.normal_equations``, so the same
digits. Parameter vectors are written through a VectorWriter (limits read once).

Where every component's renderer can read its arguments straight off the
parameter vector (``render.at_vector``: a galaxy whose parameters are the
core's, a flat sky), an evaluation hands the clipped vector, a list of
floats, to the renderers instead of writing it into the parameters and
reading it back: the same floats reach the core. A problem made with
``keep_model_current=False`` (fit.LM's) then writes the model only when it
builds a plan, when a hook needs it (``after_accepted_step`` with windows
that follow) and at ``restore``; wrappers (log_scaled_problem,
total_flux_problem) hand their x over as a list of floats (``_terms_at``,
``_chi2_at``), so that no array is made for it.
"""

import itertools
import math

import numpy as np

from .. import _core
from ..param import FreeParameters
from .axis_ratio_fold import AxisRatioFold
from .normal_equations import NormalEquations
from .vector_writer import VectorWriter

# The components on a target have their Jacobian rows stacked into one (rows x window pixels)
# array (zero where a component does not reach) for a single core call when that array holds at
# most STACKED_VALUES doubles and the components' own pixels fill at least STACKED_FILL of it;
# otherwise they are accumulated component by component, with cross terms where they overlap
# (memory and time growing with the components' windows, not with the group's).
STACKED_VALUES = 1 << 22
STACKED_FILL = 0.5

class ModelProblem:
    """The fit of `model` (a component or group model) to its targets."""

    def __init__(self, model, keep_model_current=True, free=None, checked=False):
        """``keep_model_current``: True, the model's parameters hold the vector of the last
        evaluation (as ``restore`` writes it); False, they may lag behind where the renderers read
        the vector itself (see the module's docstring): the caller restores the vector it keeps.
        ``free``: ``FreeParameters(model.all_parameters())`` made by the caller, or None (made
        here); ``checked``: the caller has checked that every component has a target
        (``model._require_target()``, a walk of the components)."""
        if not checked:
            model._require_target()
        self.model = model
        self.free = FreeParameters(model.all_parameters()) if free is None else free
        self.size = self.free.size
        self._keep_model_current = bool(keep_model_current)
        self._components = model.components()
        self.fold = AxisRatioFold(model, self.free, self._components)
        self._writer = VectorWriter(self.free)
        self._columns_of = self._writer.columns_of  # a quantity's slice of the vector (the renderers' at_vector)
        # the components whose automatic windows may follow the parameters (see after_accepted_step)
        self._following = [c for c in self._components if getattr(c, "_window_follows_parameters", True)]
        # per target: the window's data, weights and mask, fixed for the fit
        self._targets = [_TargetPixels(target, window) for target, window in zip(model.targets, model.windows)]
        self._plans = None  # per target: a _TargetPlan (built at the first evaluation)
        self._reads_vector = False  # every plan's renderers read the vector (see _TargetPlan.reads_vector)

    @property
    def components(self):
        """The model's components (``model.components()``, read once, at construction)."""
        return self._components

    def limits(self):
        """(lower, upper, cyclic) arrays over the flat parameter vector.

        A centre without limits of its own is bounded by where its model has
        data (see ``center_regions``), so that a fit cannot walk it away.
        """
        lower, upper, cyclic = self._writer.limits()  # the quantities' own
        for columns, (region_lower, region_upper), quantity in self._center_regions():
            # a start outside the region (a neighbour just off the window) stays allowed (the
            # centre's value read off its quantity: the vector's entries, without making the vector)
            lower[columns] = np.minimum(region_lower, quantity.value)
            upper[columns] = np.maximum(region_upper, quantity.value)
        for q in self.fold.q_indices():  # (a few entries: no index array made)
            upper[q] = np.inf  # folded back through 1 instead (see axis_ratio_fold)
        return lower, upper, cyclic

    def center_regions(self):
        """[(slice of the vector, (lower [x, y], upper [x, y]) arcsec)] for each free centre
        quantity without limits of its own: the box holding the ``center_region`` of every
        component sharing it (its window when given, else its target image; the union
        over the images of a joint model)."""
        return [(columns, region) for columns, region, _ in self._center_regions()]

    def _center_regions(self):
        """center_regions() with each centre's quantity: [(slice, (lower, upper), quantity)]."""
        regions = {}
        for component in self._components:
            if "center" not in getattr(component, "parameters", ()):
                continue
            parameter = component["center"]
            columns = self.free.slice_of(parameter)
            if columns is None or columns.stop - columns.start != 2 or any(map(math.isfinite, parameter.limits)):
                continue
            low, high = component.center_region()
            if columns.start in regions:
                _, (old_low, old_high), _ = regions[columns.start]
                low, high = np.minimum(low, old_low), np.maximum(high, old_high)
            regions[columns.start] = (columns, (low, high), parameter.quantity)
        return list(regions.values())

    @property
    def windows_follow(self):
        """True when some component's automatic render window may follow the parameters (see
        ``after_accepted_step``, which otherwise returns False at once)."""
        return bool(self._following)

    def after_accepted_step(self, x):
        """The fitter's hook after an accepted step to x: size the components' automatic render
        windows for x (they are held within steps, see ``Model.automatic_windows_held``). True
        when one changed: the model at x changed (by light below the noise), so the fitter
        evaluates the normal equations at x again. Only the windows that can follow the
        parameters are sized (not given ones, nor a sky's, always its whole image): with none, as
        in a survey's single-source cutouts, False at once, the model left as the last
        evaluation, at x, wrote it."""
        if not self._following:
            return False
        self._writer.write(x)
        changed = False
        for component in self._following:
            changed = component._refresh_automatic_window() or changed
        if changed:
            self._plans = None
        return changed

    def restore(self, x):
        """Set the model's free parameters to the vector x (clipped into their limits)."""
        self._writer.write(x)

    def normalise(self, x):
        """x in the model's canonical form (q <= 1): see AxisRatioFold."""
        return self.fold.apply(x)

    def _evaluated_at(self, x):
        """Write x (an array) into the model; return the plan (a _TargetPlan per target)."""
        self._writer.write(x)
        return self._current_plans(self._windows_held())

    def _current_plans(self, windows_held):
        """The plans for the model's values as written: windows not held (a problem used outside a
        fit) follow the parameters first, and the plans are rebuilt when they moved."""
        if not windows_held and self.model.refresh_automatic_windows():
            self._plans = None
        if self._plans is None:
            self._build_plans()
        return self._plans

    def _windows_held(self):
        """True when no component's automatic window follows the parameters at each evaluation."""
        for component in self._components:  # (a loop: no generator made at every evaluation)
            if not getattr(component, "_window_held", True):
                return False
        return True

    def _build_plans(self):
        self._plans = [_TargetPlan(self.model, self.free, pixels, self._columns_of) for pixels in self._targets]
        self._reads_vector = all(plan.reads_vector for plan in self._plans)

    def _plans_at(self, x):
        """(plans, values) at x (a list of ``size`` floats, or any array): ``values`` the clipped
        vector the plans' renderers read (a list of floats), or None where they read the model,
        which then holds x. The model is written unless the renderers read the vector, the plans
        stand, the windows are held and the model need not be kept current."""
        values = self._writer.clipped(x) if type(x) is list else None
        if values is None:  # (an array, or a vector not finite: set_values says what is wrong)
            return self._evaluated_at(np.asarray(x, dtype=float)), None
        held = self._windows_held()
        if self._keep_model_current or not self._reads_vector or self._plans is None or not held:
            self._writer.store(values)
            self._current_plans(held)
        return self._plans, (values if self._reads_vector else None)

    def chi2(self, x):
        """(chi^2, number of data) at parameter vector x."""
        return self._chi2_at(_floats_of(x, self.size))

    def _chi2_at(self, x):
        """chi2() at x, a list of ``size`` floats (or an array: see _plans_at)."""
        plans, values = self._plans_at(x)
        total, count = 0.0, 0
        for plan in plans:
            pixels = plan.pixels
            residual = pixels.data - _pixels_of(plan.model_image(values, False), pixels.use)
            total += float(np.einsum("i,i,i->", pixels.weight, residual, residual))  # no BLAS threads
            count += residual.size
        return total, count

    def normal_equations(self, x):
        """chi^2, J^T W r and J^T W J at x, accumulated component by component.

        Each component is rendered once with its own Jacobian on its own
        window: its block of J^T W J and of J^T W r comes from its pixels
        alone, and two components add cross terms only where their windows
        overlap. Memory and time therefore grow with the sum over components
        of (its parameters x its window's pixels), plus the overlaps -- not
        with (all parameters) x (all pixels) of a group. (Components that
        fill most of a small target's window are done in one core call, see
        STACKED_VALUES.)
        """
        return NormalEquations(*self._terms_at(_floats_of(x, self.size)))

    def _terms_at(self, x):
        """(chi^2, ndata, J^T W r, J^T W J) at x, a list of ``size`` floats (or an array: see
        _plans_at)."""
        plans, values = self._plans_at(x)
        if len(plans) == 1 and plans[0].fills_vector:  # one target, every entry of the vector: as they come
            return plans[0].stacked_terms(values)
        equations = [0.0, 0, np.zeros(self.size), np.zeros((self.size, self.size))]
        for plan in plans:
            plan.add_equations(equations, values)
        return tuple(equations)


def _floats_of(x, size):
    """x as a list of Python floats when it is a vector of ``size`` numbers, else as an array."""
    x = np.asarray(x, dtype=float)
    return x.tolist() if x.shape == (size,) else x


class _TargetPixels:
    """The fitted pixels of one target's window: ``data`` and ``weight`` (1/variance) of the
    unmasked pixels, flat, and ``use`` (slice(None) when none is masked, else the bool mask)."""

    def __init__(self, target, window):
        self.target, self.window = target, window
        self.window_size = window.shape[0] * window.shape[1]
        slices = target.slices_of(window)  # the window's arrays (no view image: its mapping is not needed)
        data, variance = target.data[slices], target.variance[slices]
        mask = target.mask[slices]
        if not mask.any():  # no mask: flat views instead of copies through an index
            self.use = slice(None)
            self.data, self.weight = data.ravel(), 1.0 / variance.ravel()
        else:
            use = self.use = ~np.asarray(mask, bool)
            self.data, self.weight = data[use], 1.0 / variance[use]


class _Slot:
    """One component on one target's window, for the plan: ``render(jacobian)`` (its renderer),
    ``own``/``ours`` (the slices of its render and of the window where they overlap), ``rows``
    (its Jacobian rows of free quantities: None for all of them), ``columns`` (their entries of
    the parameter vector), ``rows_used``, ``size`` (its pixels in the window) and ``whole`` (it
    covers the whole window). A renderer of a uniform image (flat_sky.UniformRender) also gives
    ``uniform`` (its pixel value, flux per pixel, at each call) and ``constant`` (its Jacobian,
    the same at every evaluation); None for other renderers. ``writes_into``: its renderer takes
    ``jacobian_out`` (``render.takes_jacobian_out``, see GalaxyModel) and its Jacobian is all
    rows on the whole window, so that a stacked plan lets the core write it into the stack.
    ``at``: its renderer reading a fit's vector (``render.at_vector``, see ModelProblem), or None
    when it has none or cannot (a quantity not free); ``fresh``: ``at`` renders the whole window
    into a new image (not a uniform one), which a plan may take as its window's image;
    ``equations``: ``at``'s call giving the window's normal equations with this slot's image as
    the model's first (``render.ProfileRenderer.unchecked_equations``), or None."""

    def __init__(self, component, own, ours, window, free, columns_of):
        self.render = component._renderer()
        self.constant = getattr(self.render, "constant_rows", None)
        self.uniform = None if self.constant is None else self.render.value
        at_vector = getattr(self.render, "at_vector", None)
        self.at = None if at_vector is None else at_vector(columns_of)
        # the window's normal equations in one core call (see _TargetPlan.equations), or None
        self.equations = getattr(self.at, "equations", None)
        self.own, self.ours = own, ours
        rows, columns = [], []
        start = 0
        for parameter in component.jacobian_parameters():
            columns_of = free.slice_of(parameter)
            if columns_of is not None:
                # (a free parameter's size is its slice's: ~0.4 us a read of parameter.size saved)
                size = columns_of.stop - columns_of.start
                rows.extend(range(start, start + size))
                columns.extend(range(columns_of.start, columns_of.stop))
            else:
                size = parameter.size  # (through the quantity's array)
            start += size
        self.rows = None if len(rows) == start else np.array(rows, int)
        self.columns = columns  # (a list of ints: numpy indexes by it as by an array of them)
        self.rows_used = len(rows)
        self.size = (ours[0].stop - ours[0].start) * (ours[1].stop - ours[1].start)
        self.whole = own == ours and self.size == window.shape[0] * window.shape[1]
        self.writes_into = getattr(self.render, "takes_jacobian_out", False) and self.rows is None and self.whole
        self.fresh = self.at is not None and self.uniform is None and self.whole

    def rendered(self, values, jacobian, jacobian_out=None):
        """(image, Jacobian or None) on its own render window, as ``render`` gives them, at
        ``values`` (the clipped vector, read through ``at``; None: the model's own values)."""
        if values is None:
            return self.render(jacobian) if jacobian_out is None else self.render(jacobian, jacobian_out)
        if self.uniform is not None:
            return np.full(self.constant.shape[1:], self.at(values)), (self.constant if jacobian else None)
        return self.at(values, jacobian, jacobian_out)

    def add_to(self, image, jacobian, jacobian_out=None, values=None):
        """Add this component's pixels at ``values`` (see ``rendered``) to the window's ``image``
        (in place); return its Jacobian on its own render window when asked for and rendered, else
        None (a uniform component's value alone is added: its rows do not change within a fit).
        ``jacobian_out`` (only where ``writes_into``): the array the Jacobian is written into, and
        returned."""
        place = image if self.whole else image[self.ours]
        if self.uniform is not None:
            place += self.uniform() if values is None else self.at(values)
            return None
        rendered, local = self.rendered(values, jacobian, jacobian_out)
        place += rendered if self.whole else rendered[self.own]
        return local


class _TargetPlan:
    """The components on one target's window (``slots``, _Slot) and how its normal equations are
    accumulated: stacked (one core call over the window, through ``stack``, a (rows, ny, nx)
    buffer kept between evaluations: zero where a component does not reach) or blockwise.
    ``equations``: the first slot's one-call normal equations where the plan is that slot's
    galaxy and uniform ones on an unmasked window (see __init__), else None."""

    def __init__(self, model, free, pixels, columns_of):
        self.pixels = pixels
        window = pixels.window
        self.shape = tuple(window.shape)
        self.fills_vector = False  # stacked, its rows the whole parameter vector in order (see below)
        self.slots = [_Slot(component, own, ours, window, free, columns_of)
                      for component, own, ours in model.components_on(pixels.target, window)]
        # every slot renders from the fit's vector (see ModelProblem._plans_at)
        self.reads_vector = all(slot.at is not None for slot in self.slots)
        self.outs = [None] * len(self.slots)  # (stacked plans: see below)
        self.equations = None  # (stacked plans: see below)
        rows = sum(slot.rows_used for slot in self.slots)
        values = rows * pixels.window_size
        filled = sum(slot.rows_used * slot.size for slot in self.slots)
        self.stacked = values <= STACKED_VALUES and filled >= STACKED_FILL * values
        if not self.stacked:
            return
        # where every slot covers the whole window each row is written in full before it is read (the
        # core overwrites a writes_into slot's rows, a uniform slot's are written below, any other's
        # at each evaluation): no zeros to write (memory for a few hundred kB, once per plan)
        every_row_written = all(slot.whole for slot in self.slots)
        self.stack = (np.empty if every_row_written else np.zeros)((rows,) + tuple(window.shape))
        self.starts = list(itertools.accumulate((slot.rows_used for slot in self.slots), initial=0))
        # per slot: its rows of the stack where the core writes its Jacobian straight there (no copy
        # at each evaluation, see _Slot.writes_into), else None
        self.outs = [self.stack[start:start + slot.rows_used] if slot.writes_into and slot.rows_used else None
                     for slot, start in zip(self.slots, self.starts)]
        # distinct columns (no two components share a quantity here): plain indexed additions,
        # through slices when they are one run of the vector (a single target's fit); Python
        # lists for these tests, once per plan (a few entries: numpy's calls cost more)
        listed = [column for slot in self.slots for column in slot.columns]
        self.distinct = len(set(listed)) == len(listed)
        if self.distinct and listed and listed == list(range(listed[0], listed[0] + len(listed))):
            run = slice(listed[0], listed[0] + len(listed))
            self.columns, self.block = run, (run, run)
            self.fills_vector = run == slice(0, free.size)
        else:
            columns = np.array(listed, int)
            self.columns, self.block = columns, np.ix_(columns, columns)
        # the stack's used pixels: a view of it without a mask (a copy at each evaluation with one)
        self.used_stack = _pixels_of(self.stack, pixels.use, leading=1) if isinstance(pixels.use, slice) else None
        # rows that are the same at every evaluation (a uniform sky's) are written once, here
        for slot, start in zip(self.slots, self.starts):
            if slot.constant is not None and slot.rows_used:
                self._write_rows(slot, start, slot.constant)
        # the survey's common plan (a galaxy and its flat sky on an unmasked window): the first slot's
        # renderer gives the window's normal equations in one core call, its image and Jacobian
        # staying in the core (written into the stack's first rows), the other slots' uniform values
        # (each on the whole window) added in order, their rows already in the stack: model_image's sums
        # and _core.normal_equations' arithmetic, without the images coming back (see stacked_terms)
        first = self.slots[0] if self.slots else None
        if (first is not None and first.equations is not None and first.fresh and self.outs[0] is not None
                and isinstance(pixels.use, slice)
                and all(slot.uniform is not None and slot.at is not None and slot.whole
                        for slot in self.slots[1:])):
            self.equations = first.equations
            self.offsets = [slot.at for slot in self.slots[1:]]

    def _write_rows(self, slot, start, local):
        """Write a slot's Jacobian (its own rows, on its own render window) into the stack."""
        local = local if slot.rows is None else local[slot.rows]
        rows = slice(start, start + slot.rows_used)
        if slot.whole:
            self.stack[rows] = local
        else:
            self.stack[(rows,) + slot.ours] = local[(slice(None),) + slot.own]

    def model_image(self, values, jacobian):
        """The window's model image (a new (ny, nx) array) at ``values`` (the clipped vector; None:
        the model's own values); with ``jacobian`` (stacked plans only) each slot's Jacobian rows
        are written into the stack. The first slot's image is taken as the window's when it is a
        new whole-window image (``_Slot.fresh``): 0 + its pixels are its pixels."""
        image = None
        for index, slot in enumerate(self.slots):
            out = self.outs[index] if jacobian else None
            if image is None and values is not None and slot.fresh:
                image, local = slot.at(values, jacobian, out)
            else:
                if image is None:
                    image = np.zeros(self.shape)
                local = slot.add_to(image, jacobian, out, values)
            if jacobian and local is not None and slot.rows_used and out is None:  # (a uniform slot's rows: once)
                self._write_rows(slot, self.starts[index], local)
        return np.zeros(self.shape) if image is None else image

    def add_equations(self, equations, values=None):
        """Add this target's [chi2, ndata, gradient, hessian] at ``values`` (see model_image) to
        ``equations`` (in place)."""
        if self.stacked:
            self._add_stacked(equations, values)
        else:
            _blockwise_equations(self.pixels, self.slots, equations, values)

    def _add_stacked(self, equations, values):
        chi2, ndata, g, H = self.stacked_terms(values)
        equations[0] += chi2
        equations[1] += ndata
        if g is None:
            return
        if self.distinct:
            equations[2][self.columns] += g
            equations[3][self.block] += H
        else:
            np.add.at(equations[2], self.columns, g)
            np.add.at(equations[3], (self.columns[:, None], self.columns[None, :]), H)

    def stacked_terms(self, values=None):
        """(chi^2, ndata, J^T W r, J^T W J) of this target at ``values`` (see model_image), stacked
        (the vectors over the plan's ``columns``; None, None with no free rows)."""
        pixels = self.pixels
        stack = self.stack
        if values is not None and self.equations is not None:  # (one core call: see __init__)
            chi2, g, H = self.equations(values, stack, [at(values) for at in self.offsets], pixels.data,
                                        pixels.weight)
            return chi2, pixels.data.size, g, H
        residual = pixels.data - _pixels_of(self.model_image(values, True), pixels.use)
        if not len(stack):
            return float(np.einsum("i,i,i->", pixels.weight, residual, residual)), pixels.data.size, None, None
        used = self.used_stack if self.used_stack is not None else _pixels_of(stack, pixels.use, leading=1)
        chi2, g, H = _core.normal_equations(residual, pixels.weight, used)
        return chi2, pixels.data.size, g, H


def _pixels_of(array, use, leading=0):
    """The used pixels of an image (or of each leading plane), flattened."""
    if isinstance(use, slice):
        return array.reshape(array.shape[:leading] + (-1,))
    return array[(slice(None),) * leading + (use,)]


def _blockwise_equations(pixels, slots, equations, values):
    """Add one target's normal equations ([chi2, ndata, gradient, hessian], in place) at ``values``
    (see _Slot.rendered) component by component, with cross terms where two components' windows
    overlap."""
    window = pixels.window
    image = np.zeros(window.shape)
    blocks = []
    for slot in slots:
        rendered, local = slot.rendered(values, True)
        image[slot.ours] += rendered[slot.own]
        if slot.rows_used:
            jac = local[(slice(None),) + slot.own] if slot.rows is None else local[(slot.rows,) + slot.own]
            blocks.append((slot.columns, np.ascontiguousarray(jac), slot.ours))
    weight_map = np.zeros(window.shape)
    residual_map = np.zeros(window.shape)
    use = pixels.use
    if isinstance(use, slice):
        weight_map.ravel()[:] = pixels.weight
        residual_map.ravel()[:] = pixels.data - image.ravel()
    else:
        weight_map[use] = pixels.weight
        residual_map[use] = pixels.data - image[use]
    equations[0] += float(np.einsum("i,i,i->", weight_map.ravel(), residual_map.ravel(), residual_map.ravel()))
    equations[1] += pixels.data.size
    gradient, hessian = equations[2], equations[3]
    for columns, jac, place in blocks:
        w = np.ascontiguousarray(weight_map[place]).ravel()
        r = np.ascontiguousarray(residual_map[place]).ravel()
        _, g, H = _core.normal_equations(r, w, jac.reshape(len(columns), -1))
        gradient[columns] += g
        hessian[np.ix_(columns, columns)] += H
    for i, (cols_a, jac_a, place_a) in enumerate(blocks):
        for cols_b, jac_b, place_b in blocks[i + 1:]:
            shared = _intersection(place_a, place_b)
            if shared is None:
                continue
            w = weight_map[shared]
            cross = np.einsum("kij,ij,lij->kl", jac_a[(slice(None),) + _relative(shared, place_a)], w,
                              jac_b[(slice(None),) + _relative(shared, place_b)])
            hessian[np.ix_(cols_a, cols_b)] += cross
            hessian[np.ix_(cols_b, cols_a)] += cross.T


def _intersection(a, b):
    """The box two (row slice, column slice) boxes share, or None."""
    y0, y1 = max(a[0].start, b[0].start), min(a[0].stop, b[0].stop)
    x0, x1 = max(a[1].start, b[1].start), min(a[1].stop, b[1].stop)
    if y0 >= y1 or x0 >= x1:
        return None
    return slice(y0, y1), slice(x0, x1)


def _relative(box, frame):
    """`box` (slices of a window) as slices of the sub-array `frame` of that window."""
    return (slice(box[0].start - frame[0].start, box[0].stop - frame[0].start),
            slice(box[1].start - frame[1].start, box[1].stop - frame[1].start))
