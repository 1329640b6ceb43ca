"""Mapping profiles: a TOML file that describes a vendor's export, checked when loaded.

A profile says which document kind a file holds, how to read it (CSV, XLSX or
flat XML; encoding, delimiter, the XPath of the records), how its dates and
numbers are written, which column or XPath fills which SDK field (with value
maps for the vendor's codes), and how records are grouped into documents. The
format is documented in ``docs/mappings.md``; the shipped examples are in
``profiles/``.

Everything is checked on load, before any file is read: an unknown key, an SDK
field that does not exist, a column given for an XML profile, a date format
without a year, a value map pointing to an unknown code… each raises
:class:`ProfileError` naming the profile file, the key (``record.basis.map.LL``)
and the reason in FR, NL and EN.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from lxml import etree

from ...sdk.errors import CpasError
from ...sdk.text import Lang, Text
from ..legacy.numbers import CellError, parse_bool, parse_enum
from .fields import KINDS, Kind, SdkField, ValueType
from .values import Formats, date_pattern, read_value

__all__ = [
    "FORMATS",
    "FieldMapping",
    "Formats",
    "Profile",
    "ProfileError",
    "date_pattern",
    "load_profile",
    "parse_profile",
]

FORMATS = ("csv", "xlsx", "xml")
"""File formats a profile can describe."""

Constant = str | int | bool | Decimal | dt.date


class ProfileError(CpasError, ValueError):
    """A profile cannot be used: ``origin`` (file), ``key`` and ``reason`` (FR/NL/EN) say why."""

    def __init__(self, origin: str, key: str, reason: Text) -> None:
        super().__init__(f"{origin}: {key}: {reason.get('en')}")
        self.origin = origin
        self.key = key
        self.reason = reason

    def render(self, lang: Lang = "en") -> str:
        """``profile.toml: record.basis.map.LL: <reason in lang>``."""
        return f"{self.origin}: {self.key}: {self.reason.get(lang)}"


@attrs.frozen
class FieldMapping:
    """Where one SDK field's value comes from, and how it is read."""

    field: SdkField
    key: str
    """The profile key (``record.niss``), for messages."""
    columns: tuple[str, ...] = ()
    """CSV/XLSX header names; several are joined with a space (first and last name)."""
    xpaths: tuple[str, ...] = ()
    """XPaths relative to the record element (or absolute); several are joined likewise."""
    constant: Constant | None = None
    """A fixed value from the profile (``value =``) instead of a column."""
    value_map: Mapping[str, str] | None = None
    """Vendor code (compared without case and surrounding spaces) -> SDK value."""
    map_codes: tuple[str, ...] = ()
    """The vendor codes as written in the profile, for messages."""
    default: Constant | None = None
    """Used when the column is blank."""
    format: str | None = None
    """Date or month pattern for this field, overriding ``[formats]``."""

    @property
    def where(self) -> str:
        """The source as written in the profile: a column, an XPath or ``value``."""
        if self.columns:
            return " + ".join(self.columns)
        if self.xpaths:
            return " + ".join(self.xpaths)
        return "value"


@attrs.frozen
class Profile:
    """A checked mapping profile: everything needed to turn a vendor file into documents."""

    name: str
    description: str
    kind: Kind
    format: str
    origin: str
    """The file the profile came from."""
    extensions: tuple[str, ...] = ()
    file_patterns: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    records: str | None = None
    """XML: absolute XPath of the record elements."""
    namespaces: Mapping[str, str] = attrs.field(factory=dict)
    formats: Formats = attrs.field(factory=Formats)
    group_by: tuple[str, ...] = ()
    document: tuple[FieldMapping, ...] = ()
    record: tuple[FieldMapping, ...] = ()


# --------------------------------------------------------------------------- checks

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_SPEC_KEYS = frozenset({"column", "xpath", "value", "map", "default", "format"})
_MARKS = {",", "."}
_THOUSANDS = {"", ".", ",", " ", "'"}


