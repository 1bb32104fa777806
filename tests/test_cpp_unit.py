"""Build and run the C++ unit tests (tests/cpp, via CMake and ctest).

Skipped when cmake or a C++ compiler is not on PATH. The C++ tests check the
core without Python in between (and, for the FFT, its scalar fallbacks).

Where the package was built from this checkout (pip's build tree under
build/, see pyproject.toml's build-dir), the tests are built in that tree:
the core compiled for the install is reused and only the test programs are
compiled (on CI's 2 cores a fresh build of the core at every CPU level took
~3 minutes of the suite). The tree's POLYCHROME_BUILD_TESTS is set back to
what it was afterwards. Otherwise a fresh Release build in a temporary folder.
"""

import glob
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_PROGRAMS = sorted(os.path.splitext(os.path.basename(path))[0]
                       for path in glob.glob(os.path.join(ROOT, "tests", "cpp", "*.cpp")))


def _cache_entries(tree):
    entries = {}
    with open(os.path.join(tree, "CMakeCache.txt"), encoding="utf-8", errors="replace") as cache:
        for line in cache:
            name, sep, value = line.rstrip("\n").partition("=")
            if sep and ":" in name:
                entries[name.split(":", 1)[0]] = value
    return entries


def _package_build_tree():
    """The newest CMake tree under build/ configured from this checkout as a plain Release build
    (no sanitizers), with the values of the options the test changes; (None, None) when none."""
    found = []
    for cache in glob.glob(os.path.join(ROOT, "build", "*", "CMakeCache.txt")):
        tree = os.path.dirname(cache)
        entries = _cache_entries(tree)
        same_source = os.path.realpath(entries.get("CMAKE_HOME_DIRECTORY", "")) == os.path.realpath(ROOT)
        if same_source and entries.get("CMAKE_BUILD_TYPE") == "Release" and not entries.get("POLYCHROME_SANITIZE"):
            options = {name: entries.get(name, default) for name, default in
                       (("POLYCHROME_BUILD_TESTS", "OFF"), ("POLYCHROME_BUILD_PYTHON", "ON"))}
            found.append((os.path.getmtime(cache), tree, options))
    if not found:
        return None, None
    _, tree, options = max(found, key=lambda entry: entry[0])
    return tree, options


def _run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def _build_and_run(build, targets=None):
    command = ["cmake", "--build", build, "-j", str(os.cpu_count() or 2)]
    if targets:
        command += ["--target", *targets]
    result = _run(command)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    result = _run(["ctest", "--output-on-failure"], cwd=build)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "tests passed" in result.stdout
    assert f"out of {len(TEST_PROGRAMS)}" in result.stdout  # every program in tests/cpp ran


@pytest.mark.skipif(shutil.which("cmake") is None or shutil.which("c++") is None,
                    reason="cmake or a C++ compiler is not available")
def test_cpp_unit_tests(tmp_path):
    tree, options = _package_build_tree()
    if tree is not None:
        try:
            configure = _run(["cmake", "-S", ROOT, "-B", tree, "-DPOLYCHROME_BUILD_TESTS=ON"])
            if configure.returncode != 0:
                # pip's isolated build environment (its pybind11) is gone: the core alone
                configure = _run(["cmake", "-S", ROOT, "-B", tree, "-DPOLYCHROME_BUILD_TESTS=ON",
                                  "-DPOLYCHROME_BUILD_PYTHON=OFF"])
            if configure.returncode == 0:
                _build_and_run(tree, TEST_PROGRAMS)
                return
        finally:
            _run(["cmake", "-S", ROOT, "-B", tree] + [f"-D{name}={value}" for name, value in options.items()])
    build = str(tmp_path / "build")
    configure = ["cmake", "-S", ROOT, "-B", build, "-DPOLYCHROME_BUILD_TESTS=ON",
                 "-DPOLYCHROME_BUILD_PYTHON=OFF", "-DCMAKE_BUILD_TYPE=Release"]
    result = _run(configure)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    _build_and_run(build)
