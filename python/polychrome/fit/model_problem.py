"""A model and its targets as the least-squares problem the fitter solves.

chi^2 = sum over every target the model renders on, over the unmasked pixels
of its window there, of (data - model)^2 / variance. The normal equations
are accumulated target by target over those windows only.
"""

import numpy as np

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
        """(lower, upper, cyclic) arrays over the flat parameter vector."""
        lower, upper, cyclic = [], [], []
        for parameter, size in self.free.quantities:
            lo, hi = parameter.limits
            lower += [lo] * size
            upper += [hi] * size
            cyclic += [bool(parameter.cyclic)] * size
        upper = np.array(upper, float)
        upper[self.fold.q_indices()] = np.inf  # folded back through 1 instead (see axis_ratio_fold)
        return np.array(lower, float), upper, np.array(cyclic, bool)

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
        """chi^2, J^T W r and J^T W J at x (see normal_equations)."""
        self.free.set_values(x, clip_to_limits=True)
        images, jacobians = self.model.sample_with_jacobian()
        images, jacobians = self._images(images), self._images(jacobians)
        state = None
        for image, jac, (data, weight, use) in zip(images, jacobians, self._pixels):
            residual = data - _pixels_of(image.data, use)
            state = accumulate(residual, weight, _pixels_of(jac.data, use, leading=1), state)
        if state is None:
            return NormalEquations(0.0, 0, np.zeros(self.size), np.zeros((self.size, self.size)))
        return NormalEquations(*state)
