"""How close a fitted catalogue is to the truth of a simulated field.

The output table and the truth table (polychrome.survey.simulate) share their
ids and the names and units of the fitted columns (ra, dec, Re arcsec, n, q,
PA deg East of North, flux_<band>, mag_<band>). Scatter is the half-width of
the central 68% (sigma for a Gaussian, robust to a few failures); a pull is
(fitted - true) / uncertainty, whose width is 1 when the uncertainties are right.
"""

import math

import numpy as np

STAR_MODELS = ("point model",)


def _values(table, name):
    if name not in table.colnames:
        return np.full(len(table), np.nan)
    column = table[name]
    return np.asarray(column.filled(np.nan) if hasattr(column, "filled") else column, dtype=float)


def width68(values):
    """Half the 16-84 percentile range of the finite ``values`` (NaN when fewer than 3)."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if values.size < 3:
        return math.nan
    low, high = np.percentile(values, [15.865, 84.135])
    return float(0.5 * (high - low))


def median(values):
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else math.nan


def matched(table, truth):
    """(fitted rows, truth rows) in the same order, for the ids present in both (astropy Tables)."""
    truth_index = {int(i): k for k, i in enumerate(truth["id"])}
    rows = [k for k, i in enumerate(table["id"]) if int(i) in truth_index]
    return table[rows], truth[[truth_index[int(table["id"][k])] for k in rows]]


def _kinds(table):
    return np.asarray(table["kind"]).astype(str) if "kind" in table.colnames else np.full(len(table), "galaxy")


def accuracy_by_magnitude(table, truth, band, edges=(19, 21, 22, 23, 24, 25.5)):
    """Rows (dicts) per bin of true ``band`` magnitude of the unflagged galaxies fitted
    with a galaxy model: count, mag bias (median fitted - true) and scatter, Re bias
    (median of fitted/true - 1) and scatter of that ratio, pull widths of mag and Re."""
    fit, true = matched(table, truth)
    good = (_values(fit, "flags") == 0) & (_kinds(true) == "galaxy")
    if "model_type" in fit.colnames:
        good &= ~np.isin(np.asarray(fit["model_type"]).astype(str), STAR_MODELS)
    true_mag = _values(true, f"mag_{band}")
    dmag = _values(fit, f"mag_{band}") - true_mag
    with np.errstate(divide="ignore", invalid="ignore"):   # stars: true Re = 0, left out below
        ratio = _values(fit, "Re") / _values(true, "Re") - 1.0
    mag_pull = dmag / _values(fit, f"mag_{band}_err")
    re_pull = (_values(fit, "Re") - _values(true, "Re")) / _values(fit, "Re_err")
    out = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = good & (true_mag >= low) & (true_mag < high)
        out.append({"mag": f"{low:g}-{high:g}", "count": int(inside.sum()),
                    "mag_bias": median(dmag[inside]), "mag_scatter": width68(dmag[inside]),
                    "Re_bias": median(ratio[inside]), "Re_scatter": width68(ratio[inside]),
                    "mag_pull": width68(mag_pull[inside]), "Re_pull": width68(re_pull[inside])})
    return out


def summary(table, truth, band, *, bright=23.0):
    """A dict of the headline numbers: n_sources (rows), n_truth, missing (truth ids
    without a row), n_flagged and flagged_fraction (flags != 0), kind_agreement
    (fraction of unflagged rows whose model type, point or not, matches star or
    galaxy), and for unflagged galaxies brighter than ``bright`` in ``band``:
    n_bright, mag_bias, mag_scatter, Re_bias (median fitted/true - 1),
    Re_scatter, mag_pull, Re_pull (widths)."""
    fit, true = matched(table, truth)
    flags = _values(table, "flags")
    result = {"n_sources": len(table), "n_truth": len(truth),
              "missing": int(len(set(map(int, truth["id"])) - set(map(int, table["id"])))),
              "n_flagged": int(np.sum(flags != 0)), "flagged_fraction": float(np.mean(flags != 0)) if len(table) else 0.0}
    clean = _values(fit, "flags") == 0
    if "model_type" in fit.colnames and clean.any():
        point = np.isin(np.asarray(fit["model_type"]).astype(str), STAR_MODELS)
        result["kind_agreement"] = float(np.mean((point == (_kinds(true) == "star"))[clean]))
    rows = accuracy_by_magnitude(table, truth, band, edges=(-math.inf, bright))
    result.update({"n_bright": rows[0]["count"], **{k: v for k, v in rows[0].items() if k not in ("mag", "count")}})
    return result
