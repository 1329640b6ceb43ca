"""``cpas demo``: the main job, end to end, on built-in sample data.

Builds the documents of a fictitious CPAS's year (:mod:`cpas.sdk.samples`),
checks them against the law of their date, writes them as XSD-validated XML,
reads every file back to prove the round trip is lossless, generates the PIIS
clauses in French and Dutch, checks a legacy PIIS that breaks several rules,
and exports the schemas. Every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import click

from cpas.adapters.bcss import export_ab, export_c, export_df, load_official_schemas
from cpas.adapters.files import write_atomically
from cpas.adapters.legacy.convert import convert, rejects_csv
from cpas.adapters.legacy.samples import partnership_xlsx, reimbursement_csv
from cpas.adapters.signing.ebox import Message, Recipient, pack, verify_package
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.testpki import LABEL, demo_pki
from cpas.adapters.signing.verify import Status, load_trust, verify
from cpas.adapters.xml.documents import from_xml, to_xml
from cpas.adapters.xml.stream import validate
from cpas.schemas import export
from cpas.sdk.clauses import generate_clauses
from cpas.sdk.derive import evaluation_form
from cpas.sdk.documents.partnership import BeneficiaryStatus, intervention, payments
from cpas.sdk.documents.reimbursement import FormType, from_partnership_conventions
from cpas.sdk.errors import CpasError
from cpas.sdk.findings import Report
from cpas.sdk.parties import SignerRole
from cpas.sdk.rules import check
from cpas.sdk.samples import CPAS, legacy_piis_with_findings, sample_set
from cpas.sdk.text import Lang

from .exitcodes import ExitCode
from .options import LANG_OPTION, default_lang

__all__ = ["demo_command"]

_TITLES = {
    "bilan": "Bilan social / sociale balans",
    "piis": "PIIS / GPMI (derived from the bilan)",
    "partnership": "Partnership convention, mesure 500 € / samenwerkingsovereenkomst",
    "reimbursement": "Reimbursement form / terugbetalingsformulier",
    "subsidy": "Subsidy convention PAS / subsidieovereenkomst",
}


def _report_text(report: Report, lang: Lang) -> str:
    if not report.findings:
        return "(no finding)\n"
    return "".join(f.render(lang) + "\n" for f in report.findings)


def _write_report(folder: Path, stem: str, report: Report, lang: Lang) -> None:
    write_atomically(folder / f"{stem}.findings.txt", _report_text(report, lang).encode())
    data = json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2) + "\n"
    write_atomically(folder / f"{stem}.findings.json", data.encode())


@click.command("demo")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("cpas-demo"), show_default=True,
              help="Folder to write the demo's files into (created if needed).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default="2026-01-15",
              show_default=True, help="Date used for deadline checks (fixed for a stable demo).")
@click.option("--bcss-schemas", "bcss_schemas", envvar="CPAS_BCSS_SCHEMAS",
              type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Folder of the official BCSS/KSZ SSDN schemas (not shipped with cpas-sdk; "
                   "also CPAS_BCSS_SCHEMAS): also export the loi 65 forms AB, C and DF.")
@LANG_OPTION
def demo_command(out: Path, today: dt.datetime, lang: Lang | None,
                 bcss_schemas: Path | None) -> int:
    """Run the main job on built-in sample data (fictitious people and numbers)."""
    lang = lang or default_lang()
    day = today.date()
    docs_dir, reports_dir = out / "documents", out / "reports"
    samples = sample_set()
    problems = 0
    click.echo(f"cpas demo: sample year of a fictitious CPAS, checked as of {day}\n")

    for step, (kind, document) in enumerate(samples.documents(), start=1):
        data = to_xml(document)  # validated against its XSD before it is returned
        path = write_atomically(docs_dir / f"{kind}.xml", data)
        schema_result = validate(path)  # read back from disk, schema found by namespace
        same = from_xml(path) == document
        report = check(document, today=day)  # type: ignore[arg-type]
        _write_report(reports_dir, kind, report, lang)
        ok = schema_result.ok and same and report.ok
        problems += not ok
        click.echo(f"{step}. {_TITLES[kind]}")
        verdict = "valid" if schema_result.ok else "INVALID"
        click.echo(f"   {path}  ({len(data):,} bytes; schema {verdict};"
                   f" round trip {'lossless' if same else 'LOST DATA'})")
        click.echo(f"   rules: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
                   f" -> {reports_dir / (kind + '.findings.txt')}")

    piis = samples.piis
    for clause_lang in ("fr", "nl"):
        text = "\n\n".join(f"{c.title.get(clause_lang)}\n{c.body.get(clause_lang)}\n[{c.legal}]"
                           for c in generate_clauses(piis))
        write_atomically(out / f"piis-clauses.{clause_lang}.txt", (text + "\n").encode())
    form = evaluation_form(piis, on=dt.date(2025, 10, 13))
    lines = [f"- {line.description} [{', '.join(lb.get(lang) for lb in line.domain_labels)}]"
             f"  (+ / = / -)" for line in form.lines]
    write_atomically(out / "piis-evaluation-form.txt",
                     ("\n".join(lines) + "\n").encode())
    click.echo(f"6. PIIS clauses (FR, NL) and the next evaluation form -> {out}/piis-clauses.*.txt")

    conv = samples.partnership
    click.echo(f"7. Mesure 500 €: intervention {intervention(conv).localized(lang)}; "
               + "; ".join(f"{p.partner_id}: {p.advance.localized(lang)} + "
                           f"{p.balance.localized(lang)}" for p in payments(conv)))

    legacy = legacy_piis_with_findings()
    write_atomically(out / "legacy" / "piis-2019.xml", to_xml(legacy))
    legacy_report = check(legacy, today=day)
    _write_report(out / "legacy", "piis-2019", legacy_report, lang)
    click.echo(f"8. A legacy PIIS of 2019 that breaks the law of its date: "
               f"{len(legacy_report.errors)} error(s), e.g.")
    for finding in legacy_report.errors[:3]:
        click.echo(f"   {finding.render(lang)}")

    problems += _legacy_step(out / "legacy-forms", lang)
    problems += _signing_step(out / "signed", docs_dir / "subsidy.xml", out / "schemas")

    written = export(out / "schemas")
    click.echo(f"11. {len(written)} XSD schemas -> {out / 'schemas'}")
    problems += _bcss_step(out / "bcss", bcss_schemas)
    click.echo(f"\nDone: files in {out.resolve()}")
    return int(ExitCode.OK if problems == 0 else ExitCode.INVALID)



def _legacy_step(folder: Path, lang: Lang) -> int:
    """Convert a CSV (cp1252, ``;``, Belgian amounts) and an XLSX workbook; keep the
    rejected row apart with its reason. Returns 1 when the outcome is not the expected one
    (the CSV has exactly one bad row on purpose)."""
    csv_in = write_atomically(folder / "input" / "revenu-integration-2025-11.csv",
                              reimbursement_csv())
    xlsx_in = write_atomically(folder / "input" / "samenwerkingsovereenkomsten.xlsx",
                               partnership_xlsx())
    lines = convert(csv_in.read_bytes(), "reimbursement")
    for index, data in enumerate(lines.xml):
        write_atomically(folder / f"reimbursement-{index + 1}.xml", data)
    write_atomically(folder / "rejects.csv", rejects_csv(lines, lang))
    cpas = {"cpas_name": CPAS.name, "cpas_kbo": CPAS.kbo.compact,
            "cpas_nis_code": CPAS.nis_code.code}
    conventions = convert(xlsx_in.read_bytes(), "partnership", settings=cpas)
    for document, data in zip(conventions.documents, conventions.xml, strict=True):
        write_atomically(folder / f"partnership-{document.id}.xml", data)
    click.echo(f"9. Legacy forms -> {folder}: {csv_in.name}: {lines.rows_read} row(s), "
               f"{lines.rows_accepted} converted, {len(lines.rejected)} rejected "
               f"(see rejects.csv); {xlsx_in.name}: {conventions.rows_accepted} row(s) "
               f"-> {len(conventions.documents)} convention(s)")
    expected = (lines.rows_accepted, len(lines.rejected), len(conventions.rejected)) == (4, 1, 0)
    return 0 if expected else 1


DEMO_RECIPIENT = "0300000016"
"""A fictitious enterprise number (valid mod-97 check) standing for the recipient."""


def _signing_step(folder: Path, convention: Path, schemas: Path) -> int:
    """Sign the subsidy convention as the CPAS president and directeur général, then as
    the minister (stage 2), with a throw-away test PKI; verify against its root only.
    Then pack it into an e-Box-style export package and verify that end to end."""
    pki = demo_pki(folder / "test-pki")
    container = folder / "subsidy-convention.asice"
    sign_new(container, convention, key=pki.president, role=SignerRole.PRESIDENT)
    trust = load_trust([pki.root_pem])
    add_signature(container, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL, trust=trust)
    add_signature(container, key=pki.minister, role=SignerRole.MINISTER, trust=trust)
    result = verify(container, trust)
    roles = ", ".join(result.roles_present)
    click.echo(f"10. Subsidy convention signed ({roles}) -> {container}")
    click.echo(f"    verification: {result.status.value}; keys from a {LABEL}, not for real use;")
    click.echo(f"    check it yourself: cpas verify {container} --trust {pki.root_pem}")
    message = Message(Recipient.enterprise(DEMO_RECIPIENT), sender=CPAS.kbo,
                      message_type_id="cpas-sdk-demo-subsidy-convention",
                      subject="Convention de subside PAS signée (démonstration)", language="fr",
                      body="Convention signée par le président, le directeur général et le "
                           "ministre (clés de test).")
    package = pack(folder / "subsidy-convention-ebox.zip", [container], message, trust=trust)
    checked = verify_package(package, trust)
    click.echo(f"    e-Box export package -> {package}: {checked.status.value}")
    click.echo(f"    check it yourself: cpas ebox verify {package} --trust {pki.root_pem}")
    click.echo(f"    or with Debian tools only: bash docs/verify-by-hand.sh -t {pki.root_pem} "
               f"-s {schemas} {package}")
    return 0 if result.status is Status.VALID and checked.status is Status.VALID else 1


# Values the loi 65 forms require and the SDK's documents do not hold: an attestation id,
# status, nationality and cancellation codes (their official lists are not public), a file
# number. The demo uses made-up ones, printed as such; a CPAS gives its own.
_DEMO_ATTEST = ("DEMO2025ATT0001", "DEMO2025ATT0002")
_DEMO_FILE = "DEMO-117"


def _bcss_step(folder: Path, schemas_dir: Path | None) -> int:
    """Export the sample documents to the official loi 65 forms AB, DF and C."""
    if schemas_dir is None:
        click.echo("12. BCSS loi 65 forms: skipped (give --bcss-schemas DIR or "
                   "CPAS_BCSS_SCHEMAS: the official schemas are not shipped)")
        return 0
    samples = sample_set()
    try:
        schemas = load_official_schemas(schemas_dir)
        piis = samples.piis
        ab = export_ab(piis, attest_id=_DEMO_ATTEST[0], status_code="1", nationality_code=150,
                       juridical_procedure=False, file_number=_DEMO_FILE,
                       entry_date=piis.decision_date, schemas=schemas)
        # The sample person receives the revenu d'intégration (loi DIS, form B); the same
        # convention for a person on financial social aid is claimed on the loi 65 DF form.
        convention = attrs.evolve(samples.partnership,
                                  beneficiary_status=BeneficiaryStatus.FINANCIAL_SOCIAL_AID)
        df = export_df(convention, attest_ids=_DEMO_ATTEST[:1], double_maximum=False,
                       file_number=_DEMO_FILE, schemas=schemas)
        header = attrs.evolve(samples.reimbursement.header, file_number=_DEMO_FILE,
                              decision_date=samples.reimbursement.header.effective_date)
        d1 = from_partnership_conventions([convention], header=header,
                                          submission_date=samples.reimbursement.submission_date,
                                          form_type=FormType.LOI65_D1)
        cancel = export_c(d1, attest_ids=_DEMO_ATTEST[1:], suffix=0, decision_nature="1",
                          cancellation_reason="01", schemas=schemas)
    except (CpasError, OSError) as exc:
        click.echo(f"12. BCSS loi 65 forms: FAILED: {exc}")
        return 1
    for name, data in (("ab", ab), ("df", df), ("c", cancel)):
        write_atomically(folder / f"l65-{name}.xml", data)
    click.echo(f"12. BCSS loi 65 forms AB (from the PIIS), DF (the convention, for a person on "
               f"financial social aid) and C -> {folder}")
    click.echo("    valid for the official schemas (lxml and xmlschema); attestation ids, file "
               "number and codes are made up for the demo")
    return 0
