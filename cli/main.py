"""Entry point of the ``cpas`` command."""

from __future__ import annotations

import json
import sys
import traceback
from importlib import metadata
from typing import Any

import click

from cpas.sdk.errors import CpasError
from cpas.sdk.parameters import Parameters
from cpas.sdk.rules import all_rules
from cpas.sdk.text import Lang

from .adapters_cmd import adapters
from .bcss_cmd import bcss
from .check_cmd import check_command
from .convert_cmd import convert_command
from .demo_cmd import demo_command
from .ebox_cmd import ebox
from .exchange_cmd import exchange
from .exitcodes import TABLE, ExitCode
from .options import FORMAT_OPTION, LANG_OPTION, default_lang
from .schemas_cmd import schemas
from .sign_cmd import sign_command, verify_command
from .validate_cmd import validate_command

__all__ = ["cli", "main"]


def _version() -> str:
    try:
        return metadata.version("cpas-sdk")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit codes (all commands):\n\n\b\n" + TABLE,
)
@click.version_option(_version(), "--version", prog_name="cpas")
def cli() -> None:
    """cpas: legal checks and exchange formats for Belgian CPAS/OCMW documents."""


@cli.group()
def rules() -> None:
    """Inspect the legal rules and the dated parameter tables."""


@rules.command("list")
@LANG_OPTION
@FORMAT_OPTION
def rules_list(lang: Lang | None, fmt: str) -> None:
    """List every rule: code, document, validity, message and legal basis."""
    lang = lang or default_lang()
    rows: list[dict[str, Any]] = [
        {
            "code": r.code,
            "document": r.document.__name__,
            "severity": r.severity.value,
            "valid_from": r.valid_from.isoformat() if r.valid_from else None,
            "valid_until": r.valid_until.isoformat() if r.valid_until else None,
            "summary": r.doc.splitlines()[0] if r.doc else "",
            "legal": [ref.citation for ref in r.legal],
        }
        for r in all_rules()
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        validity = ""
        if row["valid_from"] or row["valid_until"]:
            validity = f" [{row['valid_from'] or '…'} – {row['valid_until'] or '…'}]"
        click.echo(f"{row['code']:<18} {row['document']:<22} {row['severity']:<8}{validity}")
        if row["summary"]:
            click.echo(f"    {row['summary']}")
        click.echo(f"    {'; '.join(row['legal'])}")


@rules.command("parameters")
@click.argument("key", required=False)
@FORMAT_OPTION
def rules_parameters(key: str | None, fmt: str) -> None:
    """Show the dated parameter table (all keys, or the history of KEY)."""
    params = Parameters.default()
    keys = [key] if key else list(params.keys())
    if key and not params.history(key):
        raise click.BadParameter(f"unknown parameter {key!r}", param_hint="KEY")
    rows = [
        {"key": e.key, "kind": e.kind, "value": e.value, "from": e.valid_from.isoformat(),
         "until": e.valid_until.isoformat() if e.valid_until else None, "source": e.source}
        for k in keys for e in params.history(k)
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['key']:<44} {row['value']:>10}  {row['from']} – {row['until'] or '…'}")
        click.echo(f"    {row['source']}")


cli.add_command(adapters)
cli.add_command(convert_command)
cli.add_command(demo_command)
cli.add_command(exchange)
cli.add_command(schemas)
cli.add_command(validate_command)
cli.add_command(check_command)
cli.add_command(sign_command)
cli.add_command(verify_command)
cli.add_command(bcss)
cli.add_command(ebox)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (see :class:`ExitCode`)."""
    try:
        # Without standalone mode click returns the command's exit code (from
        # ``ctx.exit(code)``) or its return value instead of calling sys.exit.
        result = cli.main(args=argv, prog_name="cpas", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        return int(ExitCode.USAGE)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE) if exc.exit_code == 2 else int(exc.exit_code)
    except OSError as exc:
        click.echo(f"cpas: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        return int(ExitCode.IO_ERROR)
    except CpasError as exc:
        click.echo(f"cpas: {exc}", err=True)
        return int(ExitCode.INVALID)
    except Exception:
        traceback.print_exc()
        click.echo("cpas: internal error (a bug in cpas-sdk); please report it.", err=True)
        return int(ExitCode.INTERNAL)
    return result if isinstance(result, int) else int(ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
