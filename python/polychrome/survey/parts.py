"""The output folder's Parquet parts: one per chunk, written atomically, merged into one table.

Each part carries in its schema metadata the run's configuration hash, the
units and descriptions of the columns and the polychrome version, so that a
part found in a folder can be checked against the run resuming there, and a
merged table keeps its units.
"""

import glob
import json
import os

import numpy as np

from ..utils.atomic_file import atomic_write

PART_PATTERN = "part-*.parquet"
METADATA_KEY = b"polychrome"


def part_path(out, label):
    """The file of the part labelled ``label`` in the output folder ``out``."""
    return os.path.join(os.fspath(out), f"part-{label}.parquet")


def part_files(out):
    """The finished parts in ``out``, sorted by name (temporary files of unfinished writes excluded)."""
    return sorted(glob.glob(os.path.join(glob.escape(os.fspath(out)), PART_PATTERN)))


def _arrow_column(values, dtype):
    import pyarrow as pa

    kind = np.dtype(dtype).kind if dtype not in ("str", "object") else "U"
    if kind in "UO":
        return pa.array([None if value is None else str(value) for value in values], pa.string())
    return pa.array(np.asarray(values, dtype=dtype))


def rows_table(rows, columns, config_hash):
    """A pyarrow Table of ``rows`` (dicts) in the order and types of ``columns``, a list of
    (name, numpy dtype, unit, description); the schema's metadata holds units,
    descriptions, the configuration hash and the polychrome version."""
    import pyarrow as pa

    from .. import __version__

    names = [column[0] for column in columns]
    missing = [name for name in names if rows and name not in rows[0]]
    if missing:
        raise ValueError(f"rows lack the columns {missing}")
    arrays = [_arrow_column([row[name] for row in rows], dtype) for name, dtype, _, _ in columns]
    metadata = {"config_hash": config_hash, "version": __version__,
                "units": {name: unit for name, _, unit, _ in columns},
                "descriptions": {name: text for name, _, _, text in columns}}
    return with_metadata(pa.Table.from_arrays(arrays, names=names), metadata)


def with_metadata(table, metadata):
    """``table`` (pyarrow) carrying ``metadata`` (a dict: config_hash, version, units, descriptions)."""
    return table.replace_schema_metadata({METADATA_KEY: json.dumps(metadata).encode()})


def write_part(out, label, table):
    """Write ``table`` as the part ``label`` of ``out``: whole or not at all (temporary file, fsync, rename)."""
    import pyarrow.parquet as pq

    path = part_path(out, label)
    with atomic_write(path, overwrite=False) as temporary:
        pq.write_table(table, temporary)
    return path


def part_metadata(path):
    """The polychrome metadata of a part (a dict: config_hash, version, units, descriptions)."""
    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise ValueError(f"{path!r} is not a polychrome output part (no polychrome metadata)")
    return json.loads(raw)


def read_column(path, name):
    """One column of a part as a numpy array (reads only that column)."""
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=[name]).column(name).to_numpy(zero_copy_only=False)


def read_parts(out):
    """All parts of ``out`` concatenated into one pyarrow Table (None when there are none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = part_files(out)
    if not files:
        return None
    tables = [pq.read_table(path) for path in files]
    return pa.concat_tables(tables, promote_options="permissive")
