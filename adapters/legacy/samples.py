"""Sample legacy inputs for ``cpas demo``: what a CPAS keeps in spreadsheets today.

A reimbursement list exported by an office suite in Windows-1252 with ``;``
separators, Belgian amounts (``1.314,20``) and dates (``dd/mm/yyyy``), with one
deliberately broken row; and a partnership follow-up workbook (XLSX) in Dutch
with typed date cells. People and numbers are fictitious.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook

from ...sdk.samples import CPAS, fictitious_niss

__all__ = ["partnership_xlsx", "reimbursement_csv"]

_PEOPLE = (
    ("Dubois", dt.date(1988, 1, 9), 41, "1.314,20"),
    ("Vandenberghe", dt.date(1979, 11, 23), 88, "876,13"),
    ("Nowak", dt.date(2001, 6, 2), 205, "1.776,07"),
    ("El Amrani", dt.date(1995, 3, 30), 317, "1.314,20"),
)


def reimbursement_csv() -> bytes:
    """Monthly revenu d'intégration lines of November 2025, one with a bad NISS."""
    header = ("Identifiant;NISS;Nom;Base légale;Mois;Montant;Formulaire;CPAS;BCE;Code INS;"
              "Date de prise de cours;Date d'envoi")
    rows = [header]
    for index, (name, birth, sequence, amount) in enumerate(_PEOPLE, start=1):
        niss = fictitious_niss(birth, sequence)
        dotted = f"{niss[:2]}.{niss[2:4]}.{niss[4:6]}-{niss[6:9]}.{niss[9:]}"
        first = index == 1
        rows.append(";".join((
            f"RI-2025-11-{index:03d}", dotted, name, "Revenu d'intégration", "11/2025", amount,
            "dis_b" if first else "", CPAS.name if first else "",
            CPAS.kbo.formatted() if first else "", CPAS.nis_code.code if first else "",
            "01/11/2025" if first else "", "05/12/2025" if first else "")))
    broken = fictitious_niss(dt.date(1990, 8, 8), 12)
    rows.append(";".join(("RI-2025-11-099", broken[:-2] + f"{(int(broken[-2:]) + 1) % 100:02d}",
                          "Erreur de saisie", "Revenu d'intégration", "11/2025", "1.314,20",
                          "", "", "", "", "", "")))
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def partnership_xlsx() -> bytes:
    """A Dutch follow-up workbook: one partnership convention, partners on two rows."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = "Overeenkomsten"
    sheet.append(["Overeenkomst", "INSZ", "Naam", "Voornaam", "Statuut", "Datum van afsluiting",
                  "Geplande einddatum", "Geplande uren", "Gepresteerde uren", "Partner naam",
                  "Partner KBO", "Partner aandeel", "Partner soort"])
    niss = fictitious_niss(dt.date(1984, 2, 14), 77)
    sheet.append(["SO-2025-12", int(niss), "Peeters", "Lotte", "leefloon", dt.date(2025, 4, 1),
                  dt.date(2025, 12, 31), 60, 62, "Werkwinkel vzw (fictief)", "0876543270", 70,
                  "partner"])
    sheet.append(["SO-2025-12", None, None, None, None, None, None, None, None, CPAS.name,
                  CPAS.kbo.compact, 30, "ocmw"])
    # Same workbook, same bytes: fixed document dates and zip entry times.
    book.properties.created = book.properties.modified = _FIXED
    out = io.BytesIO()
    book.save(out)
    return _fixed_zip_times(out.getvalue())


_FIXED = dt.datetime(2025, 12, 1, 9, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip_times(data: bytes) -> bytes:
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                content = _MODIFIED.sub(rb"\g<1>" + _FIXED.isoformat().encode() + rb"Z\g<2>",
                                        content)
            target.writestr(entry, content)
    return fixed.getvalue()
