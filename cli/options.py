"""Options and helpers shared by every ``cpas`` command."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from cpas.sdk.text import Lang, parse_lang

__all__ = ["FORMAT_OPTION", "LANG_OPTION", "ProgressBar", "default_lang"]


def default_lang() -> Lang:
    """The language of messages: ``CPAS_LANG``, else ``LANG``, else French."""
    return parse_lang(os.environ.get("CPAS_LANG") or os.environ.get("LANG") or "fr")


LANG_OPTION = click.option(
    "--lang", type=click.Choice(["fr", "nl", "en"]), default=None,
    help="Language of messages (default: from CPAS_LANG or LANG, else fr).")
FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text for people, json for programs.")


class ProgressBar:
    """A progress bar on stderr for a file read in one or more passes (a new pass, seen
    as the byte count going back, starts the bar again)."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: Any = None
        self._done = 0

    def __call__(self, read: int, total: int | None) -> None:
        if self._bar is None or read < self._done:
            self.close()
            self._bar = click.progressbar(length=total or 0, label=self._label,
                                          file=sys.stderr)
            self._bar.__enter__()
            self._done = 0
        self._bar.update(read - self._done)
        self._done = read

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
