"""XSD 1.0 generator: writes the versioned exchange schemas from the SDK's models.

The schemas under ``schemas/`` are generated, never edited by hand; a test
checks that the committed files equal what this module produces, so the models,
the XML mapping (:mod:`cpas.adapters.xml.mapping`) and the schemas cannot drift.
Regenerate with::

    python -m cpas.adapters.xml.xsdgen --write schemas/
    python -m cpas.adapters.xml.xsdgen --check schemas/    # exit 1 when out of date

Layout of the generated schemas:

* ``common-1.xsd`` (``urn:be:cpas-sdk:common:1``) holds the value types as
  simple types: ``Date``, ``Money``, ``Niss``, ``Kbo``, ``NisCode``, ``Iban``,
  ``Period`` and ``Lang``. Their patterns are the same strings the XML reader
  checks. Check digits (NISS, KBO, IBAN) are verified by the SDK, not by XSD 1.0.
  It also holds ``NonBlankString``: the models refuse blank required texts
  (identifiers, names, descriptions), so the schema does too. Only the language
  variants inside a multilingual ``Text`` stay plain ``xs:string``.
* Bounds that a model's converter enforces (a year from 1900 to 2999, a count
  that cannot be negative, a rate from 0 to 100) are declared on the converter
  with :func:`cpas.sdk._model.facets` and become ``minInclusive``/``maxInclusive``
  facets of the element's type here, so the XSD refuses what the model refuses.
* ``<kind>-1.xsd`` (``urn:be:cpas-sdk:<kind>:1``) imports the common schema
  and declares the root element, one global element per *record* class (the
  unit of streaming validation, with the same name as the record's elements
  inside the document), then one named type per model class and enum, in the
  order they are first met. Nested classes shared by several documents
  (``Person``, ``Text``, ``DateRange``…) are declared in each document's
  namespace so that every element of an instance is in that one namespace.

Every element and named type carries ``xs:annotation/xs:documentation`` in
French and Dutch (and English when known), from the field metadata ``label`` and
the class attribute ``LABEL``; enum members are annotated with their ``label``
property. The SDK's own value classes have no such metadata: their labels are in
the tables below. A field or class without a label is a generator error listing
every missing label. An enum without ``LABEL`` (a ``enum.nonmember``) is
described with the label of the first field that uses it.
"""

from __future__ import annotations

import argparse
import enum
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from ...sdk._model import XSD_FACETS
from ...sdk.lifedomains import LifeDomain
from ...sdk.parties import Cpas, Organisation, Person, Signature, SignerRole, SocialWorker
from ...sdk.periods import DateRange
from ...sdk.text import LANGS, Text
from ..files import write_atomically
from .mapping import COMMON_SCALARS, Scalar, Slot, XmlModelError, slots

__all__ = [
    "COMMON_FILE",
    "COMMON_NAMESPACE",
    "VERSION",
    "common_schema",
    "document_schema",
    "main",
    "record_elements",
]

VERSION = 1
COMMON_NAMESPACE = f"urn:be:cpas-sdk:common:{VERSION}"
COMMON_FILE = f"common-{VERSION}.xsd"
XS = "http://www.w3.org/2001/XMLSchema"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_NOTICE = (" Generated from the cpas-sdk models by cpas.adapters.xml.xsdgen (see its"
           " docstring to regenerate): do not edit by hand. ")


def _t(fr: str, nl: str, en: str) -> Text:
    return Text(fr=fr, nl=nl, en=en)


# --------------------------------------------------------------------------- label tables

_NAME = _t("Nom", "Naam", "Name")
_KBO = _t("Numéro d'entreprise (BCE)", "Ondernemingsnummer (KBO)",
          "Enterprise number (KBO/BCE)")
_WORKER = _t("Travailleur social", "Maatschappelijk werker", "Social worker")

