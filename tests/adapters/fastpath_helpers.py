"""Shared by the fast reader and writer tests: ways to spoil the text of a valid
document, and a writer's outcome as a comparable value."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from cpas.sdk.errors import CpasError
from strategies import niss_digits

Edit = Callable[[str], str]


def sub(pattern: str, new: str) -> Edit:
    """Replace the first match of ``pattern`` (``.`` matching line ends too)."""
    return lambda text: re.sub(pattern, new, text, count=1, flags=re.S)


def wrong_check_digits(text: str) -> str:
    """The first ``<niss>`` replaced by a number whose check digits do not match."""
    good = niss_digits(dt.date(1985, 7, 30), 33)
    bad = good[:9] + f"{(int(good[9:]) + 1) % 100:02d}"
    return re.sub(r"<niss>[0-9]{11}</niss>", f"<niss>{bad}</niss>", text, count=1)


def write_outcome(write: Callable[[Any], bytes],
                  document: Any) -> bytes | tuple[type, str, str | None]:
    """The bytes ``write`` gives for ``document``, or its error as (class, message, path):
    two writers compared on the same document must agree on either."""
    try:
        return write(document)
    except CpasError as exc:
        return type(exc), str(exc), getattr(exc, "path", None)
