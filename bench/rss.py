"""Memory readings shared by the benchmark scripts (``from rss import memory``).

The scripts run as ``python bench/<name>.py``, so this folder is on the module path.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

__all__ = ["memory"]


def memory() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB: ``/proc/self/status`` (VmRSS,
    VmHWM), or ``ru_maxrss`` for both where there is no ``/proc`` (KiB on Linux, bytes
    on macOS)."""
    try:
        fields = dict(row.split(":", 1) for row in
                      Path("/proc/self/status").read_text().splitlines() if ":" in row)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        scale = 1024 * 1024 if sys.platform == "darwin" else 1024
        return peak / scale, peak / scale
