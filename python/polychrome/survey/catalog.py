"""Read a source catalogue into the survey's canonical columns.

Canonical columns: ``id`` (int64 or str), ``ra``, ``dec`` (deg); optional first
guesses ``size`` (arcsec, half-light radius), ``q`` (b/a), ``pa`` (deg, east of
north), ``mag`` or ``flux`` (catalogue units; not tied to one band), ``kind``
('star' or 'galaxy').
"""

import os

import numpy as np
from astropy.table import Table

REQUIRED = ("id", "ra", "dec")
OPTIONAL = ("size", "q", "pa", "mag", "flux", "kind")
CANONICAL = REQUIRED + OPTIONAL
KINDS = ("star", "galaxy")

# file suffix -> astropy format
_FORMATS = {".fits": "fits", ".fit": "fits", ".fts": "fits", ".fits.gz": "fits", ".ecsv": "ascii.ecsv",
            ".csv": "ascii.csv", ".parquet": "parquet", ".pq": "parquet"}


def _format_of(path):
    name = os.fspath(path).lower()
    for suffix in sorted(_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return _FORMATS[suffix]
    raise ValueError(f"catalog: cannot tell the format of {os.fspath(path)!r} from its suffix; "
                     f"use one of {sorted(_FORMATS)} or pass an astropy Table")


def _read_parquet(path):
    """A Parquet file as a Table through pyarrow (astropy's reader needs pandas)."""
    import pyarrow.parquet

    arrow = pyarrow.parquet.read_table(path)
    table = Table()
    for name in arrow.column_names:
        values = arrow.column(name).to_numpy(zero_copy_only=False)
        table[name] = values.astype(str) if values.dtype == object else values
    return table


def _load(source):
    if isinstance(source, Table):
        return source
    if isinstance(source, (str, os.PathLike)):
        file_format = _format_of(source)
        if not os.path.exists(source):
            raise FileNotFoundError(f"catalog: no such file {os.fspath(source)!r}")
        if file_format == "parquet":
            return _read_parquet(source)
        return Table.read(source, format=file_format)
    raise TypeError(f"catalog must be an astropy Table or a path to a FITS/ECSV/CSV/Parquet file, "
                    f"got {type(source).__name__}")


def _checked_columns(columns, table):
    """{canonical: user name} for every canonical column found in ``table``."""
    columns = dict(columns or {})
    unknown = sorted(set(columns) - set(CANONICAL))
    if unknown:
        raise ValueError(f"columns: unknown canonical name(s) {unknown}; the canonical columns are "
                         f"{list(CANONICAL)} (map canonical -> your column name)")
    found = {}
    for name in CANONICAL:
        user = columns.get(name, name)
        if user in table.colnames:
            found[name] = user
        elif name in columns:
            raise ValueError(f"columns: {name!r} is mapped to {user!r}, which the catalogue does not have "
                             f"(its columns: {table.colnames})")
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise ValueError(f"catalog: missing required column(s) {missing} (id, ra and dec in degrees); "
                         f"its columns are {table.colnames}; map yours with columns={{'ra': 'RA_DEG', ...}}")
    return found


def _float_column(table, user, name, units):
    values = table[user]
    if getattr(values, "mask", None) is not None and np.any(values.mask):
        values = values.filled(np.nan)
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"catalog column {user!r} ({name}, {units}) must be numeric") from None


def _ids(table, user):
    values = np.asarray(table[user])
    if values.dtype.kind in "iu":
        ids = values.astype(np.int64)
    elif values.dtype.kind in "US":
        ids = values.astype(str)
    elif values.dtype.kind == "f" and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        ids = values.astype(np.int64)
    else:
        raise ValueError(f"catalog column {user!r} (id) must hold integers or strings, got {values.dtype}")
    unique, counts = np.unique(ids, return_counts=True)
    if np.any(counts > 1):
        repeated = unique[counts > 1][:5].tolist()
        raise ValueError(f"catalog column {user!r} (id) has {int(np.sum(counts > 1))} repeated id(s), "
                         f"e.g. {repeated}; every source needs its own id")
    return ids


def _check_range(values, name, user, low, high, units, allow_nan=True):
    bad = ~((values >= low) & (values <= high))
    if allow_nan:
        bad &= ~np.isnan(values)
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"catalog column {user!r} ({name}, {units}) must be in [{low}, {high}]"
                         f"{' or NaN (unknown)' if allow_nan else ''}; row {first} has {values[first]!r} "
                         f"({int(bad.sum())} bad row(s))")


def _kinds(table, user):
    values = table[user]
    if getattr(values, "mask", None) is not None:
        values = values.filled("")
    kinds = np.char.lower(np.char.strip(np.asarray(values).astype(str)))
    kinds = np.where(np.isin(kinds, ("", "--", "nan", "none", "unknown")), "", kinds)
    bad = ~np.isin(kinds, KINDS + ("",))
    if np.any(bad):
        raise ValueError(f"catalog column {user!r} (kind) must be 'star', 'galaxy' or empty; "
                         f"found {sorted(set(kinds[bad].tolist()))[:5]}")
    return kinds


def read_catalog(source, *, columns=None):
    """The catalogue as an astropy Table with the canonical columns only.

    source: an astropy Table or a path to a FITS/ECSV/CSV/Parquet file (by
    suffix). columns: {canonical name: your column name} for the columns whose
    names differ (e.g. {"id": "OBJID", "ra": "RA_DEG"}). Returned columns:
    id (int64 or str, unique), ra and dec (deg, finite; ra wrapped into
    [0, 360)), and those optional ones present: size (arcsec, > 0 or NaN),
    q (in (0, 1] or NaN), pa (deg east of north, NaN allowed), mag, flux
    (NaN allowed), kind ('star', 'galaxy' or '' for unknown). Raises
    ValueError naming the column for a missing id/ra/dec, repeated ids,
    NaN or out-of-range ra/dec and values outside those ranges.
    """
    table = _load(source)
    found = _checked_columns(columns, table)
    out = Table()
    out["id"] = _ids(table, found["id"])
    ra = _float_column(table, found["ra"], "ra", "deg")
    dec = _float_column(table, found["dec"], "dec", "deg")
    _check_range(ra, "ra", found["ra"], -360.0, 720.0, "deg", allow_nan=False)
    _check_range(dec, "dec", found["dec"], -90.0, 90.0, "deg", allow_nan=False)
    out["ra"] = np.mod(ra, 360.0)
    out["dec"] = dec
    out["ra"].unit = out["dec"].unit = "deg"
    ranges = {"size": (0.0, np.inf, "arcsec"), "q": (0.0, 1.0, "b/a"), "pa": (-np.inf, np.inf, "deg"),
              "mag": (-np.inf, np.inf, "mag"), "flux": (-np.inf, np.inf, "flux")}
    for name, (low, high, units) in ranges.items():
        if name not in found:
            continue
        values = _float_column(table, found[name], name, units)
        _check_range(values, name, found[name], low, high, units)
        if name in ("size", "q") and np.any(values == 0.0):
            raise ValueError(f"catalog column {found[name]!r} ({name}) must be > 0 or NaN (unknown); "
                             f"{int(np.sum(values == 0))} row(s) are 0")
        out[name] = values
        if units in ("deg", "arcsec", "mag"):
            out[name].unit = units
    if "kind" in found:
        out["kind"] = _kinds(table, found["kind"])
    return out
