"""The CPUs this process may use: its affinity mask and its cgroup CPU quota.

Not the machine's core count: a process pinned to 2 of 64 cores (taskset, a
batch scheduler) or a container limited to 1.5 CPUs (cgroup quota) that starts
one thread per core only makes its threads wait for each other.
"""

import math
import os
import threading

# /proc/loadavg kept open: pread on it costs ~2 us, open-read-close ~30 us.
_loadavg = {"fd": None}
_loadavg_lock = threading.Lock()
# The cgroup quota, read once per process: {"pid": ..., "limit": ...}.
_quota = {}


def usable_cpus():
    """Number of CPUs this process may run on at once (>= 1).

    The smaller of the affinity mask's size (``os.sched_getaffinity``, where
    the platform has it; else ``os.cpu_count()``) and the cgroup CPU quota
    rounded up (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us`` /
    ``cpu.cfs_period_us``, the tightest along the process's cgroup path).
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = _cgroup_limit_of_this_process()
    if quota is not None:
        cpus = min(cpus, quota)
    return max(1, cpus)


def _cgroup_limit_of_this_process():
    pid = os.getpid()
    if _quota.get("pid") != pid:
        _quota.update(pid=pid, limit=cgroup_cpu_limit())
    return _quota["limit"]


def runnable_elsewhere():
    """Threads the machine is running or waiting to run besides the caller, now; None if unknown.

    The kernel's instantaneous count of runnable threads (the 4th field of
    Linux's /proc/loadavg, whose first number counts the caller itself)
    minus one. Machine-wide: it includes other processes and this process's
    other busy threads.
    """
    try:
        fd = _loadavg["fd"]
        if fd is None:
            with _loadavg_lock:
                if _loadavg["fd"] is None:
                    _loadavg["fd"] = os.open("/proc/loadavg", os.O_RDONLY)
                fd = _loadavg["fd"]
        running = int(os.pread(fd, 128, 0).split()[3].split(b"/")[0])
    except (OSError, AttributeError, IndexError, ValueError):
        return None
    return max(0, running - 1)


def cgroup_cpu_limit(proc_self="/proc/self"):
    """CPUs allowed by the cgroup quota of this process, rounded up; None if unlimited or unknown.

    ``proc_self`` is the process's /proc directory (a parameter for tests).
    """
    try:
        with open(os.path.join(proc_self, "cgroup")) as f:
            memberships = f.read().splitlines()
        with open(os.path.join(proc_self, "mountinfo")) as f:
            mounts = f.read().splitlines()
    except OSError:
        return None
    limits = [limit for limit in (_v2_limit(memberships, mounts), _v1_limit(memberships, mounts))
              if limit is not None]
    return min(limits) if limits else None


def _mount(mounts, fstype, option=None):
    """(root inside the hierarchy, mount point) of the first mount of `fstype`
    (carrying super-option `option`), or None."""
    for line in mounts:
        fields = line.split()
        if "-" not in fields:
            continue
        dash = fields.index("-")
        if len(fields) < dash + 4 or dash < 5 or fields[dash + 1] != fstype:
            continue
        if option is None or option in fields[dash + 3].split(","):
            return fields[3], fields[4]
    return None


def _cgroup_path(memberships, controller):
    """This process's path in the hierarchy holding `controller` ("" for v2's unified one)."""
    for line in memberships:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        controllers = parts[1].split(",") if parts[1] else [""]
        if controller in controllers and (controller or parts[0] == "0"):
            return parts[2]
    return None


def _directories(memberships, mounts, fstype, controller):
    """The cgroup directories from this process's own up to the mount point, innermost first."""
    mount = _mount(mounts, fstype, controller or None)
    path = _cgroup_path(memberships, controller)
    if mount is None or path is None:
        return []
    root, point = mount
    relative = os.path.relpath(path, root) if path.startswith(root) else "."
    directory = os.path.normpath(os.path.join(point, relative))
    found = [directory]
    while directory != point and directory.startswith(point):
        directory = os.path.dirname(directory)
        found.append(directory)
    return found


def _read(path):
    try:
        with open(path) as f:
            return f.read().split()
    except OSError:
        return None


def _ceil_ratio(quota, period):
    try:
        quota, period = int(quota), int(period)
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    return max(1, math.ceil(quota / period))


def _tightest(values):
    values = [v for v in values if v is not None]
    return min(values) if values else None


def _v2_limit(memberships, mounts):
    limits = []
    for directory in _directories(memberships, mounts, "cgroup2", ""):
        fields = _read(os.path.join(directory, "cpu.max"))
        if fields and len(fields) == 2 and fields[0] != "max":
            limits.append(_ceil_ratio(*fields))
    return _tightest(limits)


def _v1_limit(memberships, mounts):
    limits = []
    for directory in _directories(memberships, mounts, "cgroup", "cpu"):
        quota = _read(os.path.join(directory, "cpu.cfs_quota_us"))
        period = _read(os.path.join(directory, "cpu.cfs_period_us"))
        if quota and period:
            limits.append(_ceil_ratio(quota[0], period[0]))
    return _tightest(limits)
