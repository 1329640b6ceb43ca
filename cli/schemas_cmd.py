"""``cpas schemas``: list and export the XSDs shipped with cpas-sdk."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cpas.schemas import export, list_schemas

from .exitcodes import ExitCode
from .options import FORMAT_OPTION

__all__ = ["schemas"]


class _CannotWrite(click.ClickException):
    exit_code = int(ExitCode.IO_ERROR)


@click.group("schemas")
def schemas() -> None:
    """The XSDs shipped with cpas-sdk (package data: nothing is ever fetched)."""


@schemas.command("list")
@FORMAT_OPTION
def schemas_list(fmt: str) -> None:
    """List every schema: file, kind, version, target namespace, global elements."""
    rows = [
        {"name": info.name, "kind": info.kind, "version": info.version,
         "namespace": info.namespace, "elements": list(info.elements),
         "imports": list(info.imports)}
        for info in list_schemas()
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']:<26} {row['kind']:<14} v{row['version']:<4} {row['namespace']}")
        if row["elements"]:
            click.echo(f"    elements: {', '.join(row['elements'])}")


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def schemas_export(directory: Path) -> None:
    """Write every schema into DIRECTORY (created if needed; files replaced atomically)."""
    try:
        written = export(directory)
    except OSError as exc:
        raise _CannotWrite(f"{exc.filename or directory}: {exc.strerror or exc}") from None
    for path in written:
        click.echo(str(path))
