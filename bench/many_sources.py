"""Many sources on one image: automatic windows against hand-chosen and whole-image windows.

    python bench/many_sources.py [--scenario 12x600] [--scenario 20x1000] [--cases auto,hand,whole]

A scenario "KxN" puts K Sersic galaxies (random n, Re, q, PA, brightness;
centres at least 60 px apart and 50 px from the edges) convolved with a
Gaussian PSF (FWHM 4 px) on an N x N image with unit Gaussian noise (the
variance map given). Every case fits the same data from the same start with
``fit.LM(group).fit()``; the start is, with ``--start perturbed`` (default),
the truth perturbed (centre 0.5 px, Re x 1.15, n x 0.85, Ie - 0.1, q - 0.05,
PA + 0.1 rad), or with ``--start initialize`` catalogue centres (the truth
+ 0.3 px) and ``group.initialize()`` for the rest (so a case's windows also
decide what initialize measures):

- ``auto``: the default, no window given (automatic windows);
- ``hand``: each source given a fixed 100 x 100 px window around its centre;
- ``whole``: each source given the whole image as a fixed window (the old
  default; slow: minutes for 12 sources on 600x600).

Each case runs in its own process (``python many_sources.py --child ...``),
so that the peak resident memory (``resource.getrusage``, ``ru_maxrss``) is
its own; the baseline is the same process's peak before initialize and the
fit. The table gives the times of initialize and of the fit, iterations, the fit's message, both memory figures, and, for
every case but ``hand``, the largest difference of a fitted parameter from
the hand-windowed fit in units of that parameter's uncertainty, and, for
every case, the largest and the median difference from the truth in the same
units (PA left out).

Wall-clock times depend on the machine's load: compare the ratios within one
run.
"""

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

import numpy as np

HAND_HALF_SIZE = 50        # pixels: the hand-chosen windows are 100 x 100
PSF_FWHM = 4.0             # pixels
SEED = 20261202


def scenario_sources(count, size, rng):
    """Truth for ``count`` separated Sersic sources on a ``size`` x ``size`` image (pixel scale 1)."""
    centres = []
    while len(centres) < count:
        c = rng.uniform(50.0, size - 50.0, 2)
        if all(np.hypot(*(c - other)) >= 60.0 for other in centres):
            centres.append(c)
    return [dict(center=[float(c[0]), float(c[1])], q=float(rng.uniform(0.4, 0.9)), PA=float(rng.uniform(0, math.pi)),
                 n=float(rng.uniform(0.8, 3.0)), Re=float(rng.uniform(2.0, 6.0)), Ie=float(rng.uniform(0.3, 1.0)))
            for c in centres]


def start_from(truth):
    """The perturbed start every case fits from."""
    return dict(center=[truth["center"][0] + 0.5, truth["center"][1] - 0.5], q=truth["q"] - 0.05,
                PA=(truth["PA"] + 0.1) % math.pi, n=0.85 * truth["n"], Re=1.15 * truth["Re"], Ie=truth["Ie"] - 0.1)


def gaussian_psf(fwhm, half):
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    sigma = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    return np.exp(-(x**2 + y**2) / (2.0 * sigma**2))


def truth_of(count, size):
    """The scenario's sources (see scenario_sources), as the bench draws them."""
    return scenario_sources(count, size, np.random.default_rng(SEED + 1000 * count + size))


def build(count, size, case, start="perturbed"):
    """The group model of one case of the scenario (on its noisy image)."""
    from polychrome.image import TargetImage
    from polychrome.models import Model

    rng = np.random.default_rng(SEED + 1000 * count + size)
    truth = scenario_sources(count, size, rng)
    psf = gaussian_psf(PSF_FWHM, 12)
    blank = TargetImage(np.zeros((size, size)), variance=np.ones((size, size)), psf=psf)
    exact = Model(name="truth", model_type="group model", models=[
        Model(name=f"s{k}", model_type="sersic galaxy model", target=blank, window=blank.window, **t)
        for k, t in enumerate(truth)]).sample().data
    data = exact + rng.normal(0.0, 1.0, exact.shape)
    target = TargetImage(data, variance=np.ones((size, size)), psf=psf)
    members = []
    for k, t in enumerate(truth):
        window = None
        if case == "hand":
            cx, cy = (int(round(v)) for v in t["center"])
            window = [[cx - HAND_HALF_SIZE, cx + HAND_HALF_SIZE], [cy - HAND_HALF_SIZE, cy + HAND_HALF_SIZE]]
        elif case == "whole":
            window = target.window
        values = start_from(t) if start == "perturbed" else {"center": list(t["center"] + rng.normal(0, 0.3, 2))}
        members.append(Model(name=f"s{k}", model_type="sersic galaxy model", target=target, window=window,
                             **values))
    return Model(name="field", model_type="group model", models=members)


