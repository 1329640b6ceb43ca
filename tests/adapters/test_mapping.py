"""The generic attrs <-> XML mapping (cpas.adapters.xml.mapping), on toy models.

The toy classes use every supported field type, so a change of the mapping
rules shows up here before it shows up in a document.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, ClassVar, Literal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from cpas.adapters.xml.mapping import (
    XmlMappingError,
    XmlModelError,
    class_element_name,
    dump,
    element_name,
    error_line,
    from_element,
    load,
    slots,
)
from cpas.sdk import (
    DateRange,
    Iban,
    InvalidMoney,
    InvalidNiss,
    InvalidPeriod,
    InvalidType,
    InvalidValue,
    Kbo,
    Lang,
    Money,
    NisCode,
    Niss,
    Period,
    SocialWorker,
    Text,
)
from cpas.sdk._model import label, locate, opt_text, text
from strategies import amounts, ibans, kbo_values, money, nis_codes, niss_digits, niss_values, texts
from strategies import periods as period_values

NS = "urn:test:toy:1"
NISS = niss_digits(dt.date(1985, 7, 30), 33)


class Colour(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark_blue"

    @property
    def label(self) -> Text:
        return Text(fr=self.value, nl=self.value)


def _leaves(values: Any) -> tuple[Leaf, ...]:
    return tuple(values)


@attrs.frozen(field_transformer=locate)
class Leaf:
    LABEL: ClassVar[Text] = Text(fr="Feuille", nl="Blad")

    name: str = attrs.field(converter=text, metadata=label("Nom", "Naam"))
    niss: Niss | None = attrs.field(default=None, metadata=label("NISS", "INSZ"))


@attrs.frozen(field_transformer=locate)
class Toy:
    """Every supported field type once."""

    LABEL: ClassVar[Text] = Text(fr="Jouet", nl="Speelgoed")

    id: str = attrs.field(metadata=label("Id", "Id"))
    flag: bool = attrs.field(metadata=label("Drapeau", "Vlag"))
    count: int = attrs.field(metadata=label("Nombre", "Aantal"))
    ratio: Decimal = attrs.field(metadata=label("Taux", "Percentage"))
    day: dt.date = attrs.field(metadata=label("Jour", "Dag"))
    amount: Money = attrs.field(metadata=label("Montant", "Bedrag"))
    niss: Niss = attrs.field(metadata=label("NISS", "INSZ"))
    kbo: Kbo = attrs.field(metadata=label("BCE", "KBO"))
    nis_code: NisCode = attrs.field(metadata=label("INS", "NIS"))
    iban: Iban = attrs.field(metadata=label("IBAN", "IBAN"))
    period: Period = attrs.field(metadata=label("Mois", "Maand"))
    span: DateRange = attrs.field(metadata=label("Période", "Periode"))
    title: Text = attrs.field(metadata=label("Titre", "Titel"))
    colour: Colour = attrs.field(metadata=label("Couleur", "Kleur"))
    language: Lang = attrs.field(metadata=label("Langue", "Taal"))
    choice: Literal["a", "b"] = attrs.field(metadata=label("Choix", "Keuze"))
    note: str | None = attrs.field(metadata=label("Note", "Nota"))
    maybe_amount: Money | None = attrs.field(metadata=label("Montant?", "Bedrag?"))
    leaf: Leaf = attrs.field(metadata=label("Feuille", "Blad"))
    optional_leaf: Leaf | None = attrs.field(metadata=label("Feuille?", "Blad?"))
    leaves: tuple[Leaf, ...] = attrs.field(converter=_leaves,
                                           metadata=label("Feuilles", "Bladeren"))
    tags: tuple[str, ...] = attrs.field(metadata={**label("Étiquettes", "Labels"),
                                                  "xml_item": "tag"})
    colours: tuple[Colour, ...] = attrs.field(metadata=label("Couleurs", "Kleuren"))
    amounts: tuple[Money, ...] = attrs.field(metadata=label("Montants", "Bedragen"))
    days: tuple[dt.date, ...] = attrs.field(metadata=label("Jours", "Dagen"))
    worker: SocialWorker | None = attrs.field(metadata=label("Assistant", "Werker"))


def _example(**changes: Any) -> Toy:
    values: dict[str, Any] = dict(
        id="t-1", flag=True, count=-3, ratio=Decimal("12.50"), day=dt.date(2025, 1, 31),
        amount=Money("500"), niss=Niss(NISS), kbo=Kbo("0403019261"), nis_code=NisCode("21004"),
        iban=Iban("BE68539007547034"), period=Period(2025, 2),
        span=DateRange("2025-01-01", "2025-06-30"), title=Text(fr="Titre", nl="Titel"),
        colour=Colour.DARK_BLUE, language="nl", choice="b", note=None, maybe_amount=None,
        leaf=Leaf("Élodie"), optional_leaf=None, leaves=(Leaf("a"), Leaf("b", Niss(NISS))),
        tags=("x", "y"), colours=(Colour.RED,), amounts=(Money("1.5"),),
        days=(dt.date(2024, 2, 29),), worker=SocialWorker("Jan"),
    )
    values.update(changes)
    return Toy(**values)


def _read(data: bytes, cls: type[Any] = Toy, tag: str = "toy") -> Any:
    return load(etree.fromstring(data), cls, tag=tag, namespace=NS)


def _write(obj: object, tag: str = "toy") -> bytes:
    return dump(obj, tag=tag, namespace=NS)


def _line_of(data: bytes, needle: bytes) -> int:
    """1-based line of the first occurrence of ``needle`` in ``data``."""
    return data[: data.index(needle)].count(b"\n") + 1


# --------------------------------------------------------------------------- strategies


def leaves() -> st.SearchStrategy[Leaf]:
    return st.builds(Leaf, name=texts(max_size=20), niss=st.none() | niss_values())


def xml_texts(max_size: int) -> st.SearchStrategy[str]:
    """Any string XML 1.0 can carry, blank and white space included."""
    chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"),
                          exclude_characters="\ufffe\uffff") | st.sampled_from(" \t\r\n")
    return st.text(chars, max_size=max_size)


def opt_texts() -> st.SearchStrategy[str | None]:
    return st.none() | xml_texts(8) | texts(max_size=20)


def multilingual() -> st.SearchStrategy[Text]:
    return st.builds(Text, fr=texts(max_size=20), nl=opt_texts(), de=opt_texts(),
                     en=opt_texts())


@st.composite
def ranges(draw: st.DrawFn) -> DateRange:
    start = draw(st.dates())
    end = draw(st.none() | st.dates(min_value=start))
    return DateRange(start, end)


def decimals() -> st.SearchStrategy[Decimal]:
    return st.decimals(allow_nan=False, allow_infinity=False)


toys = st.builds(
    Toy, id=texts(max_size=10), flag=st.booleans(), count=st.integers(), ratio=decimals(),
    day=st.dates(), amount=money(), niss=niss_values(), kbo=kbo_values(), nis_code=nis_codes(),
    iban=ibans(), period=period_values(), span=ranges(), title=multilingual(),
    colour=st.sampled_from(Colour), language=st.sampled_from(["fr", "nl", "de", "en"]),
    choice=st.sampled_from(["a", "b"]), note=opt_texts(),
    maybe_amount=st.none() | amounts("1E+15").map(Money),
    leaf=leaves(), optional_leaf=st.none() | leaves(),
    leaves=st.lists(leaves(), max_size=3).map(tuple),
    tags=st.lists(xml_texts(5), max_size=3).map(tuple),
    colours=st.lists(st.sampled_from(Colour), max_size=3).map(tuple),
    amounts=st.lists(money(), max_size=2).map(tuple),
    days=st.lists(st.dates(), max_size=2).map(tuple),
    worker=st.none() | st.builds(SocialWorker, name=texts(max_size=10),
                                 staff_id=st.none() | texts(max_size=5)),
)


# --------------------------------------------------------------------------- round trip


@settings(max_examples=150)
@given(toys)
def test_round_trip_is_lossless(toy: Toy) -> None:
    """Reading what was written gives an equal object, for every supported field type."""
    assert _read(_write(toy)) == toy


@settings(max_examples=50)
@given(toys)
def test_output_is_deterministic(toy: Toy) -> None:
    """Same object, same bytes; and writing what was read gives the same bytes again."""
    first = _write(toy)
    assert _write(toy) == first
    assert _write(_read(first)) == first
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<toy xmlns="urn:test:toy:1">')
    first.decode("utf-8")  # valid UTF-8, no BOM (checked by the prefix above)


def test_value_forms() -> None:
    """Money has two decimals, decimals no exponent, booleans are words, enums their value."""
    data = _write(_example(amount=Money("500"), ratio=Decimal("1E+3"), flag=False,
                           maybe_amount=Money("0.1")))
    assert b"<amount>500.00</amount>" in data
    assert b"<maybeAmount>0.10</maybeAmount>" in data
    assert b"<ratio>1000</ratio>" in data
    assert b"<flag>false</flag>" in data
    assert b"<colour>dark_blue</colour>" in data
    assert b"<niss>" + NISS.encode() + b"</niss>" in data
    assert b"<kbo>0403019261</kbo>" in data
    assert b"<iban>BE68539007547034</iban>" in data
    assert b"<period>2025-02</period>" in data
    assert b"<nisCode>21004</nisCode>" in data
    assert b"<span>\n    <start>2025-01-01</start>\n    <end>2025-06-30</end>\n  </span>" in data
    assert b"<tags>\n    <tag>x</tag>\n    <tag>y</tag>\n  </tags>" in data
    assert b"<colours>\n    <colour>red</colour>\n  </colours>" in data
    assert b"<amounts>\n    <money>1.50</money>\n  </amounts>" in data
    assert b"<days>\n    <date>2024-02-29</date>\n  </days>" in data
    assert b"<leaves>\n    <leaf>" in data
    assert _write(_example(ratio=Decimal("1E-7"))).count(b"<ratio>0.0000001</ratio>") == 1


def test_none_is_omitted_and_empty_tuple_kept() -> None:
    """``None`` leaves the element out; an empty tuple still writes its wrapper."""
    toy = _example(note=None, leaves=(), tags=())
    data = _write(toy)
    assert b"<note>" not in data
    assert b"<leaves/>" in data
    assert b"<tags/>" in data
    assert _read(data) == toy


@pytest.mark.parametrize("value", ["", "  padded  ", "a\r\nb\tc", "<&>]]>\"'", "Ŝtraße 東京 🙂"],
                         ids=["empty", "spaces", "crlf-tab", "markup", "non-ascii"])
def test_strings_round_trip_exactly(value: str) -> None:
    """Strings are kept as they are, white space and markup characters included."""
    toy = _example(note=value, tags=(value,))
    assert _read(_write(toy)) == toy


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\ud800", "\ufffe"])
def test_characters_xml_cannot_carry_are_refused(char: str) -> None:
    """A control character or lone surrogate is an error naming the field's path."""
    with pytest.raises(InvalidValue) as info:
        _write(_example(leaves=(Leaf("ok"), Leaf(f"bad{char}"))))
    assert info.value.path == "$.leaves[1].name"
    assert "XML 1.0" in info.value.reason


