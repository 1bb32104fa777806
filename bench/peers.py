"""polychrome side by side with its peers (pyimfit, AstroPhot, GalSim).

Run ``python bench/peers.py [--case NAME] [--repeat N] [--threads N] [--quick]``.

Every benchmark case is one function in ``CASES``; this file is the entry
point (command line, versions, the list of cases), the cases live by family
in the ``peers_*`` modules beside it:

- ``peers_common``: the problems (Grid, Sersic, PSF) and each peer's conventions;
- ``peers_measure``: errors, timing, process isolation, the results table;
- ``peers_renderers``: each peer's single-image renderer, the reference images;
- ``peers_render``: cases ``render``, ``convolved`` and ``fft``;
- ``peers_joint``: case ``joint`` (one galaxy in three images);
- ``peers_fit``: cases ``fit`` and ``joint_fit``;
- ``peers_zoo``: case ``zoo`` (each model type of polychrome's zoo, and
  AstroPhot's where it has the type, image + Jacobian with a PSF; option
  ``--types SUBSTRING`` selects rows); its rows are in ``peers_zoo_cases``.

Peers are optional: a peer that is not installed is reported as such and
skipped.

Conventions used throughout (polychrome's, see DESIGN.md): arrays are
``data[y, x]``; pixel (i, j) has its centre at ``origin + pixelscale *
(j + 0.5, i + 0.5)`` arcsec; PA in radians counter-clockwise from +x to the
major axis; q = b/a; Sersic ``Re`` is the semi-major half-light radius in
arcsec and ``Ie`` the log10 surface brightness at Re (flux/arcsec^2). Each
peer adapter converts from these to the peer's own conventions.
"""

import argparse
import os
import time
from pathlib import Path

from peers_common import import_astrophot
from peers_fit import case_fit, case_joint_fit
from peers_joint import case_joint
from peers_render import case_convolved, case_fft, case_render
from peers_zoo import case_zoo


def print_versions():
    """Which polychrome core (path, build time) and which peers are measured."""
    import importlib

    import polychrome

    core = Path(polychrome._core.__file__)
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(core.stat().st_mtime))
    versions = []
    importers = {"astrophot": import_astrophot}
    for name in ("pyimfit", "astrophot", "galsim"):
        try:
            module = importers.get(name, lambda: importlib.import_module(name))()
            versions.append(f"{name} {module.__version__}")
        except ImportError:
            versions.append(f"{name} not installed")
    print(f"polychrome {polychrome.__version__} core {core} (built {built}); " + ", ".join(versions))


CASES = {
    "render": case_render,
    "convolved": case_convolved,
    "fit": case_fit,
    "joint_fit": case_joint_fit,
    "fft": case_fft,
    "joint": case_joint,
    "zoo": case_zoo,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append",
                        help="case to run (repeatable; default: all)")
    parser.add_argument("--repeat", type=int, default=50,
                        help="timed calls per renderer; the median is reported (default 50)")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for polychrome, pyimfit and torch (default 0 = all cores)")
    parser.add_argument("--quick", action="store_true",
                        help="a check that the cases run: 1 timed call, coarser references where a case has them")
    parser.add_argument("--types", default=None,
                        help="case zoo: only the model types containing this substring (default: all)")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 1
    print(f"load average before start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          f"(timings are only meaningful on an otherwise idle machine)")
    print_versions()
    for name in args.case or list(CASES):
        if name == "zoo":
            case_zoo(args.repeat, args.threads, quick=args.quick, types=args.types)
        else:
            CASES[name](args.repeat, args.threads)


if __name__ == "__main__":
    main()
