"""One chunk of a field's groups fitted in this process and in a Dask worker: CPU ms per source of each.

python bench/survey_worker_overhead.py bench/output/survey/isolated1-* local|dask|noprofile

``local`` runs run_chunk (the worker's own function) here; ``dask`` submits the same call to a new
1-worker, 1-thread LocalCluster; ``noprofile`` does so with Dask's statistical profiler off
(distributed.worker.profile.enabled). Each warms up on 5 groups first. The difference between the
modes is what a worker adds to the fits themselves (scheduling and start-up excluded); run the modes
alternately on a quiet machine, several times each.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))


def main():
    import dask
    from dask.distributed import Client, LocalCluster

    import survey_fit_only
    from polychrome.survey.chunk_runner import run_chunk
    from polychrome.survey.group_fit import GroupFitter
    from polychrome.survey.grouping import plan_groups

    folder, mode = pathlib.Path(sys.argv[1]), sys.argv[2]
    catalog, images, spec, _, _ = survey_fit_only.field(folder, "1band")
    fitter = GroupFitter(images, spec)
    tasks = plan_groups(catalog, images, spec)
    if mode == "local":
        run_chunk(tasks[:5], fitter)
        result = run_chunk(tasks, fitter)
    else:
        config = {"distributed.worker.profile.enabled": False} if mode == "noprofile" else {}
        with dask.config.set(config), \
                LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            client.submit(run_chunk, tasks[:5], fitter, pure=False).result()
            result = client.submit(run_chunk, tasks, fitter, pure=False).result()
    count = len(result.rows)
    print(f"{mode}: {1e3 * result.cpu_seconds / count:.3f} ms CPU, {1e3 * result.wall_seconds / count:.3f} ms wall "
          f"per source ({count} sources)")


if __name__ == "__main__":
    main()
