"""Shared machinery for the SDK's frozen attrs models.

Every document class is declared with ``@attrs.frozen(field_transformer=locate)``:
:func:`locate` wraps each field's converter and validator so that an error raised
while building the object names the field it came from (``$.beneficiary_niss``),
whatever helper raised it. Validators run after all converters (attrs order), so
converters normalise untrusted input and validators check the final form.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import attrs

from .errors import CpasError, InvalidType, InvalidValue, _Located

__all__ = [
    "XSD_FACETS",
    "facets",
    "label",
    "locate",
    "member",
    "new_id",
    "non_empty",
    "opt_count",
    "opt_member",
    "opt_text",
    "text",
    "texts",
    "tuple_of",
    "unlocated",
]

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

XSD_FACETS = "xsd_facets"
"""Attribute under which :func:`facets` stores a converter's XSD facets."""


def facets(conv: Callable[..., Any], **values: str) -> None:
    """Declare the bounds a converter enforces, as XSD facets.

    The schema generator reads them so that the published XSD refuses what the
    model refuses: ``facets(_year, minInclusive="1900", maxInclusive="2999")``
    right after the converter's definition (a statement, not a decorator: mypy's
    attrs plugin accepts only plain named functions as converters). The facet
    names are those of XML Schema 1.0.
    """
    allowed = {"minInclusive", "maxInclusive", "minExclusive", "maxExclusive"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"unsupported XSD facets: {sorted(unknown)}")
    setattr(conv, XSD_FACETS, dict(values))


def member(kind: type[E], value: E | str) -> E:
    """An enum member from itself or from its string value (the form used in XML)."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in kind)
            raise InvalidValue(f"expected one of {allowed}", shown=repr(value)) from None
    raise InvalidType(f"expected {kind.__name__}, got {type(value).__name__}")


def opt_member(kind: type[E], value: E | str | None) -> E | None:
    """Like :func:`member`, letting ``None`` through."""
    return None if value is None else member(kind, value)


def label(fr: str, nl: str, en: str | None = None) -> dict[str, Any]:
    """Field metadata: the field's name for people, in French and Dutch (and English).

    Used for XSD annotations and by vendors' screens::

        niss: Niss = attrs.field(converter=_niss, metadata=label("NISS", "INSZ"))
    """
    from .text import Text

    return {"label": Text(fr=fr, nl=nl, en=en)}


def new_id() -> str:
    """A fresh stable identifier (a UUID4 in hex) for a document or a part of one."""
    return uuid.uuid4().hex


def _relocated(exc: _Located, name: str) -> _Located:
    # An element error raised by a sequence converter keeps its index: $[2].x
    suffix = exc.path[1:] if exc.path.startswith("$[") else ""
    clone = type(exc).__new__(type(exc))
    _Located.__init__(clone, exc.reason, field=name, path=f"$.{name}{suffix}", shown=exc.shown)
    return clone


def _wrap_converter(conv: Callable[[Any], Any], name: str) -> Callable[[Any], Any]:
    def converter(value: Any) -> Any:
        try:
            return conv(value)
        except _Located as exc:
            raise _relocated(exc, name) from None

    declared = getattr(conv, XSD_FACETS, None)
    if declared is not None:
        setattr(converter, XSD_FACETS, declared)
    converter.__wrapped__ = conv  # type: ignore[attr-defined]
    setattr(converter, _UNWRAPPED, conv)
    return converter


_UNWRAPPED = "_cpas_located_converter"


def unlocated(converter: Any) -> Callable[[Any], Any] | None:
    """The converter :func:`locate` wrapped to name its field in errors, when
    ``converter`` is such a wrapper; else ``None``. For compiled readers, on which an
    error only means "let the generic reader say it": they call the converter itself.
    (Only this module's wrappers: a converter decorated by something else, which may
    do real work, is never unwrapped.)"""
    found = getattr(converter, _UNWRAPPED, None)
    return found if callable(found) else None


def _wrap_validator(
    val: Callable[[Any, Any, Any], Any], name: str
) -> Callable[[Any, Any, Any], Any]:
    def validator(instance: Any, attribute: Any, value: Any) -> None:
        try:
            val(instance, attribute, value)
        except _Located as exc:
            raise _relocated(exc, name) from None
        except CpasError:
            raise
        except TypeError as exc:
            raise InvalidType(_plain(exc), field=name) from None
        except ValueError as exc:
            raise InvalidValue(_plain(exc), field=name) from None

    return validator


def _plain(exc: Exception) -> str:
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    return text.split(" (got")[0]


def locate(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """attrs ``field_transformer`` that makes construction errors name their field."""
    out: list[attrs.Attribute[Any]] = []
    for field in fields:
        changes: dict[str, Any] = {}
        conv = field.converter
        if conv is not None:
            changes["converter"] = _wrap_converter(conv, field.name)  # type: ignore[arg-type]
        if field.validator is not None:
            changes["validator"] = _wrap_validator(field.validator, field.name)
        out.append(field.evolve(**changes) if changes else field)
    return out


def text(value: str) -> str:
    """Converter for a required free text: must be a string with something in it."""
    if not isinstance(value, str):
        raise InvalidType(f"expected text, got {type(value).__name__}")
    if not value.strip():
        raise InvalidValue("must not be empty")
    return value


def opt_count(value: int | None) -> int | None:
    """Converter for an optional whole number that cannot be negative (counts, codes)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"expected a whole number, got {type(value).__name__}",
                          shown=repr(value))
    if value < 0:
        raise InvalidValue("must not be negative", shown=str(value))
    return value


