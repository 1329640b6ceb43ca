"""``cpas sign`` and ``cpas verify``: ASiC-E containers with detached XAdES signatures.

Passwords for PKCS#12 files and encrypted PEM keys come from ``--password-env
VAR``, ``--password-file F`` or a prompt, never from the command line in clear;
so does a token PIN (``--pin-env VAR``, ``$CPAS_PIN``, ``--pin-file F`` or a
prompt) when signing with a PKCS#11 token (``--pkcs11-module``, ``--token-label``,
``--key-label``/``--key-id``). ``--tsa-url`` adds an RFC 3161 timestamp (B-T).
``cpas verify`` trusts only the ``--trust`` anchors given. Exit codes: 0 valid,
1 invalid (changed, malformed, refused), 3 untrusted or incomplete (required
signers missing), 4 a file could not be read or written or the TSA could not be
reached (2 for a --tsa-url that is not http or https).

On a terminal (text output, stderr a TTY, ``CI`` not set) a progress bar appears
when reading the files lasts over a second; never in a pipe or with ``--format json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.parse
from pathlib import Path
from typing import Literal

import click

from cpas.adapters.signing.errors import SigningError, TsaUnreachable
from cpas.adapters.signing.keys import KeyLike, load_pem, load_pkcs12, read_password
from cpas.adapters.signing.pkcs11 import MODULE_ENV, PIN_ENV, load_token_key, pin_source
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.verify import (
    SIGNING_TIME,
    Status,
    VerificationResult,
    load_crls,
    load_trust,
    verify,
)
from cpas.sdk.parties import SignerRole

from .exitcodes import ExitCode, fail
from .options import FORMAT_OPTION, bar_closed, progress_for

__all__ = ["sign_command", "verify_command"]


def _prompt() -> str:
    return str(click.prompt("Password", hide_input=True, err=True))


def _pin_prompt() -> str:
    return str(click.prompt("PIN", hide_input=True, err=True))


def _token_key(token: tuple[str | None, str | None, str | None, str | None], cert: Path | None,
               pin_env: str | None, pin_file: Path | None) -> KeyLike:
    module, token_label, key_label, key_id = token
    if token_label is None or (key_label is None and key_id is None):
        raise click.UsageError("a token key needs --token-label and --key-label or --key-id")
    ident: bytes | None = None
    if key_id is not None:
        try:
            ident = bytes.fromhex(key_id)
        except ValueError:
            raise click.BadParameter(f"{key_id!r} is not hexadecimal",
                                     param_hint="--key-id") from None
    if pin_env is None and pin_file is None and PIN_ENV in os.environ:
        pin_env = PIN_ENV
    pin = pin_source(env=pin_env, file=pin_file, prompt=_pin_prompt)
    return load_token_key(token_label=token_label, key_label=key_label, key_id=ident,
                          module_path=module, cert_path=cert, pin=pin)


def _load_key(key: Path | None, cert: Path | None, p12: Path | None,
              password_env: str | None, password_file: Path | None) -> KeyLike:
    if p12 is not None and key is None:
        password = read_password(env=password_env, file=password_file, prompt=_prompt)
        return load_pkcs12(p12, password=password)
    if key is None or p12 is not None:
        raise click.UsageError("give exactly one of --key or --pkcs12")
    encrypted = b"ENCRYPTED" in key.read_bytes()[:4096]
    password = read_password(env=password_env, file=password_file,
                             prompt=_prompt if encrypted else None)
    return load_pem(key, cert, password=password)


def _check_tsa_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A TSA URL must be http(s) with a host; a wrong one is a usage error (exit 2).
    The message never repeats a ``user:password@`` part."""
    if value is None:
        return None
    from cpas.adapters.signing.timestamp import url_for_messages

    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{url_for_messages(value)!r} is not an http or https URL",
                                 ctx=ctx, param=param)
    return value


@click.command("sign")
@click.argument("document", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--annex", "annexes", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A file to sign with the document (stored under annexes/).")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path),
              help="PEM private key (may also hold the certificate and chain).")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path),
              help="PEM certificate of the key, followed by its intermediates.")
