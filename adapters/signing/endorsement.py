"""Endorsement files: a later signer pins the earlier signatures (signing.md §4).

``endorsements/<role>-NNNN.xml`` lists, for each endorsed signature, the
signature file, the ``ds:Signature/@Id``, the SHA-256 of the signer's DER
certificate and SHA-256(exc-C14N(``ds:SignatureValue``)). The endorsing signer
signs the data files and this file, so changing or removing an earlier
signature breaks the endorsement. Hashing the SignatureValue (not the whole
file) keeps the pin valid when earlier signatures later gain timestamps (B-T).
"""

from __future__ import annotations

import base64

import attrs
from lxml import etree

from ..xml.parser import Limits, XmlError, parse_bytes
from .errors import ContainerError

__all__ = ["ENDORSEMENT_NS", "Pin", "endorsement_bytes", "parse_endorsement"]

ENDORSEMENT_NS = "urn:be:cpas-sdk:endorsement:1"
_E = f"{{{ENDORSEMENT_NS}}}"


@attrs.frozen
class Pin:
    """One endorsed signature."""

    file: str
    signature_id: str
    role: str | None
    certificate_sha256: bytes
    signature_value_sha256: bytes


def endorsement_bytes(role: str, pins: tuple[Pin, ...]) -> bytes:
    """The endorsement file written by a signer of ``role``."""
    root = etree.Element(f"{_E}endorsement", nsmap={None: ENDORSEMENT_NS})  # type: ignore[dict-item]
    root.set("role", role)
    for pin in pins:
        element = etree.SubElement(root, f"{_E}endorsedSignature")
        element.set("file", pin.file)
        element.set("signatureId", pin.signature_id)
        if pin.role is not None:
            element.set("role", pin.role)
        element.set("certificateSha256", base64.b64encode(pin.certificate_sha256).decode())
        element.set("signatureValueSha256",
                    base64.b64encode(pin.signature_value_sha256).decode())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse_endorsement(data: bytes, source: str) -> tuple[str, tuple[Pin, ...]]:
    """``(role, pins)`` of an endorsement file (hardened parser)."""
    try:
        root = parse_bytes(data, source=source, limits=Limits(max_bytes=4 * 1024 * 1024)).getroot()
    except XmlError as exc:
        raise ContainerError(f"{source}: {exc.reason}") from None
    if root.tag != f"{_E}endorsement":
        raise ContainerError(f"{source}: not an endorsement file")
    pins: list[Pin] = []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        if element.tag != f"{_E}endorsedSignature":
            raise ContainerError(f"{source}: unexpected element {etree.QName(element).localname}")
        try:
            pins.append(Pin(
                file=str(element.attrib["file"]),
                signature_id=str(element.attrib["signatureId"]),
                role=element.get("role"),
                certificate_sha256=base64.b64decode(element.attrib["certificateSha256"],
                                                    validate=True),
                signature_value_sha256=base64.b64decode(element.attrib["signatureValueSha256"],
                                                        validate=True)))
        except (KeyError, ValueError):
            raise ContainerError(f"{source}: an endorsedSignature is incomplete") from None
    return root.get("role") or "", tuple(pins)
