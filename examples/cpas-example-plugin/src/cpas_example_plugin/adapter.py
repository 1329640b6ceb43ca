"""The ``acme-pipe`` adapter: a made-up pipe-separated reimbursement export.

This is an example for plugin authors, not a real vendor's format. See the
README for the layout. Every line is a record: a malformed ``LINE`` becomes a
finding at its line number and is left out; a malformed ``FORM`` line or a
missing header makes the whole file fail (one finding, no document).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cpas.adapters.plugins import AdapterError, ReadResult, file_finding
from cpas.sdk.documents.reimbursement import (
    FormHeader,
    FormType,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
)
from cpas.sdk.errors import CpasError
from cpas.sdk.findings import Finding
from cpas.sdk.identifiers import mask_niss
from cpas.sdk.parties import Cpas
from cpas.sdk.text import Text

__all__ = ["AcmePipeAdapter"]

MAGIC = "ACME-REIMB|1"


def _problem(what: str) -> Text:
    return Text(fr=f"ligne refusée : {what}", nl=f"regel geweigerd: {what}",
                en=f"line refused: {what}")


class _Bad(Exception):
    """A line that cannot be read; ``what`` is safe to show (NISS masked)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _fields(line: str, tag: str, count: int) -> list[str]:
    cells = [cell.strip() for cell in line.split("|")]
    if cells[0] != tag or len(cells) != count + 1:
        raise _Bad(f"{tag} expects {count} fields, found {len(cells) - 1}")
    return cells[1:]


def _form(cells: list[str]) -> tuple[str, FormType, FormHeader, dt.date]:
    form_id, form_type, name, kbo, nis, effective, submitted = cells
    try:
        return (form_id, FormType(form_type),
                FormHeader(cpas=Cpas(name=name, kbo=kbo, nis_code=nis),
                           effective_date=dt.date.fromisoformat(effective)),
                dt.date.fromisoformat(submitted))
    except (CpasError, ValueError) as exc:
        raise _Bad(str(exc)) from None


def _line(cells: list[str]) -> ReimbursementLine:
    line_id, niss, basis, period, amount = cells
    try:
        return ReimbursementLine(id=line_id, niss=niss, basis=LegalBasis(basis), period=period,
                                 amount=amount)
    except (CpasError, ValueError) as exc:
        # SDK errors show identifiers masked; a ValueError from an enum may quote
        # the raw cell, so name the field instead.
        reason = str(exc) if isinstance(exc, CpasError) else f"unknown basis {basis!r}"
        raise _Bad(f"{reason} (NISS {mask_niss(niss)})") from None


class AcmePipeAdapter:
    """Reads and writes the made-up ACME pipe export (one reimbursement form per file)."""

    name = "acme-pipe"
    description = "EXAMPLE: made-up pipe-separated reimbursement export (not a real vendor)"
    extensions: tuple[str, ...] = (".acme",)
    reads: tuple[str, ...] = ("reimbursement",)
    writes: tuple[str, ...] = ("reimbursement",)

    def read(self, data: bytes, *, source: str) -> ReadResult:
        findings: list[Finding] = []

        def fail(number: int, what: str) -> None:
            findings.append(file_finding("ACME-LINE", _problem(what), source=source,
                                         line=number, path=f"$[{number}]"))

        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            fail(1, "not UTF-8 text")
            return ReadResult(source, (), tuple(findings))
        rows = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1)
                if raw.strip() and not raw.lstrip().startswith("#")]
        if not rows or rows[0][1] != MAGIC or len(rows) < 2:
            fail(rows[0][0] if rows else 1, f"the file must start with {MAGIC} then FORM")
            return ReadResult(source, (), tuple(findings))
        try:
            form_id, form_type, header, submitted = _form(_fields(rows[1][1], "FORM", 7))
        except _Bad as exc:
            fail(rows[1][0], exc.what)
            return ReadResult(source, (), tuple(findings))
        lines: list[ReimbursementLine] = []
        for number, raw in rows[2:]:
            try:
                lines.append(_line(_fields(raw, "LINE", 5)))
            except _Bad as exc:
                fail(number, exc.what)
        if not lines:
            return ReadResult(source, (), tuple(findings), len(rows) - 2)
        form = ReimbursementForm(id=form_id, form_type=form_type, header=header,
                                 lines=lines, submission_date=submitted)
        return ReadResult(source, (form,), tuple(findings), len(rows) - 2)

    def write(self, documents: Sequence[Any]) -> bytes:
        if len(documents) != 1 or not isinstance(documents[0], ReimbursementForm):
            raise AdapterError(self.name, Text(
                fr="un fichier ACME contient un seul formulaire de remboursement",
                nl="een ACME-bestand bevat één terugbetalingsformulier",
                en="an ACME file holds exactly one reimbursement form"))
        form = documents[0]
        cpas = form.header.cpas
        out = [MAGIC, "|".join(("FORM", form.id, form.form_type.value, cpas.name,
                                cpas.kbo.compact, cpas.nis_code.code,
                                form.header.effective_date.isoformat(),
                                form.submission_date.isoformat()))]
        out += ["|".join(("LINE", line.id, line.niss.compact, line.basis.value,
                          str(line.period), str(line.amount.amount)))
                for line in form.lines]
        return ("\n".join(out) + "\n").encode("utf-8")
