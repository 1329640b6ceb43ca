"""Findings and reports: what a rule check says about a document.

A :class:`Finding` has a stable code (``PIIS-EVAL-001``), a severity, a path
into the document (``$.objectives[2].deadline``), a message in FR, NL and EN,
and the legal reference it rests on. A :class:`Report` holds all findings of
one check: checking never stops at the first problem.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any

import attrs

from .text import Lang, Text

__all__ = ["Finding", "LegalRef", "Report", "Severity"]


class Severity(enum.Enum):
    ERROR = "error"
    """The document breaks a legal rule (SPP IS would refuse it, or the CPAS is exposed)."""
    WARNING = "warning"
    """Something to look at: a deadline coming, a practice the sources advise against."""


@attrs.frozen
class LegalRef:
    """A legal or administrative source: article, royal decree, circular."""

    citation: str
    url: str | None = None

    def __str__(self) -> str:
        return self.citation


@attrs.frozen
class Finding:
    code: str
    severity: Severity
    path: str
    message: Text
    legal: tuple[LegalRef, ...] = ()
    line: int | None = None
    """Source line, when the document was read from a file."""
    source: str | None = None
    """File name or other origin, when known."""

    def text(self, lang: Lang = "fr") -> str:
        return self.message.get(lang)

    def to_dict(self, lang: Lang = "fr") -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "path": self.path,
            "message": self.message.get(lang),
            "legal": [ref.citation for ref in self.legal],
        }
        if self.line is not None:
            data["line"] = self.line
        if self.source is not None:
            data["source"] = self.source
        return data

    def render(self, lang: Lang = "fr") -> str:
        """One line for a terminal: ``error PIIS-EVAL-001 $.evaluations: … [AR …]``."""
        where = f"{self.source}:{self.line}: " if self.source and self.line else (
            f"{self.source}: " if self.source else (f"line {self.line}: " if self.line else ""))
        refs = "; ".join(ref.citation for ref in self.legal)
        tail = f" [{refs}]" if refs else ""
        return f"{where}{self.severity.value} {self.code} {self.path}: {self.text(lang)}{tail}"


@attrs.frozen
class Report:
    """All findings of one check, in a stable order (document order of the rules)."""

    findings: tuple[Finding, ...] = ()

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when no finding is an error (warnings allowed)."""
        return not self.errors

    def codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.findings)

    def by_code(self, code: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.code == code)

    def merged(self, other: Report) -> Report:
        return Report(self.findings + other.findings)

    def to_dict(self, lang: Lang = "fr") -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict(lang) for f in self.findings],
        }
