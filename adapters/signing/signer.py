"""Creating containers and adding signatures (several signers, fail closed).

* :func:`sign_new` puts a business XML file (exact bytes, validated against its
  schema first) and optional annexes in a new container with the first signature.
* :func:`add_signature` first verifies every existing signature against the
  trust anchors and refuses if any is not valid (fail closed); then copies the
  data files and earlier signature files unchanged, and adds
  ``META-INF/signatures<max+1>.xml``. A signer whose policy stage endorses the
  earlier ones (the minister for a subsidy convention) also adds
  ``endorsements/<role>-NNNN.xml`` pinning every existing signature, and signs it
  with the data (signing.md §4).

Data files are streamed through SHA-256 while they are written, never loaded
whole. Signatures are baseline B-B, or B-T when a timestamp provider is given
(an RFC 3161 token over the signature value, signing.md §2).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from ...sdk.parties import SignerRole
from ..xml.documents import KINDS
from ..xml.parser import XmlError, peek_root
from ..xml.stream import validate
from .container import (
    ContainerReader,
    ContainerWriter,
    Progress,
    ProgressSteps,
    media_type_for,
    signature_index,
)
from .endorsement import Pin, endorsement_bytes
from .errors import SignatureRefused
from .keys import KeyLike
from .policy import SigningPolicy, policy_for
from .verify import ENDORSEMENTS, Status, inspect
from .xades import DataReference, build_signature

if TYPE_CHECKING:
    from .timestamp import TimestampProvider

__all__ = ["Clock", "add_signature", "sign_new", "utc_now"]

Clock = Callable[[], dt.datetime]
"""Returns the current time, timezone-aware (injectable for tests)."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_id() -> str:
    return f"S-{uuid.uuid4().hex}"


def _check_key(key: KeyLike, when: dt.datetime) -> None:
    cert = key.certificate
    if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
        raise SignatureRefused(
            f"the signer certificate is not valid at {when.isoformat()} (valid from "
            f"{cert.not_valid_before_utc.isoformat()} to {cert.not_valid_after_utc.isoformat()})")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise SignatureRefused("the signer certificate has no key usage extension") from None
    if not (usage.content_commitment or usage.digital_signature):
        raise SignatureRefused("the signer certificate allows neither non-repudiation nor "
                               "digital signature")


def _now(clock: Clock) -> dt.datetime:
    when = clock()
    if when.tzinfo is None:
        raise SignatureRefused("the clock must return a timezone-aware time")
    return when.astimezone(dt.UTC).replace(microsecond=0)


