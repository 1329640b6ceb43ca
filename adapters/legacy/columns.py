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

SETTING_FIELDS: dict[str, frozenset[str]] = {
    "reimbursement": frozenset({"form_type", "cpas_name", "cpas_kbo", "cpas_nis_code",
                                "cpas_municipality", "effective_date", "submission_date",
                                "is_correction", "file_number", "decision_date"}),
    "partnership": frozenset({"cpas_name", "cpas_kbo", "cpas_nis_code", "cpas_municipality"}),
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
