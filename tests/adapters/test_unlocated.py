"""Compiled readers call a field's converter without ``locate``'s error-naming layer,
and only without that layer: a converter decorated by anything else keeps its work."""

from __future__ import annotations

import attrs

from cpas.adapters.xml.fastread import _initialiser
from cpas.sdk._model import locate, unlocated


def _plain(value: str) -> str:
    return value


def _shouted(value: str) -> str:
    return _plain(value).upper()


_shouted.__wrapped__ = _plain  # type: ignore[attr-defined]  # as functools.wraps would


@attrs.frozen(field_transformer=locate)
class _Thing:
    name: str = attrs.field(converter=_shouted)


def test_only_locate_layer_is_taken_off() -> None:
    converter = attrs.fields(_Thing).name.converter
    assert unlocated(converter) is _shouted
    assert unlocated(_shouted) is None  # another decorator's __wrapped__ is not followed
    assert unlocated(_plain) is None


def test_initialiser_keeps_the_decorators_work() -> None:
    made = object.__new__(_Thing)
    _initialiser(_Thing)(made, name="brussel")
    assert made == _Thing("brussel")
    assert made.name == "BRUSSEL"


@attrs.frozen
class _Bare:
    """No ``locate``: the converter itself is the decorated function."""

    name: str = attrs.field(converter=_shouted)


def test_initialiser_without_locate_runs_the_converter_as_it_is() -> None:
    made = object.__new__(_Bare)
    _initialiser(_Bare)(made, name="gent")
    assert made.name == "GENT"
