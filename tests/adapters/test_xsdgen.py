"""XSD generation (cpas.adapters.xml.xsdgen): valid XSD 1.0 for two validators, fully
annotated, agreeing with the mapping, and identical to the committed schemas/."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal

import attrs
import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import cpas.schemas
from cpas.adapters.xml.documents import KINDS, generate_schemas
from cpas.adapters.xml.mapping import XmlModelError, dump, load
from cpas.adapters.xml.xsdgen import (
    COMMON_FILE,
    COMMON_NAMESPACE,
    common_schema,
    document_schema,
    main,
    record_elements,
)
from cpas.sdk import (
    DateRange,
    Iban,
    Kbo,
    Lang,
    Money,
    NisCode,
    Niss,
    Period,
    Person,
    Signature,
    SignerRole,
    Text,
)
from cpas.sdk._model import label
from strategies import ibans, kbo_values, money, nis_codes, niss_digits, niss_values, periods, texts

XS = "http://www.w3.org/2001/XMLSchema"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = "urn:be:cpas-sdk:toy:1"
NISS = niss_digits(dt.date(1990, 5, 17), 101)
SCHEMAS_DIR = Path(next(iter(cpas.schemas.__path__)))


class Mood(enum.Enum):
    """An enum with a class label (``enum.nonmember``) and member labels."""

    LABEL = enum.nonmember(Text(fr="Humeur", nl="Stemming", en="Mood"))
    HAPPY = "happy"
    SAD = "sad"

    @property
    def label(self) -> Text:
        return Text(fr=f"fr {self.value}", nl=f"nl {self.value}")


class Size(enum.Enum):
    """An enum without any label: described with its field's label."""

    SMALL = "small"
    LARGE = "large"


@attrs.frozen
class Line:
    LABEL: ClassVar[Text] = Text(fr="Ligne", nl="Lijn", en="Line")

    niss: Niss = attrs.field(metadata=label("NISS", "INSZ"))
    period: Period = attrs.field(metadata=label("Mois", "Maand"))
    amount: Money = attrs.field(metadata=label("Montant", "Bedrag"))


@attrs.frozen
class ToyDocument:
    LABEL: ClassVar[Text] = Text(fr="Document jouet", nl="Speelgoeddocument")

    id: str = attrs.field(metadata=label("Id", "Id"))
    flag: bool = attrs.field(metadata=label("Drapeau", "Vlag"))
    count: int = attrs.field(metadata=label("Nombre", "Aantal"))
    ratio: Decimal = attrs.field(metadata=label("Taux", "Percentage"))
    day: dt.date = attrs.field(metadata=label("Jour", "Dag"))
    kbo: Kbo = attrs.field(metadata=label("BCE", "KBO"))
    nis_code: NisCode = attrs.field(metadata=label("INS", "NIS"))
    iban: Iban = attrs.field(metadata=label("IBAN", "IBAN"))
    span: DateRange = attrs.field(metadata=label("Période", "Periode"))
    title: Text = attrs.field(metadata=label("Titre", "Titel"))
    mood: Mood = attrs.field(metadata=label("Humeur", "Stemming"))
    size: Size | None = attrs.field(metadata=label("Taille", "Grootte"))
    language: Lang = attrs.field(metadata=label("Langue", "Taal"))
    choice: Literal["a", "b"] = attrs.field(metadata=label("Choix", "Keuze"))
    beneficiary: Person = attrs.field(metadata=label("Bénéficiaire", "Begunstigde"))
    signatures: tuple[Signature, ...] = attrs.field(metadata=label("Signatures",
                                                                   "Handtekeningen"))
    lines: tuple[Line, ...] = attrs.field(metadata={**label("Lignes", "Lijnen"),
                                                    "xml_item": "line"})
    notes: tuple[str, ...] = attrs.field(metadata=label("Notes", "Nota's"))
    moods: tuple[Mood, ...] = attrs.field(metadata=label("Humeurs", "Stemmingen"))
    remark: str | None = attrs.field(metadata=label("Remarque", "Opmerking"))


def _toy_schemas() -> dict[str, bytes]:
    return {COMMON_FILE: common_schema(),
            "toy-1.xsd": document_schema(ToyDocument, root="toyDocument", namespace=NS,
                                         records=(Line,))}


