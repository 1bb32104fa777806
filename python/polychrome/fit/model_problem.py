"""A model and its targets as the least-squares problem the fitter solves.

chi^2 = sum over every target the model renders on, over the unmasked pixels
of its window there, of (data - model)^2 / variance. The normal equations
are accumulated target by target over those windows only.
"""

import numpy as np

from .. import _core
from ..param import FreeParameters
from .axis_ratio_fold import AxisRatioFold
from .normal_equations import NormalEquations, accumulate


def _pixels_of(array, use, leading=0):
    """The used pixels of an image (or of each leading plane), flattened."""
    if isinstance(use, slice):
        return array.reshape(array.shape[:leading] + (-1,))
    return array[(slice(None),) * leading + (use,)]


class ModelProblem:
    """The fit of `model` (a component or group model) to its targets."""

    def __init__(self, model):
        model._require_target()
        self.model = model
        self.free = FreeParameters(model.all_parameters())
        self.size = self.free.size
        self.fold = AxisRatioFold(model, self.free)
        # per target: the window's data, weights and mask, fixed for the fit
        self._pixels = []
        for target, window in zip(model.targets, model.windows):
            view = target[window]
            use = ~np.asarray(view.mask, bool)
            if use.all():  # no mask: flat views instead of copies through an index
                use = slice(None)
                self._pixels.append((view.data.ravel(), 1.0 / view.variance.ravel(), use))
            else:
                self._pixels.append((view.data[use], 1.0 / view.variance[use], use))

    def limits(self):
        """(lower, upper, cyclic) arrays over the flat parameter vector.

        A centre without limits of its own is bounded by where its model has
        data (see ``center_regions``), so that a fit cannot walk it away.
        """
        lower, upper, cyclic = [], [], []
        for parameter, size in self.free.quantities:
            lo, hi = parameter.limits
            lower += [lo] * size
            upper += [hi] * size
            cyclic += [bool(parameter.cyclic)] * size
        lower, upper = np.array(lower, float), np.array(upper, float)
        values = self.free.get_values()
        for columns, (region_lower, region_upper) in self.center_regions():
            # a start outside the region (a neighbour just off the window) stays allowed
            lower[columns] = np.minimum(region_lower, values[columns])
            upper[columns] = np.maximum(region_upper, values[columns])
        upper[self.fold.q_indices()] = np.inf  # folded back through 1 instead (see axis_ratio_fold)
        return lower, upper, np.array(cyclic, bool)

    def center_regions(self):
        """[(slice of the vector, (lower [x, y], upper [x, y]) arcsec)] for each free centre
        quantity without limits of its own: the box holding the ``center_region`` of every
        component sharing it (its window when given, else its target image; the union
        over the images of a joint model)."""
        regions = {}
        for component in self.model.components():
            if "center" not in getattr(component, "parameters", ()):
                continue
            parameter = component["center"]
            columns = self.free.slice_of(parameter)
            if columns is None or columns.stop - columns.start != 2 or np.any(np.isfinite(parameter.limits)):
                continue
            low, high = component.center_region()
            if columns.start in regions:
                _, (old_low, old_high) = regions[columns.start]
                low, high = np.minimum(low, old_low), np.maximum(high, old_high)
            regions[columns.start] = (columns, (low, high))
        return list(regions.values())

    def after_accepted_step(self, x):
        """The fitter's hook after an accepted step to x: size the components' automatic render
        windows for x (they are held within steps, see ``Model.automatic_windows_held``). True
        when one changed: the model at x changed (by light below the noise), so the fitter
        evaluates the normal equations at x again."""
        self.free.set_values(x, clip_to_limits=True)
        return self.model.refresh_automatic_windows()

    def restore(self, x):
        """Set the model's free parameters to the vector x (clipped into their limits)."""
        self.free.set_values(x, clip_to_limits=True)

    def normalise(self, x):
        """x in the model's canonical form (q <= 1): see AxisRatioFold."""
        return self.fold.apply(x)

    def _images(self, images):
        return list(images) if hasattr(images, "__len__") and not hasattr(images, "data") else [images]

    def chi2(self, x):
        """(chi^2, number of data) at parameter vector x."""
        self.free.set_values(x, clip_to_limits=True)
        total, count = 0.0, 0
        for image, (data, weight, use) in zip(self._images(self.model.sample()), self._pixels):
            residual = data - _pixels_of(image.data, use)
            total += float(np.einsum("i,i,i->", weight, residual, residual))  # no BLAS threads
            count += residual.size
        return total, count

    def normal_equations(self, x):
        """chi^2, J^T W r and J^T W J at x, accumulated component by component.

        Each component is rendered once with its own Jacobian on its own
        window: its block of J^T W J and of J^T W r comes from its pixels
        alone, and two components add cross terms only where their windows
        overlap. Memory and time therefore grow with the sum over components
        of (its parameters x its window's pixels), plus the overlaps -- not
        with (all parameters) x (all pixels) of a group.
        """
        self.free.set_values(x, clip_to_limits=True)
        chi2, ndata = 0.0, 0
        gradient = np.zeros(self.size)
        hessian = np.zeros((self.size, self.size))
        for target, window, (data, weight, use) in zip(self.model.targets, self.model.windows, self._pixels):
            blocks, image = self._component_blocks(target, window)
            weight_map = np.zeros(window.shape)
            residual_map = np.zeros(window.shape)
            if isinstance(use, slice):
                weight_map.ravel()[:] = weight
                residual_map.ravel()[:] = data - image.ravel()
            else:
                weight_map[use] = weight
                residual_map[use] = data - image[use]
            chi2 += float(np.einsum("i,i,i->", weight_map.ravel(), residual_map.ravel(), residual_map.ravel()))
            ndata += data.size
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
        return NormalEquations(chi2, ndata, gradient, hessian)

    def _component_blocks(self, target, window):
        """For each component rendering on `target`: (free columns, its
        Jacobian rows for them over its pixels inside `window`, where those
        pixels sit in `window`); and the summed model image over `window`."""
        image = np.zeros(window.shape)
        blocks = []
        for component, own, ours in self.model.components_on(target, window):
            rendered, local = component._render(True)
            image[ours] += rendered[own]
            rows, columns = [], []
            start = 0
            for parameter in component.parameters:
                columns_of = self.free.slice_of(parameter)
                if columns_of is not None:
                    rows.extend(range(start, start + parameter.size))
                    columns.extend(range(columns_of.start, columns_of.stop))
                start += parameter.size
            if not columns:
                continue
            if len(rows) == local.shape[0]:  # every row is free: slice, copy only if needed
                jac = local[(slice(None),) + own]
            else:
                jac = local[(rows,) + own]
            blocks.append((np.array(columns), np.ascontiguousarray(jac), ours))
        return blocks, image


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
