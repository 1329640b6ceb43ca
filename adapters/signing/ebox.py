"""e-Box-style export packages: signed containers ready to hand to an e-Box publisher.

The e-Box publication API (document sender) takes a JSON ``messageToPublish``
and one file part per attachment; it records only a "signed" flag and a
SHA-256 digest per attachment and checks no signature, so the legal weight is
in the signed ASiC-E container itself (signing.md §1 and §7). The SDK prepares
the package; publishing needs onboarding with Smals and is not done here.

Layout (a folder, or a zip holding the same entries at its root)::

    message.json                   mirror of messageToPublish (below)
    export.json                    SDK manifest: document kinds, schema versions, roles, createdAt
    attachments/upfile1/<name>     the signed .asice (main content), name <= 80 characters
    attachments/upfile2/<name>     further containers, if any
    SHA256SUMS                     ``sha256sum -c SHA256SUMS`` checks every other file

``message.json``: ``recipient`` (``eboxType`` ``enterprise`` with
``enterpriseNumber``, or ``citizen`` with ``niss``), ``sender.enterpriseNumber``,
``senderApplicationId``, ``messageTypeId``, ``subject`` in exactly one of
``fr``/``nl``/``de`` (at most 255 characters), ``bodyContent`` in the same
language, ``businessDataList`` (``key``/``value``), ``attachments`` with
``httpPartName`` (``upfile1``…), ``fileName``, ``mediaType`` (``application/zip``:
the e-Box media-type list has no ASiC type), ``isMainContent``,
``isAttachmentSigned`` and ``digest`` (``digestMethod: sha_256``,
``digestValue``: base64url, RFC 4648 §5, not plain base64). Absent fields are
left out: a ``null`` anywhere is refused.

:func:`pack` verifies every container against the trust anchors given before
packing it (fail closed) and writes the package atomically: a zip with
sorted entries and one fixed timestamp, or a folder renamed into place.
:func:`verify_package` checks the layout and zip safety, ``SHA256SUMS``, the
digests of ``message.json``, every signed container (:func:`.verify.verify`,
trust anchors given only), the roles required by each document's signing
policy, and that ``export.json`` tells the truth. :func:`unpack` checks the
package, then writes it under the target folder only.

A citizen recipient's NISS is personal data: it is written in ``message.json``
(the recipient must be named) but never shown in clear in results or errors.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import IO, Any, ClassVar, Literal

import attrs
from cryptography import x509

from ...sdk.errors import CpasError, InvalidKbo, InvalidNiss
from ...sdk.identifiers import Kbo, Niss, mask_niss
from ...sdk.privacy import mask_niss_in
from ..files import default_mode, sync_directory
from ..xml.documents import KINDS
from ..xml.parser import XmlError, peek_root
from .container import (
    DEFAULT_LIMITS,
    ContainerLimits,
    ContainerReader,
    Progress,
    ProgressSteps,
    check_entries,
    check_entry_name,
)
from .errors import SigningError
from .policy import policy_for
from .verify import ENDORSEMENTS, Status, VerificationResult, verify

__all__ = [
    "ATTACHMENT_MEDIA_TYPE",
    "EXPORT",
    "MAX_FILE_NAME",
    "MAX_SUBJECT",
    "MESSAGE",
    "SUMS",
    "AttachmentResult",
    "Message",
    "PackageError",
    "PackageRefused",
    "PackageResult",
    "Recipient",
    "UnsafePackage",
    "base64url",
    "decode_base64url",
    "pack",
    "unpack",
    "verify_package",
]

MESSAGE = "message.json"
EXPORT = "export.json"
SUMS = "SHA256SUMS"
ATTACHMENTS = "attachments/"
MAX_SUBJECT = 255
"""Most characters of a subject (e-Box)."""
MAX_FILE_NAME = 80
"""Most characters of an attachment's file name (e-Box)."""
ATTACHMENT_MEDIA_TYPE = "application/zip"
"""Media type announced for an ``.asice``: the e-Box v2.1 list has no ASiC type."""
SUBJECT_LANGUAGES = ("fr", "nl", "de")
FORMAT = "cpas-sdk-ebox-export"
FORMAT_VERSION = 1
_MAX_JSON = 1024 * 1024
_CHUNK = 1024 * 1024
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_PART = re.compile(r"upfile([1-9][0-9]{0,3})")
_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_SUM_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")
_FIXED = (MESSAGE, EXPORT, SUMS)


class PackageError(CpasError, ValueError):
    """The package is malformed, or cannot be built from what was given."""

    code: ClassVar[str] = "EBOX-INVALID"


class UnsafePackage(PackageError):
    """The package holds a construct refused for safety (zip slip, symlink, bomb…)."""

    code = "EBOX-UNSAFE"


class PackageRefused(PackageError):
    """:func:`pack` refused a container: it does not verify (``status`` says how)."""

    code = "EBOX-REFUSED"

    def __init__(self, message: str, status: Status) -> None:
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- message


def _kbo(value: str | Kbo) -> Kbo:
    return value if isinstance(value, Kbo) else Kbo(value)


def _opt_kbo(value: str | Kbo | None) -> Kbo | None:
    return None if value is None else _kbo(value)


def _opt_niss(value: str | Niss | None) -> Niss | None:
    return value if value is None or isinstance(value, Niss) else Niss(value)


