"""Shared by the tests that run the examples: load an example script as a module, check its PNGs."""

import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load_example(name):
    """The script examples/<name>.py as a module (its main(argv) not yet run)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def one_thread(monkeypatch):
    """One core thread: these fits are small, and on a shared, busy machine threads that wait for
    each other at every parallel region make them tens of times slower (the core reads
    OMP_NUM_THREADS at every call)."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


def check_pngs(paths, folder):
    """Every path is a PNG file in `folder`."""
    assert paths
    for path in paths:
        assert os.path.dirname(path) == str(folder)
        with open(path, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
