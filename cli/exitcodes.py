"""The one exit-code table shared by every ``cpas`` command (also in the README)."""

from __future__ import annotations

import enum

__all__ = ["ExitCode"]


class ExitCode(enum.IntEnum):
    OK = 0
    """Success: the input is valid and no finding is an error."""
    INVALID = 1
    """The input was read but is invalid: schema errors or rule findings of severity error."""
    USAGE = 2
    """Wrong command line: unknown option, missing argument, bad option value."""
    UNTRUSTED = 3
    """A signature is valid but not trusted, or required signers are missing."""
    IO_ERROR = 4
    """A file could not be read or written (missing, permissions, disk full)."""
    INTERNAL = 5
    """A bug in cpas-sdk: please report it with the command and the message."""


TABLE = "\n".join(
    f"  {code.value}  {code.name.lower():<10} {(code.__doc__ or '').strip()}" for code in ExitCode
)