@attrs.frozen
class Recipient:
    """An enterprise (KBO/BCE number) or a citizen (NISS) e-Box."""

    ebox_type: Literal["enterprise", "citizen"]
    enterprise_number: Kbo | None = attrs.field(default=None, converter=_opt_kbo)
    niss: Niss | None = attrs.field(default=None, converter=_opt_niss)

    def __attrs_post_init__(self) -> None:
        if self.ebox_type == "enterprise" and (self.enterprise_number is None
                                               or self.niss is not None):
            raise PackageError("an enterprise recipient has an enterprise number and no NISS")
        if self.ebox_type == "citizen" and (self.niss is None
                                            or self.enterprise_number is not None):
            raise PackageError("a citizen recipient has a NISS and no enterprise number")
        if self.ebox_type not in ("enterprise", "citizen"):
            raise PackageError(f"eboxType {self.ebox_type!r} is neither enterprise nor citizen")

    @classmethod
    def enterprise(cls, kbo: str | Kbo) -> Recipient:
        return cls("enterprise", enterprise_number=_kbo(kbo))

    @classmethod
    def citizen(cls, niss: str | Niss) -> Recipient:
        return cls("citizen", niss=niss if isinstance(niss, Niss) else Niss(niss))

    def shown(self) -> str:
        """Safe to print: the NISS masked."""
        if self.niss is not None:
            return f"citizen {self.niss.masked}"
        return f"enterprise {self.enterprise_number}"

    def to_json(self) -> dict[str, str]:
        if self.niss is not None:
            return {"eboxType": "citizen", "niss": self.niss.compact}
        number = self.enterprise_number.compact if self.enterprise_number is not None else ""
        return {"eboxType": "enterprise", "enterpriseNumber": number}


def _check_subject(instance: Message, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise PackageError("the subject is empty")
    if len(value) > MAX_SUBJECT:
        raise PackageError(f"the subject has {len(value)} characters, at most {MAX_SUBJECT} "
                           "are allowed")


def _check_language(instance: Message, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in SUBJECT_LANGUAGES:
        raise PackageError(f"subject language {value!r} is not one of fr, nl, de")


def _check_present(instance: Message, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise PackageError(f"{attribute.name} is empty")


def _pairs(value: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in value)


@attrs.frozen
class Message:
    """What ``message.json`` says besides the attachments."""

    recipient: Recipient
    sender: Kbo = attrs.field(converter=_kbo)
    """The sending organisation's KBO/BCE number (the CPAS)."""
    message_type_id: str = attrs.field(validator=_check_present)
    """The message type agreed with the e-Box operator at onboarding."""
    subject: str = attrs.field(validator=_check_subject)
    language: str = attrs.field(default="fr", validator=_check_language)
    """The one language of the subject and body: ``fr``, ``nl`` or ``de``."""
    body: str | None = None
    sender_application_id: str | None = None
    business_data: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)


def base64url(digest: bytes) -> str:
    """RFC 4648 §5 base64url, with its padding."""
    return base64.urlsafe_b64encode(digest).decode("ascii")


def decode_base64url(value: str) -> bytes:
    """Decode base64url (padding optional); plain base64 (``+`` or ``/``) is refused."""
    if "+" in value or "/" in value:
        raise PackageError("digestValue is plain base64 ('+' or '/'): base64url (RFC 4648 §5, "
                           "'-' and '_') is expected")
    if not _B64URL.fullmatch(value):
        raise PackageError("digestValue is not base64url")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise PackageError("digestValue is not base64url") from None


def _message_json(message: Message, attachments: Sequence[dict[str, Any]]) -> bytes:
    data: dict[str, Any] = {
        "recipient": message.recipient.to_json(),
        "sender": {"enterpriseNumber": message.sender.compact},
    }
    if message.sender_application_id is not None:
        data["senderApplicationId"] = message.sender_application_id
    data["messageTypeId"] = message.message_type_id
    data["subject"] = {message.language: message.subject}
    if message.body is not None:
        data["bodyContent"] = {message.language: message.body}
    if message.business_data:
        data["businessDataList"] = [{"key": k, "value": v} for k, v in message.business_data]
    data["attachments"] = list(attachments)
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- reading JSON


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise PackageError(f"key {key!r} appears twice")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise PackageError(f"{name} is not JSON")


def _nulls(value: Any, path: str) -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, f"{path}[{i}]")]
    return []


def _load_json(data: bytes, name: str) -> dict[str, Any]:
    if len(data) > _MAX_JSON:
        raise PackageError(f"{name}: larger than {_MAX_JSON} bytes")
    if data.startswith(b"\xef\xbb\xbf"):
        raise PackageError(f"{name}: starts with a byte-order mark")
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates,
                           parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise PackageError(f"{name}: not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise PackageError(f"{name}: not JSON (line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg})") from None
    except PackageError as exc:
        raise PackageError(f"{name}: {exc}") from None
    except RecursionError:
        raise PackageError(f"{name}: nested too deeply") from None
    if not isinstance(value, dict):
        raise PackageError(f"{name}: the top level is not an object")
    try:
        nulls = _nulls(value, "$")
    except RecursionError:
        raise PackageError(f"{name}: nested too deeply") from None
    if nulls:
        raise PackageError(f"{name}: null at {', '.join(nulls)} (leave absent fields out)")
    return value


@attrs.frozen
class _Attachment:
    part: str
    file_name: str
    main: bool
    signed: bool
    digest: bytes | None

    @property
    def path(self) -> str:
        return f"{ATTACHMENTS}{self.part}/{self.file_name}"


