"""``cpas bcss``: the BCSS/KSZ loi 65 decision forms (AB, C, DF) — export and read replies.

The official schemas stay outside the project: every command needs ``--bcss-schemas DIR``
(or ``CPAS_BCSS_SCHEMAS``) and validates with lxml and xmlschema.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from pathlib import Path
from typing import Any

import click

from cpas.adapters.bcss import (
    BcssMappingError,
    BcssSchemaError,
    Envelope,
    OfficialSchemas,
    explain,
    export_ab,
    export_c,
    export_df,
    import_reply,
    load_official_schemas,
)
from cpas.adapters.files import write_atomically
from cpas.adapters.xml.documents import from_xml
from cpas.adapters.xml.parser import XmlError
from cpas.sdk.documents.partnership import PartnershipConvention
from cpas.sdk.documents.piis import Piis
from cpas.sdk.documents.reimbursement import FormType, ReimbursementForm
from cpas.sdk.errors import CpasError
from cpas.sdk.text import Lang

from .exitcodes import ExitCode, fail
from .options import FORMAT_OPTION, LANG_OPTION, default_lang

__all__ = ["bcss"]

_ENV = "CPAS_BCSS_SCHEMAS"
_KINDS = {Piis: "piis", ReimbursementForm: "reimbursement", PartnershipConvention: "partnership"}

SCHEMAS_OPTION = click.option(
    "--bcss-schemas", "schema_dir", type=click.Path(path_type=Path), default=None,
    metavar="DIR", help=f"Directory of the official BCSS SSDN schemas (or ${_ENV}).")


def _schemas(directory: Path | None) -> OfficialSchemas:
    chosen = directory or (Path(os.environ[_ENV]) if os.environ.get(_ENV) else None)
    if chosen is None:
        fail(ExitCode.USAGE, "the official BCSS schemas are needed to validate: give "
             f"--bcss-schemas DIR or set {_ENV} (they are not shipped with cpas-sdk)")
    try:
        return _load(str(Path(chosen).resolve()))
    except BcssSchemaError as exc:
        fail(ExitCode.USAGE, str(exc))


@functools.lru_cache(maxsize=4)
def _load(directory: str) -> OfficialSchemas:
    """Loading takes a few seconds (xmlschema): keep the last sets within one process."""
    return load_official_schemas(directory)


def _need(value: Any, option: str, form: str) -> Any:
    if value is None or value == ():
        fail(ExitCode.USAGE, f"--form {form} needs {option}")
    return value


@click.group("bcss")
def bcss() -> None:
    """BCSS/KSZ loi 65 decision forms AB, C, DF (official SSDN schemas)."""


@bcss.command("export")
@click.option("--form", "form", type=click.Choice(["ab", "c", "df"]), required=True,
              help="ab: entry and identification; c: cancellation; df: refund form D1.")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the form (required unless --explain alone).")
@click.option("--envelope", is_flag=True, help="Wrap the form(s) in an SSDNRequest.")
@SCHEMAS_OPTION
@click.option("--explain", is_flag=True, help="List what the form cannot carry.")
@click.option("--attest-id", "attest_ids", multiple=True, metavar="ID15",
              help="UniqueAttestID (15 characters); one per D1 / per cancelled person.")
@click.option("--file-number", default=None, help="CPAS loi 65 file number (FileID).")
@click.option("--double-maximum/--no-double-maximum", default=None,
              help="DF: DeliveredAmountsD1/DoubleMaximum (required for df).")
@click.option("--status-code", default=None, help="AB: PrimaryBeneficiary/Status code.")
@click.option("--nationality", type=click.IntRange(0, 999), default=None,
              help="AB: Nationality code (0-999).")
@click.option("--juridical-procedure/--no-juridical-procedure", default=None,
              help="AB: CommonDecisionB1/JuridicalProcedure (required for ab).")
@click.option("--entry-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="AB: entry date (required for a PIIS).")
@click.option("--duration-months", type=click.IntRange(0, 12), default=None,
              help="AB: Duration/Months of the decision.")
@click.option("--suffix", type=click.IntRange(0, 99), default=None,
              help="C and DF recovery (F): Suffix (0-99).")
@click.option("--original-form", default=None,
              help="DF recovery (F): RecoveringDetails/OriginalForm (1 character).")
@click.option("--decision-nature", default=None, help="C: Decisionnature (1 character).")
@click.option("--cancellation-reason", default=None,
              help="C: CancellationReason (2 characters).")
@click.option("--user-id", default=None, help="Envelope: AuthorizedUser/UserID (11 digits).")
@click.option("--email", default=None, help="Envelope: AuthorizedUser/Email.")
@click.option("--service-id", default=None, help="Envelope: ServiceRequest/ServiceId.")
@click.option("--service-version", default=None, help="Envelope: ServiceRequest/Version (8).")
@click.option("--reference", default=None, help="Envelope: Message/Reference.")
@LANG_OPTION
def export_command(form: str, source: Path, output: Path | None, envelope: bool,
                   schema_dir: Path | None, explain: bool, attest_ids: tuple[str, ...],
                   file_number: str | None, double_maximum: bool | None,
                   status_code: str | None, nationality: int | None,
                   juridical_procedure: bool | None, entry_date: dt.datetime | None,
                   duration_months: int | None, suffix: int | None,
                   original_form: str | None,
                   decision_nature: str | None, cancellation_reason: str | None,
                   user_id: str | None, email: str | None, service_id: str | None,
                   service_version: str | None, reference: str | None,
                   lang: Lang | None) -> None:
    """Write SOURCE (an SDK XML document) as the BCSS loi 65 form AB, C or DF.

    df takes a loi 65 D1 form or a partnership convention (refund form D1), or a loi 65 F
    form (recovery form F). Values the form requires but the SDK does not hold are
    options (never guessed). --explain alone needs no schemas.
    Exit status: 0 written, 1 the document cannot be written on the form or the
    result is invalid, 2 usage (missing option or schemas), 4 file error.
    """
    lang = lang or default_lang()
    try:
        document = from_xml(source)
    except XmlError as exc:
        fail(ExitCode.INVALID, str(exc))
    kind = _KINDS.get(type(document))
    if kind is None:
        fail(ExitCode.INVALID, f"{source}: a {type(document).__name__} has no BCSS loi 65 form")
    if explain:
        click.echo("\n".join(_explain_lines(kind, lang)))
        if output is None:
            return
    if output is None:
        fail(ExitCode.USAGE, "give -o OUT.xml")
    schemas = _schemas(schema_dir)
    wrapper = None
    if envelope:
        when = dt.datetime.now(dt.UTC)
        try:
            wrapper = Envelope(user_id=_need(user_id, "--user-id", form),
                               email=_need(email, "--email", form),
                               service_id=_need(service_id, "--service-id", form),
                               version=_need(service_version, "--service-version", form),
                               reference=_need(reference, "--reference", form),
                               request_time=when)
        except BcssMappingError as exc:
            fail(ExitCode.USAGE, str(exc))
    try:
        data = _export(form, document, schemas, wrapper, attest_ids=attest_ids,
                       file_number=file_number, double_maximum=double_maximum,
                       status_code=status_code, nationality=nationality,
                       juridical_procedure=juridical_procedure,
                       entry_date=entry_date.date() if entry_date else None,
                       duration_months=duration_months, suffix=suffix,
                       original_form=original_form,
                       decision_nature=decision_nature, cancellation_reason=cancellation_reason)
    except (BcssMappingError, BcssSchemaError) as exc:
        fail(ExitCode.INVALID, f"{source}: {exc}")
    try:
        write_atomically(output, data)
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{output}: {exc.strerror or exc}")
    click.echo(f"{output}: {form.upper()} ({len(data)} bytes)")


def _explain_lines(kind: str, lang: Lang) -> list[str]:
    return [f"- {line}" for line in explain(kind, lang)]


def _export(form: str, document: object, schemas: OfficialSchemas, wrapper: Envelope | None,
            **o: Any) -> bytes:
    ids = tuple(o["attest_ids"])
    if form == "df":
        if not isinstance(document, ReimbursementForm | PartnershipConvention):
            fail(ExitCode.INVALID, "the DF form is made from a reimbursement form (loi 65 D1) "
                 "or a partnership convention")
        recovery = (isinstance(document, ReimbursementForm)
                    and document.form_type is FormType.LOI65_F)
        if recovery:
            _need(o["suffix"], "--suffix", form)
            _need(o["original_form"], "--original-form", form)
        else:
            _need(o["double_maximum"], "--double-maximum/--no-double-maximum", form)
        return export_df(document, attest_ids=_need(ids, "--attest-id", form),
                         double_maximum=o["double_maximum"], suffix=o["suffix"],
                         original_form=o["original_form"], file_number=o["file_number"],
                         envelope=wrapper, schemas=schemas)
    if form == "ab":
        if not isinstance(document, Piis | ReimbursementForm):
            fail(ExitCode.INVALID, "the AB form is made from a PIIS or a reimbursement form")
        return export_ab(document, attest_id=_need(ids, "--attest-id", form)[0],
                         status_code=_need(o["status_code"], "--status-code", form),
                         nationality_code=_need(o["nationality"], "--nationality", form),
                         juridical_procedure=_need(o["juridical_procedure"],
                                                   "--juridical-procedure", form),
                         file_number=o["file_number"], entry_date=o["entry_date"],
                         duration_months=o["duration_months"], envelope=wrapper,
                         schemas=schemas)
    if not isinstance(document, ReimbursementForm):
        fail(ExitCode.INVALID, "the C form is made from a loi 65 reimbursement form")
    return export_c(document, attest_ids=_need(ids, "--attest-id", form),
                    suffix=_need(o["suffix"], "--suffix", form),
                    decision_nature=_need(o["decision_nature"], "--decision-nature", form),
                    cancellation_reason=_need(o["cancellation_reason"],
                                              "--cancellation-reason", form),
                    file_number=o["file_number"], envelope=wrapper, schemas=schemas)


@bcss.command("import")
@click.argument("reply", type=click.Path(dir_okay=False, path_type=Path))
@SCHEMAS_OPTION
@FORMAT_OPTION
@LANG_OPTION
def import_command(reply: Path, schema_dir: Path | None, fmt: str, lang: Lang | None) -> None:
    """Read a BCSS reply (AB, C, DF; bare or in an SSDNReply) into findings.

    Exit status: 0 accepted, 1 an error finding (refusal, error ReturnCode) or an invalid
    reply, 2 usage, 4 file error.
    """
    lang = lang or default_lang()
    schemas = _schemas(schema_dir)
    try:
        data = reply.read_bytes()
    except OSError as exc:
        fail(ExitCode.IO_ERROR, f"{reply}: {exc.strerror or exc}")
    try:
        result = import_reply(data, source=str(reply), schemas=schemas)
    except (CpasError, ValueError) as exc:
        fail(ExitCode.INVALID, f"{reply}: {exc}")
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(lang), ensure_ascii=False, indent=2))
    else:
        for outcome in result.outcomes:
            click.echo(f"{outcome.attest_id} {outcome.niss.masked} {outcome.evaluation}")
        for finding in result.report:
            click.echo(finding.render(lang))
    if not result.ok:
        click.get_current_context().exit(int(ExitCode.INVALID))