def test_writer_refuses_wrong_runtime_types() -> None:
    """A value of the wrong type (possible on classes without validators) names its path."""
    with pytest.raises(InvalidType) as info:
        _write(_example(amount=Decimal("1")))
    assert info.value.path == "$.amount"
    with pytest.raises(InvalidType) as info:
        _write(_example(count=True))
    assert info.value.path == "$.count"
    with pytest.raises(InvalidValue) as refused:
        _write(_example(ratio=Decimal("NaN")))
    assert refused.value.path == "$.ratio"


# --------------------------------------------------------------------------- reading errors


def test_sdk_error_is_located_at_path_and_line() -> None:
    """A bad NISS checksum is the SDK's InvalidNiss, at the element's path and line."""
    good = _write(_example(leaves=(Leaf("a"), Leaf("b", Niss(NISS)))))
    wrong = NISS[:-1] + str((int(NISS[-1]) + 1) % 10)
    data = good.replace(b"<niss>" + NISS.encode() + b"</niss>\n    </leaf>",
                        b"<niss>" + wrong.encode() + b"</niss>\n    </leaf>")
    with pytest.raises(InvalidNiss) as info:
        _read(data)
    assert info.value.path == "$.leaves[1].niss"
    assert error_line(info.value) == _line_of(data, wrong.encode())
    assert NISS[:6] not in str(info.value)  # the value stays masked