def check_file_name(name: str) -> str | None:
    """None when ``name`` is acceptable as an attachment's file name, else the reason."""
    if len(name) > MAX_FILE_NAME:
        return f"file name has {len(name)} characters, at most {MAX_FILE_NAME} are allowed"
    if not name or name in (".", "..") or name.startswith("."):
        return "file name is empty or starts with '.'"
    if any(c in name for c in "/\\") or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "file name holds a slash, a backslash or a control character"
    return None


class _MessageReader:
    """Reads message.json, collecting every problem with its JSON path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(f"{MESSAGE} {path}: {reason}")

    def keys(self, value: dict[str, Any], path: str, allowed: Sequence[str],
             required: Sequence[str]) -> None:
        for key in value:
            if key not in allowed:
                self.problem(f"{path}.{key}", "unknown field")
        for key in required:
            if key not in value:
                self.problem(f"{path}.{key}", "missing")

    def text(self, value: dict[str, Any], key: str, path: str) -> str | None:
        item = value.get(key)
        if item is None:
            return None
        if not isinstance(item, str) or not item.strip():
            self.problem(f"{path}.{key}", "must be non-empty text")
            return None
        return item

    def obj(self, value: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
        item = value.get(key)
        if item is None:
            return None
        if not isinstance(item, dict):
            self.problem(f"{path}.{key}", "must be an object")
            return None
        return item

    def flag(self, value: dict[str, Any], key: str, path: str) -> bool:
        item = value.get(key)
        if not isinstance(item, bool):
            if key in value:
                self.problem(f"{path}.{key}", "must be true or false")
            return False
        return item

    def recipient(self, data: dict[str, Any]) -> str | None:
        found = self.obj(data, "recipient", "$")
        if found is None:
            return None
        kind = found.get("eboxType")
        if kind == "enterprise":
            self.keys(found, "$.recipient", ("eboxType", "enterpriseNumber"),
                      ("enterpriseNumber",))
            number = self.text(found, "enterpriseNumber", "$.recipient")
            if number is not None:
                try:
                    return f"enterprise {Kbo(number)}"
                except InvalidKbo as exc:
                    self.problem("$.recipient.enterpriseNumber", exc.reason)
            return None
        if kind == "citizen":
            self.keys(found, "$.recipient", ("eboxType", "niss"), ("niss",))
            niss = found.get("niss")
            if not isinstance(niss, str):
                self.problem("$.recipient.niss", "must be text")
                return None
            try:
                return f"citizen {Niss(niss).masked}"
            except InvalidNiss as exc:
                self.problem("$.recipient.niss", f"{exc.reason} (got {mask_niss(niss)})")
            return None
        self.problem("$.recipient.eboxType", "must be 'enterprise' or 'citizen'")
        return None

    def one_language(self, data: dict[str, Any], key: str, limit: int | None) -> str | None:
        found = self.obj(data, key, "$")
        if found is None:
            return None
        languages = [k for k in found if k in SUBJECT_LANGUAGES]
        self.keys(found, f"$.{key}", SUBJECT_LANGUAGES, ())
        if len(languages) != 1:
            self.problem(f"$.{key}", f"exactly one language of fr, nl, de is allowed, "
                                     f"found {len(languages)}")
            return None
        text = self.text(found, languages[0], f"$.{key}")
        if text is not None and limit is not None and len(text) > limit:
            self.problem(f"$.{key}.{languages[0]}",
                         f"{len(text)} characters, at most {limit} are allowed")
        return languages[0]

    def attachment(self, item: Any, index: int) -> _Attachment | None:
        path = f"$.attachments[{index}]"
        if not isinstance(item, dict):
            self.problem(path, "must be an object")
            return None
        fields = ("httpPartName", "fileName", "mediaType", "isMainContent",
                  "isAttachmentSigned", "digest")
        self.keys(item, path, fields, fields)
        part = self.text(item, "httpPartName", path)
        if part is not None and _PART.fullmatch(part) is None:
            self.problem(f"{path}.httpPartName", "must be upfile1, upfile2…")
            part = None
        name = self.text(item, "fileName", path)
        if name is not None:
            reason = check_file_name(name)
            if reason is not None:
                self.problem(f"{path}.fileName", reason)
                name = None
        self.text(item, "mediaType", path)
        main = self.flag(item, "isMainContent", path)
        signed = self.flag(item, "isAttachmentSigned", path)
        digest: bytes | None = None
        found = self.obj(item, "digest", path)
        if found is not None:
            self.keys(found, f"{path}.digest", ("digestMethod", "digestValue"),
                      ("digestMethod", "digestValue"))
            if found.get("digestMethod") != "sha_256":
                self.problem(f"{path}.digest.digestMethod", "must be 'sha_256'")
            value = found.get("digestValue")
            if isinstance(value, str):
                try:
                    digest = decode_base64url(value)
                except PackageError as exc:
                    self.problem(f"{path}.digest.digestValue", str(exc))
                if digest is not None and len(digest) != 32:
                    self.problem(f"{path}.digest.digestValue", "is not a SHA-256 digest")
                    digest = None
        if part is None or name is None:
            return None
        return _Attachment(part, name, main, signed, digest)

    def read(self, data: dict[str, Any]) -> tuple[str | None, list[_Attachment]]:
        self.keys(data, "$", ("recipient", "sender", "senderApplicationId", "messageTypeId",
                              "subject", "bodyContent", "businessDataList", "attachments"),
                  ("recipient", "sender", "messageTypeId", "subject", "attachments"))
        shown = self.recipient(data)
        sender = self.obj(data, "sender", "$")
        if sender is not None:
            self.keys(sender, "$.sender", ("enterpriseNumber",), ("enterpriseNumber",))
            number = self.text(sender, "enterpriseNumber", "$.sender")
            if number is not None:
                try:
                    Kbo(number)
                except InvalidKbo as exc:
                    self.problem("$.sender.enterpriseNumber", exc.reason)
        self.text(data, "senderApplicationId", "$")
        self.text(data, "messageTypeId", "$")
        subject = self.one_language(data, "subject", MAX_SUBJECT)
        body = self.one_language(data, "bodyContent", None)
        if subject is not None and body is not None and body != subject:
            self.problem("$.bodyContent", "is not in the language of the subject")
        rows = data.get("businessDataList", [])
        if not isinstance(rows, list):
            self.problem("$.businessDataList", "must be a list")
        else:
            for index, row in enumerate(rows):
                where = f"$.businessDataList[{index}]"
                if not isinstance(row, dict):
                    self.problem(where, "must be an object")
                    continue
                self.keys(row, where, ("key", "value"), ("key", "value"))
                self.text(row, "key", where)
                if not isinstance(row.get("value", ""), str):
                    self.problem(f"{where}.value", "must be text")
        items = data.get("attachments")
        attachments: list[_Attachment] = []
        if not isinstance(items, list) or not items:
            self.problem("$.attachments", "must be a non-empty list")
            return shown, attachments
        for index, item in enumerate(items):
            found_attachment = self.attachment(item, index)
            if found_attachment is not None:
                attachments.append(found_attachment)
        parts = [a.part for a in attachments]
        if len(parts) == len(items) and parts != [f"upfile{i + 1}" for i in range(len(parts))]:
            self.problem("$.attachments", "httpPartName must run upfile1, upfile2… in order")
        if sum(a.main for a in attachments) != 1:
            self.problem("$.attachments", "exactly one attachment must have "
                                          "isMainContent true")
        return shown, attachments


# --------------------------------------------------------------------------- sources


def _safe_name(name: str) -> None:
    try:
        check_entry_name(name)
    except SigningError as exc:
        raise UnsafePackage(str(exc).replace("entry", "package entry", 1)) from None


class _Source:
    """A package's files, from a zip or a folder, after the safety checks."""

    names: tuple[str, ...]

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def size(self, name: str) -> int:
        """The entry's size in bytes (uncompressed), as found by the safety checks."""
        raise NotImplementedError

    def sha256(self, name: str, *, progress: Progress | None = None) -> bytes:
        digest = hashlib.sha256()
        done = 0
        with self.open(name) as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                if progress is not None:
                    done += len(chunk)
                    progress(done, None)
        return digest.digest()

    def read_small(self, name: str) -> bytes:
        with self.open(name) as handle:
            data = handle.read(_MAX_JSON + 1)
        if len(data) > _MAX_JSON:
            raise PackageError(f"{name}: larger than {_MAX_JSON} bytes")
        return data

    def local_path(self, name: str) -> Path | None:
        """The file itself when the package is a folder."""
        return None

    def close(self) -> None:
        pass