def child(count, size, case, start, tolerance):
    """Fit one case in this process; print a JSON line with the figures."""
    from polychrome import fit

    group = build(count, size, case, start)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    begin = time.perf_counter()
    if start == "initialize":
        group.initialize()
    initialize_seconds = time.perf_counter() - begin
    start = time.perf_counter()
    result = fit.LM(group, **({} if tolerance is None else {"relative_tolerance": tolerance})).fit()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pixels = sum(int(np.prod(c.render_window.shape)) for c in group.components())
    truth = [float(v) for t in truth_of(count, size) for name in ("center", "q", "PA", "n", "Re", "Ie")
             for v in np.ravel(t[name])]
    names = [f"{c.name}:{p.name}" + (f"[{k}]" if p.size > 1 else "") for c in group.components()
             for p in c.parameters for k in range(p.size)]  # no parameter is locked or linked here
    print(json.dumps(dict(case=case, seconds=seconds, initialize_seconds=initialize_seconds, iterations=result.iterations, message=result.message,
                          chi2_ndf=result.chi2_ndf, baseline_mb=baseline / 1024, peak_mb=peak / 1024,
                          rendered_pixels=pixels, x=list(map(float, result.x)),
                          uncertainties=list(map(float, result.uncertainties)), names=names,
                          truth=truth)))


def run_case(count, size, case, start, tolerance):
    output = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", f"{count}x{size}", case, start,
                             str(tolerance)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", help="KxN: K sources on an N x N image")
    parser.add_argument("--cases", default="auto,hand", help="comma-separated of auto, hand, whole")
    parser.add_argument("--start", default="perturbed", choices=["perturbed", "initialize"])
    parser.add_argument("--relative-tolerance", type=float, default=None,
                        help="the fits' relative_tolerance (default: fit.LM's); smaller stops closer to the minimum")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        count, size = (int(v) for v in args.child[0].split("x"))
        child(count, size, args.child[1], args.child[2], None if args.child[3] == "None" else float(args.child[3]))
        return
    print(f"load average at start: {os.getloadavg()}")
    for scenario in args.scenario or ["12x600", "20x1000"]:
        count, size = (int(v) for v in scenario.split("x"))
        results = {case: run_case(count, size, case, args.start, args.relative_tolerance)
                   for case in args.cases.split(",")}
        hand = results.get("hand")
        print(f"\n{count} sources on {size}x{size}, start {args.start}, relative_tolerance "
              f"{args.relative_tolerance or 'default'}")
        print(f"{'case':6s} {'init s':>7s} {'fit s':>8s} {'iter':>5s} {'peak MB':>8s} {'base MB':>8s} {'pixels':>9s} "
              f"{'max |dx|/sigma vs hand':>23s} {'vs truth':>9s} {'median':>6s}  message")
        for case, r in results.items():
            shift = ""
            if hand is not None and case != "hand":
                dx = np.abs(np.array(r["x"]) - np.array(hand["x"])) / np.array(hand["uncertainties"])
                shift = f"{np.max(dx):.3f} ({hand['names'][int(np.argmax(dx))]})"
            off = np.abs(np.array(r["x"]) - np.array(r["truth"])) / np.array(r["uncertainties"])
            off[[k for k, name in enumerate(r["names"]) if name.endswith(":PA")]] = 0.0  # cyclic: left out
            print(f"{case:6s} {r['initialize_seconds']:7.2f} {r['seconds']:8.2f} {r['iterations']:5d} {r['peak_mb']:8.0f} "
                  f"{r['baseline_mb']:8.0f} {r['rendered_pixels']:9d} {shift:>23s} {np.max(off):9.2f} "
                  f"{np.median(off):6.2f}  {r['message']}")
        if hand is not None:
            for case, r in results.items():
                if case != "hand":
                    print(f"time {case}/hand: {r['seconds'] / hand['seconds']:.2f}")


if __name__ == "__main__":
    main()
