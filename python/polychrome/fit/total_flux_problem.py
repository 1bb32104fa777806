"""A fit problem stepped in the total flux of Sersic components instead of their Ie.

The Levenberg-Marquardt fitter works on a vector y equal to the model's x except
that each linked Sersic brightness Ie (log10 flux/arcsec^2 at Re) is replaced by
L = log10 F = Ie + g(n, Re, q), the log10 of the total flux (GALFIT fits a total
magnitude too; AstroPhot and Imfit fit Ie). At fixed flux Ie moves with n, Re and
q: log10 F - Ie = log10(2 pi q Re^2 n e^b b^-2n Gamma(2n)), so the chi^2 valley of
a faint source, along which its n, Re or q run while its flux is what the data
fix, is curved in (n, Re, q, Ie) and far straighter in (n, Re, q, log10 F).

With x = h(y) (Ie = L - g, the rest unchanged) and T = dx/dy (the identity with
-dg/d(n, Re, q) on each Ie row) the normal equations transform as g_y = T^T g_x
and H_y = T^T H_x T; the result maps back with C_x = T C_y T^T and
H_x = T^-T H_y T^-1, so that the uncertainties are those of the fit in x at the
same point (to rounding). T^-1 = 2 I - T: the -dg entries sit on columns n, Re and
q, never on an Ie column.

The flat direction this opens: an unresolved source's shape (n, Re, q) hardly
changes its image at fixed flux, so such a fit can stop on that plateau, its
J^T W J singular, above the minimum that the fit in Ie finds (2 of 195 sources of
bench/survey.py's isolated3 field, chi^2 +9 and +57); fit.LM then continues in Ie
from there (which found the minimum of the +57 one) and, when that ends singular
too, fits in Ie from the start; the lowest chi^2 is kept.

Measured on bench/survey.py's isolated fields (bench/survey_fit_only.py fit,
compare_survey_fits.py): normal equations per source 9.51 -> 7.55 (1 band) and
10.88 -> 8.86 (3 bands), chi^2 evaluations 1.00 -> 0.83 and 1.79 -> 1.63, the
fits of >= 20 iterations 17 -> 4 and 24 -> 12, stalled fits 15 -> 4 and 19 -> 3.
A bright, resolved source's valley is straight in Ie already: there the flux
steps take a few more iterations (tests/test_fit_total_flux.py).

L has no limits, so a brightness is stepped this way only where its Ie has none
either (beyond the renderer's guard LOG10_BRIGHTNESS_LIMITS, which the model's
parameters keep by clipping): see ``sersic_flux_links``.
"""

import functools
import math

import numpy as np

from .. import _core
from ..models.parameter_spec import LOG10_BRIGHTNESS_LIMITS
from ..models.sersic import sersic_total_flux_of_b
from .levenberg_marquardt import uncertainties_from
from .normal_equations import NormalEquations

_SERSIC_TYPES = ("sersic galaxy model",)


def sersic_log10_flux_offset(n, Re, q):
    """(g, dg/dn, dg/dRe, dg/dq) with g = log10(total flux) - Ie of a Sersic of index n,
    Re arcsec (semi-major half-light radius) and axis ratio q; g in log10(arcsec^2),
    dg/dRe in 1/arcsec (sersic_total_flux's formula, at Ie = 0). b_n and the derivatives in one
    core call (at every evaluation of a fit: with g 2.8 + 1.1 us against 5.8 us with scipy's
    digamma, timeit under load); g in Python's product form, whose digits the fits keep (the
    core's sum of logarithms moved a flat-valley fit of isolated1 by 0.025 sigma)."""
    b, dg_dn, dg_dre, dg_dq = _core.sersic_flux_offset_derivatives(n, Re, q)
    return math.log10(sersic_total_flux_of_b(n, Re, 0.0, q, b)), dg_dn, dg_dre, dg_dq


def sersic_flux_links(model, free, components=None):
    """[(Ie, n, Re, q) vector indices] of the Sersic components of ``model`` whose four are free
    scalars of ``free`` (a FreeParameters) and whose Ie has no limits of its own (none, or the
    default guard LOG10_BRIGHTNESS_LIMITS); one entry per Ie quantity (a brightness shared by
    components of different n, Re or q quantities is left out). ``components``:
    ``model.components()`` where the caller has them already (a fit's ModelProblem)."""
    links = {}
    for component in model.components() if components is None else components:
        if getattr(component, "model_type", None) not in _SERSIC_TYPES:
            continue
        parameters = component.parameters  # (a Sersic's own four: no live-PSF name to resolve)
        columns = [free.slice_of(parameters[name]) for name in ("Ie", "n", "Re", "q")]
        if any(c is None or c.stop - c.start != 1 for c in columns):
            continue
        lower, upper = parameters["Ie"].limits
        if (lower, upper) != LOG10_BRIGHTNESS_LIMITS and (math.isfinite(lower) or math.isfinite(upper)):
            continue
        link = tuple(c.start for c in columns)
        links[link[0]] = link if links.get(link[0], link) == link else None
    return [link for link in links.values() if link is not None]