class _ZipSource(_Source):
    def __init__(self, path: Path, limits: ContainerLimits) -> None:
        self._handle = open(path, "rb")  # noqa: SIM115 - closed by close()
        try:
            try:
                self._zip = zipfile.ZipFile(self._handle)
                infos = self._zip.infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError,
                    ValueError) as exc:
                raise PackageError(f"{path.name}: not a readable zip: {exc}") from None
            self._infos = self._check(infos, limits)
            self.names = tuple(sorted(self._infos))
        except BaseException:
            self._handle.close()
            raise

    @staticmethod
    def _check(infos: list[zipfile.ZipInfo], limits: ContainerLimits,
               ) -> dict[str, zipfile.ZipInfo]:
        return check_entries(infos, limits, unsafe=UnsafePackage, check_name=_safe_name)

    def open(self, name: str) -> IO[bytes]:
        return self._zip.open(self._infos[name])

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    def close(self) -> None:
        self._zip.close()
        self._handle.close()


class _FolderSource(_Source):
    def __init__(self, path: Path, limits: ContainerLimits) -> None:
        self._root = path
        names: list[str] = []
        self._sizes: dict[str, int] = {}
        total = 0
        for folder, dirs, files in os.walk(path, followlinks=False):
            for entry in [*dirs, *files]:
                full = Path(folder) / entry
                name = full.relative_to(path).as_posix()
                _safe_name(name)
                mode = full.lstat().st_mode
                if stat.S_ISLNK(mode):
                    raise UnsafePackage(f"entry {name!r} is a symbolic link")
                if stat.S_ISDIR(mode):
                    continue
                if not stat.S_ISREG(mode):
                    raise UnsafePackage(f"entry {name!r} is not a regular file")
                size = full.lstat().st_size
                if size > limits.max_entry_bytes:
                    raise UnsafePackage(f"entry {name!r} is larger than "
                                        f"{limits.max_entry_bytes} bytes")
                total += size
                names.append(name)
                self._sizes[name] = size
                if len(names) > limits.max_entries or total > limits.max_total_bytes:
                    raise UnsafePackage("too many files or bytes in the package")
        folded = [n.casefold() for n in names]
        if len(set(folded)) != len(folded):
            raise UnsafePackage("two entries differ only in case")
        self.names = tuple(sorted(names))

    def open(self, name: str) -> IO[bytes]:
        return open(self._root / name, "rb")

    def size(self, name: str) -> int:
        return self._sizes[name]

    def local_path(self, name: str) -> Path | None:
        return self._root / name


