"""read_catalog: the canonical columns from tables and files, user column names, clear errors."""

import numpy as np
import pytest
from astropy.table import Table

from polychrome.survey.catalog import read_catalog


def _table():
    return Table({"OBJID": [3, 1, 2], "RA_DEG": [150.1, 359.9, -0.5], "DEC_DEG": [2.0, -1.0, 89.0],
                  "R50": [0.5, np.nan, 1.2], "q": [0.5, 1.0, np.nan], "THETA": [10.0, 100.0, np.nan],
                  "mag": [21.0, 22.5, 23.0], "kind": ["galaxy", "STAR", ""]})


MAPPING = {"id": "OBJID", "ra": "RA_DEG", "dec": "DEC_DEG", "size": "R50", "pa": "THETA"}


def test_mapped_columns_and_canonical_values():
    catalog = read_catalog(_table(), columns=MAPPING)
    assert catalog.colnames == ["id", "ra", "dec", "size", "q", "pa", "mag", "kind"]
    assert catalog["id"].dtype == np.int64 and list(catalog["id"]) == [3, 1, 2]
    assert np.allclose(catalog["ra"], [150.1, 359.9, 359.5])  # wrapped into [0, 360)
    assert str(catalog["ra"].unit) == "deg" and str(catalog["size"].unit) == "arcsec"
    assert list(catalog["kind"]) == ["galaxy", "star", ""]
    assert np.isnan(catalog["size"][1])


@pytest.mark.parametrize("suffix", [".fits", ".ecsv", ".csv", ".parquet"])
def test_files_of_every_format(tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    table = _table()
    table["kind"] = table["kind"].astype(str)
    path = tmp_path / f"catalog{suffix}"
    table.write(path)
    catalog = read_catalog(path, columns=MAPPING)
    assert list(catalog["id"]) == [3, 1, 2]
    assert np.allclose(catalog["mag"], [21.0, 22.5, 23.0])


def test_string_ids():
    catalog = read_catalog(Table({"id": ["a", "b"], "ra": [1.0, 2.0], "dec": [0.0, 0.0]}))
    assert list(catalog["id"]) == ["a", "b"]


@pytest.mark.parametrize("change,match", [
    (lambda t: t.remove_column("DEC_DEG"), "DEC_DEG"),
    (lambda t: t["OBJID"].__setitem__(1, 3), "repeated id"),
    (lambda t: t["RA_DEG"].__setitem__(0, np.nan), "ra"),
    (lambda t: t["DEC_DEG"].__setitem__(0, 91.0), "dec"),
    (lambda t: t["q"].__setitem__(0, 1.5), "q"),
    (lambda t: t["R50"].__setitem__(0, -1.0), "size"),
    (lambda t: t["kind"].__setitem__(0, "qso"), "kind"),
])
def test_bad_catalogues_name_the_column(change, match):
    table = _table()
    change(table)
    with pytest.raises(ValueError, match=match):
        read_catalog(table, columns=MAPPING)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="missing required column"):
        read_catalog(_table())
    with pytest.raises(ValueError, match="unknown canonical"):
        read_catalog(_table(), columns={**MAPPING, "radius": "R50"})
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_catalog(tmp_path / "nothing.fits")
    with pytest.raises(ValueError, match="format"):
        read_catalog(tmp_path / "catalog.txt")
    with pytest.raises(TypeError, match="astropy Table"):
        read_catalog(42)