def test_converter_error_inside_nested_class_is_located() -> None:
    """DateRange refusing an end before its start points at ``$.span.end`` and its line."""
    data = _write(_example()).replace(b"<end>2025-06-30</end>", b"<end>2024-06-30</end>")
    with pytest.raises(InvalidPeriod) as info:
        _read(data)
    assert info.value.path == "$.span.end"
    assert error_line(info.value) == _line_of(data, b"<end>")
    assert f"[line {error_line(info.value)}]" in str(info.value)


def test_value_type_error_is_located() -> None:
    """Money with three decimals is InvalidMoney at the element's path."""
    data = _write(_example()).replace(b"<amount>500.00</amount>", b"<amount>1.005</amount>")
    with pytest.raises(InvalidMoney) as info:
        _read(data)
    assert info.value.path == "$.amount"
    assert error_line(info.value) == _line_of(data, b"<amount>")


def test_class_converter_error_in_tuple_item_is_located() -> None:
    """A blank required name in the second leaf: ``$.leaves[1].name`` on its line."""
    data = _write(_example(leaves=(Leaf("a"), Leaf("zz")))).replace(b"<name>zz</name>",
                                                                    b"<name>  </name>")
    with pytest.raises(InvalidValue) as info:
        _read(data)
    assert info.value.path == "$.leaves[1].name"
    assert error_line(info.value) == _line_of(data, b"<name>  </name>")