@contextlib.contextmanager
def _opened(path: Path, limits: ContainerLimits) -> Iterator[_Source]:
    source: _Source = (_FolderSource(path, limits) if path.is_dir()
                       else _ZipSource(path, limits))
    try:
        yield source
    finally:
        source.close()


# --------------------------------------------------------------------------- results


@attrs.frozen
class AttachmentResult:
    """One attachment of the package."""

    part: str
    file: str
    status: Status
    problems: tuple[str, ...] = ()
    container: VerificationResult | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "file": self.file, "status": self.status.value,
                "problems": list(self.problems),
                "container": self.container.to_dict() if self.container else None}


@attrs.frozen
class PackageResult:
    """Everything :func:`verify_package` found; ``status`` is the worst of all checks."""

    path: str
    status: Status
    problems: tuple[str, ...] = ()
    recipient: str | None = None
    """``enterprise 0403.019.261`` or ``citizen ******-***-28`` (NISS masked)."""
    subject_language: str | None = None
    attachments: tuple[AttachmentResult, ...] = ()

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status.value,
                "problems": list(self.problems), "recipient": self.recipient,
                "subject_language": self.subject_language,
                "attachments": [a.to_dict() for a in self.attachments]}


def _worst(statuses: Sequence[Status]) -> Status:
    if Status.INVALID in statuses:
        return Status.INVALID
    if Status.UNTRUSTED in statuses:
        return Status.UNTRUSTED
    return Status.VALID


# --------------------------------------------------------------------------- export.json


def _version() -> str:
    try:
        return metadata.version("cpas-sdk")
    except metadata.PackageNotFoundError:  # pragma: no cover - bare checkout
        return "unknown"


def _documents(container: Path, result: VerificationResult) -> list[dict[str, str]]:
    """Kind and schema version of each signed business XML file."""
    by_namespace = {kind.namespace: kind for kind in KINDS}
    found: list[dict[str, str]] = []
    with ContainerReader(container) as reader:
        for file in result.signed_files:
            if not file.name.endswith(".xml") or file.name.startswith(ENDORSEMENTS):
                continue
            try:
                with reader.open_stream(file.name) as stream:
                    tag = peek_root(stream, name=file.name)
            except XmlError:
                continue
            namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
            kind = by_namespace.get(namespace)
            entry = {"name": file.name, "namespace": namespace}
            if kind is not None:
                entry.update(kind=kind.name, schema=kind.schema_file,
                             schemaVersion=namespace.rsplit(":", 1)[-1])
            found.append(entry)
    return found


def _export_entry(part: str, path: str, container: Path,
                  result: VerificationResult) -> dict[str, Any]:
    policy = policy_for(result.kind)
    entry: dict[str, Any] = {"httpPartName": part, "file": path}
    if result.kind is not None:
        entry["kind"] = result.kind
    entry["documents"] = _documents(container, result)
    entry["roles"] = sorted(result.roles_present)
    if policy is not None:
        entry["rolesRequired"] = sorted(r.value for r in policy.required)
    entry["signatures"] = len(result.signers)
    return entry


