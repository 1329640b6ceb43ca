"""ASiC-E containers (ETSI EN 319 162-1): a zip with a fixed layout, read defensively.

Layout written by :class:`ContainerWriter` (signing.md §2)::

    mimetype                  first entry, STORED, no extra field, no newline
    <data files>              business XML byte-exact, annexes, endorsements/…
    META-INF/manifest.xml     OpenDocument manifest: every data file and its media type
    META-INF/signaturesN.xml  one detached XAdES signature per signer, never rewritten

Every entry gets the same fixed timestamp, so the same input gives the same zip.

:class:`ContainerReader` refuses, before anything is hashed or parsed
(signing.md §8.4): entry names with ``..``, ``.``, empty segments, a leading
``/``, a drive letter, backslashes or control characters; duplicate names (also
differing only in case); symlinks; encrypted entries; more entries, more bytes
or a higher compression ratio than :class:`ContainerLimits` allows; a
``mimetype`` entry that is missing, not first, compressed, with an extra field
or with other content. Data files are hashed in chunks (:meth:`ContainerReader.sha256`)
and never loaded whole.

Long reads and copies take a keyword-only ``progress(done, total)`` callback
(:data:`Progress`); :class:`ProgressSteps` adds up several of them (files hashed,
then copied) into one growing byte count for one callback.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

import attrs
from lxml import etree

from ..files import default_mode, sync_directory
from ..xml.parser import Limits, XmlError, parse_bytes
from .errors import ContainerError, SigningError, UnsafeContainer

__all__ = [
    "DEFAULT_LIMITS",
    "MANIFEST",
    "MANIFEST_NS",
    "MIMETYPE",
    "MIMETYPE_ENTRY",
    "ContainerLimits",
    "ContainerReader",
    "ContainerWriter",
    "Progress",
    "ProgressSteps",
    "check_entries",
    "check_entry_name",
    "extract_all",
    "manifest_bytes",
    "media_type_for",
    "parse_manifest",
    "signature_index",
]

MIMETYPE = "application/vnd.etsi.asic-e+zip"
"""Media type of an ASiC-E container (content of the ``mimetype`` entry)."""
MIMETYPE_ENTRY = "mimetype"
MANIFEST = "META-INF/manifest.xml"
MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_SIGNATURE_NAME = re.compile(r"META-INF/signatures(0|[1-9][0-9]{0,5})\.xml")
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024
_MIB = 1024 * 1024

_MEDIA_TYPES = {
    ".xml": "application/xml",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
_ALREADY_COMPRESSED = frozenset({"application/pdf", "image/png", "image/jpeg", "application/zip"})


Progress = Callable[[int, int | None], None]
"""``progress(done, total)``: bytes of work done so far and the total (None when unknown)."""


class ProgressSteps:
    """One ``progress`` callback for work made of several steps (reading, hashing or copying
    files), reported as one byte count that only grows and ends at ``total``.

    ``total`` is the sum of the steps' sizes, set (:meth:`expect`) before the first
    report. Each :meth:`step` takes the next ``size`` bytes of it, in the order the
    steps are started; what the step reports as ``(done, of)`` is scaled into them
    (``of`` None or equal to ``size`` means ``done`` is in bytes already). A step
    that reads its file twice, or stops early, never moves the count back.
    :meth:`finish` reports ``(total, total)`` once the work is done, also when some
    steps were skipped. With ``progress`` None every method does nothing.
    """

    def __init__(self, progress: Progress | None, total: int = 0) -> None:
        self._progress = progress
        self.total = total
        self.done = 0
        self._end = 0

    @property
    def active(self) -> bool:
        """Whether there is a callback to report to (sizes need not be computed otherwise)."""
        return self._progress is not None

    def expect(self, size: int) -> None:
        """Add ``size`` bytes of work to the total (before the first report)."""
        self.total += max(size, 0)

    def step(self, size: int) -> Progress | None:
        """A callback for the next ``size`` bytes of work (None when nothing listens)."""
        if self._progress is None:
            return None
        start = self._end
        self._end += max(size, 0)

        def report(done: int, of: int | None) -> None:
            if of is None or of == size:
                part = done
            elif of <= 0:
                part = size
            else:
                part = done * size // of
            self._report(start + max(0, min(part, size)))

        return report

    def _report(self, done: int) -> None:
        done = min(done, self.total)
        if self._progress is not None and done > self.done:
            self.done = done
            self._progress(done, self.total)

    def finish(self) -> None:
        """Report the whole work done."""
        self._report(self.total)


def media_type_for(name: str) -> str:
    """The media type recorded for a file name (``application/octet-stream`` when unknown)."""
    return _MEDIA_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def signature_index(name: str) -> int | None:
    """N for ``META-INF/signaturesN.xml``, else None."""
    found = _SIGNATURE_NAME.fullmatch(name)
    return int(found.group(1)) if found else None


@attrs.frozen
class ContainerLimits:
    """Bounds on an untrusted container (zip bombs, resource exhaustion)."""

    max_entries: int = 10_000
    """Most entries in the zip."""
    max_total_bytes: int = 8 * 1024 * _MIB
    """Most uncompressed bytes over all entries (8 GiB)."""
    max_entry_bytes: int = 4 * 1024 * _MIB
    """Most uncompressed bytes in one entry (4 GiB)."""
    max_ratio: int = 200
    """Highest uncompressed/compressed ratio of an entry larger than ``ratio_floor``."""
    ratio_floor: int = 1 * _MIB
    """Entries smaller than this are not checked for ratio (tiny files compress oddly)."""
    max_xml_bytes: int = 16 * _MIB
    """Largest manifest, signature or endorsement file (read whole and parsed)."""


DEFAULT_LIMITS = ContainerLimits()


def check_entry_name(name: str) -> None:
    """Refuse an entry name that could escape the extraction folder or confuse tools."""
    if not name:
        raise UnsafeContainer("an entry has an empty name")
    shown = name.encode("unicode_escape").decode("ascii")[:120]
    if "\\" in name:
        raise UnsafeContainer(f"entry {shown!r}: backslash in name (zip slip on Windows)")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise UnsafeContainer(f"entry {shown!r}: control character in name")
    if name.startswith("/"):
        raise UnsafeContainer(f"entry {shown!r}: absolute path (zip slip)")
    if re.match(r"[A-Za-z]:", name):
        raise UnsafeContainer(f"entry {shown!r}: drive letter in name (zip slip)")
    segments = name[:-1].split("/") if name.endswith("/") else name.split("/")
    for segment in segments:
        if segment == "..":
            raise UnsafeContainer(f"entry {shown!r}: '..' in path (zip slip)")
        if segment in ("", "."):
            raise UnsafeContainer(f"entry {shown!r}: empty or '.' path segment")


def check_entries(infos: list[zipfile.ZipInfo], limits: ContainerLimits, *,
                  unsafe: type[Exception] = UnsafeContainer,
                  check_name: Callable[[str], None] = check_entry_name,
                  ) -> dict[str, zipfile.ZipInfo]:
    """The safety checks of a zip's entries, before anything is read from them.

    Refuses (raising ``unsafe``): too many entries, unsafe names, duplicate names
    (also when they differ only in case), encrypted entries, symbolic links,
    compression methods other than stored and deflated, and zip bombs (entry size,
    compression ratio and total size). Returns the file entries by name (folders
    left out). Used for ASiC-E containers and e-Box packages alike.
    """
    if len(infos) > limits.max_entries:
        raise unsafe(f"more than {limits.max_entries} entries")
    seen: dict[str, zipfile.ZipInfo] = {}
    folded: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        check_name(name)
        if name in seen:
            raise unsafe(f"entry {name!r} appears twice (duplicate entry names)")
        if name.casefold() in folded:
            raise unsafe(f"entry {name!r} appears twice: it differs from another only in case")
        folded.add(name.casefold())
        if info.flag_bits & 0x1:
            raise unsafe(f"entry {name!r} is encrypted")
        if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
            raise unsafe(f"entry {name!r} is a symbolic link")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise unsafe(f"entry {name!r}: compression method {info.compress_type} "
                         "not accepted")
        if info.file_size > limits.max_entry_bytes:
            raise unsafe(f"entry {name!r} is larger than {limits.max_entry_bytes} bytes "
                         "uncompressed (zip bomb?)")
        if (info.file_size > limits.ratio_floor
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
            raise unsafe(f"entry {name!r} has a compression ratio above {limits.max_ratio} "
                         "(zip bomb?)")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise unsafe(f"more than {limits.max_total_bytes} bytes uncompressed in total "
                         "(zip bomb?)")
        seen[name] = info
    return {n: i for n, i in seen.items() if not n.endswith("/")}


# --------------------------------------------------------------------------- manifest


def manifest_bytes(files: Mapping[str, str]) -> bytes:
    """The ``META-INF/manifest.xml`` for ``{name: media type}`` (names sorted)."""
    m = f"{{{MANIFEST_NS}}}"
    root = etree.Element(f"{m}manifest", nsmap={"manifest": MANIFEST_NS})
    root.set(f"{m}version", "1.2")
    top = etree.SubElement(root, f"{m}file-entry")
    top.set(f"{m}full-path", "/")
    top.set(f"{m}media-type", MIMETYPE)
    for name in sorted(files):
        entry = etree.SubElement(root, f"{m}file-entry")
        entry.set(f"{m}full-path", name)
        entry.set(f"{m}media-type", files[name])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse_manifest(data: bytes) -> dict[str, str]:
    """``{name: media type}`` of a manifest (hardened parsing; the root entry left out)."""
    try:
        root = parse_bytes(data, source=MANIFEST, limits=Limits(max_bytes=16 * _MIB)).getroot()
    except XmlError as exc:
        raise ContainerError(f"{MANIFEST}: {exc.reason}") from None
    m = f"{{{MANIFEST_NS}}}"
    if root.tag != f"{m}manifest":
        raise ContainerError(f"{MANIFEST}: root element is not manifest:manifest")
    files: dict[str, str] = {}
    saw_root = False
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        if entry.tag != f"{m}file-entry":
            raise ContainerError(f"{MANIFEST}: unexpected element {entry.tag}")
        path = entry.get(f"{m}full-path")
        media = entry.get(f"{m}media-type")
        if path is None or media is None:
            raise ContainerError(f"{MANIFEST}: file-entry without full-path or media-type")
        if path == "/":
            if media != MIMETYPE:
                raise ContainerError(f"{MANIFEST}: root entry has media type {media!r}, "
                                     f"expected {MIMETYPE}")
            saw_root = True
            continue
        if path in files:
            raise ContainerError(f"{MANIFEST}: {path!r} listed twice")
        files[path] = media
    if not saw_root:
        raise ContainerError(f"{MANIFEST}: no root entry ('/')")
    return files


# --------------------------------------------------------------------------- writer


def _info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = compress
    info.create_system = 3
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


class ContainerWriter:
    """Writes a container to a temporary file, renamed over ``path`` by :meth:`commit`.

    Use as a context manager: leaving without :meth:`commit` (or on an
    exception) removes the temporary file and leaves ``path`` untouched.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                         suffix=".tmp")
        self._temporary = Path(temporary)
        self._handle = os.fdopen(fd, "w+b")
        self._zip = zipfile.ZipFile(self._handle, "w", allowZip64=True)
        self._names: set[str] = set()
        """Case-folded names of the entries written so far."""
        self._data: dict[str, str] = {}
        self._done = False
        self._zip.writestr(_info(MIMETYPE_ENTRY, zipfile.ZIP_STORED), MIMETYPE.encode("ascii"))
        self._names.add(MIMETYPE_ENTRY.casefold())

    def _claim(self, name: str) -> None:
        check_entry_name(name)
        folded = name.casefold()  # names differing only in case clash on some file systems
        if folded in self._names:
            raise ContainerError(f"entry {name!r} written twice")
        self._names.add(folded)

    def add_data(self, name: str, media_type: str, source: IO[bytes],
                 size: int | None = None, *, progress: Progress | None = None) -> bytes:
        """Copy a data file from ``source`` (streamed) and return its SHA-256.

        ``size`` (when known) lets small files go without a ZIP64 extra field.
        ``progress(copied, size)`` is called after each chunk.
        """
        if name.startswith("META-INF/") or name == MIMETYPE_ENTRY:
            raise ContainerError(f"{name!r} is reserved for the container's own files")
        self._claim(name)
        compress = zipfile.ZIP_STORED if media_type in _ALREADY_COMPRESSED \
            else zipfile.ZIP_DEFLATED
        digest = hashlib.sha256()
        big = size is None or size > 1024 * _MIB
        copied = 0
        with self._zip.open(_info(name, compress), "w", force_zip64=big) as out:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                if progress is not None:
                    copied += len(chunk)
                    progress(copied, size)
        self._data[name] = media_type
        return digest.digest()

    def add_bytes(self, name: str, data: bytes) -> None:
        """Add a META-INF file (signature) exactly as given."""
        if name == MANIFEST:
            raise ContainerError("the manifest is written by the writer itself")
        self._claim(name)
        self._zip.writestr(_info(name, zipfile.ZIP_DEFLATED), data)

    @property
    def data_files(self) -> dict[str, str]:
        """``{name: media type}`` of the data files added so far."""
        return dict(self._data)

    def commit(self) -> Path:
        """Write the manifest, close the zip, sync and rename it over the target."""
        self._zip.writestr(_info(MANIFEST, zipfile.ZIP_DEFLATED), manifest_bytes(self._data))
        self._zip.close()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.chmod(self._temporary, default_mode())
        os.replace(self._temporary, self.path)
        sync_directory(self.path.parent)
        self._done = True
        return self.path

    def abort(self) -> None:
        if not self._done:
            self._zip.close()
            self._handle.close()
            self._temporary.unlink(missing_ok=True)
            self._done = True

    def __enter__(self) -> ContainerWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.abort()


