"""The output folder of a run: its configuration record, resuming and starting over.

``run.json`` records the configuration's hash (catalogue content, image
specifications and model spec, with the size and modification time of every
file they name). A rerun into the same folder with the same configuration
resumes: groups already in a finished part are skipped. A rerun with another
configuration is refused, naming what changed, unless ``restart=True``, which
removes the previous run's parts (and only them) first.
"""

import datetime
import glob
import hashlib
import json
import os

import numpy as np

from ..utils.atomic_file import atomic_write
from .parts import part_files, part_metadata, read_column

RUN_FILE = "run.json"


class ConfigurationChanged(ValueError):
    """The output folder holds a run made with another configuration."""


def catalog_digest(table):
    """SHA-256 of a catalogue's column names, types and values (hex)."""
    digest = hashlib.sha256()
    for name in table.colnames:
        column = np.asarray(table[name])
        digest.update(f"{name}:{column.dtype.str}:{len(column)};".encode())
        if column.dtype.kind == "O":
            digest.update("\x1f".join(map(str, column)).encode())
        else:
            digest.update(np.ascontiguousarray(column).tobytes())
    return digest.hexdigest()


def _file_identity(value):
    """(size, mtime_ns) of every existing file named by a string in ``value`` (a dict/list/str)."""
    if isinstance(value, dict):
        return {key: _file_identity(item) for key, item in value.items() if _file_identity(item)}
    if isinstance(value, (list, tuple)):
        return [_file_identity(item) for item in value]
    if isinstance(value, str) and os.path.isfile(value):
        status = os.stat(value)
        return [status.st_size, status.st_mtime_ns]
    return None


def run_configuration(catalog_table, image_dicts, model_dict):
    """The configuration a run's results depend on, as plain JSON-able data."""
    return {"catalog": catalog_digest(catalog_table), "images": list(image_dicts),
            "image_files": _file_identity(list(image_dicts)), "model": model_dict,
            "model_files": _file_identity(model_dict)}


def configuration_hash(configuration):
    """SHA-256 (hex) of the canonical JSON of ``configuration``."""
    text = json.dumps(configuration, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _changed_parts(old, new):
    names = {"catalog": "the catalogue", "images": "the image list", "image_files": "the image files",
             "model": "the model spec", "model_files": "the segmentation map"}
    changed = [names.get(key, key) for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    return ", ".join(changed) or "the configuration"


def read_run_record(out):
    """The run record (dict) of the output folder ``out``; FileNotFoundError when there is none."""
    path = os.path.join(os.fspath(out), RUN_FILE)
    with open(path) as handle:
        return json.load(handle)


def _write_run_record(out, record):
    with atomic_write(os.path.join(os.fspath(out), RUN_FILE)) as temporary:
        with open(temporary, "w") as handle:
            json.dump(record, handle, indent=1, sort_keys=True, default=str)


def _remove_run(out):
    for path in part_files(out) + glob.glob(os.path.join(glob.escape(os.fspath(out)), ".polychrome-*.parquet")):
        os.remove(path)
    record = os.path.join(os.fspath(out), RUN_FILE)
    if os.path.exists(record):
        os.remove(record)


def prepare_run_folder(out, configuration, *, restart=False, n_sources=0, n_groups=0):
    """Make ``out`` ready for the run of ``configuration``; returns its hash.

    A new folder is created; a folder of the same configuration is resumed; a
    folder of another configuration raises ConfigurationChanged unless
    ``restart`` is True (then its parts are removed first).
    """
    out = os.fspath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"out must be a folder for the output parts; {out!r} is a file")
    os.makedirs(out, exist_ok=True)
    config_hash = configuration_hash(configuration)
    try:
        record = read_run_record(out)
    except FileNotFoundError:
        record = None
    previous = record["config_hash"] if record else _hash_of_parts(out)
    if previous is not None and (restart or previous != config_hash):
        if not restart:
            what = _changed_parts(record.get("configuration", {}), configuration) if record else "the configuration"
            raise ConfigurationChanged(
                f"out={out!r} holds a run made with another configuration ({what} changed); resuming it would mix "
                f"results: pass restart=True (command line: --restart) to remove its parts and start over, or "
                f"choose another output folder")
        _remove_run(out)
    for stale in glob.glob(os.path.join(glob.escape(out), ".polychrome-*.parquet")):
        os.remove(stale)   # a part write killed half way: it never became a part
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    resumed = record is not None and not restart and previous == config_hash
    _write_run_record(out, {"config_hash": config_hash, "configuration": configuration, "n_sources": int(n_sources),
                            "n_groups": int(n_groups), "started": record["started"] if resumed else now,
                            "resumed": now if resumed else None})
    return config_hash


def _hash_of_parts(out):
    files = part_files(out)
    return part_metadata(files[0])["config_hash"] if files else None


def finished_groups(out, config_hash):
    """Group ids of every finished part of ``out``; a part of another configuration raises."""
    done = set()
    for path in part_files(out):
        if part_metadata(path)["config_hash"] != config_hash:
            raise ConfigurationChanged(f"{path!r} was written by a run with another configuration; "
                                       f"pass restart=True to start over")
        done.update(read_column(path, "group_id").tolist())
    return done
