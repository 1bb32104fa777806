"""Survey pipeline benchmark: throughput, parallel efficiency, Dask overhead, memory, accuracy against the truth.

    python bench/survey.py                         # the full benchmark (tens of minutes on 2 cores)
    python bench/survey.py --quick                 # the same cases, small (a few minutes)
    python bench/survey.py --cases field --sources 3000 --field 320 --workers 1,2
    python bench/survey.py --cases isolated1,isolated3 --isolated 400 --rounds 5   # every run and the medians
    python bench/survey.py --cases field --footprint-scale 2     # smaller groups (the demo's setting)

Cases:

- ``field``: simulate_field's default 3 bands over a square field of
  ``--field`` arcsec (default 320": 3200 x 3200 pixels of 0.1", 2186 x 2186
  of 0.2" turned by 30 degrees, 800 x 800 of 0.4"; Moffat PSFs of FWHM 0.3",
  0.7", 1.2"), ``--sources`` sources (default 3000: 90% galaxies, 10% stars,
  10% in close pairs, magnitudes 19-25 with realistic counts: 0.03 per
  arcsec^2, 105 per arcmin^2, about a deep survey's count to mag 25), rendered
  by polychrome (see polychrome.survey.simulate). Fitted with the model choice
  point vs Sersic (BIC) three ways, each in a fresh process: the plain loop
  (GroupFitter.fit over the groups in one process, no Dask), then the
  pipeline (run_groups) on a LocalCluster of each ``--workers`` count.
  Reported: sources per CPU-second (the loop's process CPU; the workers'
  CPU for Dask), wall time, parallel efficiency (wall of 1 worker / (k x wall
  of k)), Dask overhead (1 worker against the loop, wall and CPU), peak
  resident memory (the loop's process; each worker), the fraction flagged
  and each flag's count, and against the truth per band and magnitude bin:
  the bias (median) and scatter (half the 16-84% range) of the magnitude
  and of Re (fitted/true - 1), and the pull widths (same statistic of
  (fitted - true)/uncertainty; 1 when the uncertainties are right).
- ``isolated1``: isolated galaxies (a grid, ``--isolated`` of them) in one
  band of 0.1" pixels (PSF 0.3"): cutouts of about 48 x 48 pixels (the median
  is printed); one Sersic per source, plain loop. Target: >= 300 sources per
  CPU-second.
- ``isolated3``: the same galaxies in the 3 bands. Target: >= 100 per CPU-second.

Fields are simulated once and cached in bench/output/survey/. Times are
process CPU seconds (time.process_time / getrusage), so that a busy machine
changes them less than wall times; still, run on an otherwise idle machine
(the load average is printed) and compare ratios within one run.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

FIELD_MODEL = {"candidates": ["sersic galaxy model", "point model"], "limits": {"n": [0.36, 8.0]}}
# cutout_margin 1.45": the median vis cutout is then about 48 x 48 pixels
ISOLATED_MODEL = {"candidates": ["sersic galaxy model"], "limits": {"n": [0.36, 8.0]}, "cutout_margin": 1.45}
ISOLATED_CELL = 10.0          # arcsec between isolated galaxies
TARGETS = {"isolated1": 300.0, "isolated3": 100.0}


def _field_options(args):
    return dict(n_sources=args.sources, field_size=args.field, seed=args.seed)


def _isolated_options(args, case):
    from polychrome.survey.sim_bands import DEFAULT_BANDS

    side = max(int(round(args.isolated ** 0.5)), 1)
    return dict(n_sources=side * side, field_size=side * ISOLATED_CELL, seed=args.seed, layout="grid",
                star_fraction=0.0, blend_fraction=0.0, masks=False,
                bands=DEFAULT_BANDS[:1] if case == "isolated1" else DEFAULT_BANDS)


def child(arguments):
    """In a fresh process: run one mode on one field; print its JSON line."""
    import survey_runs

    case, mode, out = arguments
    args = json.loads(os.environ["SURVEY_BENCH_ARGS"])
    namespace = argparse.Namespace(**args)
    if case == "field":
        paths, model = survey_runs.field("field", **_field_options(namespace)), dict(FIELD_MODEL)
        if getattr(namespace, "footprint_scale", None):
            model["footprint_scale"] = namespace.footprint_scale
    else:
        paths, model = survey_runs.field(case, **_isolated_options(namespace, case)), ISOLATED_MODEL
    if mode == "loop":
        result = survey_runs.run_loop(paths, model, out, with_cutouts=case != "field")
    else:
        result = survey_runs.run_dask(paths, model, out, int(mode[4:]))
    result["truth"] = paths["truth"]
    result["bands"] = paths["bands"]
    result["simulation_cpu_seconds"] = paths.get("simulation_cpu_seconds")
    print(json.dumps(result))


def _run(case, mode, args):
    out = os.path.join(HERE, "output", "survey", "runs", f"{case}-{mode}")
    environment = dict(os.environ, SURVEY_BENCH_ARGS=json.dumps(vars(args)))
    process = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", case, mode, out],
                             capture_output=True, text=True, env=environment)
    if process.returncode != 0:
        raise RuntimeError(f"{case} {mode} failed:\n{process.stderr[-4000:]}")
    result = json.loads(process.stdout.strip().splitlines()[-1])
    result["rows"] = os.path.join(out, "rows.fits")
    return result


def _fmt(value, spec=".3f"):
    return "-" if value is None or value != value else format(value, spec)


def _throughput_table(results):
    print("| run | sources | groups | wall s | CPU s | sources / CPU-s | peak memory MB |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        peak = r.get("worker_peak_mb") or [r["peak_mb"]]
        name = "plain loop" if r["mode"] == "loop" else f"Dask, {r['mode'][4:]} worker(s)"
        print(f"| {name} | {r['sources']} | {r['groups']} | {r['wall']:.1f} | {r['cpu']:.1f} | "
              f"{r['sources'] / r['cpu']:.1f} | {' / '.join(f'{p:.0f}' for p in peak)} |")
    by_mode = {r["mode"]: r for r in results}
    loop, one = by_mode.get("loop"), by_mode.get("dask1")
    for mode, efficiency in _efficiencies(by_mode).items():
        k = int(mode[4:])
        print(f"\nparallel efficiency, {k} workers: {efficiency:.2f} (wall of 1 worker / ({k} x wall of {k}))")
    if loop and one:
        wall, cpu = _overheads(loop, one)
        print(f"Dask overhead, 1 worker against the plain loop: wall {100 * wall:+.1f}%, CPU {100 * cpu:+.1f}% "
              f"(workers' + driver's CPU against the loop's)")
        if "fit_cpu" in loop and "fit_cpu" in one:
            outside = one["cpu"] + one["driver_cpu"] - one["fit_cpu"]
            print(f"of which the fits themselves (the rows' cpu_time): {100 * (one['fit_cpu'] / loop['fit_cpu'] - 1):+.1f}%; "
                  f"Dask's own (workers' CPU outside the fits + the driver's): {100 * outside / loop['cpu']:+.1f}% "
                  f"(the loop spends {100 * (loop['cpu'] / loop['fit_cpu'] - 1):.1f}% outside its fits)")


def _overheads(loop, one):
    """(wall, CPU) of 1 Dask worker's run against the plain loop's, as fractions (0.05: 5% more); the
    CPU is the workers' plus the driver's."""
    return one["wall"] / loop["wall"] - 1, (one["cpu"] + one["driver_cpu"]) / loop["cpu"] - 1


def _efficiencies(by_mode):
    """{mode: parallel efficiency} of each k-worker run (k > 1): wall of 1 worker / (k x wall of k)."""
    one = by_mode.get("dask1")
    if not one:
        return {}
    return {mode: one["wall"] / (int(mode[4:]) * r["wall"]) for mode, r in by_mode.items()
            if mode.startswith("dask") and mode != "dask1"}


def _round_medians(rounds):
    """Medians over rounds of the Dask overhead and parallel efficiency (each from one round's runs)."""
    import numpy as np

    wall, cpu, efficiency = [], [], {}
    for round_results in rounds:
        by_mode = {r["mode"]: r for r in round_results}
        loop, one = by_mode.get("loop"), by_mode.get("dask1")
        if loop and one:
            round_wall, round_cpu = _overheads(loop, one)
            wall.append(round_wall)
            cpu.append(round_cpu)
        for mode, value in _efficiencies(by_mode).items():
            efficiency.setdefault(mode, []).append(value)
    print(f"### medians over {len(rounds)} rounds\n")
    if wall:
        print(f"Dask overhead, 1 worker against the plain loop of the same round: wall "
              f"{100 * np.median(wall):+.1f}% (rounds: {', '.join(f'{100 * w:+.1f}%' for w in wall)}), CPU "
              f"{100 * np.median(cpu):+.1f}% (rounds: {', '.join(f'{100 * c:+.1f}%' for c in cpu)})")
    for mode, values in efficiency.items():
        print(f"parallel efficiency, {mode[4:]} workers: {np.median(values):.2f} "
              f"(rounds: {', '.join(f'{v:.2f}' for v in values)})")
    print()


def _read(path):
    from astropy.table import Table

    table = Table.read(path, mask_invalid=False)
    table.convert_bytestring_to_unicode()
    return table


def _accuracy_tables(result):
    import numpy as np

    from polychrome.survey.flags import flag_names
    from polychrome.survey.truth_match import accuracy_by_magnitude

    rows, truth = _read(result["rows"]), _read(result["truth"])
    flags = np.asarray(rows["flags"], int)
    counts = {}
    for value in flags:
        for name in flag_names(int(value)):
            counts[name] = counts.get(name, 0) + 1
    print(f"\nflagged: {int(np.sum(flags != 0))} of {len(rows)} ({100 * np.mean(flags != 0):.1f}%): "
          + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
    for band in result["bands"]:
        print(f"\naccuracy against the truth, band {band} (unflagged galaxies fitted as galaxies; "
              "Re as fitted/true - 1):\n")
        print("| true mag | count | mag bias | mag scatter | Re bias | Re scatter | mag pull width | Re pull width |")
        print("|---|---|---|---|---|---|---|---|")
        for r in accuracy_by_magnitude(rows, truth, band):
            print(f"| {r['mag']} | {r['count']} | {_fmt(r['mag_bias'], '+.4f')} | {_fmt(r['mag_scatter'], '.4f')} | "
                  f"{_fmt(r['Re_bias'], '+.4f')} | {_fmt(r['Re_scatter'], '.4f')} | {_fmt(r['mag_pull'], '.2f')} | "
                  f"{_fmt(r['Re_pull'], '.2f')} |")


def _isolated_table(results):
    print("| case | bands | sources | median cutout side, px | CPU s | sources / CPU-s | target |")
    print("|---|---|---|---|---|---|---|")
    for case, r in results:
        sides = ", ".join(f"{label} {side:.0f}" for label, side in r.get("cutout_sides", {}).items())
        rate = r["sources"] / r["cpu"]
        target = TARGETS[case]
        print(f"| {case} | {len(r['bands'])} | {r['sources']} | {sides} | {r['cpu']:.1f} | {rate:.1f} | "
              f">= {target:.0f} ({'met' if rate >= target else 'not met'}) |")


def _isolated_rounds(chosen, runs):
    """Each round's sources per CPU-second of every isolated case, and their medians over the rounds
    (the target's verdict on the median)."""
    import numpy as np

    print(f"\n### sources per CPU-second over {len(runs)} rounds (the first round's run above)\n")
    print("| case | rounds (in order) | median | min - max | target |")
    print("|---|---|---|---|---|")
    for case in chosen:
        rates = [r["sources"] / r["cpu"] for round_runs in runs for c, r in round_runs if c == case]
        median = float(np.median(rates))
        target = TARGETS[case]
        print(f"| {case} | {', '.join(f'{rate:.1f}' for rate in rates)} | {median:.1f} | {min(rates):.1f} - "
              f"{max(rates):.1f} | >= {target:.0f} ({'met' if median >= target else 'not met'} by the median) |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="field,isolated1,isolated3")
    parser.add_argument("--sources", type=int, default=3000, help="sources in the field case")
    parser.add_argument("--field", type=float, default=320.0, help="side of the field, arcsec (0.1\" pixels)")
    parser.add_argument("--isolated", type=int, default=400, help="galaxies in each isolated case")
    parser.add_argument("--workers", default="1,2", help="Dask worker counts for the field case")
    parser.add_argument("--no-loop", action="store_true", help="skip the plain loop of the field case")
    parser.add_argument("--footprint-scale", type=float, default=None,
                        help="ModelSpec.footprint_scale of the field case (default: ModelSpec's, 3)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="field case: run its modes this many times, alternating their order "
                             "(loop, dask1, ..., then back), and report each round and the medians of the "
                             "rounds' ratios: on a host whose speed drifts over minutes, a ratio of runs "
                             "minutes apart mixes the drift with the overhead; isolated cases: run each "
                             "this many times (alternating the cases' order) and report every run's rate "
                             "and their median")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="small: 300 sources on 100\", 100 isolated")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.quick:
        args.sources, args.field, args.isolated = 300, 100.0, 100
    print(f"load average at start: {os.getloadavg()}")
    print(f"command: python bench/survey.py {' '.join(sys.argv[1:])}\n")
    cases = args.cases.split(",")
    child_args = {k: v for k, v in vars(args).items() if k != "child"}
    args = argparse.Namespace(**child_args)
    if "field" in cases:
        modes = ([] if args.no_loop else ["loop"]) + [f"dask{int(k)}" for k in args.workers.split(",") if k]
        rounds = [[_run("field", mode, args) for mode in (modes if r % 2 == 0 else modes[::-1])]
                  for r in range(args.rounds)]
        results = [next(x for x in rounds[0] if x["mode"] == mode) for mode in modes]
        print(f"## field: {args.sources} sources, {args.field:g}\" square, 3 bands\n")
        simulated = results[0].get("simulation_cpu_seconds")
        if simulated:
            print(f"(simulated with the polychrome renderer in {simulated:.0f} CPU-s, cached for later runs)\n")
        for r, round_results in enumerate(rounds):
            if args.rounds > 1:
                print(f"### round {r + 1} of {args.rounds} (modes in the order {', '.join(x['mode'] for x in round_results)})\n")
            _throughput_table(sorted(round_results, key=lambda x: modes.index(x["mode"])))
            print()
        if args.rounds > 1:
            _round_medians(rounds)
        _accuracy_tables(results[0])
        print()
    chosen = [case for case in ("isolated1", "isolated3") if case in cases]
    # rounds alternate the cases' order too (isolated1, isolated3, then back): the host's drift
    # over minutes then weighs on both alike
    runs = [[(case, _run(case, "loop", args)) for case in (chosen if r % 2 == 0 else chosen[::-1])]
            for r in range(args.rounds)] if chosen else []
    if runs:
        isolated = sorted(runs[0], key=lambda pair: chosen.index(pair[0]))
        print(f"## isolated galaxies ({args.isolated} requested, on a grid of {ISOLATED_CELL:g}\" cells), plain loop\n")
        _isolated_table(isolated)
        if args.rounds > 1:
            _isolated_rounds(chosen, runs)
        for case, result in isolated:
            print(f"\n### {case}")
            _accuracy_tables(result)


if __name__ == "__main__":
    main()