def _size(path: Path) -> int:
    """A file's size for progress reports (0 when it cannot be read: opening it
    later raises the error that names the problem)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _kind_of_file(path: Path) -> str | None:
    try:
        tag = peek_root(path)
    except XmlError:
        return None
    namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    return next((k.name for k in KINDS if k.namespace == namespace), None)


def sign_new(
    output: str | Path, document: str | Path, *, key: KeyLike, role: SignerRole,
    annexes: Sequence[str | Path] = (), clock: Clock = utc_now,
    check_schema: bool = True, timestamp: TimestampProvider | None = None,
    progress: Progress | None = None,
) -> Path:
    """Create ``output`` holding ``document`` (exact bytes), ``annexes/…`` and one signature.

    ``timestamp`` (a :class:`~.timestamp.TimestampProvider`) makes the signature
    baseline B-T; None (the default) gives B-B. ``progress(done, total)`` is called
    as the files are read: the document once for the schema check (when
    ``check_schema``), then every file once as it is hashed and copied, so
    ``total`` is the document's size (when checked) plus the size of every file.
    """
    document = Path(document)
    files = [document, *map(Path, annexes)]
    sizes = [_size(f) for f in files] if progress is not None else [0] * len(files)
    steps = ProgressSteps(progress, sum(sizes) + (sizes[0] if check_schema else 0))
    if check_schema:
        checked = validate(document, progress=steps.step(sizes[0]))
        if not checked.ok:
            first = checked.findings[0].message if checked.findings else "not checked"
            raise SignatureRefused(f"{document.name} is not valid for its schema, refusing "
                                   f"to sign it: {first}")
    policy = policy_for(_kind_of_file(document))
    if policy is not None:
        stage = policy.stage_of(role)
        if stage is None:
            raise SignatureRefused(f"role {role.value!r} does not sign a {policy.kind} "
                                   "document")
        if stage > 0:
            raise SignatureRefused(f"{role.value} signs in stage {stage + 1}, after the "
                                   "earlier stages: use add_signature on their container")
    when = _now(clock)
    _check_key(key, when)
    names = [document.name] + [f"annexes/{Path(a).name}" for a in annexes]
    if len(set(names)) != len(names):
        raise SignatureRefused("two input files have the same name")
    with ContainerWriter(output) as writer:
        references: list[DataReference] = []
        for name, source, size in zip(names, files, sizes, strict=True):
            media = media_type_for(name)
            with open(source, "rb") as handle:
                digest = writer.add_data(name, media, handle, source.stat().st_size,
                                         progress=steps.step(size))
                references.append(DataReference(name, digest, media))
        signature = build_signature(references, key, role=role.value, signing_time=when,
                                    signature_id=_new_id(), timestamp=timestamp)
        writer.add_bytes("META-INF/signatures0.xml", signature)
        written = writer.commit()
    steps.finish()
    return written


def _plan(policy: SigningPolicy | None, role: SignerRole,
          roles: Sequence[SignerRole | None]) -> bool:
    """Check the role against the policy; True when this signature must endorse the others."""
    if role in roles:
        raise SignatureRefused(f"the container is already signed as {role.value}")
    if policy is None:
        return False
    stage = policy.stage_of(role)
    if stage is None:
        raise SignatureRefused(f"role {role.value!r} does not sign a {policy.kind} document")
    later = [r for r in roles if r is not None and (policy.stage_of(r) or 0) > stage]
    if later:
        raise SignatureRefused(f"{later[0].value} has already signed a later stage: a "
                               f"{role.value} signature can no longer be added")
    earlier = frozenset(r for s in policy.stages[:stage] for r in s.roles)
    missing = sorted(r.value for r in earlier if r not in roles)
    if missing:
        raise SignatureRefused(f"{role.value} signs after {', '.join(missing)}: "
                               "missing signature(s)")
    return policy.stages[stage].endorses_previous


def add_signature(
    container: str | Path, *, key: KeyLike, role: SignerRole,
    trust: Sequence[x509.Certificate], output: str | Path | None = None,
    clock: Clock = utc_now, timestamp: TimestampProvider | None = None,
    tsa_trust: Sequence[x509.Certificate] | None = None,
    crls: Sequence[x509.CertificateRevocationList] = (),
    progress: Progress | None = None,
) -> Path:
    """Add a signature to ``container`` (written to ``output``, by default in place).

    ``timestamp`` makes the new signature B-T. Existing timestamps are checked
    against ``tsa_trust`` (by default ``trust``); with ``crls`` the existing
    signatures must also pass the revocation check (see :func:`~.verify.verify`).
    ``progress(done, total)`` is called as the data files are read: once to verify
    the existing signatures, once to copy them, so ``total`` is twice their size.
    """
    when = _now(clock)
    _check_key(key, when)
    source = Path(container)
    steps = ProgressSteps(progress)
    with ContainerWriter(output if output is not None else source) as writer:
        with ContainerReader(source) as reader:
            data_size = sum(reader.size(n) for n in reader.data_files) if steps.active else 0
            steps.expect(2 * data_size)
            found = inspect(reader, trust, tsa_trust=tsa_trust, crls=crls,
                            progress=steps.step(data_size))
            broken = [f"{s.file}: {'; '.join(s.reasons)}" for s in found.signers
                      if s.status is not Status.VALID]
            if found.problems or broken or not found.signers:
                detail = "; ".join([*found.problems, *broken]) or "no signature to add to"
                raise SignatureRefused(f"{source.name}: existing signatures do not all verify, "
                                       f"refusing to add one: {detail}")
            endorse = _plan(policy_for(found.kind), role,
                            [_role_or_none(s.role) for s in found.signers])
            manifest = reader.manifest()
            verified = {f.name: f.sha256 for f in found.signed_files}
            references: list[DataReference] = []
            for name in reader.data_files:
                with reader.open_stream(name) as stream:
                    digest = writer.add_data(name, manifest[name], stream, reader.size(name),
                                             progress=steps.step(reader.size(name)))
                if digest.hex() != verified.get(name):
                    raise SignatureRefused(f"{name} changed while it was being verified")
                references.append(DataReference(name, digest, manifest[name]))
            for file in reader.signature_files:
                writer.add_bytes(file, reader.read_xml(file))
            if endorse:
                pins = tuple(Pin(s.file, s.signature_id or "", s.role,
                                 s.certificate_sha256 or b"", s.signature_value_sha256 or b"")
                             for s in found.signers)
                count = sum(1 for n in reader.data_files if n.startswith(ENDORSEMENTS))
                name = f"{ENDORSEMENTS}{role.value}-{count + 1:04d}.xml"
                digest = writer.add_data(name, "application/xml",
                                         io.BytesIO(endorsement_bytes(role.value, pins)), 0)
                references.append(DataReference(name, digest, "application/xml"))
            last = max(signature_index(f) or 0 for f in reader.signature_files)
        signature = build_signature(references, key, role=role.value, signing_time=when,
                                    signature_id=_new_id(), timestamp=timestamp)
        writer.add_bytes(f"META-INF/signatures{last + 1}.xml", signature)
        written = writer.commit()
    steps.finish()
    return written


def _role_or_none(value: str | None) -> SignerRole | None:
    try:
        return SignerRole(value) if value is not None else None
    except ValueError:
        return None
