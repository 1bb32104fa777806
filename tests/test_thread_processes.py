"""Threads across processes: fork children render, affinity is respected, small work stays serial.

Each scenario runs in a fresh interpreter (subprocess, with a timeout), so
that a hang or a crash fails the test instead of stopping the suite, and so
that the thread count of the process can be read from /proc/self/task.
"""

import os
import subprocess
import sys
import textwrap

import pytest

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/task")
two_cpus = pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                              reason="needs 2 usable CPUs")

PRELUDE = """
import os, signal, sys
import numpy as np
import polychrome
KW = dict(center=(150.3, 149.8), q=0.6, PA=0.4, jacobian=True)
SERSIC = {"n": 2.5, "Re": 12.0, "Ie": 1.0}
PSF = polychrome.PsfConvolver(np.exp(-np.add.outer(*2 * [np.arange(-6, 7) ** 2]) / 8.0))

def render(threads=None, shape=(300, 300)):
    return polychrome.render_profile("sersic", SERSIC, shape, psf=PSF, threads=threads, **KW)

def os_threads():
    return len(os.listdir("/proc/self/task"))
"""


def run_script(body, timeout=240):
    """Run PRELUDE + body in a fresh interpreter; return its stdout (fails on a non-zero exit)."""
    result = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(body)], capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_forked_child_renders_after_the_parent_rendered_with_threads():
    out = run_script("""
        parent = render(threads=2)
        pid = os.fork()
        if pid == 0:
            signal.alarm(120)  # a child that hangs ends with SIGALRM
            child = render(threads=2)
            same = all(np.array_equal(a, b) for a, b in zip(parent, child))
            os._exit(0 if same else 3)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
    """)
    assert "child 0" in out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_multiprocessing_pool_with_fork_renders():
    out = run_script("""
        import multiprocessing

        def work(threads):
            image, jac = render(threads=threads)
            return image, jac

        if __name__ == "__main__":
            parent = render()
            with multiprocessing.get_context("fork").Pool(2) as pool:
                results = pool.map_async(work, [None, 2, 1, None]).get(timeout=180)
            print("same", all(np.array_equal(r[0], parent[0]) and np.array_equal(r[1], parent[1])
                              for r in results))
    """)
    assert "same True" in out


@linux_only
@two_cpus
def test_small_work_runs_serially_large_work_uses_threads():
    """Explicit threads=2 (taken as asked, not lowered for load): small calls start no thread."""
    out = run_script("""
        start = os_threads()
        w = np.ones(2000)
        polychrome.render_profile("sersic", SERSIC, (40, 40), center=(20, 20), threads=2)
        polychrome.render_profile("sersic", SERSIC, (40, 40), center=(20, 20), threads=2, psf=PSF)
        PSF.convolve(np.ones((60, 60)), threads=2)
        polychrome._core.normal_equations(w, w, np.ones((3, 2000)), threads=2)
        polychrome._core.rfft2(np.ones((64, 64)), threads=2)
        small = os_threads()
        render(threads=2)
        print("threads", start, small, os_threads())
    """)
    start, small, large = map(int, out.split()[-3:])
    assert small == start
    assert large == start + 1


@linux_only
@two_cpus
def test_affinity_of_one_cpu_means_one_thread():
    out = run_script("""
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        start = os_threads()
        render(threads=2)
        render()
        with polychrome.threads(4):
            render()
        print("threads", polychrome.get_threads(), start, os_threads())
    """)
    limit, start, after = map(int, out.split()[-3:])
    assert limit == 1
    assert after == start
