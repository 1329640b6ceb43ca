"""``cpas adapters``: the file formats this installation reads and writes.

``list`` shows them, ``convert`` reads one vendor file through a named adapter
and writes its documents as validated XML, ``profile check`` checks mapping
profile files (docs/mappings.md). User profiles come from ``--profiles`` or the
``CPAS_PROFILES`` environment variable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from cpas.adapters.files import write_atomically
from cpas.adapters.mappings.profile import ProfileError, load_profile
from cpas.adapters.plugins import AdapterError, Discovery, discover
from cpas.adapters.xml.documents import kind_of, to_xml
from cpas.sdk.errors import CpasError
from cpas.sdk.findings import Severity
from cpas.sdk.text import Lang, Text

from .exitcodes import ExitCode, fail
from .options import FORMAT_OPTION, LANG_OPTION, default_lang

__all__ = ["adapters"]

PROFILES_OPTION = click.option(
    "--profiles", "profiles", multiple=True, type=click.Path(path_type=Path),
    help="A mapping profile file or a folder of *.toml profiles (repeatable); "
         "default: the CPAS_PROFILES environment variable.")

_SUMMARY = Text(
    fr="{records} enregistrement(s) lu(s), {documents} document(s), {errors} erreur(s)",
    nl="{records} record(s) gelezen, {documents} document(en), {errors} fout(en)",
    en="{records} record(s) read, {documents} document(s), {errors} error(s)")
_WROTE = Text(fr="écrit : {path}", nl="geschreven: {path}", en="written: {path}")
_PROFILE_OK = Text(
    fr="profil valide : {name} ({kind}, {format}), {document} champ(s) de document, "
       "{record} champ(s) par enregistrement",
    nl="geldig profiel: {name} ({kind}, {format}), {document} documentveld(en), "
       "{record} veld(en) per record",
    en="valid profile: {name} ({kind}, {format}), {document} document field(s), "
       "{record} field(s) per record")


def _discover(profiles: Sequence[Path]) -> Discovery:
    return discover(profiles=list(profiles) if profiles else None)


@click.group("adapters")
def adapters() -> None:
    """Built-in and plugin adapters (entry-point group cpas.adapters) and mapping profiles."""


@adapters.command("list")
@PROFILES_OPTION
@FORMAT_OPTION
def adapters_list(profiles: tuple[Path, ...], fmt: str) -> None:
    """List every adapter: name, origin, extensions, kinds read and written.

    Plugins and profiles that cannot be loaded are listed too, with the reason;
    the other adapters stay usable.
    """
    found = _discover(profiles)
    rows: list[dict[str, Any]] = [
        {"name": item.adapter.name, "origin": item.origin,
         "extensions": list(item.adapter.extensions), "reads": list(item.adapter.reads),
         "writes": list(item.adapter.writes), "description": item.adapter.description,
         "file_patterns": list(getattr(item.adapter, "file_patterns", ()))}
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
        if row["file_patterns"]:
            click.echo(f"    files: {' '.join(row['file_patterns'])}")
    for bad in broken:
        click.echo(f"{bad['name']:<16} UNUSABLE     {bad['origin']} ({bad['value']})")
        click.echo(f"    {bad['reason']}")


def _outputs(output: Path, count: int) -> list[Path]:
    """``OUT.xml`` for one document; ``OUT-1.xml``, ``OUT-2.xml``… for several."""
    if count == 1:
        return [output]
    suffix = output.suffix or ".xml"
    return [output.with_name(f"{output.stem}-{n}{suffix}") for n in range(1, count + 1)]


@adapters.command("convert")
@click.option("--adapter", "adapter_name", required=True,
              help="Adapter name, as shown by 'cpas adapters list' (e.g. evita-csv).")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              required=True,
              help="XML file to write; with several documents OUT-1.xml, OUT-2.xml…")
@PROFILES_OPTION
@LANG_OPTION
@FORMAT_OPTION
def adapters_convert(adapter_name: str, source: Path, output: Path,
                     profiles: tuple[Path, ...], lang: Lang | None, fmt: str) -> None:
    """Read SOURCE through an adapter and write its documents as schema-valid XML.

    Every record ends up in a document or in a finding (file, line, field, value
    with any NISS masked, reason). Documents built from the valid records are
    written even when other records were rejected; the exit code is then 1.
    """
    lang = lang or default_lang()
    try:
        adapter = _discover(profiles).get(adapter_name)
    except AdapterError as exc:
        fail(ExitCode.USAGE, f"--adapter {adapter_name}: {exc.reason.get(lang)}")
    try:
        data = source.read_bytes()
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{source}: {exc.strerror or exc}")
    result = adapter.read(data, source=source.name)
    written: list[dict[str, Any]] = []
    try:
        xml = [to_xml(document) for document in result.documents]
    except CpasError as exc:  # an adapter (maybe a plugin) built an invalid document
        fail(ExitCode.INVALID, f"{source}: {exc}")
    try:
        for path, document, body in zip(_outputs(output, len(xml)), result.documents, xml,
                                        strict=True):
            write_atomically(path, body)
            written.append({"id": str(getattr(document, "id", "")),
                            "kind": kind_of(document).name, "output": str(path)})
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{exc.filename or output}: {exc.strerror or exc}")
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR)
    if fmt == "json":
        click.echo(json.dumps({
            "source": str(source), "adapter": adapter.name, "records": result.records,
            "documents": written, "errors": errors,
            "findings": [f.to_dict(lang) for f in result.findings]},
            ensure_ascii=False, indent=2))
    else:
        for finding in result.findings:
            click.echo(finding.render(lang))
        for item in written:
            click.echo(_WROTE.format(path=item["output"]).get(lang))
        click.echo(_SUMMARY.format(records=result.records, documents=len(written),
                                   errors=errors).get(lang))
    if errors or not written:
        fail(ExitCode.INVALID)


@adapters.group("profile")
def profile_group() -> None:
    """Mapping profiles: TOML files that turn a vendor layout into an adapter."""


@profile_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@LANG_OPTION
@FORMAT_OPTION
def profile_check(files: tuple[Path, ...], lang: Lang | None, fmt: str) -> None:
    """Check mapping profile FILES; an error names the file, the key and the reason."""
    lang = lang or default_lang()
    rows: list[dict[str, Any]] = []
    worst = ExitCode.OK
    for file in files:
        try:
            profile = load_profile(file)
        except ProfileError as exc:
            rows.append({"file": str(file), "ok": False, "key": exc.key,
                         "message": exc.render(lang)})
            worst = max(worst, ExitCode.INVALID)
            continue
        except OSError as exc:
            rows.append({"file": str(file), "ok": False, "key": None,
                         "message": f"{file}: {exc.strerror or exc}"})
            worst = max(worst, ExitCode.IO_ERROR)
            continue
        rows.append({"file": str(file), "ok": True, "name": profile.name,
                     "kind": profile.kind.name, "format": profile.format,
                     "message": f"{file}: " + _PROFILE_OK.format(
                         name=profile.name, kind=profile.kind.name, format=profile.format,
                         document=len(profile.document), record=len(profile.record)).get(lang)})
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            click.echo(row["message"], err=not row["ok"])
    if worst is not ExitCode.OK:
        fail(worst)
