"""Independent verification of an ASiC-E container: what is signed, by whom, and is it trusted.

:func:`verify` checks, in this order, and reports every problem it finds:

1. **Structure** (:class:`~.container.ContainerReader`): zip safety, ``mimetype``
   first and stored, the manifest lists exactly the data files, no unknown
   ``META-INF`` entry.
2. **Each signature file** (:func:`~.xades.parse_signature`): fixed XAdES B-B
   structure, no ``KeyValue``; every referenced file exists and its SHA-256
   (streamed) matches; the SignedProperties digest matches; the
   ``SigningCertificateV2`` digest names a certificate of ``KeyInfo``; the
   signature value verifies with that certificate's key and the declared
   algorithm; the signature covers every business file; the signed media
   types agree with the manifest.
3. **Timestamps** (B-T): each ``SignatureTimeStamp`` token is over this
   signature value, intact, and from a TSA chaining to the trust anchors at its
   ``genTime`` (:func:`~.timestamp.check_timestamp`).
4. **Trust**: the signer's certificate chains to one of the ``trust`` anchors
   given (never a system or web store), at ``at``, else at the timestamp's
   ``genTime`` (B-T), else now; its key usage allows non-repudiation or digital
   signature.
5. **Endorsements and policy**: an endorsing signature (the minister's) pins the
   earlier signatures exactly; every data file is covered by a signature;
   the roles required by the document kind's policy are present.

A signature is ``invalid`` when a digest, value or structure check fails,
``untrusted`` when it is intact but its certificate is not trusted at that
time. :attr:`VerificationResult.signed_files` lists only what valid signatures
cover: a caller must use those files, not whatever else the zip holds.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import itertools
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509 import verification
from lxml import etree

from ...sdk.parties import SignerRole
from ...sdk.privacy import mask_niss_in
from ..xml.documents import KINDS
from ..xml.parser import XmlError, peek_root
from .container import (
    DEFAULT_LIMITS,
    MANIFEST,
    ContainerLimits,
    ContainerReader,
    Progress,
    ProgressSteps,
    signature_index,
)
from .endorsement import parse_endorsement
from .errors import ContainerError
from .keys import ECDSA_SHA256, ECDSA_SHA384, RSA_SHA256, chain_to_anchors
from .policy import SigningPolicy, policy_for
from .xades import InvalidSignatureFile, ParsedSignature, parse_signature

__all__ = [
    "ENDORSEMENTS",
    "SignedFile",
    "SignerResult",
    "Status",
    "VerificationResult",
    "inspect",
    "load_crls",
    "load_trust",
    "revocation_reasons",
    "verify",
]

ENDORSEMENTS = "endorsements/"


class Status(enum.Enum):
    """Outcome of one signature or of the whole container."""

    VALID = "valid"
    INVALID = "invalid"
    """Something signed was changed, or the container or signature is malformed."""
    UNTRUSTED = "untrusted"
    """Intact but not trusted (chain, time, key usage), or incomplete (required roles missing)."""


@attrs.frozen
class SignedFile:
    """A data file covered by at least one valid signature."""

    name: str
    media_type: str
    sha256: str
    """Hex SHA-256 of the file's bytes."""
    signed_by: tuple[str, ...]
    """Roles (or signature files when no role is claimed) of the valid signatures covering it."""


