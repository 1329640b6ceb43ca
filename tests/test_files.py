"""Atomic writes keep no half file and follow the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cpas.adapters.files import write_atomically


def test_written_file_follows_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        path = write_atomically(tmp_path / "private.csv", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == ["private.csv"]


def test_replaces_existing_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    target.write_bytes(b"old content that is longer")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
