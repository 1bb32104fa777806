"""The runs of bench/survey.py, each in its own process: simulated fields (cached), the plain
loop over groups, the pipeline on a Dask LocalCluster of k workers.

A run prints one JSON line: wall and CPU seconds, peak resident memory (the
process's, and each Dask worker's), and writes its rows to OUT/rows.fits.
"""

import hashlib
import json
import math
import os
import resource
import time

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output", "survey")


def field(name, **options):
    """simulate_field's paths for ``options``, simulated once and cached under bench/output/survey/."""
    from polychrome.survey.sim_bands import DEFAULT_BANDS
    from polychrome.survey.simulate import simulate_field

    bands = options.pop("bands", DEFAULT_BANDS)
    key = json.dumps({"options": options, "bands": [repr(b) for b in bands]}, sort_keys=True)
    folder = os.path.join(OUTPUT, f"{name}-{hashlib.sha1(key.encode()).hexdigest()[:10]}")
    stamp = os.path.join(folder, "paths.json")
    if os.path.exists(stamp):
        with open(stamp) as handle:
            return json.load(handle)
    start = time.process_time()
    paths = simulate_field(folder, bands=bands, **options)
    paths["simulation_cpu_seconds"] = time.process_time() - start
    with open(stamp, "w") as handle:
        json.dump(paths, handle)
    return paths


def plan(paths, model):
    """(tasks, fitter, specs, spec, catalog table) of a field under ``model`` (a ModelSpec dict)."""
    from polychrome.survey.catalog import read_catalog
    from polychrome.survey.group_fit import GroupFitter
    from polychrome.survey.grouping import plan_groups
    from polychrome.survey.image_spec import ImageSpec
    from polychrome.survey.model_spec import ModelSpec

    table = read_catalog(paths["catalog"])
    specs = [ImageSpec.from_dict(image) for image in paths["images"]]
    spec = ModelSpec.from_dict(model)
    return plan_groups(table, specs, spec), GroupFitter(specs, spec), specs, spec, table


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: KiB


def _write_rows(rows, columns, out):
    from astropy.table import Table

    table = Table(rows=[[row[name] for name, *_ in columns] for row in rows], names=[c[0] for c in columns])
    table.write(os.path.join(out, "rows.fits"), overwrite=True)


def cutout_sides(tasks, specs, spec, limit=200):
    """Median cutout side (pixels, sqrt of the area) per image over the first ``limit`` groups."""
    import numpy as np

    from polychrome.survey.cutouts import group_cutouts

    sides = {image.label: [] for image in specs}
    for task in tasks[:limit]:
        for cutout in group_cutouts(task, specs, spec).cutouts:
            x0, x1, y0, y1 = cutout.box
            sides[cutout.label].append(((x1 - x0) * (y1 - y0)) ** 0.5)
    return {label: float(np.median(values)) for label, values in sides.items() if values}


def run_loop(paths, model, out, with_cutouts=False):
    """The plain loop: every group fitted in this process on one polychrome thread (as a Dask
    worker does), a group that raises becoming flagged rows (the pipeline's fit_one_group); no Dask."""
    from polychrome import threads
    from polychrome.survey.chunk_runner import fit_one_group

    os.makedirs(out, exist_ok=True)
    tasks, fitter, specs, spec, _ = plan(paths, model)
    baseline = _peak_mb()
    rows = []
    wall, cpu = time.perf_counter(), _cpu_seconds()
    with threads(1):
        for task in tasks:
            rows.extend(fit_one_group(task, fitter))
    wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    _write_rows(rows, fitter.columns(), out)
    result = {"mode": "loop", "sources": len(rows), "groups": len(tasks), "wall": wall, "cpu": cpu,
              "fit_cpu": float(math.fsum(row["cpu_time"] for row in rows if math.isfinite(row["cpu_time"]))),
              "peak_mb": _peak_mb(), "baseline_mb": baseline}
    if with_cutouts:
        result["cutout_sides"] = cutout_sides(tasks, specs, spec)
    return result


def _worker_usage():
    import resource as r

    usage = r.getrusage(r.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def _import_fitting_modules():
    import polychrome.survey.chunk_runner  # noqa: F401  (imports polychrome, numpy, astropy, the core)
    import polychrome.survey.group_fit  # noqa: F401


def run_dask(paths, model, out, workers):
    """The pipeline (run_groups) on a new LocalCluster of ``workers`` single-threaded processes.
    The workers import polychrome before the clocks start, as the loop's process has (~1 CPU-s each)."""
    import numpy as np

    from polychrome.survey.dask_engine import local_client
    from polychrome.survey.merge import merged_table
    from polychrome.survey.pipeline import run_groups
    from polychrome.survey.run_folder import run_configuration

    tasks, fitter, specs, spec, table = plan(paths, model)
    configuration = run_configuration(table, [image.to_dict() for image in specs], spec.to_dict())
    with local_client(workers) as client:
        client.run(_import_fitting_modules)
        before = client.run(_worker_usage)
        wall, cpu = time.perf_counter(), _cpu_seconds()
        run_groups(tasks, fitter, os.path.join(out, "parts"), configuration, client=client, restart=True,
                   progress=False)
        wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
        after = client.run(_worker_usage)
    merged = merged_table(os.path.join(out, "parts"))
    merged.write(os.path.join(out, "rows.fits"), overwrite=True)
    worker_cpu = sum(after[w][0] - before[w][0] for w in after if w in before)
    return {"mode": f"dask{workers}", "sources": len(merged), "groups": len(tasks), "wall": wall,
            "cpu": worker_cpu, "driver_cpu": cpu, "fit_cpu": float(np.nansum(merged["cpu_time"])),
            "worker_peak_mb": [after[w][1] for w in sorted(after)],
            "peak_mb": _peak_mb()}
