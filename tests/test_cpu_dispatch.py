"""Runtime CPU dispatch (polychrome/cpu_kernels.hpp): the build's report, the
POLYCHROME_CPU variable, agreement between levels, the core's render,
convolution and normal-equation checks at every level this CPU supports, and
the linked module's machine code.

The level is chosen once per process, at import, so every other level runs in
a subprocess with POLYCHROME_CPU forcing it (rather than a test-only hook that
switches tables: that would be global mutable state, and would test another
path than the one users take).
"""

import bisect
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import polychrome

TESTS = Path(__file__).resolve().parent
INFO = polychrome.build_info()
USABLE = [level for level in INFO["levels"] if INFO["cpu_supports"][level]]
X86_DISPATCH = INFO["processor"].lower() in ("x86_64", "amd64", "x64") and not INFO["native"] and len(INFO["levels"]) > 1


def run_python(args, level, **kwargs):
    """Run `python args...` with POLYCHROME_CPU=level (None: unset)."""
    env = dict(os.environ)
    env.pop("POLYCHROME_CPU", None)
    if level is not None:
        env["POLYCHROME_CPU"] = level
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, **kwargs)


def test_build_info_reports_the_build_and_the_level_in_use():
    for key in ("compiler", "compiler_version", "flags", "openmp", "level_flags", "levels", "level", "reason"):
        assert INFO[key], key
    assert INFO["level"] in INFO["levels"]
    assert INFO["cpu_supports"][INFO["level"]]
    assert "simd" in INFO["openmp"]
    assert list(INFO["level_flags"]) == INFO["levels"]
    if os.environ.get("POLYCHROME_CPU"):
        assert INFO["level"] == os.environ["POLYCHROME_CPU"]
        assert "POLYCHROME_CPU" in INFO["reason"]
    else:  # the best level this CPU supports
        assert INFO["level"] == USABLE[-1]
    if INFO["native"]:
        assert INFO["levels"] == ["native"] and INFO["level_flags"]["native"] == "-march=native"
    elif X86_DISPATCH:
        assert INFO["levels"] == ["baseline", "avx2", "avx512"]
        assert INFO["level_flags"] == {"baseline": "-march=x86-64-v2", "avx2": "-march=x86-64-v3",
                                       "avx512": "-march=x86-64-v4"}
    else:  # other architectures, Apple, MSVC: the compiler's default, no x86 flags
        assert INFO["levels"] == ["baseline"] and "march" not in INFO["level_flags"]["baseline"]


def test_the_build_info_is_a_fresh_dict():
    info = polychrome.build_info()
    info["level"] = "changed"
    assert polychrome.build_info()["level"] == INFO["level"]


@pytest.mark.parametrize("level", USABLE)
def test_polychrome_cpu_forces_the_level(level):
    result = run_python(["-c", "import polychrome; i = polychrome.build_info(); print(i['level'], '|', i['reason'])"],
                        level)
    assert result.returncode == 0, result.stderr[-2000:]
    used, reason = result.stdout.strip().splitlines()[-1].split(" | ")
    assert used == level
    assert reason == f"forced by POLYCHROME_CPU={level}"


@pytest.mark.parametrize("value, message", [
    ("avx1024", "POLYCHROME_CPU=avx1024: unknown CPU level; allowed: "),
    ("AVX2", "POLYCHROME_CPU=AVX2: unknown CPU level; allowed: "),
])
def test_an_unknown_level_fails_the_import_naming_the_variable_and_the_allowed_values(value, message):
    result = run_python(["-c", "import polychrome"], value)
    assert result.returncode != 0
    assert message + ", ".join(INFO["levels"]) in result.stderr


def test_a_level_this_build_lacks_fails_the_import_clearly():
    missing = next(level for level in ("native", "baseline") if level not in INFO["levels"])
    result = run_python(["-c", "import polychrome"], missing)
    assert result.returncode != 0
    assert f"POLYCHROME_CPU={missing}: this build has no {missing} kernels; allowed: " in result.stderr


