"""Which column holds which field: FR, NL and EN headers, and profiles that rename.

A header matches a field when, lower-cased with accents and punctuation removed
(:func:`~cpas.adapters.legacy.numbers.normalise`), it equals one of the field's
names: the SDK's own English name (``niss``, ``effective_date``), or a French or
Dutch name from the tables below. ``Date de prise de cours``, ``INGANGSDATUM`` and
``effective_date`` are the same column.

Partnership partners may sit in numbered columns (``Partenaire 1 nom``,
``partner2_share``) or, one per row, in unnumbered ones (``partner_name``): see
:mod:`cpas.adapters.legacy.convert`.

A profile (TOML) renames the columns of one house format and may give the
values every row shares::

    kind = "reimbursement"
    [columns]
    "Num. registre" = "niss"
    "Montant payé" = "amount"
    [settings]
    form_type = "dis_b"
    cpas_kbo = "0212.345.678"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from ...sdk.text import Text
from .numbers import normalise
from .reading import LegacyFileError

__all__ = ["FIELDS", "PARTNER_FIELDS", "ColumnMap", "Profile", "match_columns", "match_setting"]

_CPAS: dict[str, tuple[str, ...]] = {
    "cpas_name": ("cpas", "ocmw", "nom du cpas", "naam ocmw", "naam van het ocmw"),
    "cpas_kbo": ("bce", "kbo", "numero bce", "kbo nummer", "bce du cpas", "kbo van het ocmw",
                 "numero d entreprise", "ondernemingsnummer"),
    "cpas_nis_code": ("ins", "nis", "code ins", "nis code", "code ins du cpas", "nis code ocmw"),
    "cpas_municipality": ("commune", "gemeente", "municipality"),
}

_PERSON: dict[str, tuple[str, ...]] = {
    "niss": ("insz", "nn", "numero national", "registre national", "rijksregisternummer",
             "ssin"),
    "last_name": ("nom", "naam", "achternaam"),
    "first_name": ("prenom", "voornaam"),
    "birth_date": ("date de naissance", "geboortedatum"),
    "language": ("langue", "taal"),
}
_WORKER: dict[str, tuple[str, ...]] = {
    "social_worker": ("assistant social", "assistante sociale", "travailleur social",
                      "maatschappelijk werker", "maatschappelijk assistent"),
    "social_worker_id": ("matricule", "matricule as", "personeelsnummer", "staff id"),
}

FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "reimbursement": {
        "id": ("identifiant", "identificatie", "identifier", "ligne", "lijn", "line"),
        "niss": ("insz", "nn", "numero national", "registre national", "rijksregisternummer",
                 "niss du beneficiaire", "insz van de begunstigde", "beneficiary niss", "ssin"),
        "beneficiary_name": ("nom", "naam", "name", "beneficiaire", "begunstigde",
                             "nom du beneficiaire", "naam van de begunstigde"),
        "basis": ("base legale", "wettelijke basis", "legal basis", "base"),
        "period": ("mois", "maand", "month", "periode", "mois concerne", "betrokken maand"),
        "amount": ("montant", "bedrag"),
        "rate_category": ("categorie de taux", "categorie van percentage", "taux", "percentage"),
        "piis_code": ("code piis", "gpmi code", "piis"),
        "income_exemption": ("exoneration", "exoneration art 35", "vrijstelling",
                             "vrijstelling art 35"),
        "source_id": ("source", "bron", "document source", "brondocument"),
        "expense_date": ("date de la depense", "datum van de uitgave", "date depense",
                         "datum uitgave"),
        "recovery_type": ("type de recuperation", "type terugvordering", "code recuperation"),
        "category": ("categorie", "categorie du beneficiaire", "categorie van de begunstigde"),
        # the form and its header, the same on every row (or given as settings)
        "form_type": ("formulaire", "formulier", "form", "type de formulaire"),
        **_CPAS,
        "effective_date": ("date de prise de cours", "ingangsdatum", "prise de cours"),
        "submission_date": ("date d envoi", "verzendingsdatum", "envoi"),
        "is_correction": ("correction", "correctie"),
        "file_number": ("numero de dossier", "dossiernummer", "dossier"),
        "decision_date": ("date de la decision", "datum van de beslissing",
                          "date decision", "beslissingsdatum"),
    },
    "partnership": {
        "convention": ("id", "reference", "referentie", "convention id", "overeenkomst",
                       "numero de convention", "nummer overeenkomst"),
        "niss": ("insz", "nn", "numero national", "registre national", "rijksregisternummer",
                 "ssin"),
        "last_name": ("nom", "naam", "achternaam"),
        "first_name": ("prenom", "voornaam"),
        "birth_date": ("date de naissance", "geboortedatum"),
        "language": ("langue", "taal"),
        "beneficiary_status": ("statut", "statuut", "status", "statut du beneficiaire",
                               "statuut van de begunstigde"),
        **_CPAS,
        "concluded_on": ("date de conclusion", "datum van afsluiting", "conclusion",
                         "afsluiting", "date concluded"),
        "plan_end": ("fin prevue", "fin prevue du plan", "geplande einddatum", "einde plan",
                     "fin du plan"),
        "hours_planned": ("heures prevues", "geplande uren"),
        "hours_performed": ("heures prestees", "gepresteerde uren"),
        "methods": ("methodes", "methoden", "methodes d accompagnement",
                    "begeleidingsmethoden"),
        "ended_on": ("date de fin", "einddatum", "date ended", "fin effective"),
        "employment_contract_on": ("date du contrat de travail", "contrat de travail",
                                   "datum arbeidsovereenkomst", "arbeidsovereenkomst",
                                   "employment contract"),
    },
    "piis": {
        "piis": ("id", "reference", "referentie", "gpmi", "numero du piis", "piis id",
                 "nummer gpmi", "projet", "project", "reference piis",
                 "reference du piis", "referentie gpmi"),
        **_PERSON,
        "beneficiary_status": ("statut", "statuut", "status", "statut du beneficiaire",
                               "statuut van de begunstigde"),
        **_CPAS,
        **_WORKER,
        "piis_type": ("type", "type de piis", "type gpmi", "soort", "orientation"),
        "activation_purpose": ("finalite", "doel van de activering", "finalite de l activation",
                               "purpose"),
        "decision_date": ("date de la decision", "datum van de beslissing", "date decision",
                          "beslissingsdatum"),
        "notification_date": ("date de notification", "datum van kennisgeving",
                              "notification"),
        "signing_date": ("date de signature", "datum van ondertekening", "signature",
                         "ondertekening"),
        "start": ("debut", "date de debut", "begindatum", "begin", "duration start"),
        "end": ("fin", "date de fin", "einddatum", "einde", "duration end"),
        "is_new_beneficiary": ("nouveau beneficiaire", "nieuwe begunstigde", "new beneficiary"),
        "is_full_time_student": ("etudiant", "etudiant de plein exercice", "student",
                                 "voltijdse student", "full time student"),
        "form_b_code": ("code formulaire b", "code piis", "gpmi code", "code b"),
        "bilan_id": ("bilan social", "bilan", "sociale balans", "balans"),
        "objective_id": ("identifiant objectif", "id objectif", "id doelstelling",
                         "objective id"),
        "objective": ("objectif", "doelstelling", "description de l objectif",
                      "omschrijving doelstelling"),
        "domains": ("domaines", "domaines de vie", "levensdomeinen", "domeinen", "life domains"),
        "objective_deadline": ("echeance", "echeance de l objectif", "termijn",
                               "termijn doelstelling", "deadline"),
        "action_item_id": ("action du bilan", "actie van de balans", "action item"),
        "beneficiary_commitment": ("engagement du beneficiaire", "engagement begunstigde",
                                   "engagement van de begunstigde"),
        "cpas_commitment": ("engagement du cpas", "engagement ocmw", "engagement van het ocmw"),
        "third_party_commitment": ("engagement du tiers", "engagement derde",
                                   "engagement van de derde"),
        "third_party_name": ("nom du tiers", "tiers", "naam van de derde", "derde",
                             "third party"),
    },
    "bilan": {
        "bilan": ("id", "reference", "referentie", "bilan social", "sociale balans", "balans",
                  "numero du bilan", "nummer balans", "bilan id", "reference bilan",
                  "reference du bilan", "referentie balans"),
        **_PERSON,
        **_CPAS,
        **_WORKER,
        "request": ("demande", "demande de la personne", "hulpvraag", "vraag"),
        "drawn_up_on": ("date du bilan", "date d etablissement", "datum van opmaak",
                        "datum balans", "etabli le", "opgemaakt op"),
        "prepares_piis": ("prealable au piis", "prealable a un piis", "voor gpmi",
                          "voorafgaand aan een gpmi", "for piis"),
        "domain": ("domaine", "domaine de vie", "levensdomein", "domein", "life domain"),
        "moment": ("moment du bilan", "moment van de meting", "meting"),
        "assessed_on": ("date de l evaluation", "datum van de meting", "evalue le",
                        "gemeten op"),
        "situation": ("situatie",),
        "needs": ("besoins", "noden", "behoeften"),
        "resources": ("ressources", "capacites", "ressources et capacites", "krachten",
                      "krachten en mogelijkheden", "capacities"),
        "obstacles": ("drempels", "obstakels"),
        "score": ("note", "cote", "score 1 5", "score 1 a 5", "score 1 tot 5"),
        "comment": ("commentaire", "opmerking", "commentaar"),
    },
    "convention": {
        "convention": ("id", "reference", "referentie", "convention id", "overeenkomst",
                       "numero de convention", "nummer overeenkomst", "subsidieovereenkomst",
                       "reference convention", "reference de la convention",
                       "referentie overeenkomst"),
        **_CPAS,
        "year": ("annee", "jaar"),
        "convention_kind": ("type de convention", "soort overeenkomst", "kind"),
        "granted_amount": ("montant accorde", "toegekend bedrag", "subvention", "subsidie",
                           "amount granted"),
        "section_a_amount": ("montant section a", "bedrag afdeling a", "section a", "afdeling a"),
        "section_b_amount": ("montant section b", "bedrag afdeling b", "section b", "afdeling b"),
        "section_c_amount": ("montant section c", "bedrag afdeling c", "section c", "afdeling c"),
        "beneficiaries": ("beneficiaires", "begunstigden", "nombre de beneficiaires",
                          "aantal begunstigden"),
        "social_integration_entitled": ("ayants droit", "ayants droit a l integration sociale",
                                        "gerechtigden", "gerechtigden op maatschappelijke "
                                        "integratie"),
        "in_trajectory": ("suivis dans un trajet", "en trajet", "in traject",
                          "begeleid in een traject"),
        "expense_id": ("identifiant depense", "id depense", "ligne", "lijn", "id uitgave",
                       "expense id"),
        "category": ("categorie", "type de depense", "soort uitgave", "expense category"),
        "description": ("libelle", "omschrijving", "depense", "uitgave"),
        "amount": ("montant", "bedrag", "montant de la depense", "bedrag van de uitgave"),
        "section": ("afdeling",),
        "staff_time_percent": ("temps de travail", "part du temps", "temps consacre",
                               "werktijd", "aandeel werktijd", "staff time"),
        "target_group_participants": ("participants du groupe cible", "groupe cible",
                                      "deelnemers doelgroep", "doelgroep", "target group"),
        "participants": ("participants au total", "total participants", "deelnemers",
                         "deelnemers in totaal"),
        "funded_elsewhere": ("finance ailleurs", "deja finance", "double financement",
                             "elders gefinancierd", "dubbele financiering"),
        "note": ("remarque", "opmerking"),
    },
}
"""Per kind: field → other names (the field's own name always matches)."""

PARTNER_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("nom", "naam"),
    "kbo": ("bce", "kbo nummer", "numero bce", "ondernemingsnummer"),
    "kind": ("type", "soort"),
    "share": ("part", "aandeel", "pourcentage", "percentage"),
    "hours_planned": ("heures prevues", "geplande uren"),
    "hours_performed": ("heures prestees", "gepresteerde uren"),
}
"""Names of a partner's columns after the ``partner``/``partenaire`` prefix and number."""

