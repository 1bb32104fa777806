"""Speed of each CPU level of the runtime dispatch, side by side with a native
build: the peers.py `render` and `convolved` cases (a Sersic n = 2.5 on 256 x
256 pixels, alone and convolved with a 51 x 51 Moffat PSF; image, then image
+ Jacobian) and the normal equations of a 256 x 256 window with 7 parameters.

Each level runs in its own process (the level is chosen once, at import) with
POLYCHROME_CPU forcing it; the native build (POLYCHROME_NATIVE=ON, everything
-march=native, no dispatch) is compiled here into build/bench-native (CMake,
incremental) and imported from a staged copy of the package. Timings are
process CPU time (time.process_time, one thread), the minimum over
repetitions and over rounds that visit every build in turn, so that the
ratios hold on a machine shared with other work. Prints a markdown table,
the ratios the targets are about, and the command.

    python bench/dispatch.py [--repeat N] [--rounds R] [--no-native]
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
NATIVE_BUILD = ROOT / "build" / "bench-native"
CASES = ["render", "render+J", "convolved", "convolved+J", "normal eq."]


# ----------------------------------------------------------------------------
# Worker: one build or level, in its own process
# ----------------------------------------------------------------------------


def cpu_seconds(call, repeat):
    """Least process CPU time of `repeat` calls (after one warm-up call)."""
    call()
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best


def worker(repeat):
    """Time every case in this process; print one JSON line: level, seconds
    per case and a checksum of each case's result (to compare levels)."""
    sys.path.insert(0, str(BENCH))
    import polychrome
    from peers_common import SINGLE_GRID, SINGLE_SERSIC, moffat_psf_image, polychrome_render

    grid, sersic = SINGLE_GRID, SINGLE_SERSIC
    convolver = polychrome.PsfConvolver(moffat_psf_image())
    options = dict(pixelscale=grid.pixelscale, tolerance=1e-5, threads=1)
    calls = {
        "render": lambda: polychrome_render(sersic, (grid.ny, grid.nx), **options),
        "render+J": lambda: polychrome_render(sersic, (grid.ny, grid.nx), jacobian=True, **options),
        "convolved": lambda: polychrome_render(sersic, (grid.ny, grid.nx), psf=convolver, **options),
        "convolved+J": lambda: polychrome_render(sersic, (grid.ny, grid.nx), psf=convolver, jacobian=True,
                                                 **options),
    }
    rng = np.random.default_rng(1)
    n = grid.ny * grid.nx
    residual, weight, jac = rng.normal(size=n), rng.uniform(0.5, 2.0, n), rng.normal(size=(7, n))
    calls["normal eq."] = lambda: polychrome._core.normal_equations(residual, weight, jac, threads=1)
    seconds = {name: cpu_seconds(call, repeat) for name, call in calls.items()}
    images = {name: np.asarray(calls[name]()[0] if name.endswith("+J") else calls[name]()).ravel().tolist()
              for name in ("render", "convolved")}
    info = polychrome.build_info()
    print(json.dumps({"level": info["level"], "seconds": seconds, "images": images}))


# ----------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------


def build_native():
    """Configure and build the POLYCHROME_NATIVE=ON module (incremental) and
    stage it with the package sources; returns the folder to put on PYTHONPATH."""
    import pybind11

    configure = ["cmake", "-S", str(ROOT), "-B", str(NATIVE_BUILD), "-DPOLYCHROME_NATIVE=ON",
                 "-DCMAKE_BUILD_TYPE=Release", f"-DPython_EXECUTABLE={sys.executable}",
                 f"-Dpybind11_DIR={pybind11.get_cmake_dir()}"]
    subprocess.run(configure, check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(NATIVE_BUILD), "--target", "_core", "-j", str(os.cpu_count() or 2)],
                   check=True, capture_output=True)
    stage = NATIVE_BUILD / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(ROOT / "python" / "polychrome", stage / "polychrome")
    for module in NATIVE_BUILD.glob("_core*.so"):
        shutil.copy2(module, stage / "polychrome")
    return stage


def run_worker(repeat, level=None, pythonpath=None):
    """One worker process: the installed polychrome at `level`, or the package
    staged at `pythonpath`; returns its JSON result."""
    env = dict(os.environ)
    env.pop("POLYCHROME_CPU", None)
    if level:
        env["POLYCHROME_CPU"] = level
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", "--repeat", str(repeat)],
                         env=env, check=True, capture_output=True, text=True, cwd=str(BENCH)).stdout
    return json.loads(out.strip().splitlines()[-1])


def max_relative_difference(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per case and round")
    parser.add_argument("--rounds", type=int, default=3, help="visits of every build")
    parser.add_argument("--no-native", action="store_true", help="skip the native build")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.repeat)
        return

    import polychrome

    info = polychrome.build_info()
    levels = [level for level in info["levels"] if info["cpu_supports"][level]]
    builds = [(f"dispatch: {level}", dict(level=level)) for level in levels]
    if not args.no_native:
        builds.append(("native build", dict(pythonpath=build_native())))
    best = {}
    images = {}
    for _ in range(args.rounds):
        for name, where in builds:
            result = run_worker(args.repeat, **where)
            images[name] = result["images"]
            for case, seconds in result["seconds"].items():
                best[name, case] = min(best.get((name, case), float("inf")), seconds)

    reference = "native build" if not args.no_native else builds[-1][0]
    print(f"CPU: {cpu_name()}; {info['compiler']} {info['compiler_version']}; one thread; "
          f"process CPU time, best of {args.rounds} rounds x {args.repeat} calls\n")
    print("| build | " + " | ".join(f"{case} ms" for case in CASES) + f" | render, convolved vs {reference} |"
          " max rel. diff. of the image vs native |")
    print("|---|" + "---:|" * len(CASES) + "---:|---:|")
    for name, _ in builds:
        cells = [f"{1e3 * best[name, case]:.2f}" for case in CASES]
        ratio = " / ".join(f"{best[name, case] / best[reference, case]:.2f}" for case in ("render", "convolved"))
        diff = " / ".join(f"{max_relative_difference(images[name][c], images[reference][c]):.1e}"
                          for c in ("render", "convolved"))
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio} | {diff} |")
    print()
    top = f"dispatch: {levels[-1]}"
    for case in CASES:
        line = [f"{case}:"]
        if not args.no_native:
            line.append(f"{levels[-1]} / native = {best[top, case] / best['native build', case]:.2f} (target <= 1.10)")
        if "avx2" in levels and "baseline" in levels:
            line.append(f"baseline / avx2 = {best['dispatch: baseline', case] / best['dispatch: avx2', case]:.2f}"
                        " (target <= 2)")
        print("  ".join(line))
    print("\ncommand: python bench/dispatch.py " + " ".join(sys.argv[1:]))


def cpu_name():
    """The CPU's model name from /proc/cpuinfo (Linux), else what the platform module says."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()