@attrs.frozen
class SignerResult:
    """One signature file."""

    file: str
    status: Status
    reasons: tuple[str, ...] = ()
    signature_id: str | None = None
    role: str | None = None
    subject: str | None = None
    issuer: str | None = None
    signing_time: dt.datetime | None = None
    """The claimed SigningTime (UTC): a claim until a B-T timestamp exists."""
    signed_files: tuple[str, ...] = ()
    endorses: tuple[str, ...] = ()
    """Signature files pinned by this signature's endorsement."""
    certificate_sha256: bytes | None = None
    signature_value_sha256: bytes | None = None
    level: str = "B-B"
    """``B-B``, or ``B-T`` when the signature carries a SignatureTimeStamp."""
    timestamp_time: dt.datetime | None = None
    """``genTime`` of a valid, trusted signature timestamp: proven existence time."""
    timestamp_authority: str | None = None
    """Subject of the TSA certificate of that timestamp."""
    checked_at: dt.datetime | None = None
    """The instant at which the signer's certificate chain was checked."""

    def to_dict(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "file": self.file, "status": self.status.value, "reasons": list(self.reasons),
            "signature_id": self.signature_id, "role": self.role, "subject": self.subject,
            "issuer": self.issuer, "signing_time": iso(self.signing_time),
            "level": self.level, "timestamp_time": iso(self.timestamp_time),
            "timestamp_authority": self.timestamp_authority,
            "checked_at": iso(self.checked_at),
            "signed_files": list(self.signed_files), "endorses": list(self.endorses),
        }


@attrs.frozen
class VerificationResult:
    """Everything :func:`verify` found. ``status`` is the worst of all checks."""

    path: str
    status: Status
    problems: tuple[str, ...] = ()
    """Container-level problems (structure, manifest, files nobody signed, policy)."""
    kind: str | None = None
    signed_files: tuple[SignedFile, ...] = ()
    signers: tuple[SignerResult, ...] = ()
    roles_present: tuple[str, ...] = ()
    roles_missing: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "status": self.status.value, "problems": list(self.problems),
            "kind": self.kind,
            "signed_files": [{"name": f.name, "media_type": f.media_type, "sha256": f.sha256,
                              "signed_by": list(f.signed_by)} for f in self.signed_files],
            "signers": [s.to_dict() for s in self.signers],
            "roles_present": list(self.roles_present),
            "roles_missing": list(self.roles_missing),
        }


def load_trust(paths: Sequence[str | Path]) -> tuple[x509.Certificate, ...]:
    """Trust anchors from PEM files (each may hold several certificates)."""
    anchors: list[x509.Certificate] = []
    for path in paths:
        data = Path(path).read_bytes()
        try:
            anchors.extend(x509.load_pem_x509_certificates(data))
        except ValueError:
            raise ContainerError(f"{path}: no PEM certificate") from None
    return tuple(anchors)


SIGNING_TIME: Final = "signing-time"
"""Value of ``at`` asking to check each chain at the signature's claimed SigningTime."""


def verify(path: str | Path, trust: Sequence[x509.Certificate],
           at: dt.datetime | Literal["signing-time"] | None = None,
           *, limits: ContainerLimits = DEFAULT_LIMITS,
           tsa_trust: Sequence[x509.Certificate] | None = None,
           crls: Sequence[x509.CertificateRevocationList] = (),
           progress: Progress | None = None) -> VerificationResult:
    """Verify a container against the ``trust`` anchors only (see the module docstring).

    ``at`` (timezone-aware; naive means UTC) is the instant at which the
    certificate chains are checked. By default it is the ``genTime`` of the
    signature's valid timestamp for a B-T signature (the proven time at which the
    signature existed), and **now** for a B-B signature: its SigningTime is the
    signer's own claim, so trusting it by default would let the holder of an
    expired key backdate a signature. A datetime forces that instant for every
    signature; ``at=SIGNING_TIME`` checks each chain at its claimed signing time on
    purpose. Timestamp tokens are checked against ``tsa_trust`` (by default
    ``trust``), at their own ``genTime``. With ``crls`` (see :func:`load_crls`)
    every certificate of each signer's chain must be covered by a CRL of its
    issuer that is not outdated at that instant, and not revoked before it.
    ``OSError`` is raised as is when the file cannot be read.

    ``progress(done, total)`` is called as the data files are hashed: bytes hashed
    so far out of the sum of their (uncompressed) sizes, ending at that total.
    """
    try:
        reader = ContainerReader(path, limits=limits)
    except ContainerError as exc:
        return VerificationResult(str(path), Status.INVALID, problems=(str(exc),))
    with reader:
        try:
            return inspect(reader, trust, at, tsa_trust=tsa_trust, crls=crls,
                           progress=progress)
        except ContainerError as exc:
            return VerificationResult(str(path), Status.INVALID, problems=(str(exc),))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            # The file was opened: what fails now is the zip data itself.
            return VerificationResult(str(path), Status.INVALID,
                                      problems=(f"damaged container: {exc}",))


