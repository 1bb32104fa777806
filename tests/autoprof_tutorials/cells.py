"""Run an AutoProf-era tutorial extract cell by cell and say which cells raise, and why.

An extract is a Python file whose cells start at lines ``# %%`` (as in
Jupytext). The cells run in order in one namespace (as a notebook's do),
inside a working folder, with matplotlib on the Agg backend; a cell that
raises is recorded and the next one runs. Each failure gets a cause:

- "needs torch": the cell uses PyTorch itself (``torch.``, ``.detach()``,
  autograd in user code, a torch function given polychrome's numpy arrays:
  "must be Tensor") -- polychrome is numpy; the README's migration section
  gives the numpy way;
- "after an earlier failure": a name the cell needs was to be defined by a
  cell that raised;
- "model type not here": a model_type polychrome does not (yet) register;
- "other": anything else (the message says what).

Command line: ``python tests/autoprof_tutorials/cells.py [names...]`` prints
a table per tutorial and the totals.
"""

import contextlib
import dataclasses
import os
import re
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

TUTORIALS = ("getting_started", "group_models", "model_zoo", "fitting_methods", "custom_models",
             "basic_psf_models", "advanced_psf_models")  # JointModels: examples/joint_models.py


@dataclasses.dataclass
class CellResult:
    """What happened to one cell: ``index`` (0-based, among the extract's cells), ``error`` (None
    when it ran; else "Type: message"), ``cause`` (see the module docstring), ``seconds``."""

    index: int
    first_line: str
    error: str = None
    cause: str = None
    seconds: float = 0.0

    @property
    def ran(self):
        return self.error is None


def split_cells(source):
    """The cells of an extract's text: a list of source strings (split at lines ``# %%``)."""
    cells, current = [], None
    for line in source.splitlines(keepends=True):
        if line.startswith("# %%"):
            if current is not None:
                cells.append("".join(current))
            current = [line]
        elif current is not None:
            current.append(line)
    if current is not None:
        cells.append("".join(current))
    return cells


def _defined_names(cell):
    """Names a cell assigns at top level (roughly: `name =`, `def name`, `class name`, `for name in`)."""
    names = set(re.findall(r"^([A-Za-z_]\w*)\s*(?:,\s*[A-Za-z_]\w*\s*)*=[^=]", cell, re.M))
    names |= set(re.findall(r"^(?:def|class)\s+([A-Za-z_]\w*)", cell, re.M))
    for group in re.findall(r"^([A-Za-z_][\w\s,]*)=[^=]", cell, re.M):
        names |= {n.strip() for n in group.split(",") if n.strip().isidentifier()}
    return names


def classify(error, message, cell, missing_from_failed):
    """The cause of a failure (see the module docstring)."""
    text = f"{error}: {message}"
    if re.search(r"torch|detach|\.cpu\(\)|autograd|requires_grad|must be Tensor", text) or (
            error == "NameError" and "'torch'" in message):
        return "needs torch"
    if error == "NameError":
        name = re.search(r"name '(\w+)'", message)
        if name and name.group(1) in missing_from_failed:
            return "after an earlier failure"
    if missing_from_failed and "has no value" in message:  # a value an earlier (failed) cell was to set
        return "after an earlier failure"
    if "unknown model_type" in message:
        return "model type not here"
    return "other"


def run_extract(path, workdir=None):
    """Run the extract at ``path`` cell by cell; a list of CellResult."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from polychrome.models.registry import model_types, unregister

    with open(path) as handle:
        cells = split_cells(handle.read())
    types_before = set(model_types())  # the tutorial's own model classes leave the registry afterwards
    namespace = {"__name__": "__tutorial__"}
    results, failed_names = [], set()
    sys.path.insert(0, HERE)
    old = os.getcwd()
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory())
        os.chdir(workdir)
        try:
            for index, cell in enumerate(cells):
                first = next((line for line in cell.splitlines()[1:] if line.strip()), "")
                result = CellResult(index, first.strip()[:70])
                start = time.perf_counter()
                try:
                    exec(compile(cell, f"{os.path.basename(path)}[cell {index}]", "exec"), namespace)
                except Exception as err:  # a tutorial cell may raise anything: record it
                    message = str(err).splitlines()[0] if str(err) else ""
                    result.error = f"{type(err).__name__}: {message}"[:300]
                    result.cause = classify(type(err).__name__, message, cell, failed_names)
                    result.traceback = traceback.format_exc()
                    failed_names |= _defined_names(cell)
                result.seconds = time.perf_counter() - start
                plt.close("all")
                results.append(result)
        finally:
            os.chdir(old)
            sys.path.remove(HERE)
            for name in set(model_types()) - types_before:
                unregister(name)
    return results


def run_tutorial(name, workdir=None):
    """Run the extract ``tests/autoprof_tutorials/<name>.py``; a list of CellResult."""
    return run_extract(os.path.join(HERE, f"{name}.py"), workdir)


def report(name, results, out=sys.stdout):
    """Print one tutorial's table: cell, ran/raised, cause, message."""
    raised = [r for r in results if not r.ran]
    seconds = sum(r.seconds for r in results)
    print(f"{name}: {len(results) - len(raised)} of {len(results)} cells ran, {len(raised)} raised "
          f"({seconds:.0f} s)", file=out)
    for r in raised:
        print(f"  cell {r.index:2d} [{r.cause}] {r.error}", file=out)


def main(names):
    totals = [0, 0]
    by_cause = {}
    for name in names or TUTORIALS:
        results = run_tutorial(name)
        report(name, results)
        totals[0] += sum(r.ran for r in results)
        totals[1] += len(results)
        for r in results:
            if not r.ran:
                by_cause[r.cause] = by_cause.get(r.cause, 0) + 1
    print(f"total: {totals[0]} of {totals[1]} cells ran; raised by cause: {by_cause}")


if __name__ == "__main__":
    main(sys.argv[1:])
