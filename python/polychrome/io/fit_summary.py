"""A fit's results as an astropy Table: every parameter with its uncertainty,
and each component's total flux and magnitude with uncertainties propagated
from the fit covariance."""

import numpy as np
from astropy.table import Table

from ..param import FreeParameters
from ..utils.atomic_file import atomic_write


def _flux_uncertainty(component, free, covariance):
    """1-sigma of component.total_flux() from the covariance of the free
    vector, by central differences of the flux in each free direction
    (steps of 1e-4 of each parameter's uncertainty scale); inf when the flux
    depends on a parameter the fit left unconstrained (infinite variance)."""
    x0 = free.get_values()
    scale = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    constrained = np.isfinite(scale)
    gradient = np.zeros(free.size)
    try:
        for k in range(free.size):
            if scale[k] == 0:
                continue
            h = 1e-4 * scale[k] if constrained[k] else 1e-6 * max(abs(x0[k]), 1.0)
            values = []
            for sign in (1.0, -1.0):
                x = x0.copy()
                x[k] += sign * h
                free.set_values(x, clip_to_limits=True)
                values.append(component.total_flux())
            gradient[k] = (values[0] - values[1]) / (2 * h)
    finally:
        free.set_values(x0)
    if np.any(gradient[~constrained] != 0.0):
        return float("inf")
    g, block = gradient[constrained], covariance[np.ix_(constrained, constrained)]
    return float(np.sqrt(max(g @ block @ g, 0.0)))


def fit_summary(model, result=None):
    """Table with one row per parameter (model, parameter, value, uncertainty,
    units; array parameters one row per element) and, for components with an
    analytic total flux, rows "total_flux" and, with a target zeropoint,
    "magnitude" (mag = zeropoint - 2.5 log10 flux). With `result` (the
    FitResult of fit.LM on this model) their uncertainties come from its
    covariance; without it they are left NaN."""
    rows = []
    for component in model.components():
        for parameter in component.parameters:
            value = np.atleast_1d(np.asarray(parameter.value, dtype=float))
            unc = parameter.uncertainty
            unc = np.full(value.shape, np.nan) if unc is None else np.atleast_1d(np.asarray(unc, float))
            for k, (v, u) in enumerate(zip(value.ravel(), unc.ravel())):
                name = parameter.name if value.size == 1 else f"{parameter.name}[{k}]"
                rows.append((component.name, name, float(v), float(u), parameter.units))
    free = FreeParameters(model.all_parameters()) if result is not None else None
    for component in model.components():
        if not hasattr(component, "total_flux"):
            continue
        flux = float(component.total_flux())
        flux_unc = np.nan
        if result is not None and free.size == result.covariance.shape[0]:
            flux_unc = _flux_uncertainty(component, free, result.covariance)
        rows.append((component.name, "total_flux", flux, flux_unc, "flux"))
        zeropoint = getattr(component.target, "zeropoint", None)
        if zeropoint is not None and flux > 0:
            rows.append((component.name, "magnitude", zeropoint - 2.5 * np.log10(flux),
                         2.5 / np.log(10) * flux_unc / flux, "mag"))
    return Table(rows=rows, names=("model", "parameter", "value", "uncertainty", "units"),
                 dtype=(str, str, float, float, str))


def write_fit_summary(path, model, result=None, overwrite=False):
    """Write fit_summary(model, result) to `path` (.ecsv or .fits by its extension).

    An existing `path` is kept (FileExistsError) unless `overwrite=True`; the
    table is written whole to a temporary file, then renamed onto `path`."""
    table = fit_summary(model, result)
    with atomic_write(path, overwrite=overwrite) as temporary:
        table.write(temporary, overwrite=True)
