"""Local policy: the choices the law leaves to each CPAS, with the SDK's defaults.

domain.md marks some facts "to confirm" or leaves them to the CPAS: they are
configuration here, never constants in a rule.
"""

from __future__ import annotations

from typing import Literal

import attrs

from ._model import locate
from .lifedomains import DEFAULT_LIFE_DOMAINS, LifeDomain

__all__ = ["LocalPolicy"]


def _domains(values: tuple[LifeDomain, ...]) -> tuple[LifeDomain, ...]:
    return tuple(values)


@attrs.frozen(field_transformer=locate)
class LocalPolicy:
    """Per-CPAS options used by the rule checks and the clause generator."""

    reflection_days_kind: Literal["calendar", "working"] = attrs.field(
        default="calendar", validator=attrs.validators.in_(("calendar", "working")))
    """The 5-day reflection period counts calendar days (default) or working days."""

    piis_deadline_from: Literal["decision", "notification"] = attrs.field(
        default="decision", validator=attrs.validators.in_(("decision", "notification")))
    """The 3-month conclusion deadline runs from the decision (default) or its notification."""

    omit_sanction_for_voluntary_work: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool))
    """Leave the sanction clause out of a PIIS for voluntary work (Kortrijk's practice)."""

    life_domains: tuple[LifeDomain, ...] = attrs.field(
        default=DEFAULT_LIFE_DOMAINS, converter=_domains)
    """The life domains of the bilan social and the PIIS domains of action."""

    _domain_ids: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Asked for by rules on every check: the policy is frozen, so worked out once.
        object.__setattr__(self, "_domain_ids", frozenset(d.id for d in self.life_domains))

    def domain_ids(self) -> frozenset[str]:
        return self._domain_ids
