"""Options and helpers shared by every ``cpas`` command."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

import click

from cpas.sdk.text import Lang, parse_lang

__all__ = [
    "FORMAT_OPTION",
    "LANG_OPTION",
    "LateProgressBar",
    "ParamType",
    "ProgressBar",
    "bar_closed",
    "default_lang",
    "for_people",
    "progress_for",
    "wants_progress",
]


if TYPE_CHECKING:  # click >= 8.2 makes ParamType generic; 8.1 does not at run time
    ParamType = click.ParamType[Any]
else:
    ParamType = click.ParamType
"""Base class of the command line's own value types (either version of click)."""


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


def for_people(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (default: stderr) is a terminal someone watches: a TTY, and
    the ``CI`` variable not set (CI services give jobs a pseudo-terminal)."""
    stream = sys.stderr if stream is None else stream
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        terminal = False
    return terminal and not os.environ.get("CI")


def wants_progress(fmt: str, stream: IO[str] | None = None) -> bool:
    """The one rule for progress bars in every command: text output (never with
    ``--format json``) and stderr a terminal for people (:func:`for_people`), so
    never in a pipe, a redirection or CI."""
    return fmt == "text" and for_people(stream)


class LateProgressBar:
    """A ``progress(done, total)`` callback that draws a :class:`ProgressBar` on stderr
    only once the work has lasted ``delay`` seconds: short work shows nothing.

    Use as a context manager, or call :meth:`close` before printing anything else.
    """

    def __init__(self, label: str, *, delay: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._label = label
        self._clock = clock
        self._since = clock() + delay
        self._bar: ProgressBar | None = None

    @property
    def shown(self) -> bool:
        """Whether the bar has appeared."""
        return self._bar is not None

    def __call__(self, done: int, total: int | None) -> None:
        if self._bar is None:
            if self._clock() < self._since:
                return
            self._bar = ProgressBar(self._label)
        self._bar(done, total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> LateProgressBar:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def progress_for(label: str, fmt: str, *, terminal: bool | None = None,
                 delay: float = 1.0) -> LateProgressBar | None:
    """The progress callback of a command working on ``label``, or None when no bar
    must be shown (:func:`wants_progress`; ``terminal`` overrides the check of
    stderr). The bar appears only once the work has lasted ``delay`` seconds."""
    if fmt != "text" or not (for_people() if terminal is None else terminal):
        return None
    return LateProgressBar(label, delay=delay)


@contextmanager
def bar_closed(bar: LateProgressBar | None) -> Iterator[None]:
    """Close ``bar`` when the block ends, before any ``except`` around the block prints
    an error (so the message does not land on the bar's line)."""
    try:
        yield
    finally:
        if bar is not None:
            bar.close()
