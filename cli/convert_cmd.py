"""``cpas convert``: legacy CSV/XLSX forms to validated XML, with row-level diagnostics."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from cpas.adapters.files import write_atomically
from cpas.adapters.legacy.columns import Profile
from cpas.adapters.legacy.convert import KINDS, Conversion, convert, rejects_csv
from cpas.adapters.legacy.reading import LegacyFileError
from cpas.sdk.text import Lang, Text

from .exitcodes import ExitCode, fail
from .options import (
    FORMAT_OPTION,
    LANG_OPTION,
    bar_closed,
    default_lang,
    progress_for,
    wants_progress,
)

__all__ = ["convert_command"]

_COUNTS = Text(
    fr="{read} ligne(s) lue(s) : {accepted} convertie(s), {rejected} rejetée(s){blank}",
    nl="{read} rij(en) gelezen: {accepted} omgezet, {rejected} geweigerd{blank}",
    en="{read} row(s) read: {accepted} converted, {rejected} rejected{blank}")
_BLANK = Text(fr=", {count} vide(s) ignorée(s)", nl=", {count} lege overgeslagen",
              en=", {count} blank skipped")
_NOTHING = Text(fr="aucun fichier écrit : corrigez les lignes rejetées ou utilisez --rejects",
                nl="geen bestand geschreven: verbeter de geweigerde rijen of gebruik --rejects",
                en="no file written: fix the rejected rows or use --rejects")
_IGNORED = Text(fr="colonnes ignorées : {names}", nl="genegeerde kolommen: {names}",
                en="columns ignored: {names}")
_WROTE = Text(fr="écrit : {path}", nl="geschreven: {path}", en="written: {path}")
_MANY = Text(fr="plusieurs documents : -o doit être un dossier, pas -",
             nl="meerdere documenten: -o moet een map zijn, niet -",
             en="several documents: -o must be a folder, not -")
_DELIMITERS = {";": ";", ",": ",", "tab": "\t", "\\t": "\t", "\t": "\t"}


def _input(source: str) -> bytes | Path:
    """stdin's bytes for ``-`` (a pipe can be read only once), else the path (streamed)."""
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    if not path.is_file():
        with path.open("rb"):  # raises the OSError that names the problem
            pass
    return path


_show_progress = wants_progress
"""The shared rule for progress bars (kept under this name for existing callers)."""