@pytest.fixture(scope="module")
def toy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("toy-xsd")
    for name, data in _toy_schemas().items():
        (folder / name).write_bytes(data)
    return folder


def _lxml_schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def _xmlschema(path: Path) -> Any:
    return xmlschema.XMLSchema10(str(path), allow="sandbox", defuse="always")


@attrs.frozen
class Validators:
    """The toy schema compiled once by each validator."""

    lxml: etree.XMLSchema
    other: Any

    def lxml_valid(self, data: bytes) -> bool:
        return self.lxml.validate(etree.fromstring(data))

    def xmlschema_valid(self, data: bytes) -> bool:
        resource = xmlschema.XMLResource(data.decode(), allow="none", defuse="always")
        return bool(self.other.is_valid(resource))


@pytest.fixture(scope="module")
def toy(toy_dir: Path) -> Validators:
    return Validators(_lxml_schema(toy_dir / "toy-1.xsd"), _xmlschema(toy_dir / "toy-1.xsd"))


def _example(**changes: Any) -> ToyDocument:
    values: dict[str, Any] = dict(
        id="d-1", flag=True, count=12, ratio=Decimal("-0.5"), day=dt.date(2025, 3, 1),
        kbo=Kbo("0403019261"), nis_code=NisCode("34022"), iban=Iban("BE68539007547034"),
        span=DateRange("2025-01-01"), title=Text(nl="Titel"), mood=Mood.SAD, size=None,
        language="de", choice="a",
        beneficiary=Person(NISS, "Dubois", "Zoë", language="fr"),
        signatures=(Signature(SignerRole.PRESIDENT, "A. Président", "2025-03-02"),),
        lines=(Line(Niss(NISS), Period(2025, 1), Money("1234.56")),), notes=("n",),
        moods=(Mood.HAPPY,), remark=None)
    values.update(changes)
    return ToyDocument(**values)


toy_documents = st.builds(
    ToyDocument, id=texts(max_size=8), flag=st.booleans(), count=st.integers(),
    ratio=st.decimals(allow_nan=False, allow_infinity=False), day=st.dates(),
    kbo=kbo_values(), nis_code=nis_codes(), iban=ibans(),
    span=st.dates().map(DateRange), title=st.builds(Text, fr=texts(max_size=10)),
    mood=st.sampled_from(Mood), size=st.none() | st.sampled_from(Size),
    language=st.sampled_from(["fr", "nl", "de", "en"]), choice=st.sampled_from(["a", "b"]),
    beneficiary=st.builds(Person, niss=niss_values(), last_name=texts(max_size=10),
                          first_name=texts(max_size=10)),
    signatures=st.lists(st.builds(Signature, st.sampled_from(SignerRole), texts(max_size=10),
                                  st.dates()), max_size=2).map(tuple),
    lines=st.lists(st.builds(Line, niss_values(), periods(), money()), max_size=3).map(tuple),
    notes=st.lists(texts(max_size=10), max_size=2).map(tuple),
    moods=st.lists(st.sampled_from(Mood), max_size=2).map(tuple),
    remark=st.none() | texts(max_size=10),
)


# --------------------------------------------------------------------------- validity


def _schema_files() -> Iterator[tuple[str, bytes]]:
    yield from sorted(generate_schemas().items())


def test_generated_schemas_are_valid_xsd_for_both_validators(tmp_path: Path) -> None:
    """lxml (libxml2) and xmlschema both accept every generated schema as XSD 1.0."""
    for name, data in _schema_files():
        (tmp_path / name).write_bytes(data)
    for name, _ in _schema_files():
        _lxml_schema(tmp_path / name)
        _xmlschema(tmp_path / name)


