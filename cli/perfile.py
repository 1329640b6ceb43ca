"""The per-file loop shared by ``cpas validate`` and ``cpas check``.

Each file is worked on (with a progress bar for people), its findings and a
summary line are printed in text, or all files go into one JSON object; an
unreadable file is reported and the others still run. The exit code is 4 when a
file could not be read, else 1 when one was invalid, else 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import click

from cpas.sdk.findings import Finding
from cpas.sdk.text import Lang, Text

from .exitcodes import ExitCode
from .options import LateProgressBar, bar_closed, progress_for

__all__ = ["FileResult", "report_per_file"]

_UNREADABLE = Text(fr="{file} : illisible : {reason}", nl="{file}: onleesbaar: {reason}",
                   en="{file}: cannot be read: {reason}")


class FileResult(Protocol):
    """What validating or checking one file gives."""

    @property
    def ok(self) -> bool: ...

    @property
    def findings(self) -> tuple[Finding, ...]: ...

    def to_dict(self, lang: Lang = "fr") -> dict[str, Any]: ...


R = TypeVar("R", bound=FileResult)


def report_per_file(files: Iterable[Path], work: Callable[[Path, LateProgressBar | None], R],
                    summary: Callable[[R, Lang], str], *, fmt: str, lang: Lang,
                    terminal: bool) -> ExitCode:
    """Run ``work`` on each file and print what it found; return the exit code."""
    exit_code = ExitCode.OK
    rows: list[dict[str, Any]] = []
    for path in files:
        bar = progress_for(str(path), fmt, terminal=terminal)
        try:
            with bar_closed(bar):
                result = work(path, bar)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            exit_code = ExitCode.IO_ERROR
            rows.append({"source": str(path), "ok": False, "io_error": reason})
            if fmt == "text":
                click.echo(_UNREADABLE.format(file=path, reason=reason).get(lang), err=True)
            continue
        if not result.ok and exit_code is ExitCode.OK:
            exit_code = ExitCode.INVALID
        rows.append(result.to_dict(lang))
        if fmt == "text":
            for finding in result.findings:
                click.echo(finding.render(lang))
            click.echo(summary(result, lang))
    if fmt == "json":
        click.echo(json.dumps({"ok": exit_code is ExitCode.OK, "files": rows},
                              ensure_ascii=False, indent=2))
    return exit_code
