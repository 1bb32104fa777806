"""The survey configuration file (YAML) of ``polychrome fit-catalog``.

    catalog: catalog.fits            # or {path: catalog.csv, columns: {id: OBJID, ra: RA, dec: DEC}}
    images:                          # fields of ImageSpec
      - {data: g.fits, band: g, variance: g_var.fits, psf: g_psf.fits, zeropoint: 27.0}
      - {data: r.fits, band: r, weight: r_wht.fits, mask: r_mask.fits, psf: r_psf.fits, zeropoint: 27.0}
    model:                           # fields of ModelSpec
      candidates: [point model, sersic galaxy model]
      segmentation: seg.fits         # optional: footprints and neighbour masks from a segmentation map
    out: results                     # the output folder
    run:                             # optional
      n_workers: 2                   # a LocalCluster of this many processes (default: the usable CPUs)
      scheduler: tcp://host:8786     # or scheduler_file: ...; an existing Dask cluster instead
      chunk_seconds: 20
      serial: false

Relative paths are taken from the configuration file's folder.
"""

import dataclasses
import os

import yaml

SECTIONS = {"catalog", "images", "model", "out", "run"}
RUN_OPTIONS = {"n_workers", "scheduler", "scheduler_file", "chunk_seconds", "serial", "restart", "progress"}
PATH_FIELDS = {"data", "variance", "weight", "sigma", "mask", "psf"}


@dataclasses.dataclass
class SurveyConfig:
    """A read configuration: catalog (path or dict with path and columns), images (list of dicts),
    model (dict), out (folder) and run options (dict)."""

    catalog: object
    images: list
    model: dict
    out: str
    run: dict


def _resolved(folder, path):
    return path if os.path.isabs(os.path.expanduser(path)) else os.path.join(folder, path)


def _mapping(value, name, source):
    if not isinstance(value, dict):
        raise ValueError(f"{source}: {name} must be a mapping, got {type(value).__name__}")
    return value


def read_survey_config(path):
    """Read and check the configuration file ``path`` (see the module docstring)."""
    with open(path) as handle:
        raw = yaml.safe_load(handle)
    source = os.fspath(path)
    _mapping(raw, "the file", source)
    unknown, missing = set(raw) - SECTIONS, {"catalog", "images", "out"} - set(raw)
    if unknown or missing:
        raise ValueError(f"{source}: sections must be {sorted(SECTIONS)} (model and run optional); "
                         f"unknown: {sorted(unknown)}, missing: {sorted(missing)}")
    folder = os.path.dirname(os.path.abspath(source))
    catalog = raw["catalog"]
    if isinstance(catalog, dict):
        catalog = {**catalog, "path": _resolved(folder, str(catalog.get("path", "")))}
    else:
        catalog = _resolved(folder, str(catalog))
    if not isinstance(raw["images"], list) or not raw["images"]:
        raise ValueError(f"{source}: images must be a non-empty list of image entries")
    images = []
    for number, image in enumerate(raw["images"]):
        entry = dict(_mapping(image, f"images[{number}]", source))
        for field in PATH_FIELDS & set(entry):
            if isinstance(entry[field], str):
                entry[field] = _resolved(folder, entry[field])
        images.append(entry)
    run = dict(_mapping(raw.get("run") or {}, "run", source))
    if set(run) - RUN_OPTIONS:
        raise ValueError(f"{source}: unknown run options {sorted(set(run) - RUN_OPTIONS)}; "
                         f"known: {sorted(RUN_OPTIONS)}")
    model = dict(_mapping(raw.get("model") or {}, "model", source))
    if isinstance(model.get("segmentation"), str):
        model["segmentation"] = _resolved(folder, model["segmentation"])
    return SurveyConfig(catalog, images, model,
                        _resolved(folder, str(raw["out"])), run)
