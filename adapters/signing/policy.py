"""Signing policies: which roles must sign a document kind, and in which stages.

A subsidy convention "participation et activation sociale" is signed by the
CPAS president and the directeur général (formerly secrétaire), in any order,
then by the minister; only then does SPP IS pay the 50 % advance (domain.md,
"Subsidy conventions"). The minister's signature is a second stage: it covers
the data files plus an endorsement file pinning the stage-1 signatures
(signing.md §4).

A PIIS contract is signed by the beneficiary and by the CPAS represented by its
president and directeur général (SPP IS model contract; domain.md, "PIIS").

Kinds without a policy accept any role and require none.
"""

from __future__ import annotations

import attrs

from ...sdk.parties import SignerRole

__all__ = ["POLICIES", "SigningPolicy", "Stage", "policy_for"]


@attrs.frozen
class Stage:
    """Roles that sign in parallel, over the same data files."""

    roles: frozenset[SignerRole]
    endorses_previous: bool = False
    """True when this stage's signatures also cover an endorsement of the earlier stages."""


@attrs.frozen
class SigningPolicy:
    """The stages of signatures a document kind needs."""

    kind: str
    stages: tuple[Stage, ...]

    @property
    def required(self) -> frozenset[SignerRole]:
        """Every role that must have signed."""
        return frozenset(r for stage in self.stages for r in stage.roles)

    def stage_of(self, role: SignerRole) -> int | None:
        """Index of the stage in which ``role`` signs (None: not in this policy)."""
        for index, stage in enumerate(self.stages):
            if role in stage.roles:
                return index
        return None


POLICIES: dict[str, SigningPolicy] = {
    "subsidy": SigningPolicy("subsidy", (
        Stage(frozenset({SignerRole.PRESIDENT, SignerRole.DIRECTEUR_GENERAL})),
        Stage(frozenset({SignerRole.MINISTER}), endorses_previous=True),
    )),
    "piis": SigningPolicy("piis", (
        Stage(frozenset({SignerRole.BENEFICIARY, SignerRole.PRESIDENT,
                         SignerRole.DIRECTEUR_GENERAL})),
    )),
}


def policy_for(kind: str | None) -> SigningPolicy | None:
    """The policy of a document kind (``subsidy``, ``piis``…), None when there is none."""
    return POLICIES.get(kind) if kind is not None else None
