"""Detached XAdES baseline B-B signatures (ETSI EN 319 132-1) inside an ASiC-E container.

One signature file holds one ``ds:Signature`` in an ``asic:XAdESSignatures``
root (signing.md §2). What a signature covers, and nothing else:

* one ``ds:Reference`` per data file: ``URI`` = the path in the container, no
  transforms (SHA-256 of the raw bytes), an ``Id`` for ``DataObjectFormat``;
* the ``xades:SignedProperties`` reference, with an explicit exclusive-C14N
  transform: ``SigningTime`` (UTC), ``SigningCertificateV2`` (SHA-256 of the
  DER certificate), ``SignerRoleV2`` (the claimed role), one
  ``DataObjectFormat`` per data reference and a ``CommitmentTypeIndication``
  (proof of approval) over all signed data objects.

``KeyInfo`` holds the signer's certificate then the intermediates; a
``KeyValue`` is never written and always refused when reading.

:func:`parse_signature` reads a signature file by fixed positions (never by
searching the document), so an element moved or duplicated elsewhere (XML
wrapping) is refused or ignored, never verified in place of the real one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ..xml.parser import Limits, XmlError, parse_bytes
from .errors import SigningError
from .keys import ECDSA_SHA256, ECDSA_SHA384, RSA_SHA256, KeyLike

if TYPE_CHECKING:
    from .timestamp import TimestampProvider

__all__ = [
    "ASIC_NS",
    "DS_NS",
    "EXC_C14N",
    "PROOF_OF_APPROVAL",
    "SHA256",
    "SIGNED_PROPERTIES_TYPE",
    "XADES_NS",
    "DataReference",
    "InvalidSignatureFile",
    "ParsedSignature",
    "build_signature",
    "c14n",
    "parse_signature",
]

ASIC_NS = "http://uri.etsi.org/02918/v1.2.1#"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
PROOF_OF_APPROVAL = "http://uri.etsi.org/01903/v1.2.2#ProofOfApproval"
SIGNATURE_METHODS = frozenset({RSA_SHA256, ECDSA_SHA256, ECDSA_SHA384})

_DS = f"{{{DS_NS}}}"
_XADES = f"{{{XADES_NS}}}"
_ASIC = f"{{{ASIC_NS}}}"
_NSMAP = {"asic": ASIC_NS, "ds": DS_NS, "xades": XADES_NS}
_SIGNATURE_LIMITS = Limits(max_bytes=16 * 1024 * 1024, max_depth=32, max_text=8 * 1024 * 1024)


class InvalidSignatureFile(SigningError):
    """A signature file is not a well-formed, acceptable XAdES B-B signature."""

    code = "XADES-INVALID"


@attrs.frozen
class DataReference:
    """One data file covered by a signature."""

    uri: str
    """Path of the file in the container."""
    digest: bytes
    """SHA-256 of its raw bytes."""
    media_type: str
    """Its media type (``DataObjectFormat/MimeType``)."""


def c14n(element: etree._Element) -> bytes:
    """Exclusive canonical XML (without comments) of an element and its subtree."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _sub(parent: etree._Element, tag: str, text: str | None = None,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    for name, value in attributes.items():
        element.set(name, value)
    if text is not None:
        element.text = text
    return element


def _digest_element(parent: etree._Element, digest: bytes) -> None:
    _sub(parent, f"{_DS}DigestMethod", Algorithm=SHA256)
    _sub(parent, f"{_DS}DigestValue", _b64(digest))


