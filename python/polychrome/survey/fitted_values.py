"""The fitted values of a source into its output row: centre as ra/dec, shared shape parameters, fluxes
and magnitudes per band with uncertainties from the fit covariance, and the fit's flags.

Flux uncertainties are propagated from the covariance through the gradient of each component's
total flux: analytic for the Sersic and point models, finite differences for the other types.
"""

import dataclasses
import math

import numpy as np

from ..models.sersic import sersic_total_flux
from ..param import FreeParameters
from .flags import SourceFlag
from .rows import magnitude, shape_columns

_LN10 = math.log(10.0)
_SINGULAR, _AT_LIMIT_FLAG = int(SourceFlag.SINGULAR_COVARIANCE), int(SourceFlag.AT_LIMIT)
# A fitted value is "at" a limit within the LM's convergence tolerance of it, 0.03 of its uncertainty
# (the LM stops once every parameter is within ~0.03 sigma of its minimum: a fit held by a limit ends
# at a distance from it that its last steps and rounding set, 1e-4 to 1e-2 sigma, so a fixed relative
# distance flagged the same fit or not from one build to the next), and always within 1e-5 of the
# limit's size (at least 1e-3), which also covers a value without a finite uncertainty.
_AT_LIMIT = 1e-5
_AT_LIMIT_SIGMA = 0.03


@dataclasses.dataclass
class FitAttempt:
    """One fit of a group: the model type per source, the joint model and its components per
    (source, cutout), the skies, the FitResult, the free parameters, the unmasked pixels fitted."""

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


def near_limit(value, error, low, high):
    """Whether a fitted ``value`` with uncertainty ``error`` (the same units; NaN or inf: none) lies at
    its limit ``low`` or ``high`` (None or +-inf: no limit): within 0.03 ``error`` of it, or 1e-5 of
    the limit's size (at least 1e-3)."""
    reach = _AT_LIMIT_SIGMA * error if math.isfinite(error) else 0.0
    for limit in (low, high):
        if limit is not None and math.isfinite(limit) and \
                abs(value - limit) <= max(reach, _AT_LIMIT * max(abs(limit), 1e-3)):
            return True
    return False


def _sersic_flux_and_log_derivatives(values):
    """(total flux, {parameter: d ln(total flux) / d parameter}) of a Sersic from its {name: value}
    (SersicGalaxy.total_flux's numbers): analytic in Ie, Re and q, by central differences of the
    closed form in n."""
    n, Re, Ie, q = values["n"], values["Re"], values["Ie"], values["q"]
    h = 1e-5 * n
    up, down = sersic_total_flux(n + h, Re, Ie, q), sersic_total_flux(n - h, Re, Ie, q)
    return (sersic_total_flux(n, Re, Ie, q),
            {"Ie": _LN10, "Re": 2.0 / Re, "q": 1.0 / q, "n": math.log(up / down) / (2 * h)})


