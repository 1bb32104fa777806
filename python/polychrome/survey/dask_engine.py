"""Running chunks on Dask: a LocalCluster by default, any ``distributed.Client`` for more.

Chunks are submitted a few per worker at a time (the rest are sized later
from measured rates, see chunks.py). The fitter travels with each chunk (it
holds specifications, not pixels: a few kB); it is not scattered, because
data scattered to a worker is lost with the worker if it dies. A worker that dies (segfault, out of memory) has its chunk retried by
Dask; a chunk that kills workers again is split into single groups, and a
group that alone kills a worker twice is reported as WORKER_CRASH rows: only
the guilty group is lost.
"""

import collections
import contextlib
import logging

from .chunk_runner import exception_message, run_chunk
from .chunks import Chunk
from .flags import SourceFlag

# Chunks in flight per worker: one running, one queued so that no worker waits on the driver.
IN_FLIGHT_PER_WORKER = 2
# Times Dask may see a chunk kill a worker before giving up on it (our LocalCluster).
ALLOWED_FAILURES = 1
# Times a chunk whose finished result was lost (its worker died before the driver gathered it) is resubmitted.
RESUBMISSIONS = 3

# Dask settings of polychrome's own LocalCluster (a Client the user passes keeps its own):
QUIET_WORKERS = {
    # Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 for their workers, which fixes glibc's
    # thresholds: every array over 128 kB (a fit's Jacobian stack, FFT buffers) is then mapped and
    # unmapped anew, ~5% of a survey fit's CPU; None keeps glibc's own, adaptive thresholds.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # Dask's diagnostics run in each worker's event-loop thread beside the fits and take the GIL
    # from them. The statistical profiler walks the running fit's stack every 10 ms: 5% of a
    # survey worker's CPU (perf of the worker's threads, bench/README.md). The event-loop health
    # check (every 20 ms) and the system monitor (every 500 ms) wake the loop less often.
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}


@contextlib.contextmanager
def local_client(n_workers):
    """A Client on a new LocalCluster of ``n_workers`` single-threaded worker processes, with Dask's
    per-worker diagnostics quietened (QUIET_WORKERS: no statistical profiler, slower health checks);
    pass your own Client to the pipeline for Dask's defaults."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES, **QUIET_WORKERS}):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def worker_count(client):
    """The number of workers the client's scheduler has now (at least 1)."""
    return max(len(client.scheduler_info().get("workers", {})), 1)


def _failed_chunk_rows(chunk, fitter, flag, message):
    rows = []
    for task in chunk.tasks:
        rows.extend(fitter.failed_rows(task, int(getattr(task, "flags", 0)) | flag, message))
    return rows


class _DaskRun:
    """The driver's loop over chunks on a client (see run_on_dask)."""

    def __init__(self, client, sizer, fitter, on_chunk, n_threads):
        from distributed import as_completed

        self.client, self.sizer, self.fitter, self.on_chunk, self.n_threads = client, sizer, fitter, on_chunk, n_threads
        self.in_flight = {}          # future key -> (chunk, isolated)
        self.completed = as_completed()
        self.split = collections.deque()      # single groups of a chunk that killed a worker
        self.suspects = collections.deque()   # single groups that killed a worker: rerun alone
        self.submitted = 0
        self.resubmitted = {}                 # chunk label -> times resubmitted after a lost result

    def submit(self, chunk, isolated=False):
        self.submitted += 1
        future = self.client.submit(run_chunk, chunk.tasks, self.fitter, self.n_threads, pure=False,
                                    key=f"polychrome-chunk-{chunk.label}-{self.submitted}")
        self.in_flight[future.key] = (chunk, isolated)
        self.completed.add(future)

    def top_up(self):
        # A suspect runs with nothing else in flight, so that a worker it kills kills no one else's chunk
        # (Dask counts every task assigned to a dying worker as a suspect too).
        if any(isolated for _, isolated in self.in_flight.values()):
            return
        if self.suspects and not self.in_flight:
            self.submit(self.suspects.popleft(), isolated=True)
            return
        while len(self.in_flight) < IN_FLIGHT_PER_WORKER * worker_count(self.client):
            if self.split:
                self.submit(self.split.popleft())
            elif self.sizer:
                self.submit(self.sizer.next_chunk())
            else:
                return

    def finished(self, future):
        from distributed import KilledWorker

        chunk, isolated = self.in_flight.pop(future.key)
        try:
            result = future.result()
        except KilledWorker as error:
            if len(chunk.tasks) > 1:      # find the guilty group: each on its own
                self.split.extend(Chunk((task,)) for task in chunk.tasks)
            elif not isolated:            # maybe only a bystander on a dying worker: rerun it alone
                self.suspects.append(chunk)
            else:
                self.on_chunk(chunk, _failed_chunk_rows(
                    chunk, self.fitter, SourceFlag.WORKER_CRASH,
                    f"WorkerCrash: the worker process died each time it fitted this group ({error})"))
            return
        except Exception as error:  # run_chunk catches per group: this is e.g. a fitter that does not unpickle
            if future.status != "error" and self.resubmitted.get(chunk.label, 0) < RESUBMISSIONS:
                # the result was lost with its worker before we gathered it: not the chunk's fault
                self.resubmitted[chunk.label] = self.resubmitted.get(chunk.label, 0) + 1
                self.submit(chunk, isolated)
                return
            self.on_chunk(chunk, _failed_chunk_rows(chunk, self.fitter, SourceFlag.EXCEPTION,
                                                    exception_message(error)))
            return
        finally:
            future.release()
        self.sizer.record(chunk, result.wall_seconds)
        self.on_chunk(chunk, result.rows)

    def run(self):
        self.top_up()
        while self.in_flight:
            self.finished(next(self.completed))
            self.top_up()


def run_on_dask(client, sizer, fitter, on_chunk, n_threads=1):
    """Fit every chunk ``sizer`` hands out on ``client``'s workers; ``on_chunk(chunk, rows)`` is
    called on the driver as each finishes (in completion order)."""
    _DaskRun(client, sizer, fitter, on_chunk, n_threads).run()