def test_toy_schema_is_valid_for_both_validators(toy: Validators) -> None:
    assert toy.lxml is not None
    assert toy.other.validity == "valid"


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(toy_documents)
def test_written_documents_validate_with_both(toy: Validators, document: ToyDocument) -> None:
    """Whatever the writer produces is valid for both validators and reads back equal."""
    data = dump(document, tag="toyDocument", namespace=NS)
    assert toy.lxml_valid(data), toy.lxml.error_log
    assert toy.xmlschema_valid(data)
    tree = etree.fromstring(data)
    assert load(tree, ToyDocument, tag="toyDocument", namespace=NS) == document


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<count>12</count>", b"<count>12.5</count>"),
        (b"<flag>true</flag>", b"<flag>yes</flag>"),
        (b"<day>2025-03-01</day>", b"<day>2025-03-01Z</day>"),
        (b"<day>2025-03-01</day>", b"<day>2025-02-30</day>"),
        (b"<kbo>0403019261</kbo>", b"<kbo>2403019261</kbo>"),
        (b"<nisCode>34022</nisCode>", b"<nisCode>04022</nisCode>"),
        (b"<iban>BE68539007547034</iban>", b"<iban>be68539007547034</iban>"),
        (b"<period>2025-01</period>", b"<period>2025-13</period>"),
        (b"<amount>1234.56</amount>", b"<amount>1234.567</amount>"),
        (b"<amount>1234.56</amount>", b"<amount>-1</amount>"),
        (b"<mood>sad</mood>", b"<mood>angry</mood>"),
        (b"<language>de</language>", b"<language>it</language>"),
        (b"<choice>a</choice>", b"<choice>c</choice>"),
        (b"<id>d-1</id>", b""),
        (b"<title>", b"<title><es>x</es>"),
        (b"<niss>" + NISS.encode() + b"</niss>\n      <period>",
         b"<niss>\xd9\xa1" + NISS[1:].encode() + b"</niss>\n      <period>"),
    ],
    ids=["int", "bool", "date-zone", "date-impossible", "kbo-first-digit", "nis-zero",
         "iban-lower", "period", "money-decimals", "money-negative", "enum", "lang", "literal",
         "missing", "unknown-language", "arabic-digit"],
)
def test_invalid_documents_are_refused_by_both(toy: Validators, old: bytes, new: bytes) -> None:
    """The two validators agree on what breaks the contract."""
    good = dump(_example(), tag="toyDocument", namespace=NS)
    assert toy.lxml_valid(good)
    assert toy.xmlschema_valid(good)
    data = good.replace(old, new, 1)
    assert data != good
    assert not toy.lxml_valid(data)
    assert not toy.xmlschema_valid(data)


def test_record_element_validates_alone(toy: Validators) -> None:
    """A record has a global element with the same QName as its items in the document."""
    line = Line(Niss(NISS), Period(2025, 1), Money("1"))
    data = dump(line, tag="line", namespace=NS)
    assert toy.lxml_valid(data)
    assert toy.xmlschema_valid(data)
    assert record_elements(ToyDocument, (Line,)) == {Line: "line"}
    document = dump(_example(), tag="toyDocument", namespace=NS)
    assert b"<lines>\n    <line>" in document


def test_record_must_be_a_tuple_item() -> None:
    with pytest.raises(XmlModelError, match="record class Person"):
        record_elements(ToyDocument, (Person,))


# --------------------------------------------------------------------------- annotations


def _annotated(element: etree._Element) -> set[str]:
    docs = element.findall(f"{{{XS}}}annotation/{{{XS}}}documentation")
    return {str(doc.get(XML_LANG)) for doc in docs if (doc.text or "").strip()}


@pytest.mark.parametrize("name", sorted(generate_schemas()))
def test_every_element_and_named_type_is_annotated_in_fr_and_nl(name: str) -> None:
    root = etree.fromstring(generate_schemas()[name])
    checked = 0
    for element in root.iter(f"{{{XS}}}element", f"{{{XS}}}complexType", f"{{{XS}}}simpleType"):
        if element.tag != f"{{{XS}}}element" and element.get("name") is None:
            continue  # anonymous types sit inside an annotated element
        assert {"fr", "nl"} <= _annotated(element), etree.tostring(element)[:200]
        checked += 1
    assert checked > 0


