"""The thread policy: one order of precedence, one validation, for every entry point."""

import os
import threading

import numpy as np
import pytest

import polychrome
from polychrome import _core, thread_policy
from polychrome.utils import cpus

KW = dict(center=(16.3, 15.8), q=0.7, PA=0.3)
SERSIC = {"n": 2.0, "Re": 4.0, "Ie": 1.0}


@pytest.fixture
def eight_cpus(monkeypatch):
    """Pretend the process may use 8 CPUs and nothing else runs, no setting, no OMP_NUM_THREADS."""
    monkeypatch.setattr(thread_policy, "usable_cpus", lambda: 8)
    monkeypatch.setattr(thread_policy, "runnable_elsewhere", lambda: 0)
    monkeypatch.setattr(thread_policy._core, "awake_pool_helpers", lambda: 0)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    previous = polychrome.set_threads(None)
    yield
    polychrome.set_threads(previous)


def test_order_explicit_then_setting_then_environment_then_cpus(eight_cpus, monkeypatch):
    assert polychrome.get_threads() == 8
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert polychrome.get_threads() == 3
    polychrome.set_threads(5)
    assert polychrome.get_threads() == 5
    with polychrome.threads(6):
        assert polychrome.get_threads() == 6
        with polychrome.threads(2):
            assert polychrome.get_threads() == 2
        assert thread_policy.resolve_threads(7) == 7
        assert thread_policy.resolve_threads(0) == 6  # 0: not given
    assert polychrome.get_threads() == 5
    assert polychrome.set_threads(None) == 5
    assert polychrome.get_threads() == 3


@pytest.mark.parametrize("value, expected", [("4", 4), ("4,2", 4), (" 2 ", 2), ("0", 8), ("many", 8), ("", 8)])
def test_environment_first_positive_entry(eight_cpus, monkeypatch, value, expected):
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert polychrome.get_threads() == expected


def test_counts_capped_at_usable_cpus(monkeypatch):
    monkeypatch.setattr(thread_policy, "usable_cpus", lambda: 2)
    assert thread_policy.resolve_threads(64) == 2
    with polychrome.threads(4096):
        assert polychrome.get_threads() == 2


def test_default_lowered_to_idle_cpus_explicit_kept(eight_cpus, monkeypatch):
    monkeypatch.setattr(thread_policy, "runnable_elsewhere", lambda: 5)
    assert thread_policy.resolve_threads() == 3
    assert thread_policy.resolve_threads(6) == 6
    monkeypatch.setattr(thread_policy, "runnable_elsewhere", lambda: 20)
    assert thread_policy.resolve_threads() == 1
    assert polychrome.get_threads() == 8  # the ceiling, before the load check


def test_own_awake_helpers_are_not_counted_as_other_work(eight_cpus, monkeypatch):
    """The pool's helpers still polling after the previous call are runnable threads of the
    machine but not other work: counted, every call after the first ran on one thread (a
    256 x 256 render took 0.33 ms by default against 0.19 ms on two threads, idle machine)."""
    monkeypatch.setattr(thread_policy, "runnable_elsewhere", lambda: 7)
    monkeypatch.setattr(thread_policy._core, "awake_pool_helpers", lambda: 7)
    assert thread_policy.resolve_threads() == 8
    monkeypatch.setattr(thread_policy._core, "awake_pool_helpers", lambda: 4)
    assert thread_policy.resolve_threads() == 5


def test_pool_helpers_sleep_after_their_poll():
    """The count the policy subtracts is the pool's: helpers go to sleep (not counted) once
    they have polled ~0.1 ms without work."""
    import time

    polychrome.render_profile("sersic", dict(n=1.0, Re=20.0, Ie=0.0), (256, 256), center=(128, 128),
                              threads=2)
    time.sleep(0.2)
    assert _core.awake_pool_helpers() == 0


def test_forked_child_gets_one_thread(eight_cpus, monkeypatch):
    monkeypatch.setattr(thread_policy, "_IMPORTING_PID", -1)
    assert thread_policy.resolve_threads(4) == 1
    assert polychrome.get_threads() == 1


def test_context_manager_is_local_to_its_thread(eight_cpus):
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with polychrome.threads(1):
            seen["worker"] = polychrome.get_threads()
            inside.set()
            release.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(10)
    seen["main"] = polychrome.get_threads()
    release.set()
    t.join()
    assert seen == {"worker": 1, "main": 8}