facets(opt_count, minInclusive="0")


def texts(values: Iterable[str]) -> tuple[str, ...]:
    """Converter for a sequence of required free texts (none of them blank)."""
    items = tuple_of(str)(values)
    for index, item in enumerate(items):
        if not item.strip():
            raise InvalidValue("must not be empty", path=f"$[{index}]")
    return items


def opt_text(value: str | None) -> str | None:
    """Converter for an optional text; blank becomes ``None``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidType(f"expected text, got {type(value).__name__}")
    return value if value.strip() else None


def tuple_of(kind: type[T]) -> Callable[[Iterable[T]], tuple[T, ...]]:
    """Build a converter turning any iterable of ``kind`` into a tuple.

    Elements of the wrong type are reported with their index (``$.objectives[2]``).
    For mypy, use it through a named function: ``def _objectives(v: Iterable[Objective])
    -> tuple[Objective, ...]: return tuple_of(Objective)(v)``. The converter is made
    once per ``kind`` (those named functions ask for it on every call).
    """
    found = _tuple_converters.get(kind)
    if found is None:
        found = _tuple_converters.setdefault(kind, _tuple_converter(kind))
    return found


_tuple_converters: dict[Any, Callable[[Iterable[Any]], tuple[Any, ...]]] = {}


def _tuple_converter(kind: type[T]) -> Callable[[Iterable[T]], tuple[T, ...]]:
    def convert(values: Iterable[T]) -> tuple[T, ...]:
        if type(values) is tuple:  # already a tuple (what the readers give): no copy
            items: tuple[T, ...] = values
        elif isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise InvalidType(f"expected a sequence of {kind.__name__}")
        else:
            items = tuple(values)
        for item in items:
            if not isinstance(item, kind):
                index = next(i for i, one in enumerate(items) if not isinstance(one, kind))
                raise InvalidType(f"expected {kind.__name__}, got {type(items[index]).__name__}",
                                  path=f"$[{index}]")
        return items

    return convert


def non_empty(instance: object, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
    """Validator: the tuple must have at least one element."""
    if not value:
        raise InvalidValue("needs at least one element")


def instance(kind: type[Any] | tuple[type[Any], ...]) -> Callable[[Any, Any, Any], None]:
    """Validator: the value is an instance of ``kind`` (dates must not be datetimes)."""

    def validator(inst: Any, attribute: Any, value: Any) -> None:
        bad_datetime = isinstance(value, dt.datetime) and kind is dt.date
        if bad_datetime or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(
                k.__name__ for k in kind)
            raise InvalidType(f"expected {names}, got {type(value).__name__}")

    return validator