def _utc_text(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise PackageError("created_at must be timezone-aware")
    return when.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _created_at() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- pack


def _file_sha256(path: Path, progress: Progress | None = None) -> bytes:
    digest = hashlib.sha256()
    done = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            if progress is not None:
                done += len(chunk)
                progress(done, None)
    return digest.digest()


def _size(path: Path) -> int:
    """A file's size for progress reports (0 when it cannot be read: reading it later
    raises the error that names the problem)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _sums(digests: dict[str, bytes]) -> bytes:
    return "".join(f"{digests[n].hex()}  {n}\n" for n in sorted(digests)).encode("ascii")


def pack(output: str | Path, containers: Sequence[str | Path], message: Message, *,
         trust: Sequence[x509.Certificate],
         at: dt.datetime | Literal["signing-time"] | None = None,
         created_at: dt.datetime | None = None,
         names: Sequence[str] | None = None,
         progress: Progress | None = None) -> Path:
    """Write the package of ``containers`` (the first is the main content) to ``output``.

    ``output`` ending in ``.zip`` gives a zip, anything else a folder (which
    must not exist yet, or be empty). Each container must verify against
    ``trust`` (checked at ``at``, see :func:`.verify.verify`) with all required
    roles present, else :class:`PackageRefused`. ``names`` overrides the file
    names (default: each container's own). ``created_at`` (UTC) defaults to
    now, or ``SOURCE_DATE_EPOCH``.

    ``progress(done, total)`` is called as the containers are read: each is
    verified, hashed and copied, so ``total`` is three times the sum of their
    sizes (the verification step is scaled to the container's size).
    """
    if not containers:
        raise PackageError("no container to pack")
    paths = [Path(c) for c in containers]
    steps = ProgressSteps(progress)
    sizes = {p: _size(p) for p in paths} if steps.active else {}
    steps.expect(3 * sum(sizes.values()))
    chosen = list(names) if names is not None else [p.name for p in paths]
    if len(chosen) != len(paths):
        raise PackageError("give one name per container")
    attachments: list[dict[str, Any]] = []
    exports: list[dict[str, Any]] = []
    digests: dict[str, bytes] = {}
    files: dict[str, Path] = {}
    for index, (path, name) in enumerate(zip(paths, chosen, strict=True)):
        reason = check_file_name(name)
        if reason is not None:
            raise PackageError(f"{name[:100]!r}: {reason}")
        if not name.lower().endswith(".asice"):
            raise PackageError(f"{name!r}: a signed container's name ends in .asice")
        result = verify(path, trust, at, progress=steps.step(sizes.get(path, 0)))
        if result.status is not Status.VALID:
            detail = "; ".join([*result.problems, *(f"{s.file}: {'; '.join(s.reasons)}"
                                                    for s in result.signers if s.reasons)])
            if result.roles_missing:
                detail += f"; required roles missing: {', '.join(result.roles_missing)}"
            raise PackageRefused(f"{path.name} is {result.status.value}, refusing to pack "
                                 f"it: {mask_niss_in(detail.strip('; '))}", result.status)
        part = f"upfile{index + 1}"
        entry = f"{ATTACHMENTS}{part}/{name}"
        digest = _file_sha256(path, steps.step(sizes.get(path, 0)))
        digests[entry] = digest
        files[entry] = path
        attachments.append({
            "httpPartName": part, "fileName": name, "mediaType": ATTACHMENT_MEDIA_TYPE,
            "isMainContent": index == 0, "isAttachmentSigned": True,
            "digest": {"digestMethod": "sha_256", "digestValue": base64url(digest)}})
        exports.append(_export_entry(part, entry, path, result))
    export = {"format": FORMAT, "formatVersion": FORMAT_VERSION,
              "createdAt": _utc_text(created_at or _created_at()),
              "generator": f"cpas-sdk {_version()}", "attachments": exports}
    small = {MESSAGE: _message_json(message, attachments),
             EXPORT: (json.dumps(export, ensure_ascii=False, indent=2) + "\n").encode()}
    for key, data in small.items():
        digests[key] = hashlib.sha256(data).digest()
    small[SUMS] = _sums(digests)
    target = Path(output)
    if target.suffix.lower() == ".zip":
        written = _write_zip(target, small, files, digests, steps)
    else:
        written = _write_folder(target, small, files, digests, steps)
    steps.finish()
    return written


def _copy(source: IO[bytes], out: IO[bytes], expected: bytes, name: str,
          progress: Progress | None = None) -> None:
    digest = hashlib.sha256()
    done = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        out.write(chunk)
        if progress is not None:
            done += len(chunk)
            progress(done, None)
    if digest.digest() != expected:
        raise PackageError(f"{name} changed while it was being copied (after the check)")


def _write_zip(target: Path, small: dict[str, bytes], files: dict[str, Path],
               digests: dict[str, bytes], steps: ProgressSteps | None = None) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                     suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as handle:
            with zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
                for name in sorted([*small, *files]):
                    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                    info.create_system = 3
                    info.external_attr = (stat.S_IFREG | 0o644) << 16
                    if name in small:
                        info.compress_type = zipfile.ZIP_DEFLATED
                        archive.writestr(info, small[name])
                        continue
                    info.compress_type = zipfile.ZIP_STORED  # a container is a zip already
                    size = files[name].stat().st_size
                    big = size > 1024 * 1024 * 1024
                    with open(files[name], "rb") as source, \
                            archive.open(info, "w", force_zip64=big) as out:
                        _copy(source, out, digests[name], name,
                              steps.step(size) if steps is not None else None)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, default_mode())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_directory(target.parent)
    return target


def _write_file(path: Path, source: IO[bytes], expected: bytes, name: str,
                progress: Progress | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as out:
        _copy(source, out, expected, name, progress)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(path, default_mode())


def _folder_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def _empty_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise PackageError(f"{target} exists and is not an empty folder")


def _write_folder(target: Path, small: dict[str, bytes], files: dict[str, Path],
                  digests: dict[str, bytes], steps: ProgressSteps | None = None) -> Path:
    _empty_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        for name, data in small.items():
            with open(stage / name, "xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(stage / name, default_mode())
        for name, path in files.items():
            with open(path, "rb") as source:
                _write_file(stage / name, source, digests[name], name,
                            steps.step(_size(path)) if steps is not None else None)
        for folder in sorted({p.parent for p in stage.rglob("*")}, key=lambda p: -len(p.parts)):
            sync_directory(folder)
        os.chmod(stage, _folder_mode())
        if target.exists():
            target.rmdir()
        os.rename(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    sync_directory(target.parent)
    return target


# --------------------------------------------------------------------------- verify


def _parse_sums(data: bytes) -> tuple[dict[str, bytes], list[str]]:
    problems: list[str] = []
    listed: dict[str, bytes] = {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return listed, [f"{SUMS}: not UTF-8"]
    for number, line in enumerate(text.splitlines(), start=1):
        found = _SUM_LINE.fullmatch(line)
        if found is None:
            problems.append(f"{SUMS} line {number}: not '<sha256 hex>  <file>'")
            continue
        name = found.group(2)
        if name in listed:
            problems.append(f"{SUMS} line {number}: {name!r} listed twice")
        listed[name] = bytes.fromhex(found.group(1))
    return listed, problems


def _check_export(data: dict[str, Any], results: dict[str, VerificationResult],
                  attachments: Sequence[_Attachment]) -> list[str]:
    problems: list[str] = []
    if data.get("format") != FORMAT or data.get("formatVersion") != FORMAT_VERSION:
        problems.append(f"{EXPORT}: not a {FORMAT} version {FORMAT_VERSION} manifest")
    created = data.get("createdAt")
    try:
        if not isinstance(created, str) or not created.endswith("Z"):
            raise ValueError
        dt.datetime.fromisoformat(created)
    except ValueError:
        problems.append(f"{EXPORT} $.createdAt: not a UTC time (YYYY-MM-DDTHH:MM:SSZ)")
    entries = data.get("attachments")
    if not isinstance(entries, list):
        return [*problems, f"{EXPORT} $.attachments: must be a list"]
    strays = [i for i, e in enumerate(entries) if not isinstance(e, dict)]
    if strays:
        return [*problems, *(f"{EXPORT} $.attachments[{i}]: must be an object"
                             for i in strays)]
    expected = [(a.part, a.path) for a in attachments]
    listed = [(e.get("httpPartName"), e.get("file")) for e in entries]
    if listed != expected:
        problems.append(f"{EXPORT} $.attachments: does not list the attachments of {MESSAGE}")
        return problems
    for index, entry in enumerate(entries):
        result = results.get(entry["file"])
        if result is None:
            continue
        where = f"{EXPORT} $.attachments[{index}]"
        if entry.get("kind") != result.kind:
            problems.append(f"{where}.kind: says {entry.get('kind')!r}, the container holds "
                            f"{result.kind!r}")
        if result.valid and entry.get("roles") != sorted(result.roles_present):
            problems.append(f"{where}.roles: says {entry.get('roles')!r}, the valid signatures "
                            f"are {sorted(result.roles_present)!r}")
    return problems


def verify_package(path: str | Path, trust: Sequence[x509.Certificate],
                   at: dt.datetime | Literal["signing-time"] | None = None, *,
                   limits: ContainerLimits = DEFAULT_LIMITS,
                   progress: Progress | None = None) -> PackageResult:
    """Verify a package (zip or folder) end to end; see the module docstring.

    With no ``trust`` anchor, integrity is still checked (sums, digests,
    containers' structure and signature values) and signatures are reported
    untrusted. ``OSError`` is raised as is when the package cannot be read.

    ``progress(done, total)`` is called as the package is read: every entry is
    hashed, then each attachment (under ``attachments/``) is verified, after a
    copy to a scratch file when the package is a zip; ``total`` adds up those
    sizes and is reported at the end.
    """
    steps = ProgressSteps(progress)
    result = _verify_package(Path(path), trust, at, limits, steps)[0]
    steps.finish()
    return result


def _verify_package(package: Path, trust: Sequence[x509.Certificate],
                    at: dt.datetime | Literal["signing-time"] | None,
                    limits: ContainerLimits, steps: ProgressSteps | None = None,
                    copy_after: bool = False) -> tuple[PackageResult, dict[str, bytes]]:
    """The result, and the SHA-256 of every entry as read during this check.

    With ``steps``, the work expected is added to its total once the package is
    opened (and a copy of every entry afterwards when ``copy_after``)."""
    actual: dict[str, bytes] = {}
    steps = steps if steps is not None else ProgressSteps(None)
    try:
        with _opened(package, limits) as source:
            if steps.active:
                _expect_work(source, steps, copy_after)
            return _verify_source(package, source, trust, at, limits, actual,
                                  steps), actual
    except PackageError as exc:
        return PackageResult(str(package), Status.INVALID,
                             problems=(mask_niss_in(str(exc)),)), actual
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        return PackageResult(str(package), Status.INVALID,
                             problems=(f"damaged package: {exc}",)), actual


def _expect_work(source: _Source, steps: ProgressSteps, copy_after: bool) -> None:
    """The bytes a check reads: every entry hashed, each attachment verified (and
    first copied out of a zip), every entry copied again when unpacking."""
    sizes = [source.size(n) for n in source.names]
    attached = [source.size(n) for n in source.names if n.startswith(ATTACHMENTS)]
    scratch = 2 if isinstance(source, _ZipSource) else 1
    steps.expect(sum(sizes) + scratch * sum(attached) + (sum(sizes) if copy_after else 0))


def _verify_source(package: Path, source: _Source, trust: Sequence[x509.Certificate],
                   at: dt.datetime | Literal["signing-time"] | None,
                   limits: ContainerLimits, actual: dict[str, bytes],
                   steps: ProgressSteps) -> PackageResult:
    problems: list[str] = []
    for name in _FIXED:
        if name not in source.names:
            problems.append(f"{name} is missing")
    if problems:
        return PackageResult(str(package), Status.INVALID, tuple(problems))
    actual.update((name, source.sha256(name, progress=steps.step(source.size(name))))
                  for name in source.names)
    listed, found = _parse_sums(source.read_small(SUMS))
    problems.extend(found)
    for name in sorted(set(listed) | set(actual)):
        if name == SUMS:
            if name in listed:
                problems.append(f"{SUMS} lists itself")
        elif name not in listed:
            problems.append(f"{name!r} is not listed in {SUMS} (file added?)")
        elif name not in actual:
            problems.append(f"{name!r} is listed in {SUMS} but missing (file removed?)")
        elif listed[name] != actual[name]:
            problems.append(f"{name}: SHA-256 differs from {SUMS} (file changed)")
    reader = _MessageReader()
    shown: str | None = None
    attachments: list[_Attachment] = []
    message: dict[str, Any] = {}
    try:
        message = _load_json(source.read_small(MESSAGE), MESSAGE)
        shown, attachments = reader.read(message)
    except PackageError as exc:
        problems.append(str(exc))
    problems.extend(reader.problems)
    known = {a.path for a in attachments}
    for name in source.names:
        if name not in _FIXED and name not in known:
            problems.append(f"{name!r} is not an attachment named in {MESSAGE}")
    results: dict[str, VerificationResult] = {}
    checked: list[AttachmentResult] = []
    for attachment in attachments:
        checked.append(_check_attachment(source, attachment, actual, trust, at, limits,
                                         results, steps))
    try:
        problems.extend(_check_export(_load_json(source.read_small(EXPORT), EXPORT), results,
                                      attachments))
    except PackageError as exc:
        problems.append(str(exc))
    problems = [mask_niss_in(p) for p in problems]
    status = _worst([Status.INVALID if problems else Status.VALID,
                     *(a.status for a in checked)])
    subject = message.get("subject")
    language = next(iter(subject), None) if isinstance(subject, dict) and len(subject) == 1 \
        else None
    return PackageResult(str(package), status, tuple(problems), shown, language,
                         tuple(checked))


def _check_attachment(source: _Source, attachment: _Attachment, actual: dict[str, bytes],
                      trust: Sequence[x509.Certificate],
                      at: dt.datetime | Literal["signing-time"] | None,
                      limits: ContainerLimits,
                      results: dict[str, VerificationResult],
                      steps: ProgressSteps) -> AttachmentResult:
    name = attachment.path
    if name not in actual:
        return AttachmentResult(attachment.part, name, Status.INVALID,
                                (f"{name} is missing",))
    problems: list[str] = []
    if attachment.digest is not None and attachment.digest != actual[name]:
        problems.append(f"{name}: SHA-256 differs from the digest in {MESSAGE} (file changed)")
    if not attachment.signed:
        return AttachmentResult(attachment.part, name,
                                Status.INVALID if problems else Status.VALID, tuple(problems))
    local = source.local_path(name)
    with tempfile.TemporaryDirectory(prefix="cpas-ebox-") as scratch:
        if local is None:
            local = Path(scratch) / "attachment.asice"
            with source.open(name) as stream, open(local, "wb") as out:
                _copy(stream, out, actual[name], name, steps.step(source.size(name)))
        result = verify(local, trust, at, limits=limits,
                        progress=steps.step(source.size(name)))
    result = attrs.evolve(result, path=name)
    results[name] = result
    status = _worst([Status.INVALID if problems else Status.VALID, result.status])
    return AttachmentResult(attachment.part, name, status, tuple(problems), result)


# --------------------------------------------------------------------------- unpack


def unpack(path: str | Path, target: str | Path,
           trust: Sequence[x509.Certificate] | None = None,
           at: dt.datetime | Literal["signing-time"] | None = None, *,
           limits: ContainerLimits = DEFAULT_LIMITS,
           progress: Progress | None = None) -> tuple[Path, PackageResult]:
    """Check the package, then write its files under ``target`` and nowhere else.

    ``target`` must not exist or be an empty folder. Without ``trust`` the
    package must be intact (untrusted signatures are accepted); with ``trust``
    it must be fully valid. Refused packages raise :class:`PackageRefused`
    and write nothing. The SHA-256 of each entry read while the package was
    checked is kept, and the bytes written must have that same digest: a
    package changed between the check and the copy is refused.

    When ``target`` does not exist, the files are written into a hidden folder
    beside it that is renamed to ``target`` once all are written and synced, so
    ``target`` either holds the whole result or does not exist. When ``target``
    is an existing empty folder, the files are written into a hidden
    ``.unpacking-*`` folder inside it and then moved in one by one: should the
    process be killed during those moves, ``target`` may hold part of the files
    (and the hidden folder); empty it and unpack again.

    ``progress(done, total)`` is called as the package is read: the check (see
    :func:`verify_package`), then the copy of every entry.
    """
    package = Path(path)
    folder = Path(target)
    steps = ProgressSteps(progress)
    result, digests = _verify_package(package, trust or (), at, limits, steps,
                                      copy_after=True)
    acceptable = {Status.VALID} if trust else {Status.VALID, Status.UNTRUSTED}
    if result.status not in acceptable:
        detail = "; ".join([*result.problems,
                            *(p for a in result.attachments for p in a.problems),
                            *(f"{a.file}: {a.status.value}" for a in result.attachments
                              if a.status is not Status.VALID)])
        raise PackageRefused(f"{package.name} is {result.status.value}, nothing unpacked: "
                             f"{detail}", result.status)
    _empty_target(folder)
    existed = folder.exists()
    if existed:
        stage = Path(tempfile.mkdtemp(dir=folder, prefix=".unpacking-"))
    else:
        folder.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.",
                                      suffix=".tmp"))
    try:
        _unpack_into(package, stage, folder, digests, limits, steps)
        if existed:
            for entry in sorted(stage.iterdir()):
                os.rename(entry, folder / entry.name)
            stage.rmdir()
        else:
            os.chmod(stage, _folder_mode())
            os.rename(stage, folder)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    sync_directory(folder)
    sync_directory(folder.parent)
    steps.finish()
    return folder, result


def _unpack_into(package: Path, stage: Path, folder: Path, digests: dict[str, bytes],
                 limits: ContainerLimits, steps: ProgressSteps | None = None) -> None:
    """Write every entry of ``package`` under ``stage``, each checked against the digest
    it had when the package was verified."""
    root = stage.resolve()
    with _opened(package, limits) as source:
        if set(source.names) != set(digests):
            raise PackageError(f"{package.name} changed after it was checked (entries differ)")
        for name in source.names:
            out = (stage / name).resolve()
            if not out.is_relative_to(root):  # pragma: no cover - names were checked
                raise UnsafePackage(f"entry {name!r} would be written outside {folder}")
            with source.open(name) as stream:
                _write_file(out, stream, digests[name], name,
                            steps.step(source.size(name)) if steps is not None else None)
    for sub in sorted({p.parent for p in stage.rglob("*")}, key=lambda p: -len(p.parts)):
        sync_directory(sub)
