"""The ``polychrome`` command: fit-catalog, merge, status, demo.

    polychrome fit-catalog survey.yaml [--workers N | --scheduler ADDRESS | --serial] [--restart]
    polychrome merge OUT table.fits|table.ecsv|table.parquet [--overwrite]
    polychrome status OUT
    polychrome demo [--out DIR] [--sources N] [--workers N]
"""

import argparse
import json
import sys


def _fit_catalog(arguments):
    from .pipeline import fit_catalog
    from .run_status import format_status, run_status
    from .survey_config import read_survey_config

    config = read_survey_config(arguments.config)
    run = dict(config.run)
    for name in ("n_workers", "scheduler", "scheduler_file", "chunk_seconds"):
        if getattr(arguments, name) is not None:
            run[name] = getattr(arguments, name)
    serial = arguments.serial or bool(run.pop("serial", False))
    restart = arguments.restart or bool(run.pop("restart", False))
    progress = run.pop("progress", True) and not arguments.quiet
    out = arguments.out or config.out
    catalog = config.catalog
    if isinstance(catalog, dict):
        from .catalog import read_catalog

        catalog = read_catalog(catalog["path"], columns=catalog.get("columns"))
    options = dict(serial=serial, restart=restart, progress=progress, n_workers=run.get("n_workers"),
                   chunk_seconds=float(run.get("chunk_seconds", 20.0)))
    address, scheduler_file = run.get("scheduler"), run.get("scheduler_file")
    if (address or scheduler_file) and not serial:
        from distributed import Client

        with Client(address, scheduler_file=scheduler_file) as client:
            fit_catalog(catalog, config.images, config.model, out, client=client, **options)
    else:
        fit_catalog(catalog, config.images, config.model, out, **options)
    print(format_status(run_status(out)))
    if arguments.merge:
        from .merge import merge

        merge(out, arguments.merge, overwrite=arguments.overwrite)
        print(f"merged table: {arguments.merge}")
    return 0


def _merge(arguments):
    from .merge import merge

    table = merge(arguments.out, arguments.path, overwrite=arguments.overwrite)
    print(f"{len(table)} rows written to {arguments.path}")
    return 0


def _status(arguments):
    from .run_status import format_status, run_status

    status = run_status(arguments.out)
    print(json.dumps(status, indent=1) if arguments.json else format_status(status))
    return 0 if status["complete"] else 3


def _demo(arguments):
    from .demo import run_demo

    run_demo(arguments.out, n_sources=arguments.sources, n_workers=arguments.workers)
    return 0


def _parser():
    parser = argparse.ArgumentParser(prog="polychrome", description="Fit catalogues of sources on survey images.")
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("fit-catalog", help="fit every source of a catalogue (survey.yaml)")
    fit.add_argument("config", help="the survey configuration file (YAML)")
    fit.add_argument("--out", help="output folder (default: the configuration's `out`)")
    fit.add_argument("--workers", dest="n_workers", type=int, help="worker processes of the LocalCluster")
    fit.add_argument("--scheduler", help="address of a running Dask scheduler to use instead")
    fit.add_argument("--scheduler-file", dest="scheduler_file", help="a Dask scheduler file to use instead")
    fit.add_argument("--chunk-seconds", dest="chunk_seconds", type=float, help="target seconds per task")
    fit.add_argument("--serial", action="store_true", help="fit in this process, without Dask")
    fit.add_argument("--restart", action="store_true", help="remove a previous run's parts in OUT and start over")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.add_argument("--merge", metavar="PATH", help="also write the merged table (.fits/.ecsv/.parquet)")
    fit.add_argument("--overwrite", action="store_true", help="let --merge replace an existing file")
    fit.set_defaults(run=_fit_catalog)
    merge = commands.add_parser("merge", help="merge a run's parts into one table")
    merge.add_argument("out", help="the run's output folder")
    merge.add_argument("path", help="the table to write: .fits, .ecsv or .parquet")
    merge.add_argument("--overwrite", action="store_true", help="replace an existing file")
    merge.set_defaults(run=_merge)
    status = commands.add_parser("status", help="summarise a run (exit status 3 while incomplete)")
    status.add_argument("out", help="the run's output folder")
    status.add_argument("--json", action="store_true", help="print the summary as JSON")
    status.set_defaults(run=_status)
    demo = commands.add_parser("demo", help="simulate a small multi-band field and fit its catalogue")
    demo.add_argument("--out", default="polychrome-demo", help="output folder (default: polychrome-demo)")
    demo.add_argument("--sources", type=int, default=300, help="sources in the simulated field")
    demo.add_argument("--workers", type=int, default=2, help="worker processes")
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None):
    """Run the command line ``argv`` (default: sys.argv[1:]); returns the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        return arguments.run(arguments)
    except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError) as error:
        print(f"polychrome {arguments.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
