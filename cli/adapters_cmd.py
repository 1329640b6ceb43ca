"""``cpas adapters``: the file formats this installation reads and writes."""

from __future__ import annotations

import json
from typing import Any

import click

from cpas.adapters.plugins import discover

from .options import FORMAT_OPTION

__all__ = ["adapters"]


@click.group("adapters")
def adapters() -> None:
    """Built-in and plugin adapters (entry-point group cpas.adapters)."""


@adapters.command("list")
@FORMAT_OPTION
def adapters_list(fmt: str) -> None:
    """List every adapter: name, origin, extensions, kinds read and written.

    Plugins that cannot be loaded are listed too, with the reason; the other
    adapters stay usable.
    """
    found = discover()
    rows: list[dict[str, Any]] = [
        {"name": item.adapter.name, "origin": item.origin,
         "extensions": list(item.adapter.extensions), "reads": list(item.adapter.reads),
         "writes": list(item.adapter.writes), "description": item.adapter.description}
        for item in found.adapters
    ]
    broken = [{"name": b.name, "value": b.value, "origin": b.origin, "reason": b.reason}
              for b in found.broken]
    if fmt == "json":
        click.echo(json.dumps({"adapters": rows, "broken": broken}, ensure_ascii=False,
                              indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']:<16} {' '.join(row['extensions']):<12} {row['origin']}")
        click.echo(f"    {row['description']}")
        click.echo(f"    reads: {', '.join(row['reads']) or '-'}; "
                   f"writes: {', '.join(row['writes']) or '-'}")
    for bad in broken:
        click.echo(f"{bad['name']:<16} UNUSABLE     {bad['origin']} ({bad['value']})")
        click.echo(f"    {bad['reason']}")
