"""What a run's output folder holds: how far it got, what was flagged, what it cost."""

import numpy as np

from .flags import FAILED, SourceFlag
from .parts import part_files, read_parts
from .run_folder import read_run_record


def run_status(out):
    """A summary (dict) of the run in ``out``: planned and done sources and groups, complete or not,
    counts per flag, failed rows (no fitted values), and the fitting's summed wall and CPU seconds."""
    try:
        record = read_run_record(out)
    except FileNotFoundError:
        raise FileNotFoundError(f"out={str(out)!r} holds no polychrome run (no run.json)") from None
    table = read_parts(out)
    names = table.column_names if table is not None else []
    column = (lambda name: table.column(name).to_numpy(zero_copy_only=False)) if table is not None else None
    flags = column("flags").astype(np.int64) if "flags" in names else np.zeros(0, np.int64)
    groups = column("group_id") if "group_id" in names else np.zeros(0)
    _, first_of_group = np.unique(groups, return_index=True)
    status = {"out": str(out), "config_hash": record["config_hash"], "started": record.get("started"),
              "n_sources": record["n_sources"], "n_groups": record["n_groups"], "parts": len(part_files(out)),
              "sources_done": int(len(flags)), "groups_done": int(len(first_of_group)),
              "flagged": {flag.name: int(np.count_nonzero(flags & flag)) for flag in SourceFlag},
              "failed": int(np.count_nonzero(flags & FAILED))}
    status["complete"] = status["sources_done"] >= status["n_sources"]
    for name in ("wall_time", "cpu_time"):
        if name in names:    # a group's time is divided among its rows
            status[f"{name}_total"] = float(np.nansum(column(name)))
    return status


def format_status(status):
    """``status`` (from run_status) as a few lines of text for the terminal."""
    lines = [f"run in {status['out']} (config {status['config_hash'][:12]}, started {status['started']})",
             f"  sources: {status['sources_done']} of {status['n_sources']} done"
             f" ({'complete' if status['complete'] else 'incomplete: rerun the same command to resume'}),"
             f" groups: {status['groups_done']} of {status['n_groups']}, parts: {status['parts']}",
             f"  failed (no fitted values): {status['failed']}"]
    flagged = ", ".join(f"{name} {count}" for name, count in status["flagged"].items() if count)
    lines.append(f"  flagged: {flagged or 'none'}")
    if "cpu_time_total" in status and status["sources_done"]:
        rate = status["sources_done"] / status["cpu_time_total"] if status["cpu_time_total"] > 0 else float("inf")
        lines.append(f"  fitting time: {status['cpu_time_total']:.1f} CPU-s, {rate:.1f} sources per CPU-second")
    return "\n".join(lines)