# --------------------------------------------------------------------------- internals


def _name(value: x509.Name) -> str:
    """The RFC 4514 form of a certificate name, with any NISS masked: Belgian eID
    certificates carry the holder's NISS as ``serialNumber`` (2.5.4.5)."""
    return mask_niss_in(value.rfc4514_string())


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _check_value(parsed: ParsedSignature, cert: x509.Certificate) -> str | None:
    """None when the signature value verifies, else the reason."""
    key = cert.public_key()
    method = parsed.signature_method
    try:
        if isinstance(key, rsa.RSAPublicKey) and method == RSA_SHA256:
            key.verify(parsed.signature_value, parsed.signed_info, padding.PKCS1v15(),
                       hashes.SHA256())
            return None
        if isinstance(key, ec.EllipticCurvePublicKey) and method in (ECDSA_SHA256, ECDSA_SHA384):
            size = (key.curve.key_size + 7) // 8
            value = parsed.signature_value
            expected = {ECDSA_SHA256: "secp256r1", ECDSA_SHA384: "secp384r1"}[method]
            if key.curve.name != expected:
                return f"signature method {method} does not fit a {key.curve.name} key"
            if len(value) != 2 * size:
                return "ECDSA signature value is not raw r||s of the curve's size"
            r = int.from_bytes(value[:size], "big")
            s = int.from_bytes(value[size:], "big")
            digest: hashes.HashAlgorithm = hashes.SHA256() if method == ECDSA_SHA256 \
                else hashes.SHA384()
            key.verify(encode_dss_signature(r, s), parsed.signed_info, ec.ECDSA(digest))
            return None
    except InvalidSignature:
        return "the signature value does not verify: SignedInfo was changed or the key differs"
    return f"signature method {method} does not fit the certificate's key"


def _trust_reasons(leaf: x509.Certificate, others: Sequence[x509.Certificate],
                   trust: Sequence[x509.Certificate], when: dt.datetime,
                   crls: Sequence[x509.CertificateRevocationList] = ()) -> list[str]:
    reasons: list[str] = []
    for cert in (leaf, *others):
        if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
            what = "signer certificate" if cert is leaf else f"certificate {_name(cert.subject)}"
            reasons.append(
                f"{what} is not valid at {when.isoformat()} (valid from "
                f"{cert.not_valid_before_utc.isoformat()} to "
                f"{cert.not_valid_after_utc.isoformat()}): expired or not yet valid")
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.content_commitment or usage.digital_signature):
            reasons.append("signer certificate key usage allows neither non-repudiation nor "
                           "digital signature")
    except x509.ExtensionNotFound:
        reasons.append("signer certificate has no key usage extension")
    if not trust:
        reasons.append("no trust anchor was given")
        return reasons
    try:
        chain = chain_to_anchors(leaf, others, trust, when)
    except verification.VerificationError as exc:
        if not reasons:
            reasons.append(f"certificate {_name(leaf.issuer)} → {_name(leaf.subject)} does "
                           f"not chain to the given trust anchors: {exc}")
        elif not any("not valid at" in r for r in reasons):  # pragma: no cover
            reasons.append(f"certificate chain rejected: {exc}")
        return reasons
    if crls:
        reasons.extend(revocation_reasons(chain, crls, when))
    return reasons


def load_crls(paths: Sequence[str | Path]) -> tuple[x509.CertificateRevocationList, ...]:
    """Certificate revocation lists from files (PEM or DER, one CRL per file)."""
    found: list[x509.CertificateRevocationList] = []
    for path in paths:
        data = Path(path).read_bytes()
        try:
            found.append(x509.load_pem_x509_crl(data) if b"-----BEGIN" in data
                         else x509.load_der_x509_crl(data))
        except ValueError:
            raise ContainerError(f"{path}: not a certificate revocation list") from None
    return tuple(found)