_SCALAR_LABELS: dict[str, Text] = {
    "Date": _t("Date (AAAA-MM-JJ), sans fuseau horaire", "Datum (JJJJ-MM-DD), zonder tijdzone",
               "Date (YYYY-MM-DD), without time zone"),
    "Money": _t("Montant en euros, deux décimales au plus, jamais négatif",
                "Bedrag in euro, hoogstens twee decimalen, nooit negatief",
                "Amount in euro, at most two decimals, never negative"),
    "Niss": _t("NISS (numéro de registre national ou numéro bis) : 11 chiffres sans séparateur. "
               "Le chiffre de contrôle (modulo 97) est vérifié par le SDK, pas par ce schéma.",
               "INSZ (rijksregisternummer of bisnummer): 11 cijfers zonder scheidingsteken. "
               "Het controlegetal (modulo 97) wordt door de SDK gecontroleerd, niet door dit "
               "schema.",
               "NISS/INSZ (national register or BIS number): 11 digits without separators. "
               "The check digits (modulo 97) are verified by the SDK, not by this schema."),
    "Kbo": _t("Numéro d'entreprise BCE : 10 chiffres commençant par 0 ou 1. Le contrôle "
              "modulo 97 est fait par le SDK.",
              "KBO-ondernemingsnummer: 10 cijfers, beginnend met 0 of 1. De modulo-97-controle "
              "gebeurt door de SDK.",
              "KBO/BCE enterprise number: 10 digits starting with 0 or 1. The modulo 97 check "
              "is done by the SDK."),
    "NisCode": _t("Code INS d'une commune : 5 chiffres", "NIS-code van een gemeente: 5 cijfers",
                  "NIS/INS municipality code: 5 digits"),
    "Iban": _t("IBAN en forme compacte (sans espaces). Les chiffres de contrôle sont vérifiés "
               "par le SDK.",
               "IBAN in compacte vorm (zonder spaties). De controlecijfers worden door de SDK "
               "gecontroleerd.",
               "IBAN in compact form (no spaces). The check digits are verified by the SDK."),
    "Period": _t("Mois civil (AAAA-MM)", "Kalendermaand (JJJJ-MM)", "Calendar month (YYYY-MM)"),
    "Lang": _t("Langue (fr, nl, de, en)", "Taal (fr, nl, de, en)", "Language (fr, nl, de, en)"),
}

_VALUE_LABELS: dict[str, dict[str, Text]] = {
    "Lang": {
        "fr": _t("français", "Frans", "French"),
        "nl": _t("néerlandais", "Nederlands", "Dutch"),
        "de": _t("allemand", "Duits", "German"),
        "en": _t("anglais", "Engels", "English"),
    },
}

_CLASS_LABELS: dict[type, Text] = {
    Text: _t("Texte en plusieurs langues", "Tekst in meerdere talen", "Multilingual text"),
    DateRange: _t("Période du … au … (fin facultative)", "Periode van … tot … (einde optioneel)",
                  "Date range (end optional)"),
    Cpas: _t("CPAS", "OCMW", "Public centre for social welfare (CPAS/OCMW)"),
    Person: _t("Personne", "Persoon", "Person"),
    SocialWorker: _WORKER,
    Organisation: _t("Organisation partenaire", "Partnerorganisatie", "Partner organisation"),
    Signature: _t("Signature", "Handtekening", "Signature"),
    SignerRole: _t("Qualité du signataire", "Hoedanigheid van de ondertekenaar", "Signer's role"),
    LifeDomain: _t("Domaine de vie", "Levensdomein", "Life domain"),
}

