"""Chunks of groups sized to a target duration, learnt from the chunks already done.

A task for a worker is a chunk of groups worth ``chunk_seconds`` of fitting
(tens of seconds): long enough that the scheduler's cost per task (a few ms)
does not matter, short enough that the progress bar moves, that a finished
chunk is saved soon and that the work spreads evenly over the workers. How
long a group takes is only known by doing it, so the first chunks are small
and later ones are sized from the measured seconds per unit of ``GroupTask.cost``.
Near the end chunks shrink so that every worker still has a share.
"""

import collections
import dataclasses

# Groups in each chunk before any chunk has been timed.
FIRST_CHUNK_GROUPS = 8
# Chunks per worker that the remaining work is cut into at least, so the tail stays balanced.
TAIL_CHUNKS_PER_WORKER = 2


@dataclasses.dataclass(frozen=True)
class Chunk:
    """Groups fitted by one task; ``label`` names its output part (unique within a run)."""

    tasks: tuple

    @property
    def label(self):
        first = self.tasks[0].group_id
        return f"g{first:09d}-n{len(self.tasks)}" if isinstance(first, int) else f"g{first}-n{len(self.tasks)}"

    @property
    def n_sources(self):
        return sum(len(task.sources) for task in self.tasks)

    @property
    def cost(self):
        return sum(_cost(task) for task in self.tasks)


def _cost(task):
    cost = float(getattr(task, "cost", 1.0))
    return cost if cost > 0 else 1.0


class ChunkSizer:
    """Hands out the remaining group tasks in chunks of about ``chunk_seconds`` each.

    ``tasks``: GroupTasks in the order they are to be done; ``chunk_seconds``:
    the target wall time of one chunk on one worker (s, > 0); ``n_workers``:
    how many chunks run at once (>= 1).
    """

    def __init__(self, tasks, chunk_seconds, n_workers):
        if not chunk_seconds > 0:
            raise ValueError(f"chunk_seconds must be > 0 seconds, got {chunk_seconds!r}")
        if int(n_workers) < 1:
            raise ValueError(f"n_workers must be >= 1, got {n_workers!r}")
        self._tasks = collections.deque(tasks)
        self._remaining_cost = sum(_cost(task) for task in self._tasks)
        self._chunk_seconds = float(chunk_seconds)
        self._n_workers = int(n_workers)
        self._seconds = 0.0
        self._timed_cost = 0.0

    def __bool__(self):
        return bool(self._tasks)

    def record(self, chunk, seconds):
        """Learn from a finished ``chunk`` that took ``seconds`` of wall time."""
        self._seconds += max(float(seconds), 0.0)
        self._timed_cost += chunk.cost

    def _target_cost(self):
        tail = self._remaining_cost / (TAIL_CHUNKS_PER_WORKER * self._n_workers)
        if self._timed_cost <= 0.0 or self._seconds <= 0.0:
            return None if tail <= 0 else tail
        return min(self._chunk_seconds * self._timed_cost / self._seconds, tail)

    def next_chunk(self):
        """The next chunk (at least one group), or None when every task has been handed out."""
        if not self._tasks:
            return None
        target = self._target_cost()
        tasks = [self._tasks.popleft()]
        cost = _cost(tasks[0])
        limit = FIRST_CHUNK_GROUPS if self._timed_cost <= 0.0 else None
        while self._tasks and (limit is None or len(tasks) < limit):
            following = _cost(self._tasks[0])
            if target is not None and cost + following > target:
                break
            tasks.append(self._tasks.popleft())
            cost += following
        self._remaining_cost = max(self._remaining_cost - cost, 0.0)
        return Chunk(tuple(tasks))
