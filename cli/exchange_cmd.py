"""``cpas exchange``: process an inbox folder into an outbox, or quarantine."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click

from cpas.adapters.exchange import (
    ExchangeConfig,
    FileOutcome,
    InboxBusy,
    Signing,
    auto_jobs,
    run_once,
    watch,
)
from cpas.adapters.signing.errors import SigningError
from cpas.adapters.signing.keys import SigningKey, load_pem, load_pkcs12, read_password
from cpas.adapters.signing.testpki import LABEL as TEST_PKI_LABEL
from cpas.sdk.parties import SignerRole

from .exitcodes import ExitCode, fail
from .options import ParamType

__all__ = ["exchange"]

_FOLDER = click.Path(file_okay=False, path_type=Path)
_FILE = click.Path(dir_okay=False, path_type=Path)


MAX_JOBS = 64
"""Most worker processes ``--jobs`` accepts (each holds a copy of the schemas and rules)."""


class _Jobs(ParamType):
    """A number of worker processes (1: in this process) or ``auto`` (:func:`auto_jobs`)."""

    name = "N|auto"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lower() == "auto":
            return auto_jobs()
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is neither a whole number nor 'auto'", param, ctx)
        if not 1 <= number <= MAX_JOBS:
            self.fail(f"{number} is not between 1 and {MAX_JOBS}", param, ctx)
        return number


@click.group("exchange")
def exchange() -> None:
    """Exchange folders: vendor files in, validated XML out, failures in quarantine."""


class _StopFlag:
    """Set by SIGTERM/SIGINT: the exchange finishes the file in hand, then stops."""

    def __init__(self) -> None:
        self.requested = False

    def request(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True

    def __call__(self) -> bool:
        return self.requested


def _signing(sign: bool, key: Path | None, cert: Path | None, p12: Path | None,
             password_env: str | None, password_file: Path | None,
             role: str | None) -> Signing | None:
    """The key and role for --sign; unattended, so never a prompt and never a default key."""
    given = [name for name, value in (("--key", key), ("--cert", cert), ("--pkcs12", p12),
                                      ("--password-env", password_env),
                                      ("--password-file", password_file), ("--role", role))
             if value is not None]
    if not sign:
        if given:
            raise click.UsageError(f"{given[0]} is only used with --sign")
        return None
    if role is None:
        raise click.UsageError("--sign needs --role")
    if (key is None) == (p12 is None):
        raise click.UsageError("--sign needs exactly one of --key or --pkcs12")
    if password_env is not None and password_file is not None:
        raise click.UsageError("give at most one of --password-env and --password-file")
    try:
        password = read_password(env=password_env, file=password_file)
        loaded: SigningKey = (load_pkcs12(p12, password=password) if p12 is not None
                              else load_pem(key or Path(), cert, password=password))
    except SigningError as exc:
        raise click.BadParameter(str(exc), param_hint="--key/--pkcs12") from None
    except OSError as exc:
        raise click.BadParameter(f"{exc.filename or ''}: {exc.strerror or exc}",
                                 param_hint="--key/--pkcs12") from None
    if TEST_PKI_LABEL in loaded.certificate.subject.rfc4514_string():
        click.echo(f"cpas exchange: WARNING: the signing certificate belongs to the "
                   f"{TEST_PKI_LABEL}; its signatures have no value", err=True)
    return Signing(loaded, SignerRole(role))


@exchange.command("run")
@click.option("--inbox", required=True, type=_FOLDER, help="Folder the vendor drops files in.")
@click.option("--outbox", required=True, type=_FOLDER, help="Folder for the validated XML.")
@click.option("--quarantine", required=True, type=_FOLDER,
              help="Folder for failing files, each with a report (JSON, and text in FR/NL).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="One line per file: text for people, json for programs.")
@click.option("--max-attempts", type=click.IntRange(min=1), default=3, show_default=True,
              help="Attempts before a file that keeps crashing the process is quarantined.")
@click.option("--journal", type=_FILE, default=None,
              help="SQLite journal (default: INBOX/.cpas-exchange.sqlite).")
@click.option("--settle", type=click.FloatRange(min=0), default=1.0, show_default=True,
              metavar="SECONDS", help="Leave files modified more recently than this.")
@click.option("--watch", "watching", is_flag=True,
              help="Keep running: pass over the inbox every --interval seconds until "
                   "SIGTERM/SIGINT (or --max-files).")
@click.option("--once", is_flag=True, help="One pass over the inbox, then stop (the default).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              metavar="SECONDS", help="With --watch: time between two passes.")
@click.option("--max-files", type=click.IntRange(min=1), default=None,
              help="Stop after taking this many files out of the inbox.")
@click.option("--jobs", type=_Jobs(), default="auto", show_default=True,
              help="Worker processes reading and checking files (1: in this process; "
                   "auto: one per CPU this process may use, at most 4, and 1 on a single "
                   "CPU). A file that kills its worker is retried alone, then quarantined.")
@click.option("--writers", type=click.IntRange(min=0), default=None, metavar="N",
              help="Threads writing (fsync, rename) a batch's outputs while the next batch "
                   "is judged (default: 2; 0: one "
                   "batch after the other). The crash-safe order is the same.")
@click.option("--sign", is_flag=True,
              help="Sign each output into an ASiC-E container (.asice); needs --role and "
                   "--key or --pkcs12.")
@click.option("--key", type=_FILE, help="With --sign: PEM private key (may hold the chain).")
@click.option("--cert", type=_FILE, help="With --sign: PEM certificate and intermediates.")
@click.option("--pkcs12", "p12", type=_FILE, help="With --sign: PKCS#12 file.")
@click.option("--password-env", metavar="VAR",
              help="With --sign: read the key's password from this variable.")
@click.option("--password-file", type=_FILE,
              help="With --sign: read the key's password from the first line of this file.")
@click.option("--role", type=click.Choice([r.value for r in SignerRole]),
              help="With --sign: the role in which the outputs are signed.")
def exchange_run(inbox: Path, outbox: Path, quarantine: Path, log_format: str,
                 max_attempts: int, journal: Path | None, settle: float, watching: bool,
                 once: bool, interval: float, max_files: int | None, jobs: int,
                 writers: int | None, sign: bool,
                 key: Path | None, cert: Path | None, p12: Path | None,
                 password_env: str | None, password_file: Path | None,
                 role: str | None) -> None:
    """Process the ready files of the inbox: one pass (default), or --watch.

    Each file is read by the adapter of its extension, validated and checked
    (and with --sign, signed into an .asice container); the result is written
    to OUTBOX, or the file is moved to QUARANTINE with a report. A valid file
    already in the SDK's own XML (UTF-8, no comments) is written out byte for
    byte as it came; other inputs are written as the SDK's XML. An input
    leaves the inbox only once its result is on disk; a rerun after a crash
    finishes the work exactly once. Files named *.part or modified in the last
    SECONDS are left for later. One log line per file on standard output.

    --once (the default) makes one pass; --max-files N stops after N files
    (the rest wait for the next run). --watch keeps polling; SIGTERM or SIGINT
    lets the file in hand finish, then the command exits 0; with --max-files
    it also exits 0 once N files are done.

    The key password comes from --password-env or --password-file only (never
    a prompt: the exchange runs unattended); there is no default key.

    Exit status: 0 done (a single pass: every file written); 1 a single pass
    quarantined a file; 2 bad options or an unusable key; 4 the inbox is locked
    by another process or a folder cannot be written.
    """
    if watching and once:
        raise click.UsageError("give --watch or --once, not both")
    signing = _signing(sign, key, cert, p12, password_env, password_file, role)

    def log(outcome: FileOutcome) -> None:
        click.echo(outcome.to_json() if log_format == "json" else outcome.to_text())
        sys.stdout.flush()

    config = ExchangeConfig(inbox, outbox, quarantine, journal=journal,
                            max_attempts=max_attempts, settle_seconds=settle, signing=signing,
                            jobs=jobs, writers=writers)
    stop = _StopFlag()
    previous = {signum: signal.signal(signum, stop.request)
                for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        if watching:
            watch(config, interval=interval, log=log, stop=stop, max_files=max_files)
            return
        summary = run_once(config, log=log, stop=stop, max_files=max_files)
    except InboxBusy as exc:
        fail(ExitCode.IO_ERROR, f"exchange: {exc}")
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"exchange: {exc.filename or ''}: {exc.strerror or exc}")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if summary.count("quarantined"):
        fail(ExitCode.INVALID)
