"""Compare two versions' fits of a survey field, source by source (the digests of survey_fit_only.py fit).

python bench/compare_survey_fits.py OLD/fitted_CASE.npy NEW/fitted_CASE.npy

Each fitted_CASE.npy needs its fitted_CASE_columns.npy and fitstats_CASE.npy beside it (survey_fit_only
writes all three into the field's folder: copy them away between the two runs). Prints

- chi^2 per source, new - old: the largest increase and the counts of lower / higher / equal ones (for
  a change to the fitter the minimum is the truth: a lower chi^2 is a better end point);
- the largest shift of a fitted value per source in units of the old uncertainty (PA modulo pi), the
  counts above 0.03 sigma (the LM's convergence tolerance, 1e-3 in chi^2) and 0.1 sigma, the sources
  that moved by more than 0.03 sigma without a lower chi^2 (by more than 1e-3), and the worst ones;
- the LM iterations' distribution and the flags' counts of both.
"""

import argparse
import pathlib

import numpy as np

# a shift below this many sigma is within the LM's convergence tolerance (sqrt(1e-3))
WITHIN_TOLERANCE = 0.03
# a chi^2 lower by more than this is a better end point
LOWER = 1e-3


def load(path):
    """(values (S, C), column names, stats (S, 3): chi^2, iterations, flags) of one digest."""
    path = pathlib.Path(path)
    stem = path.stem  # fitted_CASE
    columns = np.load(path.with_name(f"{stem}_columns.npy")).tolist()
    stats = np.load(path.with_name(stem.replace("fitted_", "fitstats_", 1) + ".npy"))
    return np.load(path), columns, stats


def shifts(old, new, columns):
    """(S, parameters) |new - old| / old uncertainty for every column with an ``_err`` column."""
    out = []
    for j, name in enumerate(columns):
        if name.endswith("_err") or f"{name}_err" not in columns:
            continue
        difference = new[:, j] - old[:, j]
        if name == "PA":  # radians, cyclic on [0, pi)
            difference = (difference + np.pi / 2) % np.pi - np.pi / 2
        error = old[:, columns.index(f"{name}_err")]
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.where(difference == 0.0, 0.0, np.abs(difference) / error))
    return np.nan_to_num(np.array(out).T, nan=0.0, posinf=np.inf)


def summary(name, stats):
    iterations = stats[:, 1]
    long = iterations >= 20
    flags, counts = np.unique(stats[:, 2].astype(int), return_counts=True)
    return (f"{name}: iterations median {np.median(iterations):g}, mean {iterations.mean():.2f}, max "
            f"{iterations.max():.0f}, >= 20: {long.sum()} sources with {iterations[long].sum():.0f} of "
            f"{iterations.sum():.0f}; flags {dict(zip(flags.tolist(), counts.tolist()))}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=pathlib.Path)
    parser.add_argument("new", type=pathlib.Path)
    parser.add_argument("--worst", type=int, default=10, help="list this many of the most moved sources")
    args = parser.parse_args()
    old, columns, old_stats = load(args.old)
    new, new_columns, new_stats = load(args.new)
    if new_columns != columns or new.shape != old.shape:
        raise SystemExit("the two digests hold different columns or sources")
    dchi2 = new_stats[:, 0] - old_stats[:, 0]
    print(f"chi2 new - old: largest increase {dchi2.max():.4g} (source {dchi2.argmax()}), largest decrease "
          f"{-dchi2.min():.4g}; lower in {np.sum(dchi2 < 0)}, higher in {np.sum(dchi2 > 0)}, equal in "
          f"{np.sum(dchi2 == 0)}; higher by > 1e-3: {np.sum(dchi2 > 1e-3)}, > 1e-2: {np.sum(dchi2 > 1e-2)}")
    moved = shifts(old, new, columns).max(axis=1)
    print(f"largest shift per source (sigma): max {moved.max():.3g}; > {WITHIN_TOLERANCE}: "
          f"{np.sum(moved > WITHIN_TOLERANCE)}, > 0.1: {np.sum(moved > 0.1)}; unmoved: {np.sum(moved == 0)}")
    unexplained = np.flatnonzero((moved > WITHIN_TOLERANCE) & (dchi2 >= -LOWER))
    print(f"moved > {WITHIN_TOLERANCE} sigma without a chi2 lower by > {LOWER}: {unexplained.size} "
          + " ".join(f"{k} ({moved[k]:.3g} sigma, dchi2 {dchi2[k]:.3g})" for k in unexplained))
    for k in np.argsort(-moved)[:args.worst]:
        if moved[k] > 0:
            print(f"    source {k}: {moved[k]:.3g} sigma, dchi2 {dchi2[k]:.4g}, iterations {old_stats[k, 1]:.0f} -> "
                  f"{new_stats[k, 1]:.0f}, flags {old_stats[k, 2]:.0f} -> {new_stats[k, 2]:.0f}")
    print(summary("old", old_stats))
    print(summary("new", new_stats))


if __name__ == "__main__":
    main()
