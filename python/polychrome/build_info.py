"""How the compiled core was built, and which CPU level it runs."""

from . import _core


def build_info():
    """How polychrome's C++ core was built and which CPU kernels it runs.

    Returns a new dict:

    - ``compiler``, ``compiler_version``, ``build_type``, ``processor`` (the
      build's CMAKE_SYSTEM_PROCESSOR, e.g. "x86_64");
    - ``flags``: the flags of every core source; ``level_flags``: the extra
      flags of each CPU level ({"baseline": "-march=x86-64-v2", "avx2":
      "-march=x86-64-v3", "avx512": "-march=x86-64-v4"} for a wheel on
      x86-64; {"native": "-march=native"} for a POLYCHROME_NATIVE=ON build);
    - ``openmp``: how OpenMP is used (its simd pragmas only; no runtime);
    - ``native``: whether the build was POLYCHROME_NATIVE=ON;
    - ``levels``: the levels compiled, lowest first; ``cpu_supports``: level ->
      whether this CPU can run it;
    - ``level``: the level in use, chosen once at import (the best one the CPU
      supports, or the one the environment variable POLYCHROME_CPU names:
      baseline, avx2, avx512 or native), and ``reason``: why.
    """
    return dict(_core.build_info())