def build_signature(
    references: Sequence[DataReference], key: KeyLike, *, role: str,
    signing_time: dt.datetime, signature_id: str, commitment: str = PROOF_OF_APPROVAL,
    timestamp: TimestampProvider | None = None,
) -> bytes:
    """The bytes of one ``META-INF/signaturesN.xml`` file signing ``references``.

    With a ``timestamp`` provider the signature is baseline B-T: an RFC 3161 token
    over SHA-256(exc-C14N(``ds:SignatureValue``)) is added as
    ``UnsignedSignatureProperties/SignatureTimeStamp`` (outside SignedInfo, so the
    XMLDSig signature stays valid).
    """
    if not references:
        raise SigningError("nothing to sign: no data file")
    if signing_time.tzinfo is None:
        raise SigningError("signing time must be timezone-aware (UTC)")
    when = signing_time.astimezone(dt.UTC).replace(microsecond=0)
    sid = signature_id
    root = etree.Element(f"{_ASIC}XAdESSignatures", nsmap=_NSMAP)
    signature = _sub(root, f"{_DS}Signature", Id=sid)
    signed_info = _sub(signature, f"{_DS}SignedInfo")
    _sub(signed_info, f"{_DS}CanonicalizationMethod", Algorithm=EXC_C14N)
    _sub(signed_info, f"{_DS}SignatureMethod", Algorithm=key.signature_method)
    ref_ids: list[str] = []
    for index, ref in enumerate(references):
        ref_id = f"{sid}-ref-{index}"
        ref_ids.append(ref_id)
        element = _sub(signed_info, f"{_DS}Reference", Id=ref_id, URI=ref.uri)
        _digest_element(element, ref.digest)
    props_id = f"{sid}-signedprops"
    props_ref = _sub(signed_info, f"{_DS}Reference", Id=f"{sid}-ref-props",
                     Type=SIGNED_PROPERTIES_TYPE, URI=f"#{props_id}")
    transforms = _sub(props_ref, f"{_DS}Transforms")
    _sub(transforms, f"{_DS}Transform", Algorithm=EXC_C14N)
    _sub(props_ref, f"{_DS}DigestMethod", Algorithm=SHA256)
    props_digest = _sub(props_ref, f"{_DS}DigestValue")
    value = _sub(signature, f"{_DS}SignatureValue", Id=f"{sid}-value")
    key_info = _sub(signature, f"{_DS}KeyInfo")
    x509_data = _sub(key_info, f"{_DS}X509Data")
    for cert in (key.certificate, *key.chain):
        _sub(x509_data, f"{_DS}X509Certificate",
             _b64(cert.public_bytes(serialization.Encoding.DER)))
    obj = _sub(signature, f"{_DS}Object")
    qualifying = _sub(obj, f"{_XADES}QualifyingProperties", Target=f"#{sid}")
    props = _sub(qualifying, f"{_XADES}SignedProperties", Id=props_id)
    ssp = _sub(props, f"{_XADES}SignedSignatureProperties")
    _sub(ssp, f"{_XADES}SigningTime", when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    cert_v2 = _sub(_sub(ssp, f"{_XADES}SigningCertificateV2"), f"{_XADES}Cert")
    cert_digest = _sub(cert_v2, f"{_XADES}CertDigest")
    _digest_element(cert_digest, hashlib.sha256(
        key.certificate.public_bytes(serialization.Encoding.DER)).digest())
    claimed = _sub(_sub(ssp, f"{_XADES}SignerRoleV2"), f"{_XADES}ClaimedRoles")
    _sub(claimed, f"{_XADES}ClaimedRole", role)
    sdop = _sub(props, f"{_XADES}SignedDataObjectProperties")
    for ref, ref_id in zip(references, ref_ids, strict=True):
        fmt = _sub(sdop, f"{_XADES}DataObjectFormat", ObjectReference=f"#{ref_id}")
        _sub(fmt, f"{_XADES}MimeType", ref.media_type)
    commitment_element = _sub(sdop, f"{_XADES}CommitmentTypeIndication")
    _sub(_sub(commitment_element, f"{_XADES}CommitmentTypeId"), f"{_XADES}Identifier",
         commitment)
    _sub(commitment_element, f"{_XADES}AllSignedDataObjects")

    props_digest.text = _b64(hashlib.sha256(c14n(props)).digest())
    value.text = _b64(key.sign(c14n(signed_info)))
    if timestamp is not None:
        from .timestamp import request_timestamp

        token = request_timestamp(timestamp, c14n(value))
        unsigned = _sub(_sub(qualifying, f"{_XADES}UnsignedProperties"),
                        f"{_XADES}UnsignedSignatureProperties")
        stamp = _sub(unsigned, f"{_XADES}SignatureTimeStamp", Id=f"{sid}-timestamp")
        _sub(stamp, f"{_DS}CanonicalizationMethod", Algorithm=EXC_C14N)
        _sub(stamp, f"{_XADES}EncapsulatedTimeStamp", _b64(token))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --------------------------------------------------------------------------- reading


@attrs.frozen
class ParsedSignature:
    """What a signature file claims; :mod:`.verify` checks it against the container."""

    signature_id: str
    signed_info: bytes
    """Exclusive C14N of ``ds:SignedInfo``: the bytes the signature value is over."""
    signature_method: str
    signature_value: bytes
    signature_value_sha256: bytes
    """SHA-256 of exc-C14N(``ds:SignatureValue``), pinned by endorsements (signing.md §4)."""
    references: tuple[tuple[str, bytes], ...]
    """``(URI, SHA-256)`` of every data reference, in order."""
    media_types: dict[str, str]
    """``DataObjectFormat/MimeType`` by URI."""
    certificates: tuple[x509.Certificate, ...]
    """``KeyInfo/X509Data`` certificates, in order."""
    certificate_digest: bytes
    """``SigningCertificateV2`` SHA-256 of the signer's certificate."""
    signing_time: dt.datetime
    role: str | None
    commitment: str | None
    signed_properties_ok: bool
    """True when the SignedProperties digest matches."""
    timestamps: tuple[tuple[bytes, bytes], ...] = ()
    """``(RFC 3161 token, timestamped bytes)`` of each SignatureTimeStamp (B-T)."""


def _fail(source: str, reason: str) -> InvalidSignatureFile:
    return InvalidSignatureFile(f"{source}: {reason}")


def _children(element: etree._Element) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str)]