@pytest.fixture(scope="module")
def level_results(tmp_path_factory):
    """tests/cpu_level_results.py run once per usable level: {level: arrays}."""
    folder = tmp_path_factory.mktemp("levels")
    results = {}
    for level in USABLE:
        out = folder / f"{level}.npz"
        run = run_python([str(TESTS / "cpu_level_results.py"), str(out)], level, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        with np.load(out) as data:
            results[level] = {key: data[key] for key in data.files}
        assert str(results[level]["level"]) == level
    return results


def compare_levels(key, value, reference, tolerance):
    """Every array (each Jacobian column apart) agrees to 1e-12 of its largest
    value, except pixels where the adaptive integrator refined differently:
    those must be rare and still within twice the render tolerance of each
    other (each level is within the tolerance of the truth)."""
    columns = zip(value, reference) if key.endswith("_jac") else [(value, reference)]
    for a, b in columns:
        scale = np.max(np.abs(b))
        off = np.abs(a - b) > 1e-12 * scale
        assert np.count_nonzero(off) <= 0.005 * off.size, (key, np.count_nonzero(off))
        assert np.all(np.abs(a - b)[off] <= 2 * tolerance * np.maximum(np.abs(b[off]), 1e-6 * scale)), key


@pytest.mark.skipif(len(USABLE) < 2, reason="one CPU level only on this build or machine")
def test_levels_agree_to_rounding(level_results):
    sys.path.insert(0, str(TESTS))
    from cpu_level_results import TOLERANCE

    reference = level_results[USABLE[0]]
    for level in USABLE[1:]:
        for key, value in level_results[level].items():
            if key == "level":
                continue
            if key.startswith("single_jacobian_error"):
                continue  # each level against its own double precision: test_single_precision_jacobian_at_every_level
            if key.startswith(("render", "convolved")):
                compare_levels(key, value, reference[key], TOLERANCE)
            else:  # FFTs and normal equations: no decisions, rounding only
                np.testing.assert_allclose(value, reference[key], rtol=0,
                                           atol=1e-12 * np.max(np.abs(reference[key])), err_msg=f"{level} {key}")


def test_single_precision_jacobian_at_every_level(level_results):
    """The Jacobian planes convolved in single precision (float FFT kernels, compiled per level) are
    within 1e-6 of each plane's largest magnitude of the same level's double precision ones
    (tests/test_convolution_single.py's bound)."""
    for level, results in level_results.items():
        for key, value in results.items():
            if key.startswith("single_jacobian_error"):
                assert np.all(value <= 1e-6), (level, key, value)


# The core's own checks, rerun at each other level this CPU supports (the
# level in use runs them all with the rest of the suite; the images and
# Jacobians of every level are compared above). Each kernel family the levels
# compile (cpu_kernels.hpp) is met at least once, by the cheaper of its tests
# against an independent reference or central differences: the elliptical
# engine (radial profiles, a Sersic cusp, a Nuker central hole, the absolute
# tolerance, the compact edge pixels), the shaped renderer, the sector
# renderer, the edge-on disk, the exact Gaussian, the convolution and its FFTs,
# the normal equations, and fits through them. Left out: the rest of the
# parametrisations of the same kernels (the level in use runs them).
CORE_CHECKS = [
    "test_render_accuracy.py::test_other_profiles_against_reference",
    "test_render_accuracy.py::test_sersic_default_tolerance_over_grid[0.2-4.0]",
    "test_render_accuracy.py::test_spline_against_dense_quadrature",
    "test_render_accuracy.py::test_tighter_tolerance_is_more_accurate",
    "test_render_accuracy.py::test_total_flux_in_large_window",
    "test_render_absolute_tolerance.py::test_pixels_within_absolute_tolerance_of_exact[0.0001-4.0-3.0-0.3]",
    "test_render_absolute_tolerance.py::test_convolved_pixels_within_absolute_tolerance",
    "test_nuker.py::test_a_central_hole_renders_to_the_stated_accuracy[1.0-1.0-4.0--2.0]",
    "test_nuker.py::test_fit_of_a_central_hole_finds_the_truth",
    "test_nuker.py::test_fit_finds_the_minimum_and_the_truth_through_a_psf",
    "test_compact_edge_pixels.py::test_crossed_pixels_match_brute_force[values5-geometry5]",
    "test_compact_edge_pixels.py::test_crossed_pixels_jacobian_matches_central_differences[values2-geometry2]",
    "test_isophote_shapes.py::test_pixels_match_brute_force_quadrature[superellipse-values0]",
    "test_isophote_shapes.py::test_pixels_match_brute_force_quadrature[fourier-values2]",
    "test_isophote_shapes.py::test_pixels_match_brute_force_quadrature[warp-values3]",
    "test_isophote_shapes.py::test_the_zero_shape_is_the_ellipse",
    "test_sector_models.py::test_one_segment_is_the_elliptical_model",
    "test_sector_models.py::test_every_jacobian_column_matches_central_differences[sersic wedge galaxy model-values1]",
    "test_sector_models.py::test_every_jacobian_column_matches_central_differences[moffat ray galaxy model-values5]",
    "test_sector_models.py::test_fit_of_noisy_convolved_data_recovers_the_truth",
    "test_edgeon_disk.py::test_pixels_match_brute_force_quadrature",
    "test_edgeon_disk.py::test_resolved_disk_pixels_match_brute_force_quadrature[values0]",
    "test_edgeon_disk.py::test_jacobian_matches_central_differences[True-values1]",
    "test_gaussian_exact.py::test_axis_aligned_against_erf_product",
    "test_gaussian_exact.py::test_any_orientation_against_quadrature[1.0-0.5-2.0-P3-center3]",
    "test_gaussian_exact.py::test_jacobian_against_central_differences",
    "test_convolution.py::test_fft_convolution_equals_direct",
    "test_convolution.py::test_flux_is_conserved",
    "test_convolution.py::test_gaussian_convolved_with_gaussian_is_wider_gaussian",
    "test_convolution.py::test_jacobian_is_convolved_unconvolved_jacobian",
    "test_convolution.py::test_light_from_outside_the_window_is_scattered_in",
    "test_convolution.py::test_upsampled_grid_convention",
    "test_fft.py",
    "test_core_normal_equations.py",
    "test_fit_normal_equations.py",
]


@pytest.mark.parametrize("level", [level for level in USABLE if level != INFO["level"]])
def test_core_checks_pass_at_every_level(level):
    tests = [str(TESTS / name) for name in CORE_CHECKS]
    result = run_python(["-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests], level,
                        cwd=str(TESTS.parent), timeout=1200)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout  # (a test named above that no longer exists fails the run: "not found")


# What the linker kept: no function outside the AVX2 and AVX-512 kernel
# namespaces may hold an AVX, AVX2, FMA, AVX-512 or BMI instruction, or a
# baseline CPU would meet it (see cpu_kernels.hpp: the functions the levels
# share by name must come from the baseline's objects). The functions checked
# are the module's exported ones: every inline function and template instance
# the levels can share has default visibility, so it is among them.
WIDE_MNEMONICS = {"andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "mulx", "pdep", "pext", "rorx", "sarx",
                  "shlx", "shrx", "tzcnt", "lzcnt", "movbe"}


def wide_functions(module):
    """Exported functions of `module` outside the level namespaces that hold
    VEX/EVEX-encoded or BMI instructions: {name: mnemonics}."""
    symbols = []
    listing = subprocess.run(["nm", "-D", "--defined-only", "-S", "-C", module], capture_output=True, text=True,
                             check=True).stdout
    for line in listing.splitlines():
        match = re.match(r"^([0-9a-f]+) ([0-9a-f]+) [TtWi] (.*)$", line)
        if match:
            symbols.append((int(match.group(1), 16), int(match.group(2), 16), match.group(3)))
    symbols.sort()
    starts = [s[0] for s in symbols]
    # only the address range spanned by the exported functions outside the level namespaces can hold
    # a finding (code elsewhere is in no exported function, or in a level's): disassemble just that
    ends = [(start, start + size) for start, size, name in symbols
            if "cpu_avx2::" not in name and "cpu_avx512::" not in name]
    if not ends:
        return {}
    span = [f"--start-address={min(a for a, _ in ends):#x}", f"--stop-address={max(b for _, b in ends):#x}"]
    code = subprocess.run(["objdump", "-d", "--no-show-raw-insn", *span, module], capture_output=True, text=True,
                          check=True).stdout
    found = {}
    for line in code.splitlines():
        match = re.match(r"^\s+([0-9a-f]+):\t(\S+)", line)
        if not match:
            continue
        mnemonic = match.group(2)
        if not (mnemonic.startswith("v") or mnemonic in WIDE_MNEMONICS or "%ymm" in line or "%zmm" in line):
            continue
        address = int(match.group(1), 16)
        i = bisect.bisect_right(starts, address) - 1
        if i < 0:
            continue
        start, size, name = symbols[i]
        if address < start + size and "cpu_avx2::" not in name and "cpu_avx512::" not in name:
            found.setdefault(name, set()).add(mnemonic)
    return found


@pytest.mark.skipif(not X86_DISPATCH or platform.system() != "Linux", reason="x86-64 dispatch build on Linux only")
@pytest.mark.skipif(shutil.which("objdump") is None or shutil.which("nm") is None, reason="binutils not installed")
def test_no_wide_instruction_outside_the_level_namespaces():
    module = polychrome._core.__file__
    found = wide_functions(module)
    assert not found, {name[:200]: sorted(m)[:5] for name, m in list(found.items())[:10]}
    # The check sees the kernels: their AVX code is in the module, by name.
    exported = subprocess.run(["nm", "-D", "--defined-only", "-C", module], capture_output=True, text=True).stdout
    assert "cpu_avx2::" in exported and "cpu_avx512::" in exported
