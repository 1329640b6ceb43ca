"""Shared pieces of the e-Box package tests: a signed convention and package rewriting.

The PKI is the throw-away demo PKI (root EC P-384, intermediate RSA, president and
directeur général RSA, minister ECDSA P-256). Digests written back into tampered
packages are computed here with hashlib and base64, independently of the code under
test.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import shutil
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from cpas.adapters.signing.ebox import Message, Recipient, pack
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.testpki import demo_pki
from cpas.adapters.signing.verify import load_trust
from cpas.adapters.xml.documents import to_xml
from cpas.sdk.parties import SignerRole
from cpas.sdk.samples import sample_set

SIGNED_AT = dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.UTC)
CREATED_AT = dt.datetime(2025, 6, 3, 8, 0, tzinfo=dt.UTC)
SENDER = "0212345668"
"""KBO of the sample CPAS (fictitious; mod-97 check 02123456 % 97 = 29, 97 - 29 = 68)."""
RECIPIENT = "0300000016"
"""A fictitious KBO: 03000000 % 97 = 81, 97 - 81 = 16."""


@attrs.frozen
class Signed:
    """A convention signed by the three roles of its policy, and the anchors."""

    folder: Path
    root_pem: Path
    other_root_pem: Path
    convention: Path
    """The fully signed container."""
    partial: Path
    """The same convention signed by the president only (incomplete)."""
    schemas: Path

    def trust(self) -> Any:
        return load_trust([self.root_pem])

    def other_trust(self) -> Any:
        return load_trust([self.other_root_pem])


def clock() -> dt.datetime:
    return SIGNED_AT


def make_signed(folder: Path) -> Signed:
    from cpas.schemas import export

    pki = demo_pki(folder / "pki")
    other = demo_pki(folder / "other-pki")
    document = folder / "convention.xml"
    document.write_bytes(to_xml(sample_set().subsidy))
    container = folder / "convention.asice"
    partial = folder / "partial.asice"
    sign_new(partial, document, key=pki.president, role=SignerRole.PRESIDENT, clock=clock)
    shutil.copy(partial, container)
    trust = load_trust([pki.root_pem])
    add_signature(container, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL,
                  trust=trust, clock=clock)
    add_signature(container, key=pki.minister, role=SignerRole.MINISTER, trust=trust,
                  clock=clock)
    export(folder / "schemas")
    return Signed(folder, pki.root_pem, other.root_pem, container, partial, folder / "schemas")


def message(**changes: Any) -> Message:
    base = Message(Recipient.enterprise(RECIPIENT), sender=SENDER,
                   message_type_id="cpas-subsidy-convention",
                   subject="Convention de subside PAS 2025", language="fr")
    return attrs.evolve(base, **changes)


def make_package(signed: Signed, output: Path, **changes: Any) -> Path:
    return pack(output, [signed.convention], message(**changes), trust=signed.trust(),
                created_at=CREATED_AT)


def b64url_sha256(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode("ascii")


def reseal(folder: Path) -> None:
    """Recompute message.json digests and SHA256SUMS of a package folder after tampering,
    so that only the deeper checks can notice."""
    message_path = folder / "message.json"
    data = json.loads(message_path.read_text("utf-8"))
    for item in data.get("attachments", []):
        file = folder / "attachments" / item["httpPartName"] / item["fileName"]
        if file.exists():
            item["digest"]["digestValue"] = b64url_sha256(file.read_bytes())
    message_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    write_sums(folder)


def write_sums(folder: Path) -> None:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}"
             for p in files]
    (folder / "SHA256SUMS").write_text("".join(line + "\n" for line in lines), "ascii")


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")


def rezip_entries(source: Path, target: Path,
                  entries: Callable[[list[tuple[zipfile.ZipInfo, bytes]]],
                                    list[tuple[zipfile.ZipInfo, bytes]]]) -> Path:
    """Copy a zip entry by entry through ``entries`` (for attacks on the zip itself)."""
    with zipfile.ZipFile(source) as old:
        items = [(info, old.read(info)) for info in old.infolist()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(target, "w") as new:
            for info, data in entries(items):
                new.writestr(info, data)
    return target


def change_in_container(container: Path, name: str, old: bytes, new: bytes) -> None:
    """Replace bytes inside one entry of an ASiC-E container (keeping mimetype first)."""
    moved = container.with_suffix(".orig")
    container.rename(moved)

    def change(items: list[tuple[zipfile.ZipInfo, bytes]]) -> list[tuple[zipfile.ZipInfo, bytes]]:
        out = []
        for info, data in items:
            if info.filename == name:
                assert old in data
                data = data.replace(old, new, 1)
            out.append((info, data))
        return out

    rezip_entries(moved, container, change)
    moved.unlink()
