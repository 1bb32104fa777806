"""One table from a run's parts: astropy Table in memory, or a FITS/ECSV/Parquet file."""

import os

import numpy as np

from ..utils.atomic_file import atomic_write, check_may_write
from .parts import part_files, part_metadata, read_parts, with_metadata

FORMATS = {".fits": "fits", ".fit": "fits", ".ecsv": "ascii.ecsv", ".parquet": "parquet"}


def merged_table(out):
    """The rows of every part of ``out`` as one astropy Table, sorted by (id), one row per source
    (a source found in two parts, possible only if two runs wrote into one folder at once, is kept once);
    columns carry their units and descriptions; ``meta`` holds the configuration hash (CFGHASH) and the
    polychrome version (PCHVERS)."""
    from astropy.table import Table

    table = read_parts(out)
    if table is None:
        raise FileNotFoundError(f"out={os.fspath(out)!r} holds no output parts (part-*.parquet): nothing to merge")
    metadata = part_metadata(part_files(out)[0])
    columns = {}
    for name in table.column_names:
        values = table.column(name).to_numpy(zero_copy_only=False)
        columns[name] = values.astype(str) if values.dtype.kind == "O" else values
    merged = Table(columns, meta={"CFGHASH": metadata["config_hash"], "PCHVERS": metadata["version"]})
    for name, unit in metadata["units"].items():
        if name in merged.colnames and unit:
            merged[name].unit = unit
        if name in merged.colnames and metadata["descriptions"].get(name):
            merged[name].description = metadata["descriptions"][name]
    _, first = np.unique(np.asarray(merged["id"]), return_index=True)   # sorted by id, first of each
    return merged[first]


def merge(out, path, *, overwrite=False):
    """Write the merged table of the run in ``out`` to ``path`` (.fits, .ecsv or .parquet, chosen by the
    suffix), atomically; an existing ``path`` is refused unless ``overwrite``. Returns the Table."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in FORMATS:
        raise ValueError(f"path must end in one of {sorted(FORMATS)} (the format is chosen by the suffix), "
                         f"got {os.fspath(path)!r}")
    check_may_write(path, overwrite)
    table = merged_table(out)
    with atomic_write(path, overwrite=overwrite) as temporary:
        if FORMATS[suffix] == "parquet":
            _write_parquet(table, temporary, part_metadata(part_files(out)[0]))
        else:
            table.write(temporary, format=FORMATS[suffix], overwrite=True)
    return table


def _write_parquet(table, path, metadata):
    """Parquet through pyarrow (astropy's Parquet writer needs pandas), with the parts' metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = [pa.array(np.asarray(table[name]).tolist() if table[name].dtype.kind == "U" else np.asarray(table[name]))
              for name in table.colnames]
    pq.write_table(with_metadata(pa.Table.from_arrays(arrays, names=table.colnames), metadata), path)
