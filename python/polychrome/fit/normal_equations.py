"""The least-squares problem as the fitter sees it: chi^2 and its normal
equations at a parameter vector, accumulated by whoever owns the data.

A problem object supplies

    problem.size                      number of free parameters
    problem.chi2(x) -> (chi2, ndata)  chi^2 = sum (data - model)^2 / variance
    problem.normal_equations(x) -> NormalEquations
    problem.after_accepted_step(x) -> bool   optional: called after each accepted
                                      step; True when it changed the model at
                                      x (automatic render windows moved), so
                                      that the fitter evaluates x again

so that a model can accumulate J^T W J window by window without ever holding
the full (pixels x parameters) Jacobian.
"""

import dataclasses

import numpy as np

from .. import _core


@dataclasses.dataclass
class NormalEquations:
    """chi^2 and its derivatives at one parameter vector.

    chi2: sum of squared weighted residuals; ndata: number of data used;
    gradient: J^T W (data - model), shape (P,) (half the negative gradient of
    chi^2); hessian: J^T W J, shape (P, P) (half the Gauss-Newton Hessian).
    """

    chi2: float
    ndata: int
    gradient: np.ndarray
    hessian: np.ndarray


def accumulate(residual, weight, jacobian, into=None):
    """Add one window's contribution to the normal equations.

    residual: data - model over the window's unmasked pixels (flat);
    weight: 1 / variance of those pixels (flat); jacobian: (P_window, npix)
    d model / d parameter for those pixels; into: (chi2, ndata, g, H) to add
    to, or None to start. Returns the updated tuple.
    """
    # In the core (threads over pixel blocks) rather than numpy's BLAS: these
    # products are small, and a multithreaded BLAS fights the renderer's
    # OpenMP threads for the cores (measured: the same fit 1.8x slower).
    chi2, g, H = _core.normal_equations(residual, weight, jacobian)
    if into is None:
        return chi2, residual.size, g, H
    c, n, g0, H0 = into
    return c + chi2, n + residual.size, g0 + g, H0 + H