def test_enum_annotations() -> None:
    """Enum types use ``LABEL`` (or the field's label); members use their ``label``."""
    root = etree.fromstring(_toy_schemas()["toy-1.xsd"])
    mood = root.find(f"{{{XS}}}simpleType[@name='Mood']")
    size = root.find(f"{{{XS}}}simpleType[@name='Size']")
    assert mood is not None
    assert size is not None
    docs = mood.findall(f"{{{XS}}}annotation/{{{XS}}}documentation")
    assert [d.text for d in docs] == ["Humeur", "Stemming", "Mood"]
    happy = mood.find(f".//{{{XS}}}enumeration[@value='happy']")
    assert happy is not None
    assert _annotated(happy) == {"fr", "nl"}
    docs = size.findall(f"{{{XS}}}annotation/{{{XS}}}documentation")
    assert [d.text for d in docs] == ["Taille", "Grootte"]


@attrs.frozen
class Unlabelled:
    first: int
    second: str = attrs.field(metadata=label("Deux", "Twee"))
    third: int = attrs.field(default=0, metadata={"label": Text(fr="seulement")})


def test_missing_labels_are_an_error_naming_all_of_them() -> None:
    with pytest.raises(XmlModelError) as info:
        document_schema(Unlabelled, root="x", namespace="urn:x")
    message = str(info.value)
    assert "Unlabelled (schema)" in message
    assert "Unlabelled.first" in message
    assert "Unlabelled.third" in message
    assert "Unlabelled.second" not in message


@attrs.frozen
class Twin:
    LABEL: ClassVar[Text] = Text(fr="Jumeau", nl="Tweeling")
    value: int = attrs.field(metadata=label("Valeur", "Waarde"))


TwinA = Twin


def _other_twin() -> type:
    @attrs.frozen
    class Twin:
        LABEL: ClassVar[Text] = Text(fr="Autre", nl="Ander")
        value: int = attrs.field(metadata=label("Valeur", "Waarde"))

    return Twin


OtherTwin = _other_twin()


@attrs.frozen
class TwoTwins:
    LABEL: ClassVar[Text] = Text(fr="Deux", nl="Twee")
    first: Twin = attrs.field(metadata=label("Un", "Een"))
    second: OtherTwin = attrs.field(metadata=label("Deux", "Twee"))  # type: ignore[valid-type]


def test_two_classes_with_one_name_are_refused() -> None:
    with pytest.raises(XmlModelError, match="two types are both called Twin"):
        document_schema(TwoTwins, root="x", namespace="urn:x")


def test_common_schema_holds_the_value_types() -> None:
    root = etree.fromstring(common_schema())
    assert root.get("targetNamespace") == COMMON_NAMESPACE
    names = [e.get("name") for e in root.iter(f"{{{XS}}}simpleType")]
    assert names == ["Date", "Money", "Niss", "Kbo", "NisCode", "Iban", "Period", "Lang",
                     "NonBlankString"]
    assert b"checksum" not in common_schema()
    assert "modulo 97" in common_schema().decode()


def test_generation_is_deterministic() -> None:
    assert generate_schemas() == generate_schemas()


# --------------------------------------------------------------------------- committed files


def test_committed_schemas_equal_the_generated_ones() -> None:
    """schemas/*.xsd is the exchange contract: it must be exactly what the models give.

    On failure, run ``python -m cpas.adapters.xml.xsdgen --write schemas/``, review
    the diff and commit it (a changed contract may need a new namespace version).
    """
    generated = generate_schemas()
    committed = {p.name: p.read_bytes() for p in SCHEMAS_DIR.glob("*.xsd")}
    assert sorted(committed) == sorted(generated)
    stale = [name for name in generated if committed[name] != generated[name]]
    assert stale == []


def test_every_kind_has_a_schema_file() -> None:
    names = {kind.schema_file for kind in KINDS}
    assert names == {"piis-1.xsd", "bilan-1.xsd", "subsidy-1.xsd", "partnership-1.xsd",
                     "reimbursement-1.xsd"}
    assert set(generate_schemas()) == names | {COMMON_FILE}


def test_command_line_write_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", str(SCHEMAS_DIR)]) == 0
    assert main(["--write", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(generate_schemas())
    assert main(["--check", str(tmp_path)]) == 0
    (tmp_path / COMMON_FILE).write_bytes(b"<changed/>")
    assert main(["--check", str(tmp_path)]) == 1
    assert "out of date" in capsys.readouterr().err
