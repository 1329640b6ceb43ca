"""Multilingual text and language-aware formatting.

Belgium has three official languages; CPAS documents are written in French,
Dutch or German, and the SDK's own messages exist in French, Dutch and English.
:class:`Text` holds one string per language and falls back sensibly when a
language is missing (asked language, then English, French, Dutch, German).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, get_args

import attrs

from .errors import InvalidValue

__all__ = ["LANGS", "Lang", "Text", "format_value", "parse_lang"]

Lang = Literal["fr", "nl", "de", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)
_FALLBACK: tuple[Lang, ...] = ("en", "fr", "nl", "de")


def parse_lang(value: str, default: Lang = "fr") -> Lang:
    """Map a locale string such as ``nl_BE.UTF-8`` or ``FR`` to a :data:`Lang`.

    Unknown or empty values give ``default``.
    """
    code = value.strip().lower()[:2]
    for lang in LANGS:
        if lang == code:
            return lang
    return default


def _opt_str(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue("text must be a string", shown=type(value).__name__)
    return value


@attrs.frozen
class Text:
    """A short text in one or more of FR, NL, DE and EN.

    >>> Text(fr="Bilan social", nl="Sociale balans").get("nl")
    'Sociale balans'
    >>> Text(fr="Bilan social").get("de")
    'Bilan social'
    """

    fr: str | None = attrs.field(default=None, converter=_opt_str)
    nl: str | None = attrs.field(default=None, converter=_opt_str)
    de: str | None = attrs.field(default=None, converter=_opt_str)
    en: str | None = attrs.field(default=None, converter=_opt_str)

    def __attrs_post_init__(self) -> None:
        if not any(v is not None and v.strip() for v in (self.fr, self.nl, self.de, self.en)):
            raise InvalidValue("a text needs at least one language", field="text")

    def get(self, lang: Lang) -> str:
        """The text in ``lang``, or the first available fallback."""
        for code in (lang, *_FALLBACK):
            value: str | None = getattr(self, code)
            if value is not None and value.strip():
                return value
        raise AssertionError("unreachable: a Text always has one language")  # pragma: no cover

    def languages(self) -> tuple[Lang, ...]:
        """The languages this text is written in."""
        return tuple(code for code in LANGS if getattr(self, code) is not None)

    def format(self, **values: object) -> Text:
        """Fill ``{placeholders}`` in every language, formatting values per language."""
        out: dict[str, str | None] = {}
        for code in LANGS:
            template: str | None = getattr(self, code)
            if template is None:
                out[code] = None
                continue
            out[code] = template.format(**{k: format_value(v, code) for k, v in values.items()})
        return Text(**out)


_MONTHS: dict[Lang, tuple[str, ...]] = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def _group(digits: str, sep: str) -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return sep.join(reversed(out))


def format_decimal(value: Decimal, lang: Lang, places: int | None = None) -> str:
    """Format a decimal number the way readers of ``lang`` expect.

    >>> format_decimal(Decimal("1234.5"), "fr", 2)
    '1\u202f234,50'
    >>> format_decimal(Decimal("1234.5"), "nl", 2)
    '1.234,50'
    >>> format_decimal(Decimal("1234.5"), "en", 2)
    '1,234.50'
    """
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    sign = "-" if value < 0 else ""
    text = format(abs(value), "f")
    whole, _, frac = text.partition(".")
    thousands, point = {"fr": ("\u202f", ","), "nl": (".", ","), "de": (".", ","),
                        "en": (",", ".")}[lang]
    return sign + _group(whole, thousands) + (point + frac if frac else "")


def format_value(value: object, lang: Lang) -> str:
    """Render a value inside a message: dates and numbers follow ``lang``.

    Objects may provide ``localized(lang) -> str`` (``Money`` does).
    """
    localized = getattr(value, "localized", None)
    if callable(localized):
        return str(localized(lang))
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, dt.date):
        if lang == "en":
            return value.isoformat()
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if isinstance(value, Decimal):
        return format_decimal(value, lang)
    return str(value)


def month_name(month: int, lang: Lang) -> str:
    """The name of ``month`` (1–12) in ``lang``."""
    return _MONTHS[lang][month - 1]
