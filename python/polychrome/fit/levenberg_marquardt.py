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

Convergence is statistical: the fit stops when the Gauss-Newton step from
the best point would lower chi^2 by less than `tolerance` (times chi^2/ndf
when that exceeds 1, the scale of the real uncertainties). That decrease is
d^T (J^T W J) d for the step d, and each component obeys
|d_i| <= sqrt(decrease) sigma_i: with the default 1e-3 every parameter is
within 0.03 sigma of the minimum of the quadratic model. (A rule on the
relative chi^2 decrease per step stops a slow, degenerate fit far from its
minimum: a step of 0.1 sigma lowers chi^2 by only ~0.01.) The step is kept
inside the limits (see cpp/include/polychrome/lm_step.hpp: the core does each
step's small-matrix work, the damped step held at the limits with its predicted
decreases and the attainable decrease, in one call each). Where the quadratic
model holds only over short steps (large damping), a step whose actual and
predicted chi^2 decreases are both below that threshold also ends the fit, as a
success that says it stalled and how much the Gauss-Newton step still predicts.

Where chi^2's curvature exceeds J^T W J's (a faint source's residuals at the noise level
and its curved ln n / Re / q / sky valley: the true curvature ~1.5-2.5x, every Gauss-Newton
step overshooting at rho ~0.3 until the attainable decrease falls under the threshold), steps
use NL2SOL's augmented model J^T W J + S instead, S a secant estimate of the left-out term,
with NL2SOL's switching between the two models (see augmented_model.py). Only the steps
change: the acceptance ratio is the model in use's; the convergence test and the covariance
stay Gauss-Newton's J^T W J. Measured on the survey's isolated galaxies (bench/
survey_fit_only.py, 195 sources; cost = normal equations + 0.55 chi2 evaluations per source): 1
band 7.33 + 0.75 -> 6.90 + 0.57 (cost 7.74 -> 7.21, -6.8%), 3 bands 8.67 + 1.58 -> 8.20 + 1.42
(9.54 -> 8.98, -5.9%), iterations 1293 -> 1186 and 1648 -> 1530 (fewer in 44 and 49 fits, more
in 14 and 13); flags unchanged; per bench/compare_survey_fits.py chi^2 at most 0.0019 (1 band)
and 0.0063 (3 bands) higher, the shifts beyond 0.05 sigma to a lower chi^2 (0.16 sigma, -0.001;
3 bands 0.50 sigma, -0.92, and 0.13 sigma, -0.04) but one of 0.058 sigma with chi^2 +0.0014
(two ends of the same 1e-3 rule). The lead's slow fits 7 and 37 (1 band): 10 -> 5 and 11 -> 5
iterations. Instructions of the whole pipeline (callgrind, bench/README.md): 1 band, 40 groups,
-6.1%; 3 bands, 20 groups, -6.7% (-6.2% and -7.7% with the switching at rho < 0.5). The fits'
own Python (bench/lm_python_replay.py, the core replayed) is +1.2% for 14% fewer iterations:
S's update costs ~18 us per accepted step.