_FIELD_LABELS: dict[tuple[type, str], Text] = {
    (Text, "fr"): _t("Français", "Frans", "French"),
    (Text, "nl"): _t("Néerlandais", "Nederlands", "Dutch"),
    (Text, "de"): _t("Allemand", "Duits", "German"),
    (Text, "en"): _t("Anglais", "Engels", "English"),
    (DateRange, "start"): _t("Date de début", "Begindatum", "Start date"),
    (DateRange, "end"): _t("Date de fin (absente si indéterminée)",
                           "Einddatum (afwezig indien onbepaald)",
                           "End date (absent when open-ended)"),
    (Cpas, "name"): _NAME,
    (Cpas, "kbo"): _KBO,
    (Cpas, "nis_code"): _t("Code INS de la commune", "NIS-code van de gemeente",
                           "NIS code of the municipality"),
    (Cpas, "municipality"): _t("Commune", "Gemeente", "Municipality"),
    (Person, "niss"): _t("NISS", "INSZ", "Social security number (NISS/INSZ)"),
    (Person, "last_name"): _t("Nom", "Achternaam", "Last name"),
    (Person, "first_name"): _t("Prénom", "Voornaam", "First name"),
    (Person, "birth_date"): _t("Date de naissance", "Geboortedatum", "Birth date"),
    (Person, "language"): _t("Langue de contact", "Contacttaal", "Contact language"),
    (SocialWorker, "name"): _NAME,
    (SocialWorker, "staff_id"): _t("Matricule", "Personeelsnummer", "Staff number"),
    (Organisation, "name"): _NAME,
    (Organisation, "kbo"): _KBO,
    (Signature, "role"): _t("Qualité du signataire", "Hoedanigheid van de ondertekenaar",
                            "Capacity of the signer"),
    (Signature, "name"): _t("Nom du signataire", "Naam van de ondertekenaar",
                            "Name of the signer"),
    (Signature, "signed_on"): _t("Date de signature", "Datum van ondertekening", "Date signed"),
    (LifeDomain, "id"): _t("Identifiant stable", "Vaste identificatie", "Stable identifier"),
    (LifeDomain, "label"): _t("Libellé", "Omschrijving", "Label"),
}

_MEMBER_LABELS: dict[enum.Enum, Text] = {
    SignerRole.BENEFICIARY: _t("Bénéficiaire", "Begunstigde", "Beneficiary"),
    SignerRole.PRESIDENT: _t("Président du conseil de l'action sociale",
                             "Voorzitter van de raad voor maatschappelijk welzijn",
                             "President of the social welfare council"),
    SignerRole.DIRECTEUR_GENERAL: _t("Directeur général", "Algemeen directeur",
                                     "Director general"),
    SignerRole.MINISTER: _t("Ministre", "Minister", "Minister"),
    SignerRole.PARTNER: _t("Partenaire", "Partner", "Partner"),
    SignerRole.SOCIAL_WORKER: _WORKER,
}

_SCALAR_BASE = {"Date": "xs:date", "Money": "xs:decimal"}

NON_BLANK = "NonBlankString"
_NON_BLANK_PATTERN = r"[\s\S]*\S[\s\S]*"
_NON_BLANK_LABEL = _t("Texte libre contenant au moins un caractère autre qu'une espace",
                      "Vrije tekst met minstens één teken dat geen spatie is",
                      "Free text with at least one character that is not white space")


def _class_label(cls: type) -> Text | None:
    own = cls.__dict__.get("LABEL")
    if isinstance(own, Text):
        return own
    return _CLASS_LABELS.get(cls)


def _field_label(cls: type, slot: Slot) -> Text | None:
    own = slot.attribute.metadata.get("label")
    if isinstance(own, Text):
        return own
    return _FIELD_LABELS.get((cls, slot.name))


def _member_label(member: enum.Enum) -> Text | None:
    own = getattr(member, "label", None)
    if isinstance(own, Text):
        return own
    return _MEMBER_LABELS.get(member)


# --------------------------------------------------------------------------- building


