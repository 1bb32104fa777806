"""Build and run the C++ unit tests (tests/cpp, via CMake and ctest).

Skipped when cmake or a C++ compiler is not on PATH. The C++ tests check the
core without Python in between (and, for the FFT, its scalar fallbacks).
"""

import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.skipif(shutil.which("cmake") is None or shutil.which("c++") is None,
                    reason="cmake or a C++ compiler is not available")
def test_cpp_unit_tests(tmp_path):
    build = tmp_path / "build"
    configure = ["cmake", "-S", ROOT, "-B", str(build), "-DPOLYCHROME_BUILD_TESTS=ON",
                 "-DPOLYCHROME_BUILD_PYTHON=OFF", "-DCMAKE_BUILD_TYPE=Release"]
    subprocess.run(configure, check=True, capture_output=True, text=True)
    jobs = str(os.cpu_count() or 2)
    result = subprocess.run(["cmake", "--build", str(build), "-j", jobs], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    result = subprocess.run(["ctest", "--output-on-failure"], cwd=build, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "tests passed" in result.stdout