def revocation_reasons(chain: Sequence[x509.Certificate],
                        crls: Sequence[x509.CertificateRevocationList],
                        when: dt.datetime) -> list[str]:
    """Check every certificate of the validated ``chain`` (leaf first, anchor last) against
    the CRLs given. Once CRLs are given, every certificate below the anchor needs one,
    signed by its issuer and not outdated at ``when`` (fail closed)."""
    reasons: list[str] = []
    for cert, issuer in itertools.pairwise(chain):
        usable = [c for c in crls if c.issuer == cert.issuer
                  and c.is_signature_valid(issuer.public_key())]  # type: ignore[arg-type]
        label = _name(cert.subject)
        if not usable:
            reasons.append(f"no CRL signed by {_name(cert.issuer)} was given: revocation of "
                           f"{label} cannot be checked")
            continue
        current = [c for c in usable
                   if c.next_update_utc is None or c.next_update_utc >= when]
        if not current:
            reasons.append(f"the CRLs of {_name(cert.issuer)} are outdated at "
                           f"{when.isoformat()}")
            continue
        for crl in current:
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None and entry.revocation_date_utc <= when:
                reasons.append(f"certificate {label} was revoked on "
                               f"{entry.revocation_date_utc.isoformat()}")
                break
    return reasons


def _kind(reader: ContainerReader, names: Sequence[str]) -> str | None:
    by_namespace = {kind.namespace: kind.name for kind in KINDS}
    for name in names:
        if not name.endswith(".xml") or name.startswith(ENDORSEMENTS):
            continue
        try:
            with reader.open_stream(name) as stream:
                tag = peek_root(stream, name=name)
        except (XmlError, ContainerError):
            continue
        found = by_namespace.get(etree.QName(tag).namespace or "")
        if found is not None:
            return found
    return None


def _role(value: str | None) -> SignerRole | None:
    try:
        return SignerRole(value) if value is not None else None
    except ValueError:
        return None