_CPAS_SETTINGS = frozenset({"cpas_name", "cpas_kbo", "cpas_nis_code", "cpas_municipality"})
SETTING_FIELDS: dict[str, frozenset[str]] = {
    "reimbursement": frozenset({"form_type", "cpas_name", "cpas_kbo", "cpas_nis_code",
                                "cpas_municipality", "effective_date", "submission_date",
                                "is_correction", "file_number", "decision_date"}),
    "partnership": _CPAS_SETTINGS,
    "piis": _CPAS_SETTINGS | {"social_worker", "social_worker_id"},
    "bilan": _CPAS_SETTINGS | {"social_worker", "social_worker_id"},
    "convention": _CPAS_SETTINGS | {"year", "convention_kind"},
}
"""Fields that may be given once for the whole file (options, profile, header sheet)."""

_PARTNER = re.compile(r"(?:partner|partenaire)\s?(\d*)\s(.+)")


def _index(kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for field, names in FIELDS[kind].items():
        for name in (field, *names):
            out[normalise(name)] = field
    return out


_INDEX = {kind: _index(kind) for kind in FIELDS}
_PARTNER_INDEX = {normalise(n): f for f, names in PARTNER_FIELDS.items() for n in (f, *names)}


@attrs.frozen
class Profile:
    """A house format: column renames and values shared by every row."""

    name: str
    kind: str | None = None
    columns: Mapping[str, str] = attrs.field(factory=dict)
    """Header as written (case and accents ignored) → field name."""
    settings: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        """Read a profile file; errors are :class:`LegacyFileError`."""
        file = Path(path)
        try:
            data = tomllib.loads(file.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LegacyFileError(Text(fr=f"profil illisible {file.name} : {exc}",
                                       nl=f"onleesbaar profiel {file.name}: {exc}",
                                       en=f"unreadable profile {file.name}: {exc}")) from None
        kind = data.get("kind")
        columns = data.get("columns", {})
        settings = data.get("settings", {})
        if not (isinstance(columns, dict) and isinstance(settings, dict)
                and (kind is None or kind in FIELDS)):
            raise LegacyFileError(Text(
                fr=f"profil {file.name} : kind, [columns] ou [settings] incorrect",
                nl=f"profiel {file.name}: kind, [columns] of [settings] onjuist",
                en=f"profile {file.name}: wrong kind, [columns] or [settings]"))
        return cls(file.stem, kind, {normalise(str(k)): str(v) for k, v in columns.items()},
                   {str(k): str(v) for k, v in settings.items()})


@attrs.frozen
class ColumnMap:
    """Where each field is in a header."""

    fields: Mapping[str, int]
    """Field → column index; partner fields are ``partner<n>.<name>`` (``n`` 0 when
    unnumbered)."""
    ignored: tuple[str, ...]
    """Headers that match no field (their cells are not converted)."""
    names: Sequence[str]
    """The header as written, for messages."""


def _field_of(header: str, kind: str, profile: Profile | None) -> str | None:
    key = normalise(header)
    if profile is not None and key in profile.columns:
        return profile.columns[key]
    field = _INDEX[kind].get(key)
    if field is None and kind == "partnership" and (match := _PARTNER.fullmatch(key)):
        sub = _PARTNER_INDEX.get(match.group(2))
        if sub is not None:
            field = f"partner{match.group(1) or 0}.{sub}"
    return field


def match_columns(header: Sequence[str], kind: str, profile: Profile | None = None) -> ColumnMap:
    """Map a header to fields; two columns for one field is a :class:`LegacyFileError`."""
    fields: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        if not name.strip():
            continue
        field = _field_of(name, kind, profile)
        if field is None:
            ignored.append(name)
            continue
        if field in fields:
            first = header[fields[field]]
            raise LegacyFileError(Text(
                fr=f"colonnes en double pour {field} : « {first} » et « {name} »",
                nl=f"dubbele kolommen voor {field}: ‘{first}’ en ‘{name}’",
                en=f"duplicate columns for {field}: '{first}' and '{name}'"))
        fields[field] = index
    return ColumnMap(fields, tuple(ignored), tuple(header))


def match_setting(key: str, kind: str) -> str | None:
    """The field a ``--set`` key or a header-sheet label names, if it may be set once."""
    field = _INDEX[kind].get(normalise(key))
    return field if field in SETTING_FIELDS[kind] else None