def _expect(element: etree._Element, tag: str, source: str, what: str) -> None:
    if element.tag != tag:
        local = etree.QName(element).localname
        raise _fail(source, f"expected {what}, found {local}")


def _one(parent: etree._Element, tag: str, source: str, what: str) -> etree._Element:
    found = [c for c in _children(parent) if c.tag == tag]
    if len(found) != 1:
        raise _fail(source, f"expected exactly one {what}, found {len(found)}")
    return found[0]


def _decode(text: str | None, source: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        raise _fail(source, f"{what} is not base64") from None


def _digest_of(parent: etree._Element, source: str, what: str) -> bytes:
    method = _one(parent, f"{_DS}DigestMethod", source, f"DigestMethod in {what}")
    if method.get("Algorithm") != SHA256:
        raise _fail(source, f"{what}: digest algorithm {method.get('Algorithm')!r} "
                            "not accepted (SHA-256 only)")
    digest = _decode(_one(parent, f"{_DS}DigestValue", source, "DigestValue").text,
                     source, f"DigestValue of {what}")
    if len(digest) != 32:
        raise _fail(source, f"{what}: digest is not 32 bytes")
    return digest


def parse_signature(data: bytes, source: str) -> ParsedSignature:
    """Read a ``META-INF/signaturesN.xml`` strictly (hardened parser, fixed structure)."""
    try:
        tree = parse_bytes(data, source=source, limits=_SIGNATURE_LIMITS)
    except XmlError as exc:
        raise _fail(source, exc.reason) from None
    root = tree.getroot()
    _expect(root, f"{_ASIC}XAdESSignatures", source, "asic:XAdESSignatures root")
    top = _children(root)
    if len(top) != 1:
        raise _fail(source, f"expected one ds:Signature per file, found {len(top)} elements")
    signature = top[0]
    _expect(signature, f"{_DS}Signature", source, "ds:Signature")
    ids = [e.get("Id") for e in signature.iter() if isinstance(e.tag, str) and e.get("Id")]
    if len(ids) != len(set(ids)):
        raise _fail(source, "an Id attribute value is used twice")
    sid = signature.get("Id")
    if not sid:
        raise _fail(source, "ds:Signature has no Id")
    parts = _children(signature)
    if len(parts) != 4:
        raise _fail(source, "ds:Signature must hold SignedInfo, SignatureValue, KeyInfo "
                            "and one Object, in that order")
    signed_info, value, key_info, obj = parts
    _expect(signed_info, f"{_DS}SignedInfo", source, "ds:SignedInfo")
    _expect(value, f"{_DS}SignatureValue", source, "ds:SignatureValue")
    _expect(key_info, f"{_DS}KeyInfo", source, "ds:KeyInfo")
    _expect(obj, f"{_DS}Object", source, "ds:Object")

    # SignedInfo
    info_parts = _children(signed_info)
    if len(info_parts) < 3:
        raise _fail(source, "SignedInfo needs a C14N method, a signature method and references")
    c14n_method, method, *refs = info_parts
    _expect(c14n_method, f"{_DS}CanonicalizationMethod", source, "CanonicalizationMethod")
    if c14n_method.get("Algorithm") != EXC_C14N or _children(c14n_method):
        raise _fail(source, "canonicalization must be exclusive C14N without prefix list")
    _expect(method, f"{_DS}SignatureMethod", source, "SignatureMethod")
    algorithm = method.get("Algorithm") or ""
    if algorithm not in SIGNATURE_METHODS:
        raise _fail(source, f"signature method {algorithm!r} not accepted")

    # Object / QualifyingProperties / SignedProperties
    qualifying = _one(obj, f"{_XADES}QualifyingProperties", source, "QualifyingProperties")
    if qualifying.get("Target") != f"#{sid}":
        raise _fail(source, "QualifyingProperties does not target this signature")
    props = _one(qualifying, f"{_XADES}SignedProperties", source, "SignedProperties")
    props_id = props.get("Id")
    if not props_id:
        raise _fail(source, "SignedProperties has no Id")
    timestamps = _timestamps(qualifying, value, source)

    data_refs: list[tuple[str, bytes]] = []
    ref_uris: dict[str, str] = {}
    props_ok: bool | None = None
    for ref in refs:
        _expect(ref, f"{_DS}Reference", source, "ds:Reference")
        uri = ref.get("URI")
        if uri is None:
            raise _fail(source, "a Reference has no URI")
        transforms = [c for c in _children(ref) if c.tag == f"{_DS}Transforms"]
        if ref.get("Type") == SIGNED_PROPERTIES_TYPE:
            if props_ok is not None:
                raise _fail(source, "more than one SignedProperties reference")
            if uri != f"#{props_id}":
                raise _fail(source, "the SignedProperties reference does not point at "
                                    "this signature's SignedProperties")
            steps = _children(transforms[0]) if len(transforms) == 1 else []
            if len(steps) != 1 or steps[0].get("Algorithm") != EXC_C14N:
                raise _fail(source, "the SignedProperties reference must have exactly one "
                                    "exclusive C14N transform")
            expected = _digest_of(ref, source, "SignedProperties reference")
            props_ok = hashlib.sha256(c14n(props)).digest() == expected
            continue
        if transforms:
            raise _fail(source, f"reference {uri!r} has transforms (raw bytes only)")
        if uri.startswith("#") or not uri or uri in ref_uris.values():
            raise _fail(source, f"reference URI {uri!r} is not a distinct container file")
        ref_id = ref.get("Id")
        if not ref_id:
            raise _fail(source, f"reference {uri!r} has no Id")
        ref_uris[ref_id] = uri
        data_refs.append((uri, _digest_of(ref, source, f"reference {uri!r}")))
    if props_ok is None:
        raise _fail(source, "no SignedProperties reference")
    if not data_refs:
        raise _fail(source, "no data file is referenced")

    # KeyInfo: certificates only
    for child in key_info.iter():
        if child.tag == f"{_DS}KeyValue" or (isinstance(child.tag, str)
                                             and child.tag.endswith("}DEREncodedKeyValue")):
            raise _fail(source, "KeyInfo holds a KeyValue: only X.509 certificates are "
                                "accepted (a bare key proves nothing about who signed)")
    certificates: list[x509.Certificate] = []
    for x509_data in _children(key_info):
        _expect(x509_data, f"{_DS}X509Data", source, "X509Data in KeyInfo")
        for cert in _children(x509_data):
            if cert.tag != f"{_DS}X509Certificate":
                continue
            der = _decode(cert.text, source, "X509Certificate")
            try:
                certificates.append(x509.load_der_x509_certificate(der))
            except ValueError:
                raise _fail(source, "an X509Certificate cannot be decoded") from None
    if not certificates:
        raise _fail(source, "KeyInfo holds no X.509 certificate")

    ssp = _one(props, f"{_XADES}SignedSignatureProperties", source, "SignedSignatureProperties")
    time_text = (_one(ssp, f"{_XADES}SigningTime", source, "SigningTime").text or "").strip()
    try:
        when = dt.datetime.fromisoformat(time_text)
    except ValueError:
        raise _fail(source, f"SigningTime {time_text[:40]!r} is not a date-time") from None
    if when.tzinfo is None:
        raise _fail(source, "SigningTime has no time zone")
    if [c for c in _children(ssp) if c.tag == f"{_XADES}SigningCertificate"]:
        raise _fail(source, "SigningCertificate (v1, SHA-1) is not accepted; use V2")
    cert_v2 = _one(ssp, f"{_XADES}SigningCertificateV2", source, "SigningCertificateV2")
    first_cert = _one(cert_v2, f"{_XADES}Cert", source, "SigningCertificateV2/Cert")
    cert_digest = _digest_of(_one(first_cert, f"{_XADES}CertDigest", source, "CertDigest"),
                             source, "CertDigest")
    role: str | None = None
    roles = [c for c in _children(ssp) if c.tag == f"{_XADES}SignerRoleV2"]
    if len(roles) > 1:
        raise _fail(source, "more than one SignerRoleV2")
    if roles:
        claimed = _one(roles[0], f"{_XADES}ClaimedRoles", source, "ClaimedRoles")
        names = [(c.text or "").strip() for c in _children(claimed)]
        if len(names) != 1:
            raise _fail(source, "exactly one ClaimedRole is expected")
        role = names[0]

    media: dict[str, str] = {}
    commitment: str | None = None
    sdop = [c for c in _children(props) if c.tag == f"{_XADES}SignedDataObjectProperties"]
    for element in _children(sdop[0]) if len(sdop) == 1 else []:
        if element.tag == f"{_XADES}DataObjectFormat":
            target = (element.get("ObjectReference") or "").removeprefix("#")
            if target not in ref_uris:
                raise _fail(source, "a DataObjectFormat points at no data reference")
            mime = _one(element, f"{_XADES}MimeType", source, "MimeType").text or ""
            if ref_uris[target] in media:
                raise _fail(source, f"two DataObjectFormat for {ref_uris[target]!r}")
            media[ref_uris[target]] = mime.strip()
        elif element.tag == f"{_XADES}CommitmentTypeIndication":
            ident = element.find(f"{_XADES}CommitmentTypeId/{_XADES}Identifier")
            commitment = (ident.text or "").strip() if ident is not None else None
    missing = [uri for uri in ref_uris.values() if uri not in media]
    if missing:
        raise _fail(source, f"no DataObjectFormat for {missing[0]!r}")

    return ParsedSignature(
        signature_id=sid, signed_info=c14n(signed_info), signature_method=algorithm,
        signature_value=_decode(value.text, source, "SignatureValue"),
        signature_value_sha256=hashlib.sha256(c14n(value)).digest(),
        references=tuple(data_refs), media_types=media, certificates=tuple(certificates),
        certificate_digest=cert_digest, signing_time=when.astimezone(dt.UTC), role=role,
        commitment=commitment, signed_properties_ok=props_ok, timestamps=timestamps)


def _timestamps(qualifying: etree._Element, value: etree._Element,
                source: str) -> tuple[tuple[bytes, bytes], ...]:
    """The SignatureTimeStamp tokens of UnsignedProperties, with the bytes they cover."""
    extra = [c for c in _children(qualifying)
             if c.tag not in (f"{_XADES}SignedProperties", f"{_XADES}UnsignedProperties")]
    if extra:
        raise _fail(source, f"unexpected {etree.QName(extra[0]).localname} in "
                            "QualifyingProperties")
    unsigned = [c for c in _children(qualifying) if c.tag == f"{_XADES}UnsignedProperties"]
    if not unsigned:
        return ()
    if len(unsigned) > 1:
        raise _fail(source, "more than one UnsignedProperties")
    parts = _children(unsigned[0])
    if [p.tag for p in parts] != [f"{_XADES}UnsignedSignatureProperties"]:
        raise _fail(source, "UnsignedProperties must hold exactly one "
                            "UnsignedSignatureProperties")
    found: list[tuple[bytes, bytes]] = []
    for stamp in _children(parts[0]):
        if stamp.tag != f"{_XADES}SignatureTimeStamp":
            raise _fail(source, f"unsigned property {etree.QName(stamp).localname} is not "
                                "supported (SignatureTimeStamp only)")
        steps = _children(stamp)
        method = C14N
        if steps and steps[0].tag == f"{_DS}CanonicalizationMethod":
            method = steps[0].get("Algorithm") or ""
            steps = steps[1:]
        if method not in (EXC_C14N, C14N):
            raise _fail(source, f"SignatureTimeStamp canonicalization {method!r} not accepted")
        if [s.tag for s in steps] != [f"{_XADES}EncapsulatedTimeStamp"]:
            raise _fail(source, "a SignatureTimeStamp must hold one EncapsulatedTimeStamp "
                                "(no Include, ReferenceInfo or XMLTimeStamp)")
        token = _decode(steps[0].text, source, "EncapsulatedTimeStamp")
        covered = c14n(value) if method == EXC_C14N else etree.tostring(
            value, method="c14n", exclusive=False, with_comments=False)
        found.append((token, covered))
    if not found:
        raise _fail(source, "UnsignedSignatureProperties holds no SignatureTimeStamp")
    return tuple(found)