@pytest.mark.parametrize(
    ("old", "new", "path", "reason"),
    [
        (b"<count>-3</count>", b"<count>three</count>", "$.count", "not a valid integer"),
        (b"<count>-3</count>", b"<count>1_000</count>", "$.count", "not a valid integer"),
        (b"<flag>true</flag>", b"<flag>yes</flag>", "$.flag", "not one of"),
        (b"<colour>dark_blue</colour>", b"<colour>green</colour>", "$.colour", "not one of"),
        (b"<choice>b</choice>", b"<choice>c</choice>", "$.choice", "not one of"),
        (b"<day>2025-01-31</day>", b"<day>2025-01-31Z</day>", "$.day", "not a valid Date"),
        (b"<day>2025-01-31</day>", b"<day>2025-02-30</day>", "$.day", "not a valid Date"),
        (b"<kbo>0403019261</kbo>", b"<kbo>BE0403019261</kbo>", "$.kbo", "not a valid Kbo"),
        (b"<period>2025-02</period>", b"<period>2025-13</period>", "$.period",
         "not a valid Period"),
        (b"<ratio>12.50</ratio>", b"<ratio>1e3</ratio>", "$.ratio", "not a valid decimal"),
        (b"<amount>500.00</amount>", b"<amount>-1.00</amount>", "$.amount",
         "must not be negative"),
        (b"<tag>x</tag>", b"<tag>x<b/></tag>", "$.tags[0]", "found child nodes"),
        (b"<tag>y</tag>", b"<item>y</item>", "$.tags[1]", "expected <tag>, found <item>"),
        (b"<flag>true</flag>", b"", "$.flag", "missing element <flag>, found <count>"),
        (b"<leaf>", b"<leaf a='1'>", "$.leaf", "attribute a is not allowed"),
        (b"<leaf>", b"<leaf>text", "$.leaf", "text is not allowed"),
        (b"</leaf>", b"</leaf>text", "$", "text is not allowed"),
        (b"</toy>", b"<extra/></toy>", "$", "unexpected element <extra>"),
    ],
    ids=["int-word", "int-underscore", "bool", "enum", "literal", "date-zone", "date-impossible",
         "kbo-prefix", "period-month", "decimal-exponent", "money-negative", "leaf-children",
         "item-name", "missing", "attribute", "text-in-complex", "tail-text", "extra-element"],
)
def test_structural_and_lexical_errors(old: bytes, new: bytes, path: str, reason: str) -> None:
    """Each malformed element gives an error with the path, the reason and a line."""
    data = _write(_example()).replace(old, new, 1)
    assert data != _write(_example())
    with pytest.raises(InvalidValue) as info:
        _read(data)
    assert info.value.path.startswith(path)
    assert reason in str(info.value)
    assert error_line(info.value) is not None