def inspect(reader: ContainerReader, trust: Sequence[x509.Certificate],
            at: dt.datetime | Literal["signing-time"] | None = None, *,
            tsa_trust: Sequence[x509.Certificate] | None = None,
            crls: Sequence[x509.CertificateRevocationList] = (),
            progress: Progress | None = None) -> VerificationResult:
    """Verify an opened container (used by :func:`verify` and before adding a signature).

    ``progress`` as for :func:`verify`.
    """
    tsa_anchors = trust if tsa_trust is None else tsa_trust
    problems: list[str] = []
    try:
        manifest = reader.manifest()
    except ContainerError as exc:
        return VerificationResult(str(reader.path), Status.INVALID, problems=(str(exc),))
    data = reader.data_files
    for name in reader.names:
        if name.startswith("META-INF/") and name != MANIFEST and signature_index(name) is None:
            problems.append(f"unexpected entry {name!r} in META-INF")
    for name in sorted(set(manifest) - set(data)):
        problems.append(f"{name!r} is listed in the manifest but missing from the container "
                        "(file removed?)")
    for name in data:
        if name not in manifest:
            problems.append(f"{name!r} is not listed in the manifest (file added?)")
    business = [n for n in data if not n.startswith(ENDORSEMENTS)]
    digests: dict[str, bytes] = {}
    steps = ProgressSteps(progress)
    if steps.active:
        steps.expect(sum(reader.size(n) for n in data))

    def digest(name: str) -> bytes:
        if name not in digests:
            digests[name] = reader.sha256(name, progress=steps.step(reader.size(name)))
        return digests[name]

    parsed: dict[str, ParsedSignature] = {}
    results: dict[str, SignerResult] = {}
    for file in reader.signature_files:
        try:
            sig = parse_signature(reader.read_xml(file), file)
        except (InvalidSignatureFile, ContainerError) as exc:
            results[file] = SignerResult(file, Status.INVALID, (str(exc),))
            continue
        parsed[file] = sig
        results[file] = _check_signature(file, sig, data, business, manifest, digest, trust, at,
                                         tsa_anchors, crls)
    if not reader.signature_files:
        problems.append("the container holds no signature")

    # endorsements
    for file, sig in parsed.items():
        endorsed = [u for u, _ in sig.references if u.startswith(ENDORSEMENTS)]
        if not endorsed or file not in results:
            continue
        reasons = list(results[file].reasons)
        pinned: list[str] = []
        for name in endorsed:
            if name not in data:
                continue  # already reported as a missing reference
            try:
                _, pins = parse_endorsement(reader.read_xml(name), name)
            except ContainerError as exc:
                reasons.append(str(exc))
                continue
            for pin in pins:
                target = parsed.get(pin.file)
                if target is None:
                    reasons.append(f"{name} endorses {pin.file}, which is missing or unreadable")
                elif (target.signature_id != pin.signature_id
                      or target.signature_value_sha256 != pin.signature_value_sha256
                      or target.certificate_digest != pin.certificate_sha256):
                    reasons.append(f"{name} endorses a different {pin.file}: that signature "
                                   "was replaced or changed after endorsement")
                else:
                    pinned.append(pin.file)
        status = results[file].status
        if len(reasons) > len(results[file].reasons):
            status = Status.INVALID
        results[file] = attrs.evolve(results[file], status=status, reasons=tuple(reasons),
                                     endorses=tuple(pinned))

    kind = _kind(reader, business)
    policy = policy_for(kind)
    if policy is not None:
        _apply_policy(policy, results)

    valid = [r for r in results.values() if r.status is Status.VALID]
    covered: dict[str, list[str]] = {}
    for result in valid:
        for name in result.signed_files:
            covered.setdefault(name, []).append(result.role or result.file)
    for name in data:
        if name not in covered and name in manifest:
            if any(name in r.signed_files for r in results.values()):
                continue  # its signatures are already reported as failing
            problems.append(f"{name!r} is covered by no signature (added after signing?)")
    present = sorted({r.role for r in valid if r.role is not None})
    missing = sorted(r.value for r in policy.required if r.value not in present) \
        if policy is not None else []
    signed_files = tuple(
        SignedFile(n, manifest.get(n, ""), digest(n).hex(), tuple(covered[n]))
        for n in data if n in covered)
    statuses = [r.status for r in results.values()]
    if problems or Status.INVALID in statuses:
        status = Status.INVALID
    elif Status.UNTRUSTED in statuses or missing or not statuses:
        status = Status.UNTRUSTED
    else:
        status = Status.VALID
    steps.finish()
    return VerificationResult(
        str(reader.path), status, tuple(problems), kind, signed_files,
        tuple(results[f] for f in reader.signature_files), tuple(present), tuple(missing))


