"""How many CPUs this process may use: the default for work spread over processes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["usable_cpus"]

_CGROUPS = Path("/sys/fs/cgroup")
"""Where the cgroup file systems are mounted (v2: the unified tree; v1: one per controller)."""
_OWN_GROUPS = Path("/proc/self/cgroup")
"""This process's cgroups: ``0::/path`` (v2), ``4:cpu,cpuacct:/path`` (v1)."""


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask (``taskset``, container
    cpusets), capped by the CPU quotas of its cgroups (``docker --cpus``, systemd
    ``CPUQuota=``, Kubernetes CPU limits), v2 or v1, in whole CPUs; at least 1.

    :func:`os.cpu_count` counts the machine's CPUs, which is too many in a
    container limited to part of them.
    """
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        count = os.cpu_count() or 1
    quota = _quota_cpus()
    if quota is not None:
        count = min(count, quota)
    return max(1, count)


def _quota_cpus() -> int | None:
    """The smallest CPU quota of this process's cgroup and its parents, in whole CPUs
    (at least 1); ``None`` when there is none or it cannot be read."""
    try:
        lines = _OWN_GROUPS.read_text().splitlines()
    except OSError:
        return None
    found: list[int] = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:  # the unified hierarchy (v2; beside v1 in a hybrid set-up)
            unified = (_CGROUPS if (_CGROUPS / "cgroup.controllers").is_file()
                       else _CGROUPS / "unified")
            found += _along(unified, path, _v2_quota)
        elif "cpu" in controllers.split(","):
            mounts = (_CGROUPS / controllers, _CGROUPS / "cpu", _CGROUPS / "cpu,cpuacct")
            mount = next((m for m in mounts if m.is_dir()), None)
            if mount is not None:
                found += _along(mount, path, _v1_quota)
    return min(found) if found else None


def _along(mount: Path, path: str, quota: Callable[[Path], int | None]) -> list[int]:
    """The quotas of the group at ``path`` under ``mount`` and of each parent up to the
    mount's root (a quota set higher up limits every group below it). A group missing
    from this mount (a container seeing only its own part of the tree at the root)
    is skipped."""
    found: list[int] = []
    folder = mount / path.strip("/")
    while True:
        cpus = quota(folder)
        if cpus is not None:
            found.append(cpus)
        if folder == mount:
            return found
        folder = folder.parent


def _v2_quota(folder: Path) -> int | None:
    """``cpu.max``: ``max 100000`` (none) or ``150000 100000`` (1.5 CPU: 1)."""
    try:
        limit, period = (folder / "cpu.max").read_text().split()[:2]
        return None if limit == "max" else max(1, int(limit) // int(period))
    except (OSError, ValueError):
        return None


def _v1_quota(folder: Path) -> int | None:
    """``cpu.cfs_quota_us`` (``-1``: none) over ``cpu.cfs_period_us``."""
    try:
        limit = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return None if limit <= 0 or period <= 0 else max(1, limit // period)
