"""Crash-safe file output: nothing is ever half-written.

Every file the project writes goes through :func:`write_atomically`: the bytes
go to a temporary file in the target's directory, are flushed to disk
(``fsync``), and the temporary file is renamed over the target; then the
directory itself is synced so the rename survives a power cut. A reader sees
either the old file or the complete new one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["default_mode", "sync_directory", "write_atomically", "write_with"]


def default_mode() -> int:
    """The mode a newly created file gets under the process's umask (``0o666 & ~umask``).

    Temporary files start as 0600; the final file must follow the umask like any
    file the user creates, so a CPAS running with ``umask 077`` keeps files holding
    personal data private.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def sync_directory(directory: Path) -> None:
    """fsync a directory so that renames inside it are durable."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse it
        pass
    finally:
        os.close(fd)


def write_atomically(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None,
                     sync_dir: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename, fsync dir).

    ``mode`` defaults to what the umask allows (:func:`default_mode`).

    Six system calls in the usual case (create, write, fsync, close, chmod,
    rename; no file object, the folder created only when missing): each one lets
    other threads run, and a thread writing while others compute waits for its
    turn after each of them.
    """

    def fill(fd: int) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]

    return _atomic(Path(path), fill, mode, sync_dir)


def write_with(path: str | os.PathLike[str], fill: Callable[[IO[bytes]], object], *,
               mode: int | None = None, sync_dir: bool = True) -> Path:
    """:func:`write_atomically` for content that ``fill(handle)`` writes (a copy of a
    big file, streamed): the same temporary file, fsync, rename and folder fsync."""

    def through_handle(fd: int) -> None:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            fill(handle)

    return _atomic(Path(path), through_handle, mode, sync_dir)


def _atomic(target: Path, fill: Callable[[int], object], mode: int | None,
            sync_dir: bool) -> Path:
    """The steps both writers share: a temporary file beside ``target`` filled by
    ``fill(fd)``, fsync, close, mode, rename (the temporary file removed on any
    error), then the folder's fsync."""
    fd, temporary = _temporary(target)
    try:
        try:
            fill(fd)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(temporary, default_mode() if mode is None else mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if sync_dir:
        sync_directory(target.parent)
    return target


def _temporary(target: Path) -> tuple[int, str]:
    """A new temporary file (mode 0600) beside ``target``; its folder is created if missing."""
    try:
        return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except (FileNotFoundError, NotADirectoryError):
        target.parent.mkdir(parents=True, exist_ok=True)  # raises what it always raised
        return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
