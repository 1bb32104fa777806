"""Stand-ins for the survey's group tasks and fitter, to test the pipeline's machinery on its own:
rows are a known function of the source ids, and chosen groups raise, interrupt or kill their worker."""

import dataclasses
import math
import os

from polychrome.survey.flags import SourceFlag


@dataclasses.dataclass(frozen=True)
class FakeTask:
    """A group: ``group_id`` and its sources (dicts with an ``id``)."""

    group_id: int
    sources: tuple
    neighbours: tuple = ()
    flags: int = 0
    cost: float = 1.0


def fake_tasks(n_groups, group_size=2):
    """Groups 0..n_groups-1 of ``group_size`` sources each, ids 1000*g + k."""
    return [FakeTask(g, tuple({"id": 1000 * g + k} for k in range(group_size))) for g in range(n_groups)]


class Interrupted(BaseException):
    """Stands for a run killed from outside (Ctrl-C, a job's wall-time limit)."""


class FakeFitter:
    """Rows value = sqrt(id); groups in ``raise_for`` raise ValueError, in ``interrupt_for`` raise
    Interrupted, in ``crash_for`` kill their process (only away from the driver's process)."""

    def __init__(self, raise_for=(), interrupt_for=(), crash_for=(), nan_for=()):
        self.raise_for, self.interrupt_for, self.crash_for = set(raise_for), set(interrupt_for), set(crash_for)
        self.driver_pid = os.getpid()
        self.fitted = []

    def columns(self):
        return [("id", "int64", "", "source id"), ("group_id", "int64", "", "group id"),
                ("group_size", "int64", "", "sources in the group"), ("value", "float64", "adu", "sqrt(id)"),
                ("flags", "int64", "", "SourceFlag bits"), ("message", "str", "", "what went wrong")]

    def _row(self, task, source, value, flags, message):
        return {"id": source["id"], "group_id": task.group_id, "group_size": len(task.sources), "value": value,
                "flags": flags, "message": message}

    def fit(self, task):
        if task.group_id in self.interrupt_for:
            raise Interrupted()
        if task.group_id in self.crash_for and os.getpid() != self.driver_pid:
            os._exit(70)
        if task.group_id in self.raise_for:
            raise ValueError(f"forced failure of group {task.group_id}")
        self.fitted.append(task.group_id)
        return [self._row(task, source, math.sqrt(source["id"]), task.flags, "") for source in task.sources]

    def failed_rows(self, task, flags, message):
        return [self._row(task, source, math.nan, flags, message) for source in task.sources]


class FaultyFitter:
    """Wraps a real fitter: a group holding a source id in ``raise_ids`` raises RuntimeError, in
    ``interrupt_ids`` raises Interrupted, in ``crash_ids`` kills its worker process with SIGSEGV (only
    away from the driver's process)."""

    def __init__(self, inner, raise_ids=(), crash_ids=(), interrupt_ids=()):
        self.inner, self.raise_ids, self.crash_ids = inner, set(raise_ids), set(crash_ids)
        self.interrupt_ids = set(interrupt_ids)
        self.driver_pid = os.getpid()

    def columns(self):
        return self.inner.columns()

    def failed_rows(self, task, flags, message):
        return self.inner.failed_rows(task, flags, message)

    def fit(self, task):
        ids = {source["id"] for source in task.sources}
        if ids & self.interrupt_ids:
            raise Interrupted()
        if ids & self.crash_ids and os.getpid() != self.driver_pid:
            import signal

            os.kill(os.getpid(), signal.SIGSEGV)
        if ids & self.raise_ids:
            raise RuntimeError(f"injected failure for sources {sorted(ids & self.raise_ids)}")
        return self.inner.fit(task)
