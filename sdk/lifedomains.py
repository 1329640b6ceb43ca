"""Life domains of the bilan social and domains of action of a PIIS.

No official list exists (domain.md, "Bilan social"): the SDK ships a default
of ten domains modelled on the practice of CPAS Kortrijk and Saint-Gilles, with
stable identifiers and FR/NL labels. A CPAS may use its own list through
:class:`~cpas.sdk.policy.LocalPolicy`.
"""

from __future__ import annotations

import re
from typing import ClassVar

import attrs

from ._model import label, locate
from .errors import InvalidValue
from .text import Text

__all__ = ["DEFAULT_LIFE_DOMAINS", "LifeDomain", "domain_by_id"]


def _domain_id(value: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", value):
        raise InvalidValue("must be a lower-case identifier (a-z, 0-9, _)", shown=repr(value))
    return value


@attrs.frozen(field_transformer=locate)
class LifeDomain:
    """One life domain: a stable id and its label."""

    LABEL: ClassVar[Text] = Text(fr="Domaine de vie", nl="Levensdomein", en="Life domain")

    id: str = attrs.field(converter=_domain_id, metadata=label(
        "Identifiant du domaine", "Code van het domein", "Domain id"))
    label: Text = attrs.field(metadata=label("Libellé", "Benaming", "Label"))


DEFAULT_LIFE_DOMAINS: tuple[LifeDomain, ...] = (
    LifeDomain("income", Text(fr="Revenus, budget et dettes", nl="Inkomen, budget en schulden",
                              en="Income, budget and debts")),
    LifeDomain("housing", Text(fr="Logement", nl="Huisvesting", en="Housing")),
    LifeDomain("health", Text(fr="Santé physique et mentale", nl="Fysieke en mentale gezondheid",
                              en="Physical and mental health")),
    LifeDomain("family", Text(fr="Famille, enfants et garde d'enfants",
                              nl="Gezin, kinderen en kinderopvang",
                              en="Family, children and childcare")),
    LifeDomain("education", Text(fr="Enseignement, formation et langues",
                                 nl="Onderwijs, opleiding en talen",
                                 en="Education, training and languages")),
    LifeDomain("work", Text(fr="Travail et expérience professionnelle",
                            nl="Werk en werkervaring", en="Work and work experience")),
    LifeDomain("mobility", Text(fr="Mobilité", nl="Mobiliteit", en="Mobility")),
    LifeDomain("administration", Text(
        fr="Situation administrative et droits (séjour, mutuelle)",
        nl="Administratieve situatie en rechten (verblijf, ziekenfonds)",
        en="Administrative situation and rights (residence, health insurance)")),
    LifeDomain("social", Text(fr="Réseau social, participation, loisirs et culture",
                              nl="Sociaal netwerk, participatie, vrije tijd en cultuur",
                              en="Social network, participation, leisure and culture")),
    LifeDomain("autonomy", Text(fr="Compétences de la vie quotidienne et autonomie",
                                nl="Vaardigheden van het dagelijks leven en zelfredzaamheid",
                                en="Daily-life skills and autonomy")),
)


def domain_by_id(domain_id: str,
                 domains: tuple[LifeDomain, ...] = DEFAULT_LIFE_DOMAINS) -> LifeDomain | None:
    for domain in domains:
        if domain.id == domain_id:
            return domain
    return None