def _settings(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected field=value, got {item!r}", param_hint="--set")
        out[key.strip()] = value.strip()
    return out


def _file_name(document_id: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", document_id).strip("._") or "document"


def _file_names(document_ids: list[str]) -> list[str]:
    """One distinct file name per document, in order, stable from run to run.

    Different ids may give the same name (``A/1`` and ``A 1``), or names that differ only
    in case, which are one file on Windows and macOS: a later clash gets ``-2``, ``-3``…
    so that no document overwrites another.
    """
    taken: set[str] = set()
    names: list[str] = []
    for document_id in document_ids:
        base = _file_name(document_id)
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name.casefold())
        names.append(name)
    return names


def _write(result: Conversion, output: str, lang: Lang, say: Any) -> None:
    if result.output is not None:  # a reimbursement form, streamed to a staged file
        if output == "-":
            result.output.copy_to(sys.stdout.buffer)
            return
        path = result.output.commit(output)
        say(_WROTE.format(path=path).get(lang))
        return
    if output == "-":
        for data in result.xml:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        return
    if result.kind == "reimbursement":
        path = write_atomically(output, result.xml[0])
        say(_WROTE.format(path=path).get(lang))
        return
    folder = Path(output)
    names = _file_names([document.id for document in result.documents])
    for name, data in zip(names, result.xml, strict=True):
        path = write_atomically(folder / f"{name}.xml", data)
        say(_WROTE.format(path=path).get(lang))


@click.command("convert")
@click.argument("source", metavar="INPUT")
@click.option("--kind", required=True, type=click.Choice(KINDS),
              help="Document kind the rows describe: reimbursement (one row per line), "
                   "partnership (one row per convention or partner), piis (one row per "
                   "objective), bilan (one row per life-domain assessment), convention "
                   "(subsidy convention, one row per expense line).")
@click.option("-o", "--output", required=True, metavar="OUT",
              help="reimbursement: the XML file; other kinds: a folder (one XML per "
                   "document). '-' for stdout (one document).")
@click.option("--profile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML profile renaming columns and giving shared values.")
@click.option("--encoding", default=None, metavar="E",
              help="CSV encoding (default: detected among UTF-8, cp1252, ISO-8859-1).")
@click.option("--delimiter", type=click.Choice(sorted(_DELIMITERS)), default=None,
              help="CSV delimiter (default: detected among ';', tab, ',').")
@click.option("--sheet", default=None, help="XLSX sheet to read (default: the first data sheet).")
@click.option("--set", "settings", multiple=True, metavar="FIELD=VALUE",
              help="A value for the whole file, e.g. --set form_type=dis_b (repeatable).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write valid rows to OUT and rejected rows, unchanged plus a reason "
                   "column, to this CSV file (instead of writing nothing).")
@FORMAT_OPTION
@LANG_OPTION
def convert_command(source: str, kind: str, output: str, profile: Path | None,
                    encoding: str | None, delimiter: str | None, sheet: str | None,
                    settings: tuple[str, ...], rejects: Path | None, fmt: str,
                    lang: Lang | None) -> None:
    """Convert a legacy CSV or XLSX form (INPUT, '-' for stdin) to validated XML.

    Every rejected row is reported with its file, sheet, row, column, value
    (NISS masked) and reason. Without --rejects nothing is written when a row is
    rejected. A CSV is streamed; on a terminal a progress bar appears once the
    work lasts over a second (never in a pipe, with --format json, or when CI is
    set). The counts of rows read, converted and rejected end the report.

    Exit status: 0 every row converted; 1 a row rejected or the file cannot be
    converted (with --rejects the files are still written); 2 usage; 4 a file
    cannot be read or written.
    """
    lang = lang or default_lang()
    report_to_stderr = output == "-"

    def say(line: str) -> None:
        if fmt == "text":
            click.echo(line, err=report_to_stderr)

    bar = progress_for(source, fmt)
    try:
        with bar_closed(bar):
            data = _input(source)
            loaded = Profile.load(profile) if profile is not None else None
            result = convert(data, kind, profile=loaded, settings=_settings(settings),
                             encoding=encoding,
                             delimiter=_DELIMITERS[delimiter] if delimiter else None, sheet=sheet,
                             name=source if source == "-" else Path(source).name, progress=bar,
                             stream=True)
    except OSError as exc:
        click.echo(f"cpas convert: {source}: {exc.strerror or exc}", err=True)
        fail(ExitCode.IO_ERROR)
    except LegacyFileError as exc:
        if fmt == "json":
            click.echo(json.dumps({"ok": False, "error": exc.reason.get(lang)},
                                  ensure_ascii=False, indent=2), err=report_to_stderr)
        else:
            click.echo(f"cpas convert: {source}: {exc.reason.get(lang)}", err=True)
        fail(ExitCode.INVALID)
    try:
        _report(result, output, rejects, fmt, lang, say)
    finally:
        if result.output is not None:
            result.output.discard()  # not written (a row rejected, an error): dropped


def _report(result: Conversion, output: str, rejects: Path | None, fmt: str, lang: Lang,
            say: Any) -> None:
    report_to_stderr = output == "-"
    for item in result.rejected:
        for problem in item.problems:
            say(problem.render(lang))
    if result.ignored_columns:
        say(_IGNORED.format(names=", ".join(result.ignored_columns)).get(lang))
    write = result.ok or rejects is not None
    if write:
        try:
            if output == "-" and len(result.xml) > 1:
                raise LegacyFileError(_MANY)
            if rejects is not None:
                path = write_atomically(rejects, rejects_csv(result, lang))
                say(_WROTE.format(path=path).get(lang))
            if result.xml or result.output is not None:
                _write(result, output, lang, say)
        except LegacyFileError as exc:
            click.echo(f"cpas convert: {exc.reason.get(lang)}", err=True)
            fail(ExitCode.USAGE)
        except OSError as exc:
            click.echo(f"cpas convert: {exc.filename or ''}: {exc.strerror or exc}", err=True)
            fail(ExitCode.IO_ERROR)
    else:
        say(_NOTHING.get(lang))
    blank = _BLANK.format(count=result.blank_rows).get(lang) if result.blank_rows else ""
    say(_COUNTS.format(read=result.rows_read, accepted=result.rows_accepted,
                       rejected=len(result.rejected), blank=blank).get(lang))
    if fmt == "json":
        click.echo(json.dumps({
            "ok": result.ok, "written": write, "rows_read": result.rows_read,
            "rows_converted": result.rows_accepted, "rows_rejected": len(result.rejected),
            "blank_rows": result.blank_rows, "ignored_columns": list(result.ignored_columns),
            "problems": [p.to_dict(lang) for item in result.rejected for p in item.problems],
        }, ensure_ascii=False, indent=2), err=report_to_stderr)
    if not result.ok:
        fail(ExitCode.INVALID)
