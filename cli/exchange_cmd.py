"""``cpas exchange``: process an inbox folder into an outbox, or quarantine."""

from __future__ import annotations

from pathlib import Path

import click

from cpas.adapters.exchange import ExchangeConfig, FileOutcome, InboxBusy, run_once

from .exitcodes import ExitCode, fail

__all__ = ["exchange"]

_FOLDER = click.Path(file_okay=False, path_type=Path)


@click.group("exchange")
def exchange() -> None:
    """Exchange folders: vendor files in, validated XML out, failures in quarantine."""


@exchange.command("run")
@click.option("--inbox", required=True, type=_FOLDER, help="Folder the vendor drops files in.")
@click.option("--outbox", required=True, type=_FOLDER, help="Folder for the validated XML.")
@click.option("--quarantine", required=True, type=_FOLDER,
              help="Folder for failing files, each with a report (JSON, and text in FR/NL).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="One line per file: text for people, json for programs.")
@click.option("--max-attempts", type=click.IntRange(min=1), default=3, show_default=True,
              help="Attempts before a file that keeps crashing the process is quarantined.")
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite journal (default: INBOX/.cpas-exchange.sqlite).")
@click.option("--settle", type=click.FloatRange(min=0), default=1.0, show_default=True,
              metavar="SECONDS", help="Leave files modified more recently than this.")
def exchange_run(inbox: Path, outbox: Path, quarantine: Path, log_format: str,
                 max_attempts: int, journal: Path | None, settle: float) -> None:
    """Process every ready file of the inbox once, then stop.

    Each file is read by the adapter of its extension, validated and checked;
    its XML is written to OUTBOX, or the file is moved to QUARANTINE with a
    report. An input leaves the inbox only once its result is on disk; a rerun
    after a crash finishes the work exactly once. Files named *.part or
    modified in the last SECONDS are left for the next run. Exit status: 0 all
    files written; 1 a file was quarantined; 4 the inbox is locked by another
    process or a folder cannot be written.
    """
    def log(outcome: FileOutcome) -> None:
        click.echo(outcome.to_json() if log_format == "json" else outcome.to_text())

    config = ExchangeConfig(inbox, outbox, quarantine, journal=journal,
                            max_attempts=max_attempts, settle_seconds=settle)
    try:
        summary = run_once(config, log=log)
    except InboxBusy as exc:
        click.echo(f"cpas exchange: {exc}", err=True)
        fail(ExitCode.IO_ERROR)
    if summary.count("quarantined"):
        fail(ExitCode.INVALID)