# model type -> (total flux, d ln(flux)/d parameter) from the component's values (the common cases,
# read once, without the model's checks); other types go through _numerical_flux_gradient
_FLUX_AND_LOG_DERIVATIVES = {
    "sersic galaxy model": _sersic_flux_and_log_derivatives,
    "point model": lambda values: (10 ** values["flux"], {"flux": _LN10}),
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
    gradient = np.zeros(free.size)
    flux_and_derivatives = _FLUX_AND_LOG_DERIVATIVES.get(component.model_type)
    if flux_and_derivatives is None:
        flux = float(component.total_flux())
        _numerical_flux_gradient(component, free, gradient)
        return flux, gradient
    parameters = component.parameters
    # the scalar values as component.total_flux() reads them, as Python floats (numpy's float64
    # arithmetic and pow give the same digits; the stored 0-d arrays' items instead of
    # Parameter.value's copies)
    values = (p.quantity.value for p in parameters)
    flux, derivatives = flux_and_derivatives({p.name: v.item() for p, v in zip(parameters, values) if v.ndim == 0})
    flux = float(flux)
    for name, derivative in derivatives.items():
        where = free.slice_of(parameters[name])
        if where is not None:
            gradient[where.start] += derivative * flux
    return flux, gradient


def fill_row(row, k, attempt, cut, shared):
    """Write source k's fitted values from ``attempt`` (a FitAttempt) into ``row``; ``shared``: the
    shared parameters (ModelSpec.shared). Returns the source's flags from the fit."""
    result, free = attempt.result, attempt.free
    own = [(c, m) for (s, c), m in attempt.components.items() if s == k]
    first = own[0][1]
    covariance = result.covariance if result.covariance.shape == (free.size, free.size) else None
    error_list = attempt.errors().tolist()
    unconstrained = result.unconstrained if result.unconstrained is not None else np.zeros(free.size, bool)
    flags = 0
    row["model_type"] = attempt.types[k]
    row["chi2"], row["ndf"], row["iterations"] = float(result.chi2), int(result.ndf), int(result.iterations)
    row["n_images"] = len(own)
    parameters = first.parameters
    # (values read from the parameters' quantities: what .value would copy; the errors from a list)
    center = parameters["center"].quantity
    x, y = center.value.tolist()
    (ra,), (dec,) = cut.plane.sky_points([x], [y])
    row["ra"], row["dec"] = ra, dec
    where = free.slice_of_quantity(center)
    row["ra_err"], row["dec_err"] = error_list[where] if where is not None else (math.nan, math.nan)
    for name in shape_columns(shared):
        if name not in parameters:
            continue
        quantity = parameters[name].quantity
        where = free.slice_of_quantity(quantity)
        value, error = float(quantity.value), error_list[where.start] if where is not None else math.nan
        if name == "PA":
            value, error = (math.degrees(value) - 90.0) % 180.0, math.degrees(error)
        row[name], row[f"{name}_err"] = value, error
    # the source's free quantities, each once (a shared one is one quantity on every image): their
    # positions in the free vector, and whether one lies at a limit
    positions = []
    for _, model in own:
        for parameter in model.parameters:
            quantity = parameter.quantity
            where = free.slice_of_quantity(quantity)
            if where is None or where.start in positions:
                continue
            positions += range(where.start, where.stop)
            if not quantity.cyclic and not flags & _AT_LIMIT_FLAG:
                low, high = quantity.limits
                value = quantity.value
                if value.ndim == 0:  # (most: one test, without a generator's zip of one)
                    at_limit = near_limit(value.item(), error_list[where.start], low, high)
                else:
                    at_limit = any(near_limit(v, e, low, high) for v, e in zip(value.ravel().tolist(), error_list[where]))
                if at_limit:
                    flags |= _AT_LIMIT_FLAG
    unconstrained = unconstrained.tolist()
    if any(unconstrained[i] for i in positions) or not all(math.isfinite(error_list[i]) for i in positions):
        flags |= _SINGULAR
    _fill_fluxes(row, own, cut, free, covariance)
    return flags


def _fill_fluxes(row, own, cut, free, covariance):
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
        flux, error = _band_flux(entries, covariance)
        row[f"flux_{band}"], row[f"flux_{band}_err"] = flux, error
        row[f"mag_{band}"], row[f"mag_{band}_err"] = magnitude(flux, error, reference)


def _band_flux(entries, covariance):
    """(flux, error) of a band from its images' [(flux, gradient, zeropoint)]: the inverse-variance
    mean of the fluxes brought to the first image's zeropoint."""
    if len(entries) == 1:  # what the mean below gives for one image, without its arrays
        flux, gradient, _ = entries[0]
        return flux, math.sqrt(_propagated_variance(gradient, covariance))
    reference = entries[0][2]
    scale = np.array([1.0 if zp is None or reference is None else 10 ** (-0.4 * (zp - reference))
                      for _, _, zp in entries])
    fluxes = np.array([f for f, _, _ in entries]) * scale
    gradients = np.array([g for _, g, _ in entries]) * scale[:, None]
    variance = np.array([_propagated_variance(g, covariance) for g in gradients])
    if not np.all((variance > 0) & np.isfinite(variance)):
        weights = np.full(len(entries), 1.0 / len(entries))
    else:
        weights = (1.0 / variance) / np.sum(1.0 / variance)
    return float(weights @ fluxes), math.sqrt(_propagated_variance(weights @ gradients, covariance))


def _propagated_variance(gradient, covariance):
    """gradient^T C gradient over the parameters it depends on: inf when one of them is not
    constrained (NaN or inf variance), NaN without a covariance."""
    if covariance is None:
        return math.nan
    (used,) = gradient.nonzero()  # (gradient is flat: np.flatnonzero's numbers without its wrapper)
    block = covariance[used[:, None], used]
    if not np.isfinite(block).all():
        return math.inf
    partial = gradient[used]
    return max(float(partial @ block @ partial), 0.0)
