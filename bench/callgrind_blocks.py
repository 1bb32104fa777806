"""Instructions of labelled blocks of Python, many in one callgrind run (or CPU time without it).

    import callgrind_blocks as cb
    blocks = cb.Blocks(repeat=200, per=1)        # per: items each call handles (e.g. fits)
    blocks.measure("eigh", lambda: np.linalg.eigh(H))
    blocks.measure("dot", lambda: A.dot(B))
    blocks.report()

Run the script under ``CALLGRIND_BLOCKS=OUT valgrind --tool=callgrind --instr-atstart=no
--callgrind-out-file=OUT python script.py``: each block runs once uninstrumented, then ``repeat`` times
with the instrumentation on, and is dumped under its label (``callgrind_control -d LABEL``);
``report()`` reads the dumps back by their label (the dump's "Trigger" line; files are matched by
label, not by number, so a missing dump cannot shift the others) and prints thousands of
instructions per item. Without the variable each block is timed (best of 3, process_time, us per
item): noisy on a loaded machine, where instruction counts are not. Callgrind counts a ``rep
movs``/``rep stos`` (large memcpy/memset) byte by byte: large copies and zeroings weigh more there
than in CPU time.
"""

import glob
import os
import subprocess
import time


class Blocks:
    """Labelled blocks measured one after another (see the module's docstring)."""

    def __init__(self, repeat, per=1):
        self.repeat, self.per = repeat, per
        self.output = os.environ.get("CALLGRIND_BLOCKS")
        self.labels = []

    def _control(self, *args):
        subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)

    def measure(self, label, block):
        """Run ``block()`` once, then ``repeat`` times measured under ``label`` (no spaces)."""
        block()
        if self.output is None:
            best = min(self._timed(block) for _ in range(3))
            print(f"{label:32s} {1e6 * best / (self.repeat * self.per):10.2f} us", flush=True)
            return
        self._control("-z")
        self._control("-i", "on")
        for _ in range(self.repeat):
            block()
        self._control("-i", "off")
        self._control("-d", label)
        self.labels.append(label)

    def _timed(self, block):
        start = time.process_time()
        for _ in range(self.repeat):
            block()
        return time.process_time() - start

    def report(self):
        """Print each block's thousands of instructions per item (under callgrind)."""
        if self.output is None:
            return
        totals = {}
        for path in glob.glob(glob.escape(self.output) + ".*"):
            label, total = None, None
            with open(path) as dump:
                for line in dump:
                    if line.startswith("desc: Trigger: dump "):
                        label = line[len("desc: Trigger: dump "):].strip()
                    elif line.startswith(("totals:", "summary:")):
                        total = int(line.split()[1])
            if label is not None and total is not None:
                totals[label] = total
        for label in self.labels:
            count = totals.get(label)
            shown = "no dump" if count is None else f"{count / (self.repeat * self.per) / 1e3:10.2f} k instructions"
            print(f"{label:32s} {shown}", flush=True)