def _check_signature(
    file: str, sig: ParsedSignature, data: Sequence[str], business: Sequence[str],
    manifest: dict[str, str], digest: Any, trust: Sequence[x509.Certificate],
    at: dt.datetime | Literal["signing-time"] | None,
    tsa_trust: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> SignerResult:
    invalid: list[str] = []
    untrusted: list[str] = []
    stamped_at, authority = _check_timestamps(sig, tsa_trust, invalid, untrusted, crls)
    for uri, expected in sig.references:
        if uri not in data:
            invalid.append(f"references {uri!r}, which is not in the container (file removed, "
                           "or signature copied from another container?)")
        elif digest(uri) != expected:
            invalid.append(f"digest of {uri!r} does not match: the file was changed after "
                           "signing (or the signature comes from another container)")
        elif manifest.get(uri) != sig.media_types.get(uri):
            invalid.append(f"media type of {uri!r} in {MANIFEST} ({manifest.get(uri)!r}) "
                           f"differs from the signed one ({sig.media_types.get(uri)!r})")
    signed = [uri for uri, _ in sig.references]
    for name in business:
        if name not in signed:
            invalid.append(f"does not cover {name!r}")
    if not sig.signed_properties_ok:
        invalid.append("SignedProperties digest does not match: signed properties "
                       "(time, certificate, role, formats) were changed")
    leaf = next((c for c in sig.certificates
                 if hashlib.sha256(_der(c)).digest() == sig.certificate_digest), None)
    subject = issuer = None
    when: dt.datetime | None = None
    if leaf is None:
        invalid.append("SigningCertificateV2 names no certificate of KeyInfo "
                       "(certificate substituted?)")
    else:
        subject, issuer = _name(leaf.subject), _name(leaf.issuer)
        failure = _check_value(sig, leaf)
        if failure is not None:
            invalid.append(failure)
        when = (sig.signing_time if at == SIGNING_TIME
                else _utc(at) if isinstance(at, dt.datetime)
                else stamped_at if stamped_at is not None else dt.datetime.now(dt.UTC))
        others = [c for c in sig.certificates if c is not leaf]
        untrusted.extend(_trust_reasons(leaf, others, trust, when, crls))
    if sig.role is not None and _role(sig.role) is None:
        untrusted.append(f"claimed role {sig.role!r} is not a known role")
    status = Status.INVALID if invalid else Status.UNTRUSTED if untrusted else Status.VALID
    # Reasons may quote names from the chain (also via library messages): mask NISS.
    return SignerResult(
        file, status, tuple(mask_niss_in(r) for r in invalid + untrusted), sig.signature_id,
        sig.role, subject, issuer,
        sig.signing_time, tuple(signed), (),
        hashlib.sha256(_der(leaf)).digest() if leaf is not None else None,
        sig.signature_value_sha256, level="B-T" if sig.timestamps else "B-B",
        timestamp_time=stamped_at, timestamp_authority=authority,
        checked_at=when)


SIGNING_TIME_TOLERANCE = dt.timedelta(minutes=5)
"""How far a claimed SigningTime may lie after its timestamp (clock drift) before it is
reported: a signature cannot have been made after the time a TSA saw it."""


def _check_timestamps(sig: ParsedSignature, trust: Sequence[x509.Certificate],
                      invalid: list[str], untrusted: list[str],
                      crls: Sequence[x509.CertificateRevocationList] = (),
                      ) -> tuple[dt.datetime | None, str | None]:
    """Check each SignatureTimeStamp; the earliest valid ``genTime`` and its TSA."""
    if not sig.timestamps:
        return None, None
    from .timestamp import check_timestamp

    best: tuple[dt.datetime, str | None] | None = None
    for token, covered in sig.timestamps:
        check = check_timestamp(token, covered, trust, crls=crls)
        invalid.extend(f"signature timestamp: {r}" for r in check.invalid)
        untrusted.extend(f"signature timestamp: {r}" for r in check.untrusted)
        if check.valid and check.time is not None and (best is None or check.time < best[0]):
            best = (check.time, check.authority)
    if best is None:
        return None, None
    if sig.signing_time > best[0] + SIGNING_TIME_TOLERANCE:
        untrusted.append(f"SigningTime {sig.signing_time.isoformat()} is after the signature "
                         f"timestamp {best[0].isoformat()}")
    return best


def _apply_policy(policy: SigningPolicy, results: dict[str, SignerResult]) -> None:
    """Check each signature's role against the policy; later stages must endorse earlier ones."""
    stages: dict[str, int | None] = {}
    for file, result in results.items():
        role = _role(result.role)
        stages[file] = policy.stage_of(role) if role is not None else None
    for file, result in list(results.items()):
        stage = stages[file]
        reasons = list(result.reasons)
        if stage is None:
            reasons.append(f"role {result.role!r} is not part of the {policy.kind} policy")
        elif policy.stages[stage].endorses_previous:
            for other, other_stage in stages.items():
                if other_stage is not None and other_stage < stage \
                        and other not in result.endorses:
                    reasons.append(f"does not endorse {other} ({results[other].role}): "
                                   "signed before it, or it was added afterwards")
        if len(reasons) > len(result.reasons):
            status = Status.INVALID if result.status is Status.INVALID else Status.UNTRUSTED
            results[file] = attrs.evolve(result, status=status, reasons=tuple(reasons))
