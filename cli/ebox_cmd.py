"""``cpas ebox pack|verify|unpack``: e-Box-style export packages of signed containers.

The package layout and checks are in :mod:`cpas.adapters.signing.ebox`. Exit
codes: 0 valid, 1 invalid (changed, malformed, unsafe, refused), 2 usage,
3 untrusted or incomplete (chain not trusted, required signers missing),
4 a file could not be read or written. A citizen recipient's NISS is never
printed in clear; give it with ``--recipient-niss-env VAR`` or
``--recipient-niss-file F`` rather than ``--recipient-niss`` (the command line is
visible to other users of the machine). An output folder that exists and is not
empty is a usage error (2), found before anything is read. On a terminal (text
output, stderr a TTY, ``CI`` not set) a progress bar appears when the work lasts
over a second; never in a pipe or with ``--format json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, Literal

import click

from cpas.adapters.signing.ebox import (
    Message,
    PackageError,
    PackageRefused,
    PackageResult,
    Recipient,
    pack,
    unpack,
    verify_package,
)
from cpas.adapters.signing.errors import SigningError
from cpas.adapters.signing.verify import SIGNING_TIME, Status, load_trust
from cpas.sdk.errors import InvalidKbo, InvalidNiss
from cpas.sdk.identifiers import Kbo, Niss
from cpas.sdk.privacy import mask_niss_in
from cpas.sdk.text import Lang, Text

from .exitcodes import ExitCode, fail
from .options import (
    FORMAT_OPTION,
    LANG_OPTION,
    ParamType,
    bar_closed,
    default_lang,
    progress_for,
)

__all__ = ["ebox"]

_EXIT = {Status.VALID: ExitCode.OK, Status.INVALID: ExitCode.INVALID,
         Status.UNTRUSTED: ExitCode.UNTRUSTED}

_WORDS = {
    Status.VALID: Text(fr="valide", nl="geldig", en="valid"),
    Status.INVALID: Text(fr="NON VALIDE", nl="ONGELDIG", en="INVALID"),
    Status.UNTRUSTED: Text(fr="NON FIABLE ou incomplet", nl="NIET VERTROUWD of onvolledig",
                           en="UNTRUSTED or incomplete"),
}
_RECIPIENT = Text(fr="destinataire", nl="bestemmeling", en="recipient")
_ROLES = Text(fr="rôles présents", nl="aanwezige rollen", en="roles present")
_MISSING = Text(fr="manquants", nl="ontbrekend", en="missing")
_WRITTEN = Text(fr="paquet écrit", nl="pakket geschreven", en="package written")
_UNPACKED = Text(fr="décompressé dans", nl="uitgepakt in", en="unpacked into")


class KboType(ParamType):
    """A KBO/BCE number (10 digits, mod-97 check)."""

    name = "kbo"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Kbo:
        try:
            return value if isinstance(value, Kbo) else Kbo(str(value))
        except InvalidKbo as exc:
            self.fail(exc.reason, param, ctx)


class NissType(ParamType):
    """A NISS; the value is masked in any error message."""

    name = "niss"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Niss:
        try:
            return value if isinstance(value, Niss) else Niss(str(value))
        except InvalidNiss as exc:
            self.fail(f"{exc.reason} (got {exc.shown})", param, ctx)


def _parse_time(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time",
                                 param_hint=option) from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def _at(value: str | None) -> dt.datetime | Literal["signing-time"] | None:
    return SIGNING_TIME if value == SIGNING_TIME else _parse_time(value, "--at")


def _check_output(output: Path, *, zip_ok: bool) -> None:
    """An output folder must not exist or be empty: checked before any work (exit 2)."""
    if zip_ok and output.suffix.lower() == ".zip":
        if output.is_dir():
            raise click.BadParameter(f"{output} is a folder", param_hint="-o/--output")
        return
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise click.BadParameter(f"{output} exists and is not an empty folder",
                                 param_hint="-o/--output")


def _first_line(path: Path) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().strip()
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        raise click.BadParameter(f"{path} is not UTF-8 text",
                                 param_hint="--recipient-niss-file") from None


def _niss_from(value: str | None, option: str, missing: str) -> Niss:
    """The NISS read from a variable or a file; never repeated in clear on error."""
    if value is None:
        raise click.BadParameter(missing, param_hint=option)
    try:
        return Niss(value.strip())
    except InvalidNiss as exc:
        raise click.BadParameter(f"{exc.reason} (got {exc.shown})", param_hint=option) from None


def _one(options: dict[str, Any], what: str) -> tuple[str, Any]:
    given = [(k, v) for k, v in options.items() if v is not None]
    if len(given) != 1:
        raise click.UsageError(f"give exactly one of {', '.join(options)} ({what})")
    return given[0]


def _print(result: PackageResult, lang: Lang) -> None:
    click.echo(f"{result.path}: {_WORDS[result.status].get(lang)}")
    if result.recipient:
        click.echo(f"  {_RECIPIENT.get(lang)}: {result.recipient}")
    for problem in result.problems:
        click.echo(f"  ! {problem}")
    for attachment in result.attachments:
        click.echo(f"  {attachment.part} {attachment.file}: "
                   f"{_WORDS[attachment.status].get(lang)}")
        for problem in attachment.problems:
            click.echo(f"    ! {problem}")
        found = attachment.container
        if found is None:
            continue
        for problem in found.problems:
            click.echo(f"    ! {problem}")
        for signer in found.signers:
            click.echo(f"    {signer.file}: {signer.status.value}  role={signer.role}  "
                       f"subject={signer.subject}")
            for reason in signer.reasons:
                click.echo(f"      - {reason}")
        click.echo(f"    {_ROLES.get(lang)}: {', '.join(found.roles_present) or '-'}; "
                   f"{_MISSING.get(lang)}: {', '.join(found.roles_missing) or '-'}")


def _show(result: PackageResult, fmt: str, lang: Lang) -> None:
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(result, lang)


@click.group("ebox")
def ebox() -> None:
    """e-Box-style export packages: pack signed containers, verify and unpack them."""


TRUST_OPTION = click.option(
    "--trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
    help="Trust anchor certificates (PEM); nothing else is trusted.")
AT_OPTION = click.option(
    "--at", "at_text", metavar="TIME",
    help="Check certificate chains at this ISO 8601 time, or at each claimed 'signing-time' "
         "(default: timestamp time for B-T signatures, now for B-B).")


@ebox.command("pack")
@click.argument("containers", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="The package: OUT.zip, or a folder (created; must be empty).")
@click.option("--recipient-kbo", type=KboType(), help="Recipient enterprise (KBO/BCE number).")
@click.option("--recipient-niss", type=NissType(),
              help="Recipient citizen (NISS). Visible to other users of the machine (ps, "
                   "shell history): prefer --recipient-niss-env or --recipient-niss-file.")
@click.option("--recipient-niss-env", metavar="VAR",
              help="Recipient citizen: read the NISS from this environment variable.")
@click.option("--recipient-niss-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Recipient citizen: read the NISS from the first line of this file.")
@click.option("--sender-kbo", required=True, type=KboType(),
              help="Sender's KBO/BCE number (the CPAS).")
@click.option("--subject-fr", help="Subject in French (at most 255 characters).")
@click.option("--subject-nl", help="Subject in Dutch (at most 255 characters).")
@click.option("--subject-de", help="Subject in German (at most 255 characters).")
@click.option("--body", help="Body text, in the subject's language.")
@click.option("--message-type", "message_type", required=True,
              help="messageTypeId agreed with the e-Box operator.")
@click.option("--sender-application-id", help="senderApplicationId (optional).")
@click.option("--business-data", "business_data", multiple=True, metavar="KEY=VALUE",
              help="An entry of businessDataList (repeatable).")
@click.option("--name", "names", multiple=True,
              help="File name of each container in the package (default: its own name).")
@click.option("--created-at", metavar="TIME",
              help="createdAt of export.json (ISO 8601; default now or SOURCE_DATE_EPOCH).")
@TRUST_OPTION
@AT_OPTION
@FORMAT_OPTION
@LANG_OPTION
def pack_command(containers: tuple[Path, ...], output: Path, recipient_kbo: Kbo | None,
                 recipient_niss: Niss | None, recipient_niss_env: str | None,
                 recipient_niss_file: Path | None, sender_kbo: Kbo, subject_fr: str | None,
                 subject_nl: str | None, subject_de: str | None, body: str | None,
                 message_type: str, sender_application_id: str | None,
                 business_data: tuple[str, ...], names: tuple[str, ...],
                 created_at: str | None, trust: tuple[Path, ...], at_text: str | None,
                 fmt: str, lang: Lang | None) -> None:
    """Pack signed CONTAINERS (the first is the main content) into an export package.

    Every container is verified against --trust first; a container that is not
    valid, or misses a required signer, is refused.
    """
    lang = lang or default_lang()
    if not trust:
        raise click.UsageError("--trust is required: containers are verified before packing")
    _check_output(output, zip_ok=True)
    kind, who = _one({"--recipient-kbo": recipient_kbo, "--recipient-niss": recipient_niss,
                      "--recipient-niss-env": recipient_niss_env,
                      "--recipient-niss-file": recipient_niss_file}, "the recipient")
    if kind == "--recipient-niss-env":
        who = _niss_from(os.environ.get(who), kind, f"${who} is not set")
    elif kind == "--recipient-niss-file":
        who = _niss_from(_first_line(who), kind, "")
    option, subject = _one({"--subject-fr": subject_fr, "--subject-nl": subject_nl,
                            "--subject-de": subject_de}, "one subject language")
    pairs: list[tuple[str, str]] = []
    for item in business_data:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--business-data")
        pairs.append((key, value))
    if names and len(names) != len(containers):
        raise click.UsageError("give one --name per container, or none")
    when = _parse_time(created_at, "--created-at")
    at = _at(at_text)
    bar = progress_for(str(output), fmt)
    try:
        with bar_closed(bar):
            recipient = (Recipient.enterprise(who) if kind == "--recipient-kbo"
                         else Recipient.citizen(who))
            message = Message(recipient, sender=sender_kbo, message_type_id=message_type,
                              subject=subject, language=option[-2:], body=body,
                              sender_application_id=sender_application_id, business_data=pairs)
            written = pack(output, containers, message, trust=load_trust(trust), at=at,
                           created_at=when, names=names or None, progress=bar)
    except PackageRefused as exc:
        fail(_EXIT[exc.status], str(exc))
    except (PackageError, SigningError) as exc:
        fail(ExitCode.INVALID, mask_niss_in(str(exc)))
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{exc.filename or ''}: {exc.strerror or exc}")
    if fmt == "json":
        click.echo(json.dumps({"package": str(written), "recipient": recipient.shown(),
                               "attachments": [str(c) for c in containers]},
                              ensure_ascii=False, indent=2))
    else:
        click.echo(f"{_WRITTEN.get(lang)}: {written} ({_RECIPIENT.get(lang)}: "
                   f"{recipient.shown()})")


@ebox.command("verify")
@click.argument("package", type=click.Path(path_type=Path))
@TRUST_OPTION
@AT_OPTION
@FORMAT_OPTION
@LANG_OPTION
def verify_command(package: Path, trust: tuple[Path, ...], at_text: str | None, fmt: str,
                   lang: Lang | None) -> None:
    """Verify PACKAGE (zip or folder): sums, digests, every container, required roles."""
    lang = lang or default_lang()
    if not trust:
        raise click.UsageError("--trust is required")
    at = _at(at_text)
    bar = progress_for(str(package), fmt)
    try:
        with bar_closed(bar):
            result = verify_package(package, load_trust(trust), at, progress=bar)
    except SigningError as exc:
        fail(ExitCode.INVALID, str(exc))
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{exc.filename or ''}: {exc.strerror or exc}")
    _show(result, fmt, lang)
    code = _EXIT[result.status]
    if code is not ExitCode.OK:
        fail(code)


@ebox.command("unpack")
@click.argument("package", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (created; must be empty).")
@TRUST_OPTION
@AT_OPTION
@FORMAT_OPTION
@LANG_OPTION
def unpack_command(package: Path, output: Path, trust: tuple[Path, ...], at_text: str | None,
                   fmt: str, lang: Lang | None) -> None:
    """Check PACKAGE, then write its files under OUTPUT only.

    Without --trust the package must be intact; with --trust it must be valid.
    """
    lang = lang or default_lang()
    _check_output(output, zip_ok=False)
    at = _at(at_text)
    bar = progress_for(str(package), fmt)
    try:
        with bar_closed(bar):
            folder, result = unpack(package, output, load_trust(trust) if trust else None, at,
                                    progress=bar)
    except PackageRefused as exc:
        fail(_EXIT[exc.status], str(exc))
    except (PackageError, SigningError) as exc:
        fail(ExitCode.INVALID, str(exc))
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{exc.filename or ''}: {exc.strerror or exc}")
    if fmt == "json":
        data = result.to_dict()
        data["unpacked_into"] = str(folder)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{result.path}: {_WORDS[result.status].get(lang)}; "
                   f"{_UNPACKED.get(lang)} {folder}")