def _xs(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{tag}", attributes)


class _Problems:
    """Collects missing labels so that one run names all of them."""

    def __init__(self) -> None:
        self.missing: list[str] = []

    def annotate(self, element: etree._Element, text: Text | None, what: str) -> None:
        if text is None or not text.fr or not text.nl:
            self.missing.append(what)
            return
        annotation = _xs(element, "annotation")
        for lang in LANGS:
            value = getattr(text, lang)
            if value:
                doc = _xs(annotation, "documentation")
                doc.set(_XML_LANG, lang)
                doc.text = value

    def check(self) -> None:
        if self.missing:
            raise XmlModelError("labels (FR and NL) missing for: " + ", ".join(self.missing))


def _restriction(parent: etree._Element, base: str, scalar: Scalar,
                 problems: _Problems, owner: str) -> None:
    restriction = _xs(parent, "restriction", base=base)
    if scalar.name == "Money":
        _xs(restriction, "fractionDigits", value="2")
        _xs(restriction, "minInclusive", value="0")
    elif scalar.values:
        labels = _VALUE_LABELS.get(scalar.name, {})
        for value in scalar.values:
            facet = _xs(restriction, "enumeration", value=value)
            label = labels.get(value)
            if scalar.enum_class is not None:
                label = _member_label(scalar.enum_class(value))
            if label is not None:
                problems.annotate(facet, label, f"{owner}={value}")
    elif scalar.pattern is not None:
        _xs(restriction, "pattern", value=scalar.pattern)


def _schema_root(namespace: str, extra: dict[str | None, str]) -> etree._Element:
    nsmap: Any = {"xs": XS, **extra}
    root = etree.Element(f"{{{XS}}}schema", nsmap=nsmap)
    root.set("targetNamespace", namespace)
    root.set("elementFormDefault", "qualified")
    root.set("attributeFormDefault", "unqualified")
    root.set("version", str(VERSION))
    root.append(etree.Comment(_NOTICE))
    return root


def _serialise(root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False) + b"\n"


def common_schema() -> bytes:
    """The common schema (``common-1.xsd``): the SDK's value types as simple types."""
    problems = _Problems()
    root = _schema_root(COMMON_NAMESPACE, {})
    problems.annotate(root, _t("Types communs des schémas cpas-sdk",
                               "Gemeenschappelijke types van de cpas-sdk-schema's",
                               "Common types of the cpas-sdk schemas"), "common schema")
    for scalar in COMMON_SCALARS:
        simple = _xs(root, "simpleType", name=scalar.name)
        problems.annotate(simple, _SCALAR_LABELS.get(scalar.name), scalar.name)
        if scalar.name == "Date":
            restriction = _xs(simple, "restriction", base="xs:date")
            _xs(restriction, "pattern", value=str(scalar.pattern))
        else:
            _restriction(simple, _SCALAR_BASE.get(scalar.name, "xs:token"), scalar, problems,
                         scalar.name)
    simple = _xs(root, "simpleType", name=NON_BLANK)
    problems.annotate(simple, _NON_BLANK_LABEL, NON_BLANK)
    _xs(_xs(simple, "restriction", base="xs:string"), "pattern", value=_NON_BLANK_PATTERN)
    problems.check()
    return _serialise(root)


class _DocumentBuilder:
    def __init__(self) -> None:
        self.types: list[etree._Element] = []
        self.owners: dict[str, object] = {}
        self.problems = _Problems()

    def type_of(self, value: Scalar | type, fallback: Text | None) -> str | None:
        """The QName of a value's type (``None``: declare an anonymous type inline)."""
        if isinstance(value, Scalar):
            if value.name.startswith("xs:"):
                return value.name
            if value in COMMON_SCALARS:
                return "c:" + value.name
            if value.enum_class is None:
                return None
            return self.named(value.enum_class.__name__, value.enum_class,
                              lambda: self.enum_type(value, fallback))
        return self.named(value.__name__, value, lambda: self.complex_type(value))

    def named(self, name: str, owner: object, build: Callable[[], None]) -> str:
        known = self.owners.get(name)
        if known is None:
            self.owners[name] = owner
            build()
        elif known is not owner:
            raise XmlModelError(f"two types are both called {name}: {known!r} and {owner!r}")
        return name

    def enum_type(self, scalar: Scalar, fallback: Text | None) -> None:
        kind = scalar.enum_class
        assert kind is not None  # noqa: S101 - only called for enums
        simple = etree.Element(f"{{{XS}}}simpleType", name=kind.__name__)
        self.types.append(simple)
        self.problems.annotate(simple, _class_label(kind) or fallback, kind.__qualname__)
        _restriction(simple, "xs:token", scalar, self.problems, kind.__qualname__)

    def complex_type(self, cls: type) -> None:
        complex_ = etree.Element(f"{{{XS}}}complexType", name=cls.__name__)
        self.types.append(complex_)
        self.problems.annotate(complex_, _class_label(cls), cls.__qualname__)
        sequence = _xs(complex_, "sequence")
        for slot in slots(cls):
            self.field(sequence, cls, slot)

    def field(self, sequence: etree._Element, cls: type, slot: Slot) -> None:
        label = _field_label(cls, slot)
        where = f"{cls.__qualname__}.{slot.name}"
        occurs = {"minOccurs": "0"} if slot.optional else {}
        blank_allowed = cls is Text
        if not slot.many:
            self.declare(sequence, slot.element, slot.value, label, label, where, occurs,
                         facets=_declared_facets(slot), blank_allowed=blank_allowed)
            return
        wrapper = _xs(sequence, "element", name=slot.element, **occurs)
        self.problems.annotate(wrapper, label, where)
        inner = _xs(_xs(wrapper, "complexType"), "sequence")
        item_label = label
        if not isinstance(slot.value, Scalar):
            item_label = _class_label(slot.value)
        self.declare(inner, str(slot.item), slot.value, item_label, label, f"{where} item",
                     {"minOccurs": "0", "maxOccurs": "unbounded"}, blank_allowed=blank_allowed)

    def declare(self, parent: etree._Element, name: str, value: Scalar | type,
                label: Text | None, field_label: Text | None, where: str,
                occurs: dict[str, str], *, facets: dict[str, str] | None = None,
                blank_allowed: bool = False) -> None:
        """An ``xs:element`` of the type of ``value`` (inline for a ``Literal``).

        ``facets`` restrict the type in an anonymous simple type; a string that
        may not be blank gets the common ``NonBlankString`` type.
        """
        type_name = self.type_of(value, field_label)
        if type_name == "xs:string" and not blank_allowed:
            type_name = "c:" + NON_BLANK
        if facets:
            if type_name not in _BOUNDED_BASES:
                raise XmlModelError(f"{where}: facets are supported on integers and decimals "
                                    f"only, not on {type_name}")
            type_name = self.bounded(type_name, facets)
        typed = {"type": type_name} if type_name is not None else {}
        element = _xs(parent, "element", name=name, **typed, **occurs)
        self.problems.annotate(element, label, where)
        if type_name is None and isinstance(value, Scalar):
            _restriction(_xs(element, "simpleType"), "xs:token", value, self.problems, where)

    def bounded(self, base: str, facets: dict[str, str]) -> str:
        """A named simple type: ``base`` restricted by ``facets``.

        Named (``Integer1900To2999``, ``NonNegativeInteger``) rather than
        anonymous so that validators' messages say which bounds were broken.
        """
        stem = _BOUNDED_BASES[base]
        low = facets.get("minInclusive")
        high = facets.get("maxInclusive")
        if set(facets) - {"minInclusive", "maxInclusive"}:
            raise XmlModelError(f"unsupported facets for a named bound: {sorted(facets)}")
        if low == "0" and high is None:
            name = "NonNegative" + stem
        else:
            name = f"{stem}{low or ''}To{high or ''}"
        if name not in self.owners:
            self.owners[name] = name
            simple = etree.Element(f"{{{XS}}}simpleType", name=name)
            self.types.append(simple)
            self.problems.annotate(simple, _bounds_label(low, high), name)
            restriction = _xs(simple, "restriction", base=base)
            for facet in _FACET_ORDER:
                if facet in facets:
                    _xs(restriction, facet, value=facets[facet])
        return name


_BOUNDED_BASES = {"xs:integer": "Integer", "xs:decimal": "Decimal"}


def _bounds_label(low: str | None, high: str | None) -> Text:
    if high is None:
        return _t(f"Nombre supérieur ou égal à {low}", f"Getal groter dan of gelijk aan {low}",
                  f"Number greater than or equal to {low}")
    if low is None:
        return _t(f"Nombre inférieur ou égal à {high}", f"Getal kleiner dan of gelijk aan {high}",
                  f"Number less than or equal to {high}")
    return _t(f"Nombre de {low} à {high} inclus", f"Getal van {low} tot en met {high}",
              f"Number from {low} to {high} inclusive")


_FACET_ORDER = ("minExclusive", "minInclusive", "maxInclusive", "maxExclusive")


def _declared_facets(slot: Slot) -> dict[str, str] | None:
    """The XSD facets declared on the field's converter (see :func:`cpas.sdk._model.facets`)."""
    declared = getattr(slot.attribute.converter, XSD_FACETS, None)
    if declared is None:
        return None
    return dict(declared)


def record_elements(cls: type, records: Iterable[type]) -> dict[type, str]:
    """The element name of each record class inside documents of ``cls``.

    A record is a class that appears as the item of a tuple (a reimbursement
    line); its global element has the same name as those items.
    """
    names: dict[type, set[str]] = {}
    seen: set[type] = set()

    def walk(current: type) -> None:
        if current in seen:
            return
        seen.add(current)
        for slot in slots(current):
            if isinstance(slot.value, Scalar):
                continue
            if slot.many:
                names.setdefault(slot.value, set()).add(str(slot.item))
            walk(slot.value)

    walk(cls)
    out: dict[type, str] = {}
    for record in records:
        found = sorted(names.get(record, ()))
        if len(found) != 1:
            raise XmlModelError(f"record class {record.__qualname__} must appear as the item of "
                                f"exactly one element name in {cls.__qualname__}, found {found}")
        out[record] = found[0]
    return out


def document_schema(cls: type, *, root: str, namespace: str,
                    records: Sequence[type] = ()) -> bytes:
    """The schema of documents whose root element ``root`` holds a ``cls``.

    ``records`` get a global element too (same name as their items inside the
    document) so that each one can be validated alone while streaming.
    """
    schema = _schema_root(namespace, {"c": COMMON_NAMESPACE, None: namespace})
    builder = _DocumentBuilder()
    builder.problems.annotate(schema, _class_label(cls), f"{cls.__qualname__} (schema)")
    _xs(schema, "import", namespace=COMMON_NAMESPACE, schemaLocation=COMMON_FILE)
    globals_ = [(root, cls)]
    for record, name in record_elements(cls, records).items():
        if name == root:
            raise XmlModelError(f"record element <{name}> has the name of the root element")
        globals_.append((name, record))
    for name, kind in globals_:
        element = _xs(schema, "element", name=name, type=kind.__name__)
        builder.problems.annotate(element, _class_label(kind), f"<{name}>")
    builder.type_of(cls, None)
    for record in records:
        builder.type_of(record, None)
    builder.problems.check()
    for declared in builder.types:
        schema.append(declared)
    return _serialise(schema)


# --------------------------------------------------------------------------- command line


def _generated() -> dict[str, bytes]:
    from .documents import generate_schemas

    return generate_schemas()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cpas.adapters.xml.xsdgen --write DIR`` or ``--check DIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m cpas.adapters.xml.xsdgen",
        description="Generate the cpas-sdk XSDs from the models.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="DIR", type=Path, help="write the schemas into DIR")
    action.add_argument("--check", metavar="DIR", type=Path,
                        help="exit 1 when the schemas in DIR differ from the generated ones")
    args = parser.parse_args(argv)
    schemas = _generated()
    if args.write is not None:
        target: Path = args.write
        target.mkdir(parents=True, exist_ok=True)
        for name, content in sorted(schemas.items()):
            write_atomically(target / name, content)
            print(f"wrote {target / name}")
        return 0
    folder: Path = args.check
    stale = [name for name, content in sorted(schemas.items())
             if not (folder / name).is_file() or (folder / name).read_bytes() != content]
    for name in stale:
        print(f"out of date: {folder / name}", file=sys.stderr)
    return 1 if stale else 0

if __name__ == "__main__":
    raise SystemExit(main())
