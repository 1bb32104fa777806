"""The output table's columns (fixed names, order, units) and empty rows.

One row per source: id, group_id, group_size, ra, dec (deg) and their
errors (arcsec), model_type, each shared shape parameter (not the centre)
and its _err, per band flux_<band>, flux_<band>_err (image flux units at the
band's zeropoint), mag_<band>, mag_<band>_err, then chi2, ndf, iterations,
n_images, wall_time, cpu_time, flags, message.
"""

import functools
import math

# shared parameter -> (unit, description) in the table; PA is given in degrees east of north
SHAPE_COLUMNS = {
    "q": ("", "axis ratio b/a"),
    "PA": ("deg", "position angle of the major axis, degrees east of north, in [0, 180)"),
    "n": ("", "Sersic index"),
    "Re": ("arcsec", "semi-major half-light radius"),
}
MISSING_INT = -1  # integer columns of a source that was not fitted


def bands_of(images):
    """The band names of ``images`` (ImageSpecs) in order of first appearance."""
    bands = []
    for image in images:
        if image.band not in bands:
            bands.append(image.band)
    return bands


def shape_columns(shared):
    """The shared parameters reported as columns: all of ``shared`` but the centre (in ra/dec)."""
    return [name for name in shared if name != "center"]


def columns(bands, shared, id_dtype="int64"):
    """[(name, numpy dtype, unit, description)] of every output column, in order."""
    out = [("id", id_dtype, "", "catalogue id"),
           ("group_id", "int64", "", "id of the group of sources fitted together"),
           ("group_size", "int64", "", "number of sources in the group"),
           ("ra", "float64", "deg", "right ascension of the fitted centre"),
           ("dec", "float64", "deg", "declination of the fitted centre"),
           ("ra_err", "float64", "arcsec", "uncertainty of ra, arcsec on the sky (along RA * cos dec)"),
           ("dec_err", "float64", "arcsec", "uncertainty of dec, arcsec"),
           ("model_type", "str", "", "the model type fitted (the chosen candidate)")]
    for name in shape_columns(shared):
        unit, description = SHAPE_COLUMNS.get(name, ("", f"shared parameter {name}"))
        out.append((name, "float64", unit, description))
        out.append((f"{name}_err", "float64", unit, f"uncertainty of {name}"))
    for band in bands:
        out += [(f"flux_{band}", "float64", "", f"total flux in band {band}, in the image units at its zeropoint"),
                (f"flux_{band}_err", "float64", "", f"uncertainty of flux_{band}"),
                (f"mag_{band}", "float64", "mag", f"magnitude in band {band}: zeropoint - 2.5 log10(flux)"),
                (f"mag_{band}_err", "float64", "mag", f"uncertainty of mag_{band}")]
    out += [("chi2", "float64", "", "chi^2 of the group's fit"),
            ("ndf", "int64", "", "degrees of freedom of the group's fit (-1: not fitted)"),
            ("iterations", "int64", "", "LM iterations of the group's chosen fit (-1: not fitted)"),
            ("n_images", "int64", "", "images with data on the source"),
            ("wall_time", "float64", "s", "wall-clock seconds of the group, divided among its sources"),
            ("cpu_time", "float64", "s", "CPU seconds of the group, divided among its sources"),
            ("flags", "int64", "", "SourceFlag bitmask (0: clean)"),
            ("message", "str", "", "what went wrong or what to know, empty when nothing")]
    return out


def empty_row(column_list, source, task, flags=0, message=""):
    """A row of ``column_list`` for ``source`` (a catalogue dict) of ``task``: NaN floats, -1
    integers, the identity columns filled."""
    row = dict(_blank_row(tuple(column_list)))
    row.update(id=source["id"], group_id=int(task.group_id), group_size=len(task.sources), n_images=0,
               flags=int(flags), message=message)
    return row


@functools.lru_cache(maxsize=16)
def _blank_row(column_tuple):
    """{name: NaN for floats, "" for strings, MISSING_INT otherwise} of every column, in order (one
    per column list: each row starts as a copy)."""
    return {name: math.nan if dtype.startswith("float") else "" if dtype == "str" else MISSING_INT
            for name, dtype, _, _ in column_tuple}


def magnitude(flux, flux_err, zeropoint):
    """(mag, mag_err) of a flux and its uncertainty; NaN without a zeropoint or for flux <= 0."""
    if zeropoint is None or not flux > 0:
        return math.nan, math.nan
    return zeropoint - 2.5 * math.log10(flux), 2.5 / math.log(10.0) * flux_err / flux