# --------------------------------------------------------------------------- reader


_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
                NotImplementedError)  # zipfile: "strong encryption", unknown compression
"""What zipfile raises on damaged data (zlib errors are not BadZipFile)."""


class ContainerReader:
    """An opened, checked container. Use as a context manager."""

    def __init__(self, path: str | os.PathLike[str], *,
                 limits: ContainerLimits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        self._handle = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        try:
            try:
                self._zip = zipfile.ZipFile(self._handle)
            except _READ_ERRORS as exc:
                raise ContainerError(f"not a readable zip: {exc}") from None
            try:
                self._infos = self._check()
            except SigningError:
                raise
            except (*_READ_ERRORS, OSError) as exc:  # the file is open: a bad offset
                raise ContainerError(f"damaged zip structure: {exc}") from None
        except BaseException:
            self._handle.close()
            raise

    # -- structure
    def _check(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        checked = check_entries(infos, self.limits)
        self._check_mimetype(infos)
        return checked

    def _check_mimetype(self, infos: list[zipfile.ZipInfo]) -> None:
        if not infos or infos[0].filename != MIMETYPE_ENTRY:
            where = "missing" if MIMETYPE_ENTRY not in {i.filename for i in infos} \
                else "not the first entry"
            raise ContainerError(f"'mimetype' is {where}: not an ASiC-E container")
        first = infos[0]
        if first.compress_type != zipfile.ZIP_STORED:
            raise ContainerError("'mimetype' must be stored, not compressed")
        if first.extra or self._local_extra_length(first):
            raise ContainerError("'mimetype' must have no extra field")
        with self._zip.open(first) as handle:
            content = handle.read(len(MIMETYPE) + 1)
        if content != MIMETYPE.encode("ascii"):
            raise ContainerError(f"'mimetype' is not {MIMETYPE!r}")

    def _local_extra_length(self, info: zipfile.ZipInfo) -> int:
        self._handle.seek(info.header_offset)
        header = self._handle.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise ContainerError("bad local header for 'mimetype'")
        return int(struct.unpack("<H", header[28:30])[0])

    # -- contents
    @property
    def names(self) -> tuple[str, ...]:
        """Every file entry, in zip order (folders left out)."""
        return tuple(self._infos)

    @property
    def data_files(self) -> tuple[str, ...]:
        """Entries that are neither ``mimetype`` nor under ``META-INF/``."""
        return tuple(n for n in self._infos
                     if n != MIMETYPE_ENTRY and not n.startswith("META-INF/"))

    @property
    def signature_files(self) -> tuple[str, ...]:
        """``META-INF/signaturesN.xml`` entries, by N."""
        found = [(signature_index(n), n) for n in self._infos]
        return tuple(n for i, n in sorted((i, n) for i, n in found if i is not None))

    def manifest(self) -> dict[str, str]:
        """The parsed manifest (``ContainerError`` when missing or malformed)."""
        if MANIFEST not in self._infos:
            raise ContainerError(f"{MANIFEST} is missing")
        return parse_manifest(self.read_xml(MANIFEST))

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self._infos[name]
        except KeyError:
            raise ContainerError(f"entry {name!r} is missing") from None

    def _chunks(self, name: str, progress: Progress | None = None) -> Iterator[bytes]:
        info = self._info(name)
        read = 0
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    read += len(chunk)
                    if read > info.file_size:  # pragma: no cover - zipfile stops first
                        raise UnsafeContainer(f"entry {name!r} is longer than declared")
                    yield chunk
                    if progress is not None:
                        progress(read, info.file_size)
        except SigningError:
            raise
        except _READ_ERRORS as exc:
            raise ContainerError(f"entry {name!r} cannot be read: {exc}") from None

    def sha256(self, name: str, *, progress: Progress | None = None) -> bytes:
        """SHA-256 of an entry, streamed through the hash; ``progress(read, size)`` is
        called after each chunk."""
        digest = hashlib.sha256()
        for chunk in self._chunks(name, progress):
            digest.update(chunk)
        return digest.digest()

    def read_xml(self, name: str) -> bytes:
        """An entry read whole, for the small XML files (at most ``max_xml_bytes``)."""
        if self._info(name).file_size > self.limits.max_xml_bytes:
            raise UnsafeContainer(f"entry {name!r} is larger than "
                                  f"{self.limits.max_xml_bytes} bytes")
        return b"".join(self._chunks(name))

    def copy_to(self, name: str, target: IO[bytes], *,
                progress: Progress | None = None) -> None:
        """Stream an entry's bytes into ``target`` (``progress(copied, size)`` per chunk)."""
        for chunk in self._chunks(name, progress):
            target.write(chunk)

    def size(self, name: str) -> int:
        """Declared uncompressed size of an entry."""
        return self._info(name).file_size

    def open_stream(self, name: str) -> IO[bytes]:
        """A file object on an entry (for :meth:`ContainerWriter.add_data`)."""
        return self._zip.open(self._info(name))

    def close(self) -> None:
        self._zip.close()
        self._handle.close()

    def __enter__(self) -> ContainerReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def extract_all(reader: ContainerReader, folder: Path, names: Iterable[str]) -> None:
    """Write entries under ``folder`` (names already checked), e.g. to run xmlsec1 on them."""
    for name in names:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            reader.copy_to(name, out)
