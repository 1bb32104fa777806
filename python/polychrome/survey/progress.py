"""The run's progress bar (tqdm): sources done, failures and the rate."""

import sys

from .flags import FAILED


class RunProgress:
    """A tqdm bar over sources; ``update(rows)`` after each finished chunk. ``enabled=False``: silent."""

    def __init__(self, total, done, enabled=True):
        self.failed = 0
        self._bar = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=int(total), initial=int(done), unit="source", desc="fitting",
                             file=sys.stderr, dynamic_ncols=True, smoothing=0.1)

    def update(self, rows):
        """Count the rows of a finished chunk (and those flagged as failed)."""
        self.failed += sum(1 for row in rows if int(row.get("flags", 0)) & FAILED)
        if self._bar is not None:
            self._bar.set_postfix(failed=self.failed, refresh=False)
            self._bar.update(len(rows))

    def close(self):
        if self._bar is not None:
            self._bar.close()
