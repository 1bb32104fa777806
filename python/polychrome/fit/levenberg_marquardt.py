"""Levenberg-Marquardt on analytic normal equations.

Steps solve (H + L diag(H)) d = g, with H = J^T W J and g = J^T W (data -
model) from the problem. Limits are kept by the fraction-to-the-boundary
rule of interior-point methods: a component that would cross its limit moves
only `_BOUNDARY_FRACTION` of the way there, so parameters approach a limit
but never reach it (a smooth reparametrisation, e.g. tanh, was tried first:
its flat ends trap parameters such as q near 1). A step is accepted when the
actual chi^2 decrease is at least `epsilon4` times the decrease the quadratic
model predicts for the step taken; L shrinks after an accepted step and grows
after a rejected one (Marquardt's scaling by the diagonal keeps the damping
independent of the parameters' units).
"""

import dataclasses

import numpy as np

# Damping updates after accepted / rejected steps, and the largest damping
# before giving up (the quadratic model then explains nothing).
_L_DOWN = 9.0
_L_UP = 11.0
_L_MIN = 1e-9
_L_MAX = 1e9
# Share of the distance to a limit that one step may cover.
_BOUNDARY_FRACTION = 0.9


@dataclasses.dataclass
class FitResult:
    """Outcome of a fit.

    message: "success" (possibly followed by a caveat, e.g. that J^T W J is
    singular) or why it stopped; x: best parameters (external);
    chi2, ndf, chi2_ndf: at x (ndf = data points - free parameters);
    iterations: steps tried; covariance: inverse of J^T W J at x, over the
    free parameters (external units); uncertainties: sqrt of its diagonal;
    hessian: J^T W J at x (1/covariance units; NaN when it could not be
    computed), also as ``hess``, the AutoProf name.
    """

    message: str
    x: np.ndarray
    chi2: float
    ndf: int
    chi2_ndf: float
    iterations: int
    covariance: np.ndarray
    uncertainties: np.ndarray
    hessian: np.ndarray

    @property
    def hess(self):
        """J^T W J at the best parameters (AutoProf's name for ``hessian``)."""
        return self.hessian

    @property
    def success(self):
        """True when the fit converged (the message starts with "success")."""
        return self.message.startswith("success")


def _solve(matrix, rhs):
    """Solution of matrix @ d = rhs; least squares when the matrix is singular."""
    try:
        d = np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:  # exactly singular: least squares below
        d = None
    if d is not None and np.all(np.isfinite(d)):
        return d
    return np.linalg.lstsq(matrix, rhs, rcond=None)[0]


def _windows_moved(problem, x):
    """Call the problem's optional hook ``refresh_windows(x)`` after an accepted step: True when
    it changed the model at x (automatic render windows following the model), so that the
    normal equations at x must be evaluated again."""
    refresh = getattr(problem, "refresh_windows", None)
    return bool(refresh is not None and refresh(x))


def covariance_from(hessian):
    """Inverse of J^T W J, or its pseudo-inverse (flagged) when singular.

    Returns (covariance, singular: bool).
    """
    if hessian.size == 0:
        return hessian.copy(), False
    scale = np.sqrt(np.clip(np.diag(hessian), 0.0, None))
    if np.any(scale == 0.0):
        return np.linalg.pinv(hessian), True
    scaled = hessian / np.outer(scale, scale)
    if np.linalg.cond(scaled) > 1e14:
        return np.linalg.pinv(hessian), True
    return np.linalg.inv(scaled) / np.outer(scale, scale), False