Variants measured and not kept (cost 1 band / 3 bands, against 7.74 / 9.54; the others with the
switching at rho < 0.5): switching when the model in use predicted poorly at rho < 0.4 (7.21 /
9.29: one fit 0.15 sigma to a chi^2 +0.1), 0.5 (7.26 / 9.03, two fits 0.058 sigma, chi^2
+0.0004 and +0.0014), 0.75 (7.21 / 8.89) or 0.9 (7.21 / 8.87), or at rho < 0.75 and also when
it under-predicted at rho > 1.5 (7.08 / 8.80): the last three each moved one 1-band fit 0.84
sigma to a local minimum 0.042 higher in chi^2 (the old path found the lower one), the last
also set one 3-band AT_LIMIT flag (at rho > 2 or 3: 7.23 or 7.26 / 9.03, no gain); NL2SOL's
retry of a rejected step with the other model at the same damping (rho < 0.75: 7.55 / 9.10; the
retries mostly fail too); switching only after accepted steps (7.47 / 9.51); starting on the
augmented model once S has one or two updates (7.88 / 10.15, 7.65 / 9.61: S from the first,
long steps is poor); leaving the first step out of S (7.08-7.37 / 8.70-8.98, but 2-3 degenerate
fits' flags changed); no _L_UP_POOR after augmented steps (7.28 / 9.00: no gain); a rejected
step that raised chi^2 by over 100 (1000) times the predicted decrease (3 bands: 85 of 279
rejections, mostly the first steps from the initial values) raising L by 11^2 (11 x 100)
instead of 11: 7.25 / 8.98 (7.26 / 9.48), no gain.

A cyclic parameter (a position angle) moves by at most `_CYCLIC_STEP_FRACTION`
of its period in one step: it is held there, like a parameter at a limit,
while the others are solved again. chi^2 is periodic in it, so the quadratic
model says nothing about longer steps, and on a faint, small, elongated
source the Gauss-Newton step swings the angle by most of a radian: the step
fails, the damping that follows shrinks every parameter's step, and the fit
crawls along its valley (in q, Re, Ie) until the damping has come down and
the angle swings again. Measured on the survey's isolated galaxies (195
sources, 1 and 3 bands): evaluation cost per source -15%, mean iterations
10.2 -> 8.5 and 12.4 -> 10.4, the sources of >= 20 iterations 25 -> 16 and
34 -> 23 (bench/compare_survey_fits.py); fit CPU -12% (medians of 3
alternating runs), instructions of the first 40 isolated1 groups' whole
pipeline -8.1% (callgrind).