def test_context_manager_restores_on_exception(eight_cpus):
    with pytest.raises(RuntimeError):
        with polychrome.threads(2):
            raise RuntimeError("inside")
    assert polychrome.get_threads() == 8


def _entry_points():
    """Every public call that takes threads=, as f(threads)."""
    conv = polychrome.PsfConvolver(np.ones((3, 3)))
    image = np.ones((12, 12))
    w = np.ones(10)
    return {
        "render_profile": lambda n: polychrome.render_profile("sersic", SERSIC, (32, 32), threads=n, **KW),
        "render_profile(psf)": lambda n: polychrome.render_profile("sersic", SERSIC, (32, 32), threads=n,
                                                                   psf=conv, **KW),
        "PsfConvolver.convolve": lambda n: conv.convolve(image, threads=n),
        "normal_equations": lambda n: _core.normal_equations(w, w, np.ones((2, 10)), threads=n),
        "rfft2": lambda n: _core.rfft2(image, threads=n),
        "irfft2": lambda n: _core.irfft2(np.ones((12, 7), complex), (12, 12), threads=n),
        "fft": lambda n: _core.fft(np.ones(12, complex), threads=n),
        "ifft": lambda n: _core.ifft(np.ones(12, complex), threads=n),
        "rfft": lambda n: _core.rfft(np.ones(12), threads=n),
        "irfft": lambda n: _core.irfft(np.ones(7, complex), 12, threads=n),
    }


@pytest.mark.parametrize("bad", [-1, 100000, 2**31 - 1, 2**80, 2.5, "2", True])
def test_every_entry_point_refuses_bad_counts_naming_threads(bad):
    for name, call in _entry_points().items():
        with pytest.raises(ValueError, match="threads") as info:
            call(bad)
        assert "65536" in str(info.value), name


@pytest.mark.parametrize("bad", [0, -1, 100000, 1.5, "1", True])
def test_setting_refuses_bad_counts(bad):
    with pytest.raises(ValueError, match="threads"):
        polychrome.set_threads(bad)
    with pytest.raises(ValueError, match="threads"):
        with polychrome.threads(bad):
            pass


def test_every_entry_point_same_result_for_any_valid_count():
    for name, call in _entry_points().items():
        reference = call(1)
        for n in (None, 0, 2, 3, 65536):
            result = call(n)
            pairs = zip(reference, result) if isinstance(reference, tuple) else [(reference, result)]
            for a, b in pairs:
                assert np.array_equal(a, b), (name, n)


def test_threaded_paths_agree_bitwise_with_one_thread():
    """Work large enough for threads (where the machine has 2+ CPUs): the same numbers."""
    rng = np.random.default_rng(3)
    stack = rng.standard_normal((6, 128, 180))
    assert np.array_equal(_core.rfft2(stack, threads=2), _core.rfft2(stack, threads=1))
    spectra = _core.rfft2(stack, threads=1)
    assert np.array_equal(_core.irfft2(spectra, (128, 180), threads=2),
                          _core.irfft2(spectra, (128, 180), threads=1))
    n, p = 200_000, 5
    r, w, jac = rng.standard_normal(n), rng.uniform(0.5, 2, n), rng.standard_normal((p, n))
    one, two = _core.normal_equations(r, w, jac, threads=1), _core.normal_equations(r, w, jac, threads=2)
    assert one[0] == two[0] and np.array_equal(one[1], two[1]) and np.array_equal(one[2], two[2])
    conv = polychrome.PsfConvolver(np.exp(-np.add.outer(*2 * [np.arange(-6, 7) ** 2]) / 8.0))
    kw = dict(jacobian=True, psf=conv, **KW)
    a = polychrome.render_profile("sersic", SERSIC, (300, 300), threads=1, **kw)
    b = polychrome.render_profile("sersic", SERSIC, (300, 300), threads=2, **kw)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    batch = rng.standard_normal((4, 312, 312))
    assert np.array_equal(conv.convolve(batch, threads=2), conv.convolve(batch, threads=1))
    single = rng.standard_normal((600, 600))
    assert np.array_equal(conv.convolve(single, threads=2), conv.convolve(single, threads=1))


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_quota_tightest_along_the_path(tmp_path):
    proc = tmp_path / "proc"
    root = tmp_path / "cgroup"
    _write(proc / "cgroup", "0::/jobs/job7\n")
    _write(proc / "mountinfo", f"30 20 0:26 / {root} rw,nosuid - cgroup2 cgroup2 rw\n")
    _write(root / "jobs" / "job7" / "cpu.max", "250000 100000\n")
    _write(root / "jobs" / "cpu.max", "max 100000\n")
    assert cpus.cgroup_cpu_limit(str(proc)) == 3
    _write(root / "jobs" / "cpu.max", "150000 100000\n")
    assert cpus.cgroup_cpu_limit(str(proc)) == 2