def levenberg_marquardt(problem, x0, lower=None, upper=None, cyclic=None, max_iter=100,
                        epsilon4=0.1, relative_tolerance=1e-6, damping=1e-3, verbose=0,
                        print_function=print, normalise=None):
    """Minimise chi^2 of `problem` (see normal_equations) from x0.

    lower/upper: limits per parameter (None: unbounded); cyclic: (P,) bool, or
    None: parameters wrapped into [lower, upper) instead of bounded (e.g. PA);
    max_iter: most steps tried; epsilon4: least ratio of actual to predicted
    chi^2 decrease for a step to be accepted; relative_tolerance: converged
    once an accepted step lowers chi^2 by less than this fraction; damping:
    initial L; verbose=1 prints one line per step; normalise: optional map of
    a parameter vector to an equivalent canonical one, applied after each
    step (the model is the same at both).
    Returns a FitResult; never raises for a degenerate problem (no data,
    singular J^T W J, non-finite model): the message says what happened.
    """
    x0 = np.asarray(x0, dtype=float)
    size = x0.size
    lower = np.full(size, -np.inf) if lower is None else np.asarray(lower, dtype=float)
    upper = np.full(size, np.inf) if upper is None else np.asarray(upper, dtype=float)
    cyclic = np.zeros(size, bool) if cyclic is None else np.asarray(cyclic, dtype=bool)
    period = np.where(cyclic, upper - lower, 0.0)
    bounded_lower = np.where(cyclic, -np.inf, lower)
    bounded_upper = np.where(cyclic, np.inf, upper)

    def wrap(x):
        x = x.copy()
        x[cyclic] = lower[cyclic] + np.mod(x[cyclic] - lower[cyclic], period[cyclic])
        return x

    def inside(x, step):
        """The step with components that would cross a limit shortened to
        _BOUNDARY_FRACTION of the distance to it."""
        step = step.copy()
        up = x + step > bounded_upper
        step[up] = _BOUNDARY_FRACTION * (bounded_upper[up] - x[up])
        down = x + step < bounded_lower
        step[down] = _BOUNDARY_FRACTION * (bounded_lower[down] - x[down])
        return step

    x = wrap(np.clip(x0, bounded_lower, bounded_upper))

    def finish(message, x, ne, iterations):
        ndf = max(ne.ndata - size, 0) if ne is not None else 0
        chi2 = ne.chi2 if ne is not None else float("nan")
        hessian = ne.hessian.copy() if ne is not None else np.full((size, size), np.nan)
        if ne is not None and ne.hessian.size:
            covariance, singular = covariance_from(ne.hessian)
            if singular and message == "success":
                message = "success, but J^T W J is singular: some parameters are not constrained"
        else:
            covariance = np.full((size, size), np.nan)
        uncertainties = np.sqrt(np.clip(np.diag(covariance), 0.0, None)) if size else np.zeros(0)
        return FitResult(message, x, chi2, ndf, chi2 / ndf if ndf else float("nan"), iterations,
                         covariance, uncertainties, hessian)

    ne = problem.normal_equations(x)
    if ne.ndata == 0:
        return finish("no data: every pixel is masked", x, None, 0)
    if not np.isfinite(ne.chi2) or not np.all(np.isfinite(ne.gradient)) or not np.all(np.isfinite(ne.hessian)):
        return finish("the model or its Jacobian is not finite at the starting values", x, None, 0)
    if size == 0:
        return finish("success", x, ne, 0)

    ndf = max(ne.ndata - size, 1)
    L = damping
    message = f"reached max_iter = {max_iter} without converging"
    iterations = 0
    last_accepted = True
    # Marquardt's damping is scaled by diag(J^T W J), kept at its largest value so far per
    # parameter (More 1978): a component that fades away (its brightness running to -inf)
    # leaves columns of ~1e-140, and a step scaled by those would be ~1e70 in its parameters.
    scaling = np.zeros(size)
    for iterations in range(1, max_iter + 1):
        g, H = ne.gradient, ne.hessian
        scaling = np.maximum(scaling, np.diag(H))
        diag = np.where(scaling > 0.0, scaling, max(scaling.max(), 1.0) * 1e-12)
        step = inside(x, _solve(H + L * np.diag(diag), g))
        x_new = wrap(x + step)
        if normalise is not None:
            x_new = wrap(normalise(x_new))
        # After an accepted step the next is likely accepted too: evaluate the
        # trial with its normal equations in the same pass (reused if it is
        # accepted); after a rejection only chi^2, the cheaper evaluation.
        trial = problem.normal_equations(x_new) if last_accepted else None
        chi2_new = trial.chi2 if trial is not None else problem.chi2(x_new)[0]
        predicted = float(2.0 * g @ step - step @ H @ step)
        actual = ne.chi2 - chi2_new
        rho = actual / predicted if predicted > 0 else -np.inf
        accepted = bool(np.isfinite(chi2_new) and rho > epsilon4)
        if verbose:
            print_function(f"iter {iterations:3d}  L = {L:.2e}  chi2/ndf = "
                           f"{(chi2_new if accepted else ne.chi2) / ndf:.6g}  "
                           f"{'accept' if accepted else 'reject'}  max|grad| = {np.max(np.abs(g)):.3e}")
        last_accepted = accepted
        if accepted:
            x = x_new
            ne_new = trial if trial is not None else problem.normal_equations(x)
            if not np.isfinite(ne_new.chi2):
                message = "the model became non-finite"
                break
            converged = actual <= relative_tolerance * ne.chi2
            ne = ne_new
            if _windows_moved(problem, x):  # the model at x changed (below the noise): re-evaluate
                ne = problem.normal_equations(x)
                converged = False
            L = max(L / _L_DOWN, _L_MIN)
            if converged:
                message = "success"
                break
        else:
            L *= _L_UP
            if L > _L_MAX:
                # No step improves chi^2: at a minimum to working precision
                # (success) unless the gradient is still large.
                scaled_gradient = np.abs(g) / np.sqrt(diag)
                message = ("success" if np.all(scaled_gradient < 1e-3 * np.sqrt(max(ne.chi2, 1e-300)))
                           else "stopped: no step lowers chi^2 (damping at its limit)")
                break
    return finish(message, x, ne, iterations)