@click.option("--pkcs12", "p12", type=click.Path(dir_okay=False, path_type=Path),
              help="PKCS#12 file holding key, certificate and intermediates.")
@click.option("--password-env", metavar="VAR", help="Read the password from this variable.")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the password from the first line of this file.")
@click.option("--pkcs11-module", metavar="PATH", envvar=MODULE_ENV,
              help=f"PKCS#11 module of the token (default: ${MODULE_ENV}).")
@click.option("--token-label", help="Sign with a key on the PKCS#11 token with this label.")
@click.option("--key-label", help="Label of the key on the token.")
@click.option("--key-id", metavar="HEX", help="Id (CKA_ID, hexadecimal) of the key on the token.")
@click.option("--pin-env", metavar="VAR",
              help=f"Read the token PIN from this variable (default: ${PIN_ENV} if set, "
                   "else a prompt).")
@click.option("--pin-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the token PIN from the first line of this file.")
@click.option("--tsa-url", metavar="URL", callback=_check_tsa_url,
              help="Add an RFC 3161 signature timestamp from this TSA (XAdES B-T); "
                   "http or https only.")
@click.option("--tsa-timeout", type=click.FloatRange(min=1, max=600), default=30.0,
              show_default=True, help="Seconds to wait for the TSA.")
@click.option("--tsa-trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="With --add-to: trust anchors for existing timestamps (default: --trust).")
@click.option("--crl", "crl_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="With --add-to: CRL (PEM or DER) to check existing signatures against.")
@click.option("--role", required=True, type=click.Choice([r.value for r in SignerRole]),
              help="The role in which you sign.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The container to create (or, with --add-to, to write instead of in place).")
@click.option("--add-to", type=click.Path(dir_okay=False, path_type=Path),
              help="Add a signature to this existing container.")
@click.option("--trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Trust anchor (PEM) to verify existing signatures with --add-to.")
@FORMAT_OPTION
def sign_command(document: Path | None, annexes: tuple[Path, ...], key: Path | None,
                 cert: Path | None, p12: Path | None, password_env: str | None,
                 password_file: Path | None, pkcs11_module: str | None,
                 token_label: str | None, key_label: str | None, key_id: str | None,
                 pin_env: str | None, pin_file: Path | None, tsa_url: str | None,
                 tsa_timeout: float, tsa_trust: tuple[Path, ...],
                 crl_files: tuple[Path, ...], role: str,
                 output: Path | None, add_to: Path | None, trust: tuple[Path, ...],
                 fmt: str) -> None:
    """Sign DOCUMENT into a new ASiC-E container, or add a signature with --add-to."""
    if add_to is None and (document is None or output is None):
        raise click.UsageError("give DOCUMENT and -o OUT.asice, or --add-to CONTAINER")
    if add_to is not None and (document is not None or annexes):
        raise click.UsageError("--add-to signs the container's files: no DOCUMENT or --annex")
    if add_to is None and (tsa_trust or crl_files):
        raise click.UsageError("--tsa-trust and --crl check existing signatures: use them "
                               "with --add-to")
    if add_to is not None and not trust:
        raise click.UsageError("--add-to needs --trust to verify the existing signatures")
    try:
        if token_label is not None:
            if key is not None or p12 is not None:
                raise click.UsageError("give one of --key, --pkcs12 or --token-label")
            signing_key = _token_key((pkcs11_module, token_label, key_label, key_id), cert,
                                     pin_env, pin_file)
        else:
            signing_key = _load_key(key, cert, p12, password_env, password_file)
        provider = None
        if tsa_url is not None:
            from cpas.adapters.signing.timestamp import HttpTimestampProvider

            provider = HttpTimestampProvider(tsa_url, timeout=tsa_timeout)
        # After the prompts: the bar must not cut into a password or PIN prompt.
        bar = progress_for(str(add_to or document), fmt)
        with bar_closed(bar):
            if add_to is not None:
                anchors = load_trust(trust)
                written = add_signature(add_to, key=signing_key, role=SignerRole(role),
                                        trust=anchors, output=output, timestamp=provider,
                                        tsa_trust=load_trust(tsa_trust) if tsa_trust else None,
                                        crls=load_crls(crl_files), progress=bar)
            elif document is not None and output is not None:
                written = sign_new(output, document, key=signing_key, role=SignerRole(role),
                                   annexes=annexes, timestamp=provider, progress=bar)
            else:  # pragma: no cover - excluded by the checks above
                raise click.UsageError("nothing to sign")
    except TsaUnreachable as exc:
        fail(ExitCode.IO_ERROR, str(exc))
    except SigningError as exc:
        fail(ExitCode.INVALID, str(exc))
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{exc.filename or ''}: {exc.strerror or exc}")
    if fmt == "json":
        click.echo(json.dumps({"container": str(written), "role": role,
                               "level": "B-T" if tsa_url else "B-B"}, indent=2))
    else:
        click.echo(f"{written}: signed as {role}" + (" (B-T, timestamped)" if tsa_url else ""))


def _parse_time(value: str | None) -> dt.datetime | Literal["signing-time"] | None:
    if value is None:
        return None
    if value == SIGNING_TIME:
        return SIGNING_TIME
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time",
                                 param_hint="--at") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def _print(result: VerificationResult) -> None:
    click.echo(f"{result.path}: {result.status.value}"
               + (f" ({result.kind})" if result.kind else ""))
    for problem in result.problems:
        click.echo(f"  ! {problem}")
    click.echo("  signed files:")
    for file in result.signed_files:
        click.echo(f"    {file.name}  {file.media_type}  sha256:{file.sha256}")
    for signer in result.signers:
        when = signer.signing_time.isoformat() if signer.signing_time else "?"
        click.echo(f"  {signer.file}: {signer.status.value}  {signer.level}  role={signer.role}"
                   f"  time={when}  subject={signer.subject}")
        if signer.timestamp_time is not None:
            click.echo(f"    timestamp: {signer.timestamp_time.isoformat()} by "
                       f"{signer.timestamp_authority}")
        if signer.checked_at is not None:
            click.echo(f"    chain checked at {signer.checked_at.isoformat()}")
        for reason in signer.reasons:
            click.echo(f"    - {reason}")
    click.echo(f"  roles present: {', '.join(result.roles_present) or '-'}; "
               f"missing: {', '.join(result.roles_missing) or '-'}")


_EXIT = {Status.VALID: ExitCode.OK, Status.INVALID: ExitCode.INVALID,
         Status.UNTRUSTED: ExitCode.UNTRUSTED}


@click.command("verify")
@click.argument("container", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust", multiple=True, required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Trust anchor certificates (PEM); nothing else is trusted.")
@click.option("--at", "at_text", metavar="TIME",
              help="Check certificates at this ISO 8601 time, or at each claimed "
                   "'signing-time' (default: the timestamp's time for B-T signatures, now "
                   "for B-B: their signing times are unproven claims).")
@click.option("--tsa-trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Trust anchors (PEM) for signature timestamps (default: --trust).")
@click.option("--crl", "crl_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Certificate revocation list (PEM or DER). Once given, every certificate "
                   "of a signer's chain needs a current CRL of its issuer.")
@FORMAT_OPTION
def verify_command(container: Path, trust: tuple[Path, ...], at_text: str | None,
                   tsa_trust: tuple[Path, ...], crl_files: tuple[Path, ...], fmt: str) -> None:
    """Verify CONTAINER: every digest, signature, certificate chain and required role."""
    at = _parse_time(at_text)
    bar = progress_for(str(container), fmt)
    try:
        with bar_closed(bar):
            anchors = load_trust(trust)
            result = verify(container, anchors, at,
                            tsa_trust=load_trust(tsa_trust) if tsa_trust else None,
                            crls=load_crls(crl_files), progress=bar)
    except SigningError as exc:
        fail(ExitCode.INVALID, str(exc))
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{exc.filename or ''}: {exc.strerror or exc}")
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(result)
    code = _EXIT[result.status]
    if code is not ExitCode.OK:
        fail(code)
