"""Which adapter reads a file: ``Discovery.for_file`` against ``fnmatch`` itself."""

from __future__ import annotations

import fnmatch
from pathlib import PurePath
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cpas.adapters.plugins import Discovery, Registered, builtin_adapters


class _Named:
    """An adapter that only has a name, extensions and file patterns (never reads)."""

    def __init__(self, name: str, patterns: tuple[str, ...], extensions: tuple[str, ...]):
        self.name = name
        self.file_patterns = patterns
        self.extensions = extensions


_ADAPTERS = (
    _Named("brackets", ("[ab]*.dat", "Z?.TXT"), (".dat",)),
    _Named("dots", ("export.*.xml", "*[!0-9].csv"), ()),
    _Named("specials", ("(x)+{1}.$", "a|b.csv"), (".csv",)),
)


def _reference(found: Discovery, name: str) -> Any:
    """The rule written out with ``fnmatch.fnmatchcase``, pattern by pattern."""
    base = PurePath(name).name.lower()
    for item in found.adapters:
        patterns = getattr(item.adapter, "file_patterns", ())
        if any(fnmatch.fnmatchcase(base, str(p).lower()) for p in patterns):
            return item.adapter
    suffix = PurePath(name).suffix.lower()
    return next((item.adapter for item in found.adapters
                 if suffix in item.adapter.extensions), None)


_FOUND = Discovery((*(Registered(a, "test") for a in _ADAPTERS),  # type: ignore[arg-type]
                    *(Registered(a, "built-in") for a in builtin_adapters())))


def test_examples() -> None:
    """Patterns match case-insensitively, whole names only; regular-expression
    characters in a pattern are taken literally."""
    def named(name: str) -> str | None:
        adapter = _FOUND.for_file(name)
        return None if adapter is None else adapter.name

    assert named("A123.DAT") == "brackets"
    assert named("c123.dat") == "brackets"  # by extension only
    assert named("zq.txt") == "brackets"
    assert named("export.2025.xml") == "dots"
    assert named("export.xml") == "cpas-xml"  # no second dot: the built-in XML adapter
    assert named("totals.csv") == "dots"
    assert named("totals1.csv") == "specials"  # [!0-9] refuses it; .csv: the first by extension
    assert named("(x)+{1}.$") == "specials"
    assert named("xx1.$") is None
    assert named("a|b.csv") == "dots"  # "*[!0-9].csv" comes first and matches


@given(st.text(alphabet="abzAZ019.|()+{}$[]!*?-_/", max_size=14))
def test_same_as_fnmatch(name: str) -> None:
    assert _FOUND.for_file(name) is _reference(_FOUND, name)
