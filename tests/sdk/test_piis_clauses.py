"""Legal clauses of a PIIS: only the provisions that apply, in French and Dutch.

Source: domain.md, PIIS ("Clauses", "Sanctions", "Procedure", "Evaluation").
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings

from cpas.sdk import LocalPolicy
from cpas.sdk.clauses import CLAUSE_IDS, Clause, generate_clauses
from cpas.sdk.documents.piis import BeneficiaryStatus, Piis
from strategies_piis import example_piis, piis_documents


def _by_id(piis: Piis, policy: LocalPolicy | None = None) -> dict[str, Clause]:
    return {c.id: c for c in generate_clauses(piis, policy=policy)}


def test_all_clauses_for_a_recent_ris_piis_in_fr_and_nl() -> None:
    """A 2024 PIIS of a beneficiary of the revenu d'intégration gets every clause."""
    clauses = generate_clauses(example_piis())
    assert tuple(c.id for c in clauses) == CLAUSE_IDS
    for clause in clauses:
        assert clause.title.fr and clause.title.nl
        assert clause.body.fr and clause.body.nl
        assert clause.legal.citation


def test_sanction_clause_figures() -> None:
    """Loi DIS art. 30 §2: suspension up to 1 month, up to 3 months on a repeat within
    1 year, after formal notice; possible, never compulsory; appeal within 3 months."""
    sanction = _by_id(example_piis())["sanction"]
    assert "30 §2" in sanction.legal.citation
    fr = sanction.body.get("fr")
    assert "1 mois au maximum" in fr and "3 mois au maximum" in fr and "12 mois" in fr
    assert "mise en demeure" in fr and "jamais obligatoire" in fr
    assert "tribunal du travail dans les 3 mois" in fr
    nl = sanction.body.get("nl")
    assert "ten hoogste 1 maand" in nl and "ingebrekestelling" in nl
    assert "arbeidsrechtbank binnen 3 maanden" in nl


def test_no_suspension_clause_without_income() -> None:
    """domain.md, PIIS ("Clauses"): no suspension of the revenu d'intégration for someone
    who receives neither it nor its equivalent."""
    clauses = _by_id(example_piis(beneficiary_status=BeneficiaryStatus.OTHER_USER))
    assert "sanction" not in clauses
    assert "hearing" not in clauses and "volunteering" not in clauses
    assert not any("revenu d'intégration pour" in c.body.get("fr") for c in clauses.values())
    assert {"legal_basis", "object", "commitments", "evaluation", "assistance"} <= set(clauses)


def test_equivalent_aid_uses_the_organic_law() -> None:
    """domain.md, PIIS ("Sanctions"): for financial social aid the basis is loi organique
    art. 60 §3, not the suspension of the revenu d'intégration."""
    clauses = _by_id(example_piis(beneficiary_status=BeneficiaryStatus.EQUIVALENT_AID))
    assert "60 §3" in clauses["sanction"].legal.citation
    assert "60 §3" in clauses["legal_basis"].legal.citation
    assert "suspendre" not in clauses["sanction"].body.get("fr")
    assert "article 60, §3" in clauses["sanction"].body.get("fr")


def test_sanction_omitted_for_voluntary_work_by_policy() -> None:
    """domain.md, PIIS ("Sanctions"): some CPAS (Kortrijk) leave the sanction out of a PIIS
    for voluntary work, as a local policy option."""
    voluntary = example_piis(includes_voluntary_work=True)
    assert "sanction" in _by_id(voluntary)
    kortrijk = LocalPolicy(omit_sanction_for_voluntary_work=True)
    assert "sanction" not in _by_id(voluntary, kortrijk)
    assert "sanction" in _by_id(example_piis(), kortrijk)


def test_evaluation_clause_uses_figures_at_the_piis_date() -> None:
    """AR DIS art. 19: 3 a year of which 2 face to face since 1 Nov 2016; once per
    quarter (4) before."""
    recent = _by_id(example_piis())["evaluation"].body
    assert "au moins 3 fois par an" in recent.get("fr")
    assert "au moins 2 fois" in recent.get("fr")
    assert "minstens 3 keer per jaar" in recent.get("nl")
    assert "5 jours ouvrables" in recent.get("fr")
    old = _by_id(example_piis(decision_date=dt.date(2015, 3, 1)))
    assert "au moins 4 fois par an" in old["evaluation"].body.get("fr")
    assert "face à face" not in old["evaluation"].body.get("fr")


def test_reflection_clause_follows_policy_and_waiver() -> None:
    """Loi DIS art. 11 §1: 5 days, calendar by default or working days by local policy."""
    default = _by_id(example_piis())["reflection"].body
    assert "5 jours calendrier" in default.get("fr") and "5 kalenderdagen" in default.get("nl")
    working = _by_id(example_piis(), LocalPolicy(reflection_days_kind="working"))
    assert "5 werkdagen" in working["reflection"].body.get("nl")
    waived = _by_id(example_piis(reflection_period_waived=True))["reflection"].body
    assert "expressément renoncé" in waived.get("fr")
    assert "reflection" not in _by_id(example_piis(decision_date=dt.date(2015, 3, 1)))


def test_volunteering_clause_only_after_the_annulment() -> None:
    """C. const. 86/2018 of 5 July 2018: volunteering after notifying the CPAS, never a
    condition of the PIIS."""
    assert "volunteering" in _by_id(example_piis())
    text = _by_id(example_piis())["volunteering"].body.get("fr")
    assert "informé le CPAS" in text and "pas une condition" in text
    assert "volunteering" not in _by_id(example_piis(decision_date=dt.date(2017, 6, 1)))


def test_assistance_and_commitments_show_the_piis() -> None:
    """AR 03/10/2016: the contract states commitments and deadlines; the person may be
    assisted by a person of their choice."""
    clauses = _by_id(example_piis(assisting_person="Élise Dupont"))
    assert "Élise Dupont" in clauses["assistance"].body.get("fr")
    commitments = clauses["commitments"].body.get("nl")
    assert "Doelstelling 1:" in commitments and "Lire et Écrire:" in commitments
    assert "tegen 31/12/2024" in commitments


@settings(max_examples=30)
@given(piis_documents())
def test_generated_piis_clauses_exist_in_both_languages(piis: Piis) -> None:
    """Every clause generated for any valid PIIS has a FR and NL title and body."""
    for clause in generate_clauses(piis):
        assert clause.id in CLAUSE_IDS
        assert clause.title.fr and clause.title.nl and clause.body.fr and clause.body.nl