class _Checker:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, key: str, fr: str, nl: str, en: str) -> ProfileError:
        return ProfileError(self.origin, key, Text(fr=fr, nl=nl, en=en))

    def keys(self, table: Mapping[str, Any], allowed: set[str] | frozenset[str],
             where: str) -> None:
        for key in table:
            if key not in allowed:
                names = ", ".join(sorted(allowed))
                raise self.fail(_join(where, key), f"clé inconnue ; clés permises : {names}",
                                f"onbekende sleutel; toegelaten sleutels: {names}",
                                f"unknown key; allowed keys: {names}")

    def table(self, data: Mapping[str, Any], key: str, where: str,
              required: bool = False) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                raise self.missing(_join(where, key))
            return {}
        if not isinstance(value, dict):
            raise self.fail(_join(where, key), "une table est attendue ([…] ou { … })",
                            "een tabel wordt verwacht ([…] of { … })",
                            "a table is expected ([…] or { … })")
        return value

    def missing(self, key: str) -> ProfileError:
        return self.fail(key, "clé obligatoire absente", "verplichte sleutel ontbreekt",
                         "required key missing")

    def string(self, data: Mapping[str, Any], key: str, where: str,
               required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.missing(_join(where, key))
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_join(where, key), "un texte non vide est attendu",
                            "een niet-lege tekst wordt verwacht", "a non-empty string is expected")
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(
                isinstance(v, str) and v.strip() for v in value):
            raise self.fail(_join(where, key), "un texte ou une liste de textes est attendu",
                            "een tekst of een lijst van teksten wordt verwacht",
                            "a string or a list of strings is expected")
        return tuple(value)

    def choice(self, data: Mapping[str, Any], key: str, where: str,
               allowed: tuple[str, ...] | set[str], required: bool = False) -> str | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if value not in allowed:
            names = ", ".join(repr(a) for a in sorted(allowed))
            shown = "absent" if value is None else repr(value)
            raise self.fail(_join(where, key), f"{shown} : valeurs permises : {names}",
                            f"{shown}: toegelaten waarden: {names}",
                            f"{shown}: allowed values: {names}")
        return str(value)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _flatten(table: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """``header = { cpas = { kbo = {column = "KBO"} } }`` -> ``{"header.cpas.kbo": {...}}``.

    A table that holds a source key (``column``, ``xpath``, ``value``) or any
    other spec key is a field specification; any other table is a step of the
    field's dotted name. A bare string is short for ``{ column = "…" }`` (CSV,
    XLSX) or ``{ xpath = "…" }`` (XML).
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not (_SPEC_KEYS & value.keys()):
            out.update(_flatten(value, name))
        else:
            out[name] = value
    return out


def _check_constant(check: _Checker, key: str, value: object) -> Constant:
    if isinstance(value, dt.datetime) or not isinstance(value, str | int | bool | dt.date):
        raise check.fail(key, "texte, nombre entier, booléen ou date attendu",
                         "tekst, geheel getal, booleaanse waarde of datum verwacht",
                         "a string, whole number, boolean or date is expected")
    return value


def _check_map(check: _Checker, key: str, field: SdkField, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise check.fail(key, "une table non vide code = valeur est attendue",
                         "een niet-lege tabel code = waarde wordt verwacht",
                         "a non-empty table code = value is expected")
    out: dict[str, str] = {}
    for code, target in raw.items():
        where = f"{key}.{code}"
        if isinstance(target, bool):
            target = "true" if target else "false"
        if not isinstance(target, str | int) or isinstance(target, bool):
            raise check.fail(where, "texte attendu", "tekst verwacht", "a string is expected")
        target = str(target)
        try:
            if field.value_type is ValueType.ENUM and field.choices is not None:
                target = str(parse_enum(field.choices, target).value)
            elif field.value_type is ValueType.BOOL:
                target = "true" if parse_bool(target) else "false"
        except CellError as exc:
            raise ProfileError(check.origin, where, exc.reason) from None
        folded = code.strip().casefold()
        if folded in out:
            raise check.fail(where, "code en double (la casse est ignorée)",
                             "dubbele code (hoofdletters tellen niet)",
                             "duplicate code (case is ignored)")
        out[folded] = target
    return out


def _check_xpath(check: _Checker, key: str, expr: str, namespaces: Mapping[str, str]) -> None:
    """Compile ``expr`` and evaluate it once on an empty element: an expression that
    compiles but cannot run (an unknown function, an undeclared prefix or variable) is
    refused here, naming ``key``, rather than when a file is converted."""
    try:
        etree.XPath(expr, namespaces=dict(namespaces))(etree.Element("record"))
    except (etree.XPathError, TypeError) as exc:
        raise check.fail(key, f"XPath invalide : {exc}", f"ongeldig XPath: {exc}",
                         f"invalid XPath: {exc}") from None


def _mapping(check: _Checker, key: str, field: SdkField, spec: object, fmt: str,
             namespaces: Mapping[str, str], formats: Formats) -> FieldMapping:
    if isinstance(spec, str | list):
        spec = {"xpath" if fmt == "xml" else "column": spec}
    if not isinstance(spec, dict):
        raise check.fail(key, "une table { column = … } / { xpath = … } / { value = … } est "
                         "attendue", "een tabel { column = … } / { xpath = … } / { value = … } "
                         "wordt verwacht", "a table { column = … } / { xpath = … } / "
                         "{ value = … } is expected")
    check.keys(spec, _SPEC_KEYS, key)
    sources = [s for s in ("column", "xpath", "value") if s in spec]
    if len(sources) != 1:
        raise check.fail(key, "exactement une source : column, xpath ou value",
                         "precies één bron: column, xpath of value",
                         "exactly one source: column, xpath or value")
    source = sources[0]
    if source == "column" and fmt == "xml":
        raise check.fail(f"{key}.column", "un profil XML lit des xpath, pas des colonnes",
                         "een XML-profiel leest xpaths, geen kolommen",
                         "an XML profile reads xpaths, not columns")
    if source == "xpath" and fmt != "xml":
        raise check.fail(f"{key}.xpath", f"un profil {fmt} lit des colonnes, pas des xpath",
                         f"een {fmt}-profiel leest kolommen, geen xpaths",
                         f"a {fmt} profile reads columns, not xpaths")
    columns = check.strings(spec, "column", key) if source == "column" else ()
    xpaths = check.strings(spec, "xpath", key) if source == "xpath" else ()
    for index, expr in enumerate(xpaths):
        _check_xpath(check, f"{key}.xpath" + (f"[{index}]" if len(xpaths) > 1 else ""), expr,
                     namespaces)
    constant = _check_constant(check, f"{key}.value", spec["value"]) if source == "value" else None
    value_map = None
    if "map" in spec:
        if source == "value":
            raise check.fail(f"{key}.map", "pas de table de valeurs pour une valeur fixe",
                             "geen waardetabel bij een vaste waarde",
                             "no value map with a fixed value")
        value_map = _check_map(check, f"{key}.map", field, spec["map"])
    default = _check_constant(check, f"{key}.default", spec["default"]) \
        if "default" in spec else None
    pattern = check.string(spec, "format", key)
    if pattern is not None:
        if field.value_type not in (ValueType.DATE, ValueType.MONTH):
            raise check.fail(f"{key}.format", "format seulement pour une date ou un mois",
                             "formaat alleen voor een datum of een maand",
                             "a format only applies to a date or a month")
        _check_pattern(check, f"{key}.format", pattern, day=field.value_type is ValueType.DATE)
    for name, fixed in (("value", constant), ("default", default)):
        if fixed is None:
            continue
        try:
            read_value(field, fixed, formats, pattern)
        except CellError as exc:
            raise ProfileError(check.origin, f"{key}.{name}", exc.reason) from None
    return FieldMapping(field=field, key=key, columns=columns, xpaths=xpaths, constant=constant,
                        value_map=value_map, map_codes=tuple(spec.get("map") or ()),
                        default=default, format=pattern)


def _check_pattern(check: _Checker, key: str, pattern: str, *, day: bool) -> None:
    if pattern == "auto":
        return
    try:
        date_pattern(pattern, day=day)
    except ValueError as exc:
        raise check.fail(key, f"format invalide ({exc})", f"ongeldig formaat ({exc})",
                         f"invalid format ({exc})") from None


def _fields(check: _Checker, data: Mapping[str, Any], level: str,
            table: Mapping[str, SdkField], fmt: str, namespaces: Mapping[str, str],
            kind: str, formats: Formats) -> tuple[FieldMapping, ...]:
    out: list[FieldMapping] = []
    for name, spec in _flatten(check.table(data, level, ""), "").items():
        key = f"{level}.{name}"
        field = table.get(name)
        if field is None:
            names = ", ".join(table)
            raise check.fail(key, f"champ SDK inconnu pour {kind} ({level}) ; champs : {names}",
                             f"onbekend SDK-veld voor {kind} ({level}); velden: {names}",
                             f"unknown SDK field for {kind} ({level}); fields: {names}")
        out.append(_mapping(check, key, field, spec, fmt, namespaces, formats))
    return tuple(out)


def _formats(check: _Checker, data: Mapping[str, Any]) -> Formats:
    table = check.table(data, "formats", "")
    check.keys(table, {"date", "month", "decimal_mark", "thousands_mark"}, "formats")
    date = check.string(table, "date", "formats") or "auto"
    month = check.string(table, "month", "formats") or "auto"
    _check_pattern(check, "formats.date", date, day=True)
    _check_pattern(check, "formats.month", month, day=False)
    mark = check.choice(table, "decimal_mark", "formats", {"auto", *_MARKS}) or "auto"
    thousands = table.get("thousands_mark", "")
    if thousands not in _THOUSANDS or (thousands and mark == "auto") or (
            thousands and thousands == mark):
        raise check.fail("formats.thousands_mark",
                         "'', '.', ',', ' ' ou \"'\", différent de decimal_mark (à donner)",
                         "'', '.', ',', ' ' of \"'\", verschillend van decimal_mark "
                         "(op te geven)",
                         "'', '.', ',', ' ' or \"'\", different from decimal_mark "
                         "(which must be given)")
    return Formats(date=date, month=month, decimal_mark=mark, thousands_mark=str(thousands))


def parse_profile(text: str, *, origin: str) -> Profile:
    """Check the TOML ``text`` of a profile; ``origin`` names it in errors."""
    check = _Checker(origin)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise check.fail("(toml)", f"TOML invalide : {exc}", f"ongeldige TOML: {exc}",
                         f"invalid TOML: {exc}") from None
    check.keys(data, {"profile", "input", "formats", "grouping", "document", "record"}, "")
    head = check.table(data, "profile", "", required=True)
    check.keys(head, {"name", "description", "kind", "format", "extensions", "file_patterns"},
               "profile")
    name = check.string(head, "name", "profile", required=True) or ""
    if not _NAME.fullmatch(name):
        raise check.fail("profile.name", "minuscules, chiffres et tirets (40 au plus)",
                         "kleine letters, cijfers en koppeltekens (hoogstens 40)",
                         "lower-case letters, digits and hyphens (at most 40)")
    description = check.string(head, "description", "profile", required=True) or ""
    kind_name = check.choice(head, "kind", "profile", tuple(KINDS), required=True) or ""
    kind = KINDS[kind_name]
    fmt = check.choice(head, "format", "profile", FORMATS, required=True) or ""
    extensions = tuple(e.lower() for e in check.strings(head, "extensions", "profile"))
    for index, ext in enumerate(extensions):
        if not re.fullmatch(r"\.[a-z0-9]+", ext):
            raise check.fail(f"profile.extensions[{index}]", "extension du type « .csv »",
                             "extensie zoals ‘.csv’", "an extension like '.csv'")
    patterns = tuple(p.lower() for p in check.strings(head, "file_patterns", "profile"))

    given = check.table(data, "input", "")
    allowed = {"csv": {"encoding", "delimiter"}, "xlsx": {"sheet"},
               "xml": {"records", "namespaces"}}[fmt]
    check.keys(given, allowed, "input")
    encoding = check.string(given, "encoding", "input")
    if encoding is not None and encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise check.fail("input.encoding", f"encodage inconnu : {encoding}",
                             f"onbekende codering: {encoding}",
                             f"unknown encoding: {encoding}") from None
    delimiter = check.string(given, "delimiter", "input")
    if delimiter is not None and delimiter != "auto" and (
            len(delimiter) != 1 or delimiter in "\"\r\n"):
        raise check.fail("input.delimiter", "un seul caractère (ni guillemet ni fin de ligne)",
                         "één teken (geen aanhalingsteken of regeleinde)",
                         "a single character (not a quote or a line end)")
    namespaces = check.table(given, "namespaces", "input")
    for prefix, uri in namespaces.items():
        if not isinstance(uri, str) or not re.fullmatch(r"[A-Za-z_][\w.-]*", prefix):
            raise check.fail(f"input.namespaces.{prefix}", "préfixe = \"URI\" attendu",
                             "prefix = \"URI\" verwacht", "prefix = \"URI\" expected")
    records = check.string(given, "records", "input", required=fmt == "xml")
    if records is not None:
        _check_xpath(check, "input.records", records, namespaces)

    formats = _formats(check, data)
    document = _fields(check, data, "document", kind.document, fmt, namespaces, kind.name,
                       formats)
    record = _fields(check, data, "record", kind.record, fmt, namespaces, kind.name, formats)
    mapped = {m.field.name for m in document}
    for level, table, fields in (("document", kind.document, mapped),
                                 ("record", kind.record, {m.field.name for m in record})):
        for field in table.values():
            if field.required and field.name not in fields:
                raise check.fail(f"{level}.{field.name}",
                                 "champ obligatoire du document non associé",
                                 "verplicht documentveld niet toegewezen",
                                 "required document field not mapped")
    grouping = check.table(data, "grouping", "")
    check.keys(grouping, {"by"}, "grouping")
    group_by = check.strings(grouping, "by", "grouping")
    for index, field_name in enumerate(group_by):
        if field_name not in mapped:
            raise check.fail(f"grouping.by[{index}]",
                             f"{field_name} n'est pas un champ associé dans [document]",
                             f"{field_name} is geen toegewezen veld in [document]",
                             f"{field_name} is not a mapped field of [document]")
    return Profile(name=name, description=description, kind=kind, format=fmt, origin=origin,
                   extensions=extensions, file_patterns=patterns,
                   encoding=None if encoding in (None, "auto") else encoding,
                   delimiter=None if delimiter in (None, "auto") else delimiter,
                   sheet=check.string(given, "sheet", "input"), records=records,
                   namespaces=dict(namespaces), formats=formats, group_by=group_by,
                   document=document, record=record)


def load_profile(path: str | Path) -> Profile:
    """Read and check the profile file at ``path`` (``OSError`` if it cannot be read)."""
    file = Path(path)
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProfileError(str(file), "(toml)", Text(
            fr="un profil est en UTF-8", nl="een profiel is in UTF-8",
            en="a profile is UTF-8 text")) from None
    return parse_profile(text, origin=str(file))