Measured there and not kept: geodesic acceleration (Transtrum & Sethna 2012,
arXiv:1201.5885: the step v + a/2, a from one extra render without Jacobian
along v projected on the kept J). It cuts iterations 3-6x in Rosenbrock's
valley, but the slow survey fits are not smooth curved valleys: accepted
steps need a correction 2|a|/|v| of only 0.001-0.05, the failed ones (the
angle's swings) far more than a second-order term mends (10-100). Gated to
slow fits it saved 1.1-1.7 normal-equation evaluations per source for 3-9
extra renders (evaluation cost +0 to +12%, fit CPU +3-4%, instructions of
the first 40 isolated1 groups +10.5%). Transtrum's
"delayed gratification" damping (x2 up, /3 down: +15% iterations) and a
damping increase from the failed step's quadratic interpolation (+1 to +9%)
did not pay either.
"""

import dataclasses
import math
import time

import numpy as np

from .. import _core
from ..param.numpy_values import NumpyArray
from .augmented_model import AugmentedModel
from .cyclic_entries import CyclicEntries
from .options import checked_options
from .scaled_normal_matrix import ScaledNormalMatrix

# Damping updates after accepted / rejected steps, and the largest damping
# before giving up (the quadratic model then explains nothing).
_L_DOWN = 9.0
_L_UP = 11.0
_L_MIN = 1e-9
_L_MAX = 1e9
# An accepted step that lowered chi^2 by less than this share of the predicted decrease
# raises L by _L_UP_POOR on top of Nielsen's factor (which there is only 1.125 to 2): the
# slow survey fits end in two-cycles along a correlated valley (n and sky, say) whose true
# curvature is ~1.75x J^T W J's, every step accepted at rho ~ 0.25 with L ~ 1e-3 and
# overshooting. isolated1 / isolated3 (bench/survey_fit_only.py, total flux on): normal
# equations per source 7.55 -> 7.34 / 8.86 -> 8.61, chi2 evaluations 0.83 -> 0.77 / 1.63 ->
# 1.56, every fitted value within 0.033 sigma but one singular fit's (0.16 sigma, chi2
# +0.009). A factor 4 (7.28 / 8.58) moved one isolated3 fit by 2 sigma (chi2 +1.1), rho <
# 0.5 with 2 (7.32 / 8.47) one isolated1 fit by 0.54 sigma (chi2 +0.54). With the total flux
# off, isolated1 9.51 -> 9.20, and source 33's crawl (88 iterations in Ie) stalls 0.58 sigma
# (chi2 +0.95) short of where it ended.
_POOR_RHO = 0.25
_L_UP_POOR = 2.0
# Share of the distance to a limit that one step may cover.
_BOUNDARY_FRACTION = 0.9
# Share of its period that a cyclic parameter may move in one step (see the module's docstring).
_CYCLIC_STEP_FRACTION = 0.1
# (0.0 < value, as a bound method for map)
_ZERO = 0.0
# Arrays up to this size are summed in Python floats for the finiteness test (see _finite).
_PYTHON_SUM_SIZE = 16


@dataclasses.dataclass
class FitResult:
    """Outcome of a fit.

    message: "success" (possibly followed by a caveat, e.g. that J^T W J is
    singular) or why it stopped; x: best parameters (external);
    chi2, ndf, chi2_ndf: at x (ndf = data points - free parameters);
    iterations: steps tried; covariance: inverse of J^T W J at x, over the
    free parameters (external units); uncertainties: sqrt of its diagonal;
    hessian: J^T W J at x (1/covariance units; NaN when it could not be
    computed), also as ``hess``, the AutoProf name; unconstrained: (P,) bool,
    the parameters the data do not constrain (their uncertainty is inf, their
    covariance row and column NaN; the message says so); names: one per
    element of x, "model:parameter" or "model:parameter[k]" for the
    elements of a vector parameter (e.g. "gal:center[0]" is x), set by LM.
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
    unconstrained: np.ndarray = None
    names: list = None

    @property
    def hess(self):
        """J^T W J at the best parameters (AutoProf's name for ``hessian``)."""
        return self.hessian

    def map_hessian(self, mapping):
        """Map ``hessian`` through ``mapping`` (an array -> new array function) when it is first
        read, after the mappings given before (in that order): the same arrays as mapping it now,
        without the work where nothing reads it (a survey fit: the wrappers' maps to x, see
        lm.result_in_model_space, cost ~8 numpy calls a fit)."""
        self.__dict__["_hessian_maps"] = self.__dict__.get("_hessian_maps", ()) + (mapping,)

    def __getstate__(self):
        state = dict(self.__dict__)  # (the pending mappings applied: functions need not pickle)
        state["_hessian"], state["_hessian_maps"] = self.hessian, ()
        return state

    @property
    def covariance_matrix(self):
        """The covariance of the free parameters (AutoProf's name for ``covariance``; a numpy array
        that says the numpy way when asked for torch's ``.detach()``)."""
        return np.asarray(self.covariance).view(NumpyArray)

    def update_uncertainty(self):
        """AutoProf's call: the parameters' uncertainties from the covariance. A polychrome fit sets
        them when it ends (sqrt of the covariance diagonal), so this returns ``uncertainties``."""
        return self.uncertainties

    @property
    def success(self):
        """True when the fit converged (the message starts with "success")."""
        return self.message.startswith("success")


def _read_hessian(result):
    state = result.__dict__
    maps = state.get("_hessian_maps")
    if maps:
        hessian = state["_hessian"]
        for mapping in maps:
            hessian = mapping(hessian)
        state["_hessian"], state["_hessian_maps"] = hessian, ()
    return state["_hessian"]


def _write_hessian(result, hessian):
    result.__dict__["_hessian"], result.__dict__["_hessian_maps"] = hessian, ()


# (a field of the dataclass read through its pending mappings: see FitResult.map_hessian)
FitResult.hessian = property(_read_hessian, _write_hessian,
                             doc="J^T W J at x (1/covariance units): see the class docstring.")


def _finite(values):
    """True when every element of the float array is finite (a NaN or inf makes the total non-finite;
    a finite total may still overflow: then look closer). A few values (a step, a gradient) are
    summed in Python floats: numpy's reduction costs more per call than their additions; more (a
    J^T W J) are tested by their sum of squares, one ndarray.dot (6.5k instructions for 64 values,
    against 9.5k for np.add.reduce and 11.7k for a Python sum; callgrind)."""
    flat = values.ravel()
    total = sum(flat.tolist()) if flat.size <= _PYTHON_SUM_SIZE else flat.dot(flat)
    return math.isfinite(total) or bool(np.isfinite(values).all())


def _finite_equations(ne):
    """True when chi^2, J^T W r and J^T W J of the NormalEquations are all finite."""
    return math.isfinite(ne.chi2) and _finite(ne.gradient) and _finite(ne.hessian)


def uncertainties_from(covariance):
    """sqrt of the covariance's diagonal (0 where rounding left it negative; inf where a parameter is
    unconstrained)."""
    if covariance.size == 0:
        return np.zeros(0)
    variances = covariance.diagonal()
    if all(map(_ZERO.__le__, variances.tolist())):  # (the usual fit: none negative; NaN is not >= 0)
        return np.sqrt(variances)
    return np.sqrt(np.where(variances < 0.0, 0.0, variances))


def covariance_from(hessian):
    """(covariance, unconstrained): the inverse of J^T W J over the directions the data
    constrain, and a (P,) bool array of the parameters they do not (see
    scaled_normal_matrix: their variance is inf, their covariances NaN)."""
    if hessian.size == 0:
        return hessian.copy(), np.zeros(0, bool)
    spectrum = ScaledNormalMatrix(hessian)
    return spectrum.covariance(), spectrum.unconstrained


def levenberg_marquardt(problem, x0, lower=None, upper=None, cyclic=None, max_iter=100,
                        epsilon4=0.1, tolerance=1e-3, relative_tolerance=None, damping=1e-3, verbose=0,
                        print_function=print, normalise=None, max_time=None):
    """Minimise chi^2 of `problem` (see normal_equations) from x0.

    lower/upper: limits per parameter (None: unbounded); cyclic: (P,) bool, or
    None: parameters wrapped into [lower, upper) instead of bounded (e.g. PA);
    max_iter: most steps tried; epsilon4: least ratio of actual to predicted
    chi^2 decrease for a step to be accepted; tolerance: converged once the
    undamped Gauss-Newton step from the best point would lower chi^2 by less
    than this (chi^2 units, times chi^2/ndf when that exceeds 1);
    relative_tolerance: None, or also converged once an accepted step lowers
    chi^2 by less than this fraction of it (the old rule: stops degenerate fits
    early); damping: initial L; verbose=1 prints one line per step (G or S: the
    Gauss-Newton or the augmented model took it); normalise:
    optional map of a parameter vector to an equivalent canonical one, applied
    after each step (the model is the same at both); max_time: None, or seconds of
    wall clock (from this call): the fit stops after the step that passes this
    deadline, at the best point met, its message starting with "time limit".
    A problem may have ``after_accepted_step(x) -> bool``, called after each
    accepted step: True when it changed its data (e.g. windows that follow
    the sources), so that chi^2 is evaluated again there.
    Returns a FitResult; never raises for a degenerate problem (no data,
    singular J^T W J, non-finite model): the message says what happened. An
    exception raised during the fit (KeyboardInterrupt included) propagates
    after ``problem.restore(best x)`` when the problem has that method.
    """
    options = checked_options(max_iter, epsilon4, tolerance, relative_tolerance, damping, verbose, max_time)
    return levenberg_marquardt_checked(problem, x0, lower, upper, cyclic, options, print_function, normalise)


def levenberg_marquardt_checked(problem, x0, lower, upper, cyclic, options, print_function=print,
                                normalise=None):
    """levenberg_marquardt with ``options`` an LMOptions that ``checked_options`` returned (fit.LM checks
    its options once, at construction: not again for every run of a fit)."""
    deadline = None if options.max_time is None else time.monotonic() + options.max_time
    x0 = np.asarray(x0, dtype=float)
    box = _Box(x0.size, lower, upper, cyclic)
    state = {"x": box.wrap(np.clip(x0, box.lower, box.upper))}
    try:
        return _iterate(problem, state, box, normalise, options, print_function, deadline)
    except BaseException:
        # leave the model at the best point met, not at the last trial, then re-raise
        restore = getattr(problem, "restore", None)
        if restore is not None:
            restore(state["x"])
        raise


class _Box:
    """The limits of the parameter vector: ``lower``/``upper`` bound the non-cyclic parameters
    (+-inf for the cyclic ones, which wrap into their [lower, upper) instead)."""

    def __init__(self, size, lower, upper, cyclic):
        lower = np.full(size, -np.inf) if lower is None else np.asarray(lower, dtype=float)
        upper = np.full(size, np.inf) if upper is None else np.asarray(upper, dtype=float)
        self.cyclic = np.zeros(size, bool) if cyclic is None else np.asarray(cyclic, dtype=bool)
        self._cyclic = CyclicEntries(self.cyclic, lower, upper)
        if lower.shape == upper.shape == self.cyclic.shape == (size,):
            # np.where(cyclic, -+inf, lower / upper)'s arrays: copies with the few cyclic entries set
            self.lower, self.upper = lower.copy(), upper.copy()
            for i in self._cyclic.indices:
                self.lower[i], self.upper[i] = -np.inf, np.inf
        else:
            self.lower = np.where(self.cyclic, -np.inf, lower)
            self.upper = np.where(self.cyclic, np.inf, upper)
        # the step limits' half-widths of the cyclic parameters (None: none), for the core's step
        self.cyclic_span = self._cyclic.step_spans(_CYCLIC_STEP_FRACTION, size)

    def wrap(self, x):
        """x with the cyclic parameters wrapped into their range (a copy)."""
        return self._cyclic.wrap_in_place(x.copy())

    def wrap_in_place(self, x):
        """wrap() for an array of the caller's own (a fresh one): wrapped in place; returns x."""
        return self._cyclic.wrap_in_place(x)


def _finish(message, x, ne, iterations, size):
    ndf = max(ne.ndata - size, 0) if ne is not None else 0
    chi2 = ne.chi2 if ne is not None else float("nan")
    hessian = ne.hessian.copy() if ne is not None else np.full((size, size), np.nan)
    unconstrained = np.zeros(size, bool)
    if ne is not None and ne.hessian.size:
        covariance, unconstrained = covariance_from(ne.hessian)
        if unconstrained.any():
            message += (f"; J^T W J is singular: {int(unconstrained.sum())} of {size} parameters are not "
                        "constrained by the data (uncertainty inf)")
    else:
        covariance = np.full((size, size), np.nan)
    uncertainties = uncertainties_from(covariance)
    return FitResult(message, x, chi2, ndf, chi2 / ndf if ndf else float("nan"), iterations,
                     covariance, uncertainties, hessian, unconstrained)


def _iterate(problem, state, box, normalise, options, print_function, deadline=None):
    """The LM loop from state["x"]; state["x"] is kept at the best point (for a restore);
    deadline: None or the time.monotonic() after which no further step is tried."""
    x = state["x"]
    size = x.size
    max_iter, epsilon4, tolerance, relative_tolerance, damping, verbose, max_time = options
    ne = problem.normal_equations(x)
    if ne.ndata == 0:
        return _finish("no data: every pixel is masked", x, None, 0, size)
    if not _finite_equations(ne):
        return _finish("the model or its Jacobian is not finite at the starting values", x, None, 0, size)
    if size == 0:
        return _finish("success", x, ne, 0, size)

    ndf = max(ne.ndata - size, 1)
    L = damping
    message = f"reached max_iter = {max_iter} without converging"
    iterations = 0
    last_accepted = True
    # Marquardt's damping is scaled by diag(J^T W J), kept at its largest value so far per
    # parameter (More 1978): a component that fades away (its brightness running to -inf)
    # leaves columns of ~1e-140, and a step scaled by those would be ~1e70 in its parameters.
    scaling = np.zeros(size)
    converged = stalled = False
    accepted_hook = getattr(problem, "after_accepted_step", None)
    # NL2SOL's secant estimate of the curvature J^T W J leaves out, and which model steps use
    model = AugmentedModel(size)
    while True:
        g, H = ne.gradient, ne.hessian
        scaling = np.maximum(scaling, H.diagonal())
        # (a zero scale, never seen in practice once a step was taken, gets a small one)
        # (all > 0 in Python floats: np.minimum.reduce's answer, NaN included, at less per-call cost)
        diag = (scaling if all(map(_ZERO.__lt__, scaling.tolist()))
                else np.where(scaling > 0.0, scaling, max(scaling.max(), 1.0) * 1e-12))
        threshold = tolerance * max(1.0, ne.chi2 / ndf)
        if last_accepted:
            # converged when the step still attainable would no longer matter statistically
            decrease = _core.lm_attainable_decrease(H, g, diag, _L_MIN, x, box.lower, box.upper)
            converged = converged or decrease <= threshold
        if converged:
            message = "success"
            break
        if stalled:
            # the damped step lowered chi^2 by less than the threshold, and predicted no more: the
            # quadratic model holds only over steps too short to matter (a curved, poorly
            # constrained valley, e.g. a faint source thinning to q -> 0)
            message = (f"success (stalled: steps lower chi^2 by < {threshold:.2g}, although the "
                       f"Gauss-Newton step predicts {decrease:.3g} more)")
            break
        if iterations == max_iter:
            break
        if deadline is not None and iterations and time.monotonic() > deadline:
            message = (f"time limit: stopped after {iterations} iterations, past max_time = {max_time:g} s "
                       "(at the best point met, not converged)")
            break
        iterations += 1
        # (within the limits as it comes: a component the core held covers _BOUNDARY_FRACTION of
        # the distance to its limit, the fraction-to-the-boundary rule; gauss_newton: the decrease
        # J^T W J predicts for it, along: what S takes off that for the augmented model)
        step, augmented, gauss_newton, along = _core.lm_damped_step(
            H, g, diag, L, model.secant, model.augmented, x, box.lower, box.upper, box.cyclic_span,
            _BOUNDARY_FRACTION)
        x_new = box.wrap_in_place(x + step)
        if normalise is not None:
            canonical = normalise(x_new)
            # (x_new is this loop's own array: wrapped in place when normalise hands it back, the
            # usual "nothing to fold"; an array of normalise's own is wrapped as a copy)
            x_new = box.wrap_in_place(x_new) if canonical is x_new else box.wrap(canonical)
        # After an accepted step the next is likely accepted too: evaluate the
        # trial with its normal equations in the same pass (reused if it is
        # accepted); after a rejection only chi^2, the cheaper evaluation.
        trial = problem.normal_equations(x_new) if last_accepted else None
        chi2_new = trial.chi2 if trial is not None else problem.chi2(x_new)[0]
        with_secant = gauss_newton - along
        predicted, other = (with_secant, gauss_newton) if augmented else (gauss_newton, with_secant)
        actual = ne.chi2 - chi2_new
        rho = actual / predicted if predicted > 0 else -np.inf
        accepted = bool(math.isfinite(chi2_new) and rho > epsilon4)
        model.choose(actual, predicted, other)
        if verbose:
            print_function(f"iter {iterations:3d}  {'S' if augmented else 'G'}  L = {L:.2e}  chi2/ndf = "
                           f"{(chi2_new if accepted else ne.chi2) / ndf:.6g}  "
                           f"{'accept' if accepted else 'reject'}  max|grad| = {np.max(np.abs(g)):.3e}  "
                           f"dchi2 = {actual:.3g} (predicted {predicted:.3g}; Gauss-Newton {decrease:.3g})")
        last_accepted = accepted
        if accepted:
            ne_new = trial if trial is not None else problem.normal_equations(x_new)
            if not _finite_equations(ne_new):
                message = "the model or its Jacobian became non-finite (stopped at the last finite point)"
                break
            converged = relative_tolerance is not None and actual <= relative_tolerance * ne.chi2
            stalled = actual <= threshold and predicted <= threshold
            model.update(step, g, ne_new.gradient, ne_new.hessian)
            x = state["x"] = x_new
            ne = ne_new
            # lower the damping by how well the quadratic model predicted the step (Nielsen 1999):
            # by _L_DOWN when it was exact (rho = 1), hardly when it was only just good enough;
            # a fixed large factor makes every other step a rejected one in curved valleys
            L = max(L * max(1.0 / _L_DOWN, 1.0 - (2.0 * min(rho, 1.0) - 1.0) ** 3), _L_MIN)
            if rho < _POOR_RHO:
                L *= _L_UP_POOR  # see _POOR_RHO
            # a problem whose model follows the parameters (automatic render windows that move
            # with their sources) says so here; chi^2 and its derivatives are then taken again
            # at x, and the step does not count as the last one
            if accepted_hook is not None and accepted_hook(x):
                ne = problem.normal_equations(x)
                converged = False
                model = AugmentedModel(size)  # chi^2 is another function now: S starts again
        else:
            L *= _L_UP
            if L > _L_MAX:
                # No step improves chi^2: at a minimum to working precision
                # (success) unless the gradient is still large.
                scaled_gradient = np.abs(g) / np.sqrt(diag)
                message = ("success" if np.all(scaled_gradient < 1e-3 * np.sqrt(max(ne.chi2, 1e-300)))
                           else "stopped: no step lowers chi^2 (damping at its limit)")
                break
    return _finish(message, x, ne, iterations, size)
