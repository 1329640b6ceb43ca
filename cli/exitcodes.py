"""The one exit-code table shared by every ``cpas`` command (also in the README)."""

from __future__ import annotations

import enum
from typing import NoReturn

import click

__all__ = ["MEANING", "TABLE", "ExitCode", "fail"]


class ExitCode(enum.IntEnum):
    OK = 0
    INVALID = 1
    USAGE = 2
    UNTRUSTED = 3
    IO_ERROR = 4
    INTERNAL = 5


MEANING: dict[ExitCode, str] = {
    ExitCode.OK: "success: the input is valid and no finding is an error",
    ExitCode.INVALID: "the input was read but is invalid: schema errors or rule findings of "
                      "severity error",
    ExitCode.USAGE: "wrong command line: unknown option, missing argument, bad option value",
    ExitCode.UNTRUSTED: "a signature is valid but not trusted, or required signers are missing",
    ExitCode.IO_ERROR: "a file could not be read or written (missing, permissions, disk full)",
    ExitCode.INTERNAL: "a bug in cpas-sdk: please report it with the command and the message",
}

TABLE = "\n".join(f"  {code.value}  {code.name.lower():<10} {MEANING[code]}" for code in ExitCode)


def fail(code: ExitCode, message: str = "") -> NoReturn:
    """End the current command with ``code`` (after ``message`` on stderr, if any).

    Goes through ``ctx.exit`` so the code reaches both the console script
    (:func:`cpas.cli.main.main` runs click without standalone mode and returns it)
    and click's test runner.
    """
    if message:
        click.echo(f"cpas: {message}", err=True)
    click.get_current_context().exit(int(code))
