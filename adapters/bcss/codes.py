"""Code lists and fixed settings of the BCSS loi 65 adapter, read from ``data/*.toml``.

The schemas leave most code fields open (``Common65:t_Code``, 1 or 2 characters); their
official values are set by BCSS/SPP IS instructions that the project does not hold. A
:class:`CodeList` therefore has entries only where a source is known (each entry has a
``source``); for an open list without the wanted entry the caller passes the code. Nothing
here is a literal in code: ``data/codes.toml`` and ``data/settings.toml`` hold it.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

import attrs

from ...sdk.text import Text

__all__ = ["Code", "CodeList", "Settings", "code_lists", "settings"]


@attrs.frozen
class Code:
    """One entry of a code list."""

    code: str
    label: Text
    source: str
    sdk: str | None = None
    """The SDK value the code stands for, when there is one."""


@attrs.frozen
class CodeList:
    """A code field of the official schemas and its known entries."""

    name: str
    xpath: str
    facet: str
    open: bool
    """True when the schema leaves the values open (``t_Code``): the caller supplies codes."""
    description: Text
    entries: tuple[Code, ...] = ()

    def by_code(self, code: str) -> Code | None:
        return next((e for e in self.entries if e.code == code), None)

    def for_sdk(self, value: str) -> Code | None:
        return next((e for e in self.entries if e.sdk == value), None)


@attrs.frozen
class Settings:
    """Fixed values, each with its source (``data/settings.toml``)."""

    amount_unit: str
    amount_max_digits: int
    amount_source: str
    matrix_id: int
    matrix_sub_id: int
    envelope_source: str
    ssdn_ok: int
    ssdn_warning: int
    ssdn_error: int


def _read(name: str) -> dict[str, Any]:
    data = resources.files("cpas.adapters.bcss").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(data)


def _text(raw: dict[str, str]) -> Text:
    return Text(fr=raw["fr"], nl=raw["nl"], en=raw["en"])


@functools.cache
def code_lists() -> dict[str, CodeList]:
    """Every code list of ``data/codes.toml`` by name."""
    out: dict[str, CodeList] = {}
    for raw in _read("codes.toml")["list"]:
        entries = tuple(Code(code=str(e["code"]), label=_text(e["label"]), source=e["source"],
                             sdk=e.get("sdk")) for e in raw.get("entry", ()))
        out[raw["name"]] = CodeList(name=raw["name"], xpath=raw["xpath"], facet=raw["facet"],
                                    open=bool(raw["open"]), description=_text(raw["description"]),
                                    entries=entries)
    return out


@functools.cache
def settings() -> Settings:
    raw = _read("settings.toml")
    amounts, envelope, codes = raw["amounts"], raw["envelope"], raw["ssdn_return_codes"]
    if amounts["unit"] != "cent":
        raise ValueError("data/settings.toml: only amounts.unit = 'cent' is implemented")
    return Settings(amount_unit=amounts["unit"], amount_max_digits=int(amounts["max_digits"]),
                    amount_source=amounts["source"], matrix_id=int(envelope["matrix_id"]),
                    matrix_sub_id=int(envelope["matrix_sub_id"]),
                    envelope_source=envelope["source"], ssdn_ok=int(codes["ok"]),
                    ssdn_warning=int(codes["warning"]), ssdn_error=int(codes["error"]))
