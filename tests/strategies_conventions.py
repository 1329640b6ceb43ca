"""Hypothesis strategies for the two convention documents.

Subsidy conventions "participation et activation sociale" and partnership conventions
"mesure 500 €" that can be built (valid values, consistent dates), with non-ASCII
names, optional parts left empty and amounts up to the largest the SDK represents.
They need not be free of findings: the rule checks must cope with any of them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypeVar

from hypothesis import strategies as st

from cpas.sdk import Cpas, Money, Organisation, Person, Signature, SignerRole
from cpas.sdk.documents.partnership import (
    BeneficiaryStatus,
    ClaimDeclaration,
    GuidanceMethod,
    Partner,
    PartnerKind,
    PartnershipConvention,
)
from cpas.sdk.documents.subsidy import (
    ConventionKind,
    Expense,
    ExpenseCategory,
    Indicators,
    Objective,
    Section,
    SectionAmount,
    SubsidyConvention,
    SubsidySignature,
)
from strategies import addresses, amounts, kbos, nis_codes, niss_digits, texts

__all__ = [
    "cpas_values",
    "organisations",
    "partnership_conventions",
    "persons",
    "shares",
    "subsidy_conventions",
]


def _money(max_value: str = "99999999.99") -> st.SearchStrategy[Money]:
    return amounts(max_value).map(Money)


T = TypeVar("T")


def _opt(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def cpas_values() -> st.SearchStrategy[Cpas]:
    return st.builds(Cpas, texts(max_size=40), kbos(), nis_codes(), _opt(texts(max_size=30)),
                     _opt(addresses()))


def organisations() -> st.SearchStrategy[Organisation]:
    return st.builds(Organisation, texts(max_size=40), _opt(kbos()))


@st.composite
def persons(draw: st.DrawFn) -> Person:
    """A person with a NISS built from its definition (never a real number)."""
    birth = draw(st.dates(dt.date(1940, 1, 1), dt.date(2007, 12, 31)))
    niss = niss_digits(birth, draw(st.integers(1, 998)))
    return Person(niss=niss, last_name=draw(texts(max_size=30)),
                  first_name=draw(texts(max_size=30)), birth_date=draw(_opt(st.just(birth))),
                  language=draw(st.sampled_from([None, "fr", "nl", "de"])),
                  address=draw(_opt(addresses())))


@st.composite
def shares(draw: st.DrawFn, count: int) -> tuple[Decimal, ...]:
    """``count`` percentages with two decimals adding up to exactly 100."""
    weights = draw(st.lists(st.integers(1, 1000), min_size=count, max_size=count))
    return tuple(m.amount for m in Money(100).allocate(weights))


# --- Subsidy conventions ------------------------------------------------------------------------


@st.composite
def _expenses(draw: st.DrawFn, sections: tuple[Section, ...]) -> Expense:
    category = draw(st.sampled_from(ExpenseCategory))
    everyone = draw(_opt(st.integers(1, 500)))
    target = None if everyone is None else draw(st.integers(0, everyone))
    return Expense(
        category=category,
        description=draw(texts(max_size=40)),
        amount=draw(_money()),
        section=draw(st.sampled_from(sections)) if sections else None,
        staff_time_percent=(draw(st.decimals(0, 100, places=2))
                            if category is ExpenseCategory.STAFF else None),
        target_group_participants=target,
        participants=everyone,
        funded_elsewhere=draw(st.booleans()),
        note=draw(_opt(texts(max_size=20))),
        person_ref=(draw(_opt(st.sampled_from(["d-1", "d-2", "dossier 2018/117"])))
                    if category is ExpenseCategory.INVESTMENT else None),
    )


@st.composite
def _indicators(draw: st.DrawFn) -> Indicators:
    total = draw(st.integers(0, 100_000))
    entitled = draw(_opt(st.integers(0, total)))
    trajectory = draw(_opt(st.integers(0, total)))
    return Indicators(
        beneficiaries=draw(_opt(st.just(total))),
        social_integration_entitled=entitled,
        in_trajectory=trajectory,
        social_integration_entitled_percent=draw(_opt(st.decimals(0, 100, places=1))),
        in_trajectory_percent=draw(_opt(st.decimals(0, 100, places=1))),
    )


@st.composite
def subsidy_conventions(draw: st.DrawFn) -> SubsidyConvention:
    """A subsidy convention of 2015-2030: one CPAS or a cluster, sections from 2017,
    signatures dated within the year, any expenses."""
    year = draw(st.integers(2015, 2030))
    kind = draw(st.sampled_from(ConventionKind))
    size = 1 if kind is ConventionKind.LARGE_CITY else draw(st.integers(2, 5))
    members = draw(st.lists(cpas_values(), min_size=size, max_size=size,
                            unique_by=lambda c: c.kbo.compact))
    amount = draw(_money())
    sections: tuple[SectionAmount, ...] = ()
    if year >= 2017:
        weights = st.lists(st.integers(0, 100), min_size=3, max_size=3).filter(any)
        parts = amount.allocate(draw(weights))
        sections = tuple(SectionAmount(section=s, amount=m)
                         for s, m in zip(Section, parts, strict=True))
    days = st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31))
    signatures = [SubsidySignature(signature=Signature(role, draw(texts(max_size=30)), draw(days)),
                                   cpas_kbo=member.kbo)
                  for member in members for role in (SignerRole.PRESIDENT,
                                                     SignerRole.DIRECTEUR_GENERAL)
                  if draw(st.booleans())]
    if draw(st.booleans()):
        signatures.append(SubsidySignature(
            signature=Signature(SignerRole.MINISTER, draw(texts(max_size=30)), draw(days))))
    section_kinds = tuple(s.section for s in sections)
    return SubsidyConvention(
        year=year, kind=kind, members=members, amount=amount, sections=sections,
        objectives=draw(st.lists(st.builds(
            Objective, description=texts(max_size=60), target=_opt(st.integers(0, 10_000)),
            section=_opt(st.sampled_from(Section))), max_size=4)),
        signatures=signatures,
        expenses=draw(st.lists(_expenses(section_kinds), max_size=6)),
        indicators=draw(_opt(_indicators())),
    )


# --- Partnership conventions --------------------------------------------------------------------

_HOURS = st.decimals(0, 400, places=1)


@st.composite
def partnership_conventions(draw: st.DrawFn) -> PartnershipConvention:
    """A partnership convention concluded from 4 November 2012 on, with one to four
    guiding parties whose shares add up to 100 %, and optional end, job and claims."""
    concluded = draw(st.dates(dt.date(2012, 11, 4), dt.date(2030, 12, 31)))
    plan_end = concluded + dt.timedelta(days=draw(st.integers(0, 730)))
    count = draw(st.integers(1, 4))
    kinds = draw(st.lists(st.sampled_from(PartnerKind), min_size=count, max_size=count))
    split = draw(shares(count))
    partners = tuple(
        Partner(organisation=draw(organisations()), kind=kind, share=share,
                hours_planned=draw(_opt(_HOURS)), hours_performed=draw(_opt(_HOURS)))
        for kind, share in zip(kinds, split, strict=True))
    in_plan = st.dates(concluded, plan_end)
    claims = [ClaimDeclaration(partner_id=p.id, declared_on=draw(in_plan),
                               amount=draw(_money("500.00")))
              for p in partners if draw(st.booleans())]
    return PartnershipConvention(
        beneficiary=draw(persons()),
        beneficiary_status=draw(st.sampled_from(BeneficiaryStatus)),
        cpas=draw(cpas_values()),
        partners=partners,
        concluded_on=concluded,
        plan_end=plan_end,
        hours_planned=draw(_HOURS),
        hours_performed=draw(_HOURS),
        methods=draw(st.lists(st.sampled_from(GuidanceMethod), max_size=2, unique=True)),
        ended_on=draw(_opt(in_plan)),
        employment_contract_on=draw(_opt(st.dates(concluded - dt.timedelta(days=30),
                                                  plan_end + dt.timedelta(days=30)))),
        claims=claims,
    )
