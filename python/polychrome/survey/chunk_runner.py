"""What a worker runs: the groups of one chunk, each fitted on its own, failures turned into flagged rows."""

import dataclasses
import os
import time
import traceback

from ..thread_policy import threads
from .flags import SourceFlag


@dataclasses.dataclass
class ChunkResult:
    """Rows of a chunk (one dict per source) and the worker's wall and CPU seconds for it."""

    rows: list
    wall_seconds: float
    cpu_seconds: float
    pid: int


def exception_message(error):
    """One line saying what was raised and where: 'ValueError: ... (at file.py:123 in fit)'."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}{where}"


def fit_one_group(task, fitter):
    """The rows of one group: the fitter's, or, if it raised, its flagged failure rows."""
    try:
        rows = fitter.fit(task)
        if len(rows) != len(task.sources):
            raise RuntimeError(f"the fitter returned {len(rows)} rows for a group of {len(task.sources)} sources")
        return rows
    except Exception as error:  # one bad group must never stop the run: it becomes flagged rows
        flags = int(getattr(task, "flags", 0)) | SourceFlag.EXCEPTION
        return fitter.failed_rows(task, int(flags), exception_message(error))


def run_chunk(tasks, fitter, n_threads=1):
    """Fit every group of ``tasks`` with ``fitter`` on ``n_threads`` polychrome threads (one per
    worker by default: the parallelism is across workers). Returns a ChunkResult."""
    wall, cpu = time.perf_counter(), time.process_time()
    rows = []
    with threads(n_threads):
        for task in tasks:
            rows.extend(fit_one_group(task, fitter))
    return ChunkResult(rows, time.perf_counter() - wall, time.process_time() - cpu, os.getpid())
