"""How many CPUs this process may use: the default for work spread over processes."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["usable_cpus"]

_QUOTA = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask (``taskset``, container
    cpusets), capped by a cgroup v2 CPU quota (``docker --cpus``, systemd
    ``CPUQuota=``); at least 1.

    :func:`os.cpu_count` counts the machine's CPUs, which is too many in a
    container limited to part of them.
    """
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        count = os.cpu_count() or 1
    try:
        quota, period = _QUOTA.read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return max(1, count)
