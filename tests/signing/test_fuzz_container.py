"""Damaged containers give a verdict, never a traceback (a review found zlib errors escaping)."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import SIGNED_AT, Pki, clock_at

from cpas.adapters.signing.signer import sign_new
from cpas.adapters.signing.verify import Status, load_trust, verify


def test_random_damage_is_reported_as_invalid(pki: Pki, convention_xml: Path,
                                               tmp_path: Path) -> None:
    from cpas.sdk.parties import SignerRole

    container = sign_new(tmp_path / "c.asice", convention_xml, key=pki.president,
                         role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT))
    good = container.read_bytes()
    trust = load_trust([pki.root_pem])
    rng = random.Random(7)
    verdicts = []
    for round_ in range(400):
        data = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        damaged = tmp_path / f"d{round_}.asice"
        damaged.write_bytes(bytes(data))
        verdicts.append(verify(damaged, trust).status)
    assert Status.INVALID in verdicts
    assert all(isinstance(v, Status) for v in verdicts)