def test_xsi_attributes_and_comments_are_tolerated() -> None:
    """``xsi:schemaLocation`` on the root and comments between elements do not matter."""
    data = _write(_example()).replace(
        b'<toy xmlns="urn:test:toy:1">',
        b'<toy xmlns="urn:test:toy:1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        b' xsi:schemaLocation="urn:test:toy:1 toy.xsd"><!-- note -->')
    assert _read(data) == _example()


def test_white_space_around_non_string_values_is_trimmed() -> None:
    """Like xs:token/xs:decimal, non-string values are read after trimming XML white space."""
    data = _write(_example()).replace(b"<amount>500.00</amount>",
                                      b"<amount>\n  500.00\t</amount>")
    assert _read(data) == _example()


def test_root_element_is_checked() -> None:
    with pytest.raises(XmlMappingError) as info:
        _read(_write(_example(), tag="other"))
    assert "expected root element {urn:test:toy:1}toy" in info.value.reason


def test_wrong_namespace_is_an_unexpected_element() -> None:
    data = _write(_example()).replace(b"<count>-3</count>", b'<count xmlns="urn:x">-3</count>')
    with pytest.raises(XmlMappingError, match="missing element <count>"):
        _read(data)


def test_from_element_reads_a_record_with_its_path() -> None:
    """Streaming readers map one record at a time; errors carry the path they pass."""
    element = etree.fromstring(_write(Leaf("x", Niss(NISS)), tag="leaf"))
    assert from_element(element, Leaf, namespace=NS, path="$.leaves[7]") == Leaf("x", Niss(NISS))
    element.find(f"{{{NS}}}name").text = " "  # type: ignore[union-attr]
    with pytest.raises(InvalidValue) as info:
        from_element(element, Leaf, namespace=NS, path="$.leaves[7]")
    assert info.value.path == "$.leaves[7].name"


# --------------------------------------------------------------------------- names and models


@pytest.mark.parametrize(("field", "element"),
                         [("id", "id"), ("signed_on", "signedOn"), ("nis_code", "nisCode"),
                          ("beneficiaries_year_before_last", "beneficiariesYearBeforeLast"),
                          ("_private", "private")])
def test_element_names(field: str, element: str) -> None:
    assert element_name(field) == element


@pytest.mark.parametrize(("cls", "element"),
                         [("Leaf", "leaf"), ("ReimbursementLine", "reimbursementLine"),
                          ("PIISObjective", "piisObjective"), ("NisCode", "nisCode"),
                          ("A", "a")])
def test_class_element_names(cls: str, element: str) -> None:
    assert class_element_name(cls) == element


def test_plan_follows_field_order() -> None:
    names = [slot.element for slot in slots(Toy)]
    assert names[:4] == ["id", "flag", "count", "ratio"]
    assert names[-1] == "worker"
    tags = next(slot for slot in slots(Toy) if slot.name == "tags")
    assert (tags.many, tags.item) == (True, "tag")


@attrs.frozen
class WithFloat:
    value: float


@attrs.frozen
class WithUnion:
    value: int | str


@attrs.frozen
class WithDict:
    value: dict[str, int]


@attrs.frozen
class WithOptionalItems:
    value: tuple[int | None, ...]


@attrs.frozen
class WithPair:
    value: tuple[int, int]


@attrs.frozen
class Clash:
    a_b: int
    aB: int


@pytest.mark.parametrize("cls", [WithFloat, WithUnion, WithDict, WithOptionalItems, WithPair,
                                 Clash],
                         ids=["float", "union", "dict", "optional-items", "pair", "clash"])
def test_unsupported_models_are_refused(cls: type) -> None:
    """Types outside the contract fail early, when the plan is built, naming the field."""
    with pytest.raises(XmlModelError, match=cls.__qualname__):
        slots(cls)


def test_init_false_fields_are_not_written() -> None:
    """Derived fields (``init=False``) are recomputed, not exchanged."""
    data = _write(Derived(2))
    assert b"double" not in data
    assert _read(data, Derived, "toy") == Derived(2)


@attrs.frozen
class Derived:
    value: int
    double: int = attrs.field(init=False)

    @double.default
    def _double(self) -> int:
        return self.value * 2


@attrs.frozen(field_transformer=locate)
class WithAlias:
    _hidden: str | None = attrs.field(default=None, converter=opt_text)


def test_private_attribute_uses_its_alias() -> None:
    """A field ``_hidden`` is the element ``hidden`` and the keyword ``hidden``."""
    data = _write(WithAlias(hidden="x"))
    assert b"<hidden>x</hidden>" in data
    assert _read(data, WithAlias) == WithAlias(hidden="x")
