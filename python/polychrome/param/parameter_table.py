"""A printable table of parameters: what ``print(model)`` and ``print(group)`` show."""

import numpy as np


def _number(value):
    if value is None:
        return "-"
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    return "[" + ", ".join(f"{v:.6g}" for v in array.ravel()) + "]"


def _limits(limits):
    lo, hi = limits
    if np.isneginf(lo) and np.isposinf(hi):
        return "-"
    return f"[{lo:.4g}, {hi:.4g}]"


def parameter_rows(named_parameters):
    """One row per (name, Parameter): name, value, uncertainty, units, limits, locked, linked to.

    ``linked`` lists the other names in ``named_parameters`` that share the
    parameter's quantity (an equality constraint), "-" when none does.
    """
    named_parameters = list(named_parameters)
    by_quantity = {}
    for name, parameter in named_parameters:
        by_quantity.setdefault(id(parameter.quantity), []).append(name)
    rows = []
    for name, parameter in named_parameters:
        others = [n for n in by_quantity[id(parameter.quantity)] if n != name]
        if len(parameter.linked) > 1 and not others:
            others = ["(another model)"]
        rows.append((name, _number(parameter.value), _number(parameter.uncertainty), parameter.units or "-",
                     _limits(parameter.limits), "yes" if parameter.locked else "no",
                     ", ".join(others) if others else "-"))
    return rows


def parameter_table(title, named_parameters):
    """The text table of ``named_parameters`` ((name, Parameter) pairs) under ``title``."""
    header = ("parameter", "value", "uncertainty", "units", "limits", "locked", "linked to")
    rows = [header] + parameter_rows(named_parameters)
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    lines = [title]
    for k, row in enumerate(rows):
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if k == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    return "\n".join(lines)
