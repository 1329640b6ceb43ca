"""A conversion's output written in pieces, that becomes the output file only when complete.

A reimbursement form of 200 000 lines is not held in memory: :func:`~.convert.convert`
with ``stream=True`` writes it, line by line, to a :class:`StagedFile` in the
system's temporary folder, validates that file against the schema, and hands it
over. The caller then decides: :meth:`StagedFile.commit` puts it at the output
path with the steps of :func:`cpas.adapters.files.write_atomically` (a temporary
file next to the target, ``fsync``, rename, ``fsync`` of the folder), so a
reader sees the old file or the whole new one; :meth:`StagedFile.copy_to` sends
it to a stream (stdout); :meth:`StagedFile.discard` drops it (all-or-nothing:
a row was rejected). Nothing touches the output's folder before the commit, so
a conversion that ends in an error leaves it as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import IO

from ..files import write_with

__all__ = ["StagedFile"]

_COPY_CHUNK = 1 << 20


class StagedFile:
    """A file written in the temporary folder, then committed to its place or discarded."""

    def __init__(self, *, suffix: str = ".xml") -> None:
        fd, name = tempfile.mkstemp(prefix="cpas-convert-", suffix=suffix)
        self.path: Path | None = Path(name)
        """Where the bytes are while staged; ``None`` once committed or discarded."""
        self._handle: IO[bytes] | None = os.fdopen(fd, "wb")
        self.size = 0
        """Bytes written."""
        # Dropped with the object if the caller never decides (an exception on the way).
        self._finalizer = weakref.finalize(self, _unlink, self.path)

    def write(self, data: bytes) -> None:
        if self._handle is None:
            raise ValueError("the staged file is closed")
        self._handle.write(data)
        self.size += len(data)

    def close(self) -> None:
        """Done writing (the file stays staged)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _staged(self) -> Path:
        self.close()
        if self.path is None:
            raise ValueError("the staged file was already committed or discarded")
        return self.path

    def commit(self, target: str | os.PathLike[str], *, mode: int | None = None) -> Path:
        """Put the file at ``target`` atomically (temporary file in the target's folder,
        ``fsync``, rename over the target, ``fsync`` of the folder); return the target.

        ``mode`` defaults to what the umask allows, as for ``write_atomically``.
        """
        source = self._staged()

        def copy(handle: IO[bytes]) -> None:
            with source.open("rb") as staged:
                shutil.copyfileobj(staged, handle, _COPY_CHUNK)

        path = write_with(target, copy, mode=mode)
        self.discard()
        return path

    def copy_to(self, stream: IO[bytes]) -> None:
        """Write the file's bytes to ``stream`` (stdout), then drop the staged file."""
        with self._staged().open("rb") as staged:
            shutil.copyfileobj(staged, stream, _COPY_CHUNK)
        stream.flush()
        self.discard()

    def discard(self) -> None:
        """Drop the staged file (nothing happens when it is already gone)."""
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
