"""Single-image cases of peers.py: `render` (a Sersic, no PSF), `convolved`
(the same Sersic convolved with a Moffat PSF) and `fft` (polychrome's FFT
against scipy's): each renderer of peers_renderers timed in its own process
against the reference image, the table and the verdict."""

import functools
import math
import statistics
from pathlib import Path

from peers_common import SINGLE_GRID, SINGLE_SERSIC, moffat_psf_image
from peers_measure import (Result, call_seconds, flux_relative_error, max_relative_error, print_table,
                           run_isolated)
from peers_renderers import (convolved_reference, make_astrophot, make_galsim, make_galsim_psf,
                             make_polychrome, make_pyimfit, reference_image, report_reference)


def measure(name, make, grid, threads, sersic, reference, repeat):
    """Build a renderer with make(grid, threads, sersic), time it and compare
    its image (the first element if it returns a tuple) with the reference."""
    try:
        render = make(grid, threads, sersic)
    except ImportError as err:
        return Result(name, skipped=f"not installed ({err.name})")
    image = render(sersic)
    if isinstance(image, tuple):
        image = image[0]
    times = call_seconds(render, sersic, repeat)
    return Result(name, statistics.median(times), min(times),
                  max_relative_error(image, reference), flux_relative_error(image, reference))


def measure_isolated(*args):
    """measure(*args) in a fresh process (see run_isolated)."""
    return run_isolated(measure, *args)


def measure_renderers(grid, sersic, reference, threads, repeat, make_galsim_renderer, **options):
    """Measure polychrome (image, then image + Jacobian), pyimfit, AstroPhot
    and GalSim (make_galsim_renderer), each make_* given `options` (the PSF)
    and run in its own process, and print their table. Returns (polychrome,
    polychrome image+jac, [pyimfit, astrophot, galsim])."""

    def run(name, make, **kw):
        return measure_isolated(name, functools.partial(make, **options, **kw), grid, threads, sersic,
                                reference, repeat)

    baseline = run("polychrome", make_polychrome)
    jacobian = run("polychrome image+jac", make_polychrome, jacobian=True)
    peers = [run("pyimfit", make_pyimfit), run("astrophot", make_astrophot),
             run("galsim", make_galsim_renderer)]
    print_table([baseline, jacobian] + peers, baseline)
    print()
    return baseline, jacobian, peers


def verdict(polychrome, jacobian, peers):
    """One line: each target with PASS/FAIL; skipped peers are named, not judged."""
    checks = []
    speed_targets = {"pyimfit": 5.0, "astrophot": 10.0}
    for r in peers:
        if r.skipped:
            checks.append((f"{r.name} not measured", True))
            continue
        if r.name in speed_targets:
            ratio = r.seconds / polychrome.seconds
            checks.append((f"{ratio:.1f}x faster than {r.name} (>= {speed_targets[r.name]:g}x)",
                           ratio >= speed_targets[r.name]))
        error_ratio = r.max_rel_error / polychrome.max_rel_error
        checks.append((f"error {error_ratio:.0f}x smaller than {r.name} (>= 10x)", error_ratio >= 10))
    jac_ratio = jacobian.seconds / polychrome.seconds
    checks.append((f"image+Jacobian {jac_ratio:.2f}x image (<= 3x)", jac_ratio <= 3))
    overall = "PASS" if all(ok for _, ok in checks) else "FAIL"
    print(f"verdict: {overall}: " + "; ".join(
        text if "not measured" in text else f"{text} {'PASS' if ok else 'FAIL'}" for text, ok in checks))


def case_render(repeat, threads):
    """A single Sersic, no PSF, 256x256 pixels of 1 arcsec: polychrome vs
    pyimfit, AstroPhot and GalSim, each against the GalSim real-space
    reference."""
    grid, sersic = SINGLE_GRID, SINGLE_SERSIC
    print(f"case render: Sersic n={sersic.n}, Re={sersic.Re}\", q={sersic.q}, "
          f"PA={math.degrees(sersic.PA):g} deg, centre=({sersic.x}, {sersic.y})\", Ie={sersic.Ie}; "
          f"{grid.ny}x{grid.nx} px of {grid.pixelscale}\"; no PSF; "
          f"threads={threads or 'all'}; median of {repeat}")
    try:
        reference, info = reference_image(sersic, grid)
    except ImportError:
        print("GalSim (needed for the reference image) not installed: case skipped")
        return
    report_reference(sersic, grid, reference, info, threads)
    print()
    baseline, jacobian, peers = measure_renderers(grid, sersic, reference, threads, repeat, make_galsim)
    verdict(baseline, jacobian, peers)


def case_convolved(repeat, threads):
    """The render case's Sersic convolved with a 51x51 Moffat PSF (beta 3,
    FWHM 4 px): polychrome vs pyimfit, AstroPhot and GalSim, each against the
    exact-pixel-integral reference convolved by scipy."""
    grid, sersic = SINGLE_GRID, SINGLE_SERSIC
    psf = moffat_psf_image()
    print(f"case convolved: the render case's Sersic, 51x51 Moffat PSF (beta 3, FWHM 4 px); "
          f"threads={threads or 'all'}; median of {repeat}")
    try:
        reference = convolved_reference(sersic, grid, psf)
    except ImportError:
        print("scipy (needed for the reference) not installed: case skipped")
        return
    baseline, jacobian, peers = measure_renderers(grid, sersic, reference, threads, repeat, make_galsim_psf,
                                                  psf=psf)
    targets = {"pyimfit": 5.0, "astrophot": 3.0}
    lines = []
    for peer in peers:
        if peer.skipped or peer.name not in targets:
            continue
        ratio = peer.seconds / baseline.seconds
        ok = "PASS" if ratio >= targets[peer.name] else "FAIL"
        lines.append(f"{ratio:.1f}x faster than {peer.name} (>= {targets[peer.name]:g}x) {ok}")
    jac_ratio = jacobian.seconds / baseline.seconds
    lines.append(f"image+7-column Jacobian {jac_ratio:.2f}x image (< 8x) {'PASS' if jac_ratio < 8 else 'FAIL'}")
    print("verdict: " + "; ".join(lines))


def case_fft(repeat, threads):
    """polychrome's own 2D real FFT (forward + inverse) against scipy.fft
    (pocketfft) on the same arrays, single thread, sizes 64 to 1024; the
    timing loop is bench/fft_vs_scipy.py's (alternating and blocked
    schedules, the worse ratio counts). `repeat` and `threads` do not apply."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import fft_vs_scipy

    print("case fft: 2D real FFT, float64, rfft2 + irfft2, single thread, median ms")
    print(f"{'n':>6} {'polychrome':>11} {'scipy':>9} {'ratio':>7}")
    worst = 0.0
    for n in fft_vs_scipy.DEFAULT_SIZES:
        (a_ours, a_theirs, _), (b_ours, b_theirs, _), _ = fft_vs_scipy.time_pair(n, 0.5)
        ratio = max(a_ours / a_theirs, b_ours / b_theirs)
        worst = max(worst, ratio)
        print(f"{n:>6} {max(a_ours, b_ours) * 1e3:>11.3f} {min(a_theirs, b_theirs) * 1e3:>9.3f} {ratio:>7.2f}")
    ok = "PASS" if worst <= fft_vs_scipy.TARGET else "FAIL"
    print(f"verdict: {ok}: worst polychrome/scipy time ratio {worst:.2f} (target <= {fft_vs_scipy.TARGET})")
