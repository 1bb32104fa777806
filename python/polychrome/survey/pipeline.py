"""fit_catalog: a catalogue fitted on many images, on Dask, resumable, one row per source."""

from ..utils.cpus import usable_cpus
from .chunk_runner import run_chunk
from .chunks import ChunkSizer
from .merge import merged_table
from .parts import rows_table, write_part
from .progress import RunProgress
from .run_folder import finished_groups, prepare_run_folder, run_configuration


def _checked_workers(n_workers):
    if n_workers is None:
        return max(usable_cpus(), 1)
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"n_workers must be a whole number of worker processes >= 1, got {n_workers!r}")
    return n_workers


def run_groups(tasks, fitter, out, configuration, *, client=None, n_workers=None, serial=False, restart=False,
               progress=True, chunk_seconds=20.0):
    """Fit the GroupTasks ``tasks`` with ``fitter`` into the output folder ``out`` (see fit_catalog).

    Groups already in finished parts of the same ``configuration`` are
    skipped. Returns the number of sources fitted by this call.
    """
    n_sources = sum(len(task.sources) for task in tasks)
    config_hash = prepare_run_folder(out, configuration, restart=restart, n_sources=n_sources, n_groups=len(tasks))
    done = finished_groups(out, config_hash)
    remaining = [task for task in tasks if task.group_id not in done]
    columns = fitter.columns()
    bar = RunProgress(n_sources, n_sources - sum(len(task.sources) for task in remaining), enabled=progress)
    fitted = 0

    def save(chunk, rows):
        nonlocal fitted
        write_part(out, chunk.label, rows_table(rows, columns, config_hash))
        fitted += len(rows)
        bar.update(rows)

    try:
        if not remaining:
            return 0
        if serial:
            sizer = ChunkSizer(remaining, chunk_seconds, 1)
            while sizer:
                chunk = sizer.next_chunk()
                result = run_chunk(chunk.tasks, fitter)
                sizer.record(chunk, result.wall_seconds)
                save(chunk, result.rows)
        elif client is not None:
            from .dask_engine import run_on_dask, worker_count

            run_on_dask(client, ChunkSizer(remaining, chunk_seconds, worker_count(client)), fitter, save)
        else:
            from .dask_engine import local_client, run_on_dask

            workers = _checked_workers(n_workers)
            with local_client(workers) as own_client:
                run_on_dask(own_client, ChunkSizer(remaining, chunk_seconds, workers), fitter, save)
    finally:
        bar.close()
    return fitted


def fit_catalog(catalog, images, model_spec, out, *, client=None, n_workers=None, serial=False, restart=False,
                progress=True, chunk_seconds=20.0, fitter=None):
    """Fit every source of ``catalog`` on ``images`` and return one row per source (astropy Table).

    catalog: an astropy Table or a FITS/ECSV/CSV/Parquet file with id, ra, dec
    (deg) and optional first guesses (see read_catalog). images: ImageSpecs
    (or dicts of their fields): data, variance/weight/sigma, mask, PSF, band,
    zeropoint. model_spec: a ModelSpec, a dict of its fields or a YAML file.
    out: the output folder; each finished chunk of groups is written there as
    a Parquet part, atomically, so a rerun with the same configuration resumes
    where it stopped (``restart=True`` starts over; another configuration is
    refused without it). Groups run on Dask: ``client`` (any
    distributed.Client, e.g. of dask-jobqueue) or a new LocalCluster of
    ``n_workers`` single-threaded processes (default: the usable CPUs);
    ``serial=True`` runs in this process instead. chunk_seconds: the target
    duration of one task (s). progress: show a tqdm bar. fitter: replaces the
    GroupFitter built from images and model_spec (same interface).

    A group that raises, times out or kills its worker becomes flagged rows
    (``flags``, ``message``); the run goes on.
    """
    from .catalog import read_catalog
    from .grouping import plan_groups
    from .group_fit import GroupFitter
    from .image_spec import ImageSpec
    from .model_spec import ModelSpec

    table = read_catalog(catalog)
    specs = [image if isinstance(image, ImageSpec) else ImageSpec.from_dict(image) for image in images]
    if isinstance(model_spec, ModelSpec):
        spec = model_spec
    elif isinstance(model_spec, dict):
        spec = ModelSpec.from_dict(model_spec)
    else:
        spec = ModelSpec.from_yaml(model_spec)
    tasks = plan_groups(table, specs, spec)
    configuration = run_configuration(table, [image.to_dict() for image in specs], spec.to_dict())
    if fitter is None:
        fitter = GroupFitter(specs, spec, id_dtype="str" if table["id"].dtype.kind in "USO" else "int64")
    run_groups(tasks, fitter, out, configuration,
               client=client, n_workers=n_workers, serial=serial, restart=restart, progress=progress,
               chunk_seconds=chunk_seconds)
    return merged_table(out)