def test_cgroup_v1_quota_and_unlimited(tmp_path):
    proc = tmp_path / "proc"
    root = tmp_path / "cpu"
    _write(proc / "cgroup", "4:memory:/x\n3:cpu,cpuacct:/docker/abc\n")
    _write(proc / "mountinfo", f"32 31 0:29 /docker {root} rw - cgroup cgroup rw,cpu,cpuacct\n")
    _write(root / "abc" / "cpu.cfs_quota_us", "50000\n")
    _write(root / "abc" / "cpu.cfs_period_us", "100000\n")
    assert cpus.cgroup_cpu_limit(str(proc)) == 1
    _write(root / "abc" / "cpu.cfs_quota_us", "-1\n")
    assert cpus.cgroup_cpu_limit(str(proc)) is None
    assert cpus.cgroup_cpu_limit(str(tmp_path / "missing")) is None


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no affinity masks on this platform")
def test_usable_cpus_at_most_affinity():
    assert 1 <= cpus.usable_cpus() <= len(os.sched_getaffinity(0))


def test_calls_too_small_for_threads_do_not_ask_the_policy(monkeypatch):
    """A call whose work runs on one thread whatever the count (a small cutout) takes one without
    asking thread_policy (its ~5 us matter there); larger work, or a given count, still asks."""
    asked = []
    policy = thread_policy.resolve_threads

    def recording(threads=None):
        asked.append(threads)
        return policy(threads)

    monkeypatch.setattr(thread_policy, "resolve_threads", recording)
    conv = polychrome.PsfConvolver(np.ones((3, 3)))
    w = np.ones(100)
    polychrome.render_profile("sersic", SERSIC, (32, 32), **KW)
    polychrome.render_profile("sersic", SERSIC, (32, 32), psf=conv, jacobian=True, **KW)
    _core.normal_equations(w, w, np.ones((2, 100)))
    assert asked == []
    polychrome.render_profile("sersic", SERSIC, (32, 32), threads=2, **KW)
    assert asked == [2]
    polychrome.render_profile("sersic", SERSIC, (256, 256), **KW)
    polychrome.render_profile("sersic", SERSIC, (128, 128), psf=conv, jacobian=True, **KW)
    _core.normal_equations(np.ones(20000), np.ones(20000), np.ones((2, 20000)))
    assert asked == [2, None, None, None]


def test_a_setting_of_one_thread_answers_without_looking_at_the_machine(eight_cpus, monkeypatch):
    """With one thread set (a survey worker's ``threads(1)``, or set_threads(1) outside any scope) the
    count is 1 whatever the CPUs and their load: resolve_threads says so without asking them; a
    scope of more threads inside set_threads(1), or an explicit count, still asks."""
    def machine():
        raise AssertionError("the machine was asked")

    with polychrome.threads(1):
        monkeypatch.setattr(thread_policy, "usable_cpus", machine)
        monkeypatch.setattr(thread_policy, "runnable_elsewhere", machine)
        assert thread_policy.resolve_threads() == 1
        assert thread_policy.resolve_threads(None) == 1
        with pytest.raises(AssertionError):
            thread_policy.resolve_threads(2)
    polychrome.set_threads(1)
    assert thread_policy.resolve_threads() == 1
    with polychrome.threads(3), pytest.raises(AssertionError):
        thread_policy.resolve_threads()
    monkeypatch.setattr(thread_policy, "usable_cpus", lambda: 8)
    monkeypatch.setattr(thread_policy, "runnable_elsewhere", lambda: 0)
    with polychrome.threads(3):
        assert thread_policy.resolve_threads() == 3
    polychrome.set_threads(4)
    with polychrome.threads(1):
        assert thread_policy.resolve_threads() == 1
    assert thread_policy.resolve_threads() == 4