@functools.lru_cache(maxsize=64)
def _identity(size):
    """The (size, size) identity, read-only, made once per size (np.identity costs ~16k
    instructions a call, a fit's set-up makes one)."""
    identity = np.identity(size)
    identity.flags.writeable = False
    return identity


@functools.lru_cache(maxsize=64)
def _twice_identity(size):
    """2 I (size, size), read-only, made once per size (T^-1 = 2 I - T at a fit's end)."""
    twice = 2.0 * np.identity(size)
    twice.flags.writeable = False
    return twice


class TotalFluxProblem:
    """``problem`` (a ModelProblem, or any object with its interface) seen with log10 total flux
    in place of Ie on the ``links`` [(Ie, n, Re, q) indices] (see sersic_flux_links)."""

    def __init__(self, problem, links, x0):
        self.problem = problem
        self.size = problem.size
        self.links = [tuple(map(int, link)) for link in links]
        lower, upper, self._cyclic = problem.limits()
        self._lower, self._upper = np.array(lower, float), np.array(upper, float)
        for ie, _, _, _ in self.links:
            self._lower[ie], self._upper[ie] = -np.inf, np.inf
        self._identity = _identity(self.size)
        # T at every evaluation: one array (the identity off the links' entries), its -dg entries
        # written over at each evaluation by their flat positions
        self._t = self._identity.copy()
        self._t_flat = self._t.reshape(-1)
        self._t_positions = [(ie * self.size + n, ie * self.size + re, ie * self.size + q)
                             for ie, n, re, q in self.links]
        # the problem takes x as a list of floats (ModelProblem and the wrappers here), else an array
        self._inner_terms = getattr(problem, "_terms_at", None)
        self._inner_chi2 = getattr(problem, "_chi2_at", None)
        # the problem's normalisation (a fold of q through 1, see axis_ratio_fold) reads only q
        # entries, which are the same in x and y: asked in y whether it changes anything (the usual
        # answer: no) before x is made, here and by a LogScaledProblem around this one
        self.fold = getattr(problem, "fold", None)
        # the problem's hook after an accepted step, None when it can never change the model (no
        # automatic window follows the parameters): then x need not be made for it
        hook = getattr(problem, "after_accepted_step", None)
        self._hook = None if hook is None or not getattr(problem, "windows_follow", True) else hook
        # sersic_log10_flux_offset's results by (n, Re, q) (positive floats: equal keys are the same
        # bits), met again by the links of one shape in several bands at every evaluation, by the
        # first evaluation (the start) and by the result (the best point)
        self._offset_of = {}
        self.start = self.to_fit_space(np.asarray(x0, dtype=float))

    def _offset(self, n, re, q):
        """sersic_log10_flux_offset(n, re, q) (floats), computed once per distinct (n, re, q)."""
        key = (n, re, q)
        offset = self._offset_of.get(key)
        if offset is None:
            offset = self._offset_of[key] = sersic_log10_flux_offset(n, re, q)
        return offset

    def _offsets(self, x):
        """[(Ie, n, Re, q, g, dg/dn, dg/dRe, dg/dq)] at x, one per link."""
        values = x.tolist()
        return [(ie, n, re, q) + self._offset(values[n], values[re], values[q])
                for ie, n, re, q in self.links]

    def _jacobian(self, offsets):
        """T = dx/dy for the offsets."""
        t = self._identity.copy()
        for ie, n, re, q, _, dg_dn, dg_dre, dg_dq in offsets:
            t[ie, n] -= dg_dn
            t[ie, re] -= dg_dre
            t[ie, q] -= dg_dq
        return t

    def to_fit_space(self, x):
        """y for the model's x (log10 total flux on the Ie entries; a copy)."""
        y = np.array(x, dtype=float)
        for ie, _, _, _, g, _, _, _ in self._offsets(y):
            y[ie] += g
        return y

    def _model_space(self, y):
        """(x, offsets at x) for the fitter's y."""
        x = np.array(y, dtype=float)
        offsets = self._offsets(x)  # (n, Re and q are the same in x and y)
        for ie, _, _, _, g, _, _, _ in offsets:
            x[ie] -= g
        return x, offsets

    def to_model_space(self, y):
        """x for the fitter's y (Ie = log10 F - g; a copy)."""
        return self._model_space(y)[0]

    def limits(self):
        """(lower, upper, cyclic) in y: the problem's, none on the flux entries."""
        return self._lower.copy(), self._upper.copy(), self._cyclic.copy()

    def chi2(self, y):
        """(chi^2, number of data) at y."""
        return self._chi2_at(np.asarray(y, dtype=float).tolist())

    def _chi2_at(self, y):
        """chi2() at y, a list of ``size`` floats."""
        x = self._model_floats(y)
        return self._inner_chi2(x) if self._inner_chi2 is not None else self.problem.chi2(np.array(x))

    def normal_equations(self, y):
        """chi^2 with g_y = T^T g_x and H_y = T^T H_x T at y."""
        return NormalEquations(*self._terms_at(np.asarray(y, dtype=float).tolist()))

    def _terms_at(self, y):
        """(chi^2, ndata, g_y, H_y) at y, a list of ``size`` floats."""
        chi2, ndata, g, H, t = self._terms_in_x_at(y)
        return (chi2, ndata) + _core.lm_transformed_equations(g, H, t, None)

    def _terms_in_x_at(self, y):
        """(chi^2, ndata, g_x, H_x, T) at y, a list of ``size`` floats: the problem's terms at x(y)
        and T = dx/dy (this wrapper's own array, rewritten at the next evaluation), so that a
        wrapper around this one transforms the terms once, through both (one core call,
        _core.lm_transformed_equations: 2.5 us for 8 parameters against 15 us for the three
        ndarray.dot products and a LogScaledProblem's three scalings before; timeit)."""
        x = self._model_floats(y, self._t_flat)
        if self._inner_terms is not None:
            chi2, ndata, g, H = self._inner_terms(x)
        else:
            ne = self.problem.normal_equations(np.array(x))
            chi2, ndata, g, H = ne.chi2, ne.ndata, ne.gradient, ne.hessian
        return chi2, ndata, g, H, self._t

    def _model_floats(self, y, t_flat=None):
        """x for the fitter's y (lists of floats: Ie = log10 F - g, the rest as they are); with
        ``t_flat`` (the flat view of this wrapper's T) T's -dg entries written there too, the
        values T = _jacobian(offsets) holds (0 - dg: the digits of the identity's 0 less dg)."""
        x = list(y)
        for (ie, n, re, q), positions in zip(self.links, self._t_positions):
            g, dg_dn, dg_dre, dg_dq = self._offset(y[n], y[re], y[q])  # (n, Re, q: the same in x)
            x[ie] = y[ie] - g
            if t_flat is not None:
                t_flat[positions[0]] = 0.0 - dg_dn
                t_flat[positions[1]] = 0.0 - dg_dre
                t_flat[positions[2]] = 0.0 - dg_dq
        return x

    @property
    def windows_follow(self):
        """False when the problem's hook after an accepted step can never change the model (see
        ModelProblem.windows_follow): a wrapper around this one need not make x for it either."""
        return self._hook is not None

    def after_accepted_step(self, y):
        """The problem's hook at x(y) (see ModelProblem.after_accepted_step)."""
        return False if self._hook is None else self._hook(self.to_model_space(y))

    def restore(self, y):
        """Set the model's parameters to x(y)."""
        self.problem.restore(self.to_model_space(y))

    def normalise(self, y):
        """y of the problem's canonical form of x(y) (a q folded through 1 keeps the flux)."""
        normalise = getattr(self.problem, "normalise", None)
        if normalise is None or (self.fold is not None and not self.fold.changes(y)):
            return y
        x = self.to_model_space(y)
        canonical = normalise(x)
        if np.array_equal(canonical, x):
            return y
        return self.to_fit_space(canonical)

    def result_in_model_space(self, result, uncertainties=True):
        """The fitter's FitResult (in y) mapped to x in place and returned: covariance
        T C_y T^T, hessian T^-T H_y T^-1, uncertainties sqrt(diag C_x) (with ``uncertainties``
        False left as they were, see LogScaledProblem.result_in_model_space)."""
        x, offsets = self._model_space(result.x)
        t = self._jacobian(offsets)
        twice = _twice_identity(self.size)
        result.x = x
        loose = result.unconstrained
        if loose is not None and loose.any():
            # an Ie is unconstrained when its flux or any of its n, Re, q is (inf variance, NaN
            # covariances, as levenberg_marquardt's); the rest maps through finite matrices
            loose = loose.copy()
            for ie, n, re, q in self.links:
                loose[ie] = loose[[ie, n, re, q]].any()
            result.unconstrained = loose
            covariance = np.where(np.isfinite(result.covariance), result.covariance, 0.0)
            covariance = t.dot(covariance).dot(t.T)
            covariance[loose, :] = np.nan
            covariance[:, loose] = np.nan
            covariance[loose, loose] = np.inf
            result.covariance = covariance
        else:
            result.covariance = t.dot(result.covariance).dot(t.T)  # (.dot: see normal_equations)
        result.map_hessian(lambda hessian: _mapped_by_inverse(hessian, twice - t))
        if uncertainties:
            result.uncertainties = uncertainties_from(result.covariance)
        return result


def _mapped_by_inverse(hessian, inverse):
    """T^-T H T^-1 for ``inverse`` = T^-1 (see TotalFluxProblem.result_in_model_space)."""
    return inverse.T.dot(hessian).dot(inverse)
