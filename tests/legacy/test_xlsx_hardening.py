"""Workbooks are untrusted input: no DTD, no zip bomb, no traceback on damage."""

from __future__ import annotations

import contextlib
import io
import random
import zipfile

import pytest

from cpas.adapters.legacy.convert import convert
from cpas.adapters.legacy.reading import LegacyFileError
from cpas.adapters.legacy.samples import partnership_xlsx

SECRET = "TOP-SECRET-MARKER-7731"


def _rewrite(data: bytes, name: str, change: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = change if info.filename == name else source.read(info)
            target.writestr(info, body)
        if name not in source.namelist():
            target.writestr(zipfile.ZipInfo(name), change, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _sheet_name(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))


def test_entity_in_a_sheet_is_refused() -> None:
    """An internal entity would expand inside cell values: any DOCTYPE is refused."""
    data = partnership_xlsx()
    name = _sheet_name(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(name)
    doctype = f'<!DOCTYPE x [<!ENTITY s "{SECRET}">]>'.encode()
    if sheet.startswith(b"<?xml"):
        end = sheet.index(b"?>") + 2
        evil = sheet[:end] + doctype + sheet[end:]
    else:
        evil = doctype + sheet
    assert b"<!DOCTYPE" in evil
    with pytest.raises(LegacyFileError) as info:
        convert(_rewrite(data, name, evil), "partnership")
    assert "DOCTYPE" in str(info.value)
    assert SECRET not in str(info.value)


def test_zip_bomb_is_refused_before_reading() -> None:
    data = _rewrite(partnership_xlsx(), "xl/bomb.bin", b"\0" * (8 * 1024 * 1024))
    with pytest.raises(LegacyFileError, match="zip bomb"):
        convert(data, "partnership")


def test_damaged_workbooks_give_a_clear_error_never_a_crash() -> None:
    """Random byte flips in a workbook end as LegacyFileError (or convert cleanly)."""
    good = partnership_xlsx()
    rng = random.Random(20261123)
    for _ in range(60):
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        with contextlib.suppress(LegacyFileError):
            convert(bytes(data), "partnership")


def test_unknown_zip_version_is_a_clear_error() -> None:
    """A central-directory entry claiming a zip version Python does not read ("10.1") makes
    zipfile raise NotImplementedError: still a damaged workbook, not a crash."""
    data = bytearray(partnership_xlsx())
    entry = data.find(b"PK\x01\x02")
    data[entry + 6:entry + 8] = (101).to_bytes(2, "little")  # version needed to extract
    with pytest.raises(LegacyFileError, match="XLSX"):
        convert(bytes(data), "partnership")


def test_csv_field_over_the_csv_module_limit_is_a_clear_error() -> None:
    data = ("Identifiant;NISS;" + "x" * 200_000 + "\nL1;1\n").encode()
    with pytest.raises(LegacyFileError, match="line"):
        convert(data, "reimbursement")


def test_same_input_gives_the_same_bytes() -> None:
    """Conversion is deterministic: the form id derives from the input, not a random uuid."""
    from cpas.adapters.legacy.samples import reimbursement_csv

    first = convert(reimbursement_csv(), "reimbursement")
    second = convert(reimbursement_csv(), "reimbursement")
    assert first.xml == second.xml
    other = convert(reimbursement_csv().replace(b"RI-2025-11-001", b"RI-2025-11-009"),
                    "reimbursement")
    assert other.documents[0].id != first.documents[0].id


def test_sample_workbook_is_the_same_bytes_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's sample workbook does not depend on the clock (openpyxl stamps the save time
    and zip entries carry it): the random-flip test above then always damages the same bytes."""
    import datetime as dt
    import time

    first = partnership_xlsx()
    later = time.time() + 3 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "localtime", lambda *args: time.gmtime(later))

    class _Later(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> _Later:
            return cls.fromtimestamp(later, tz)

        @classmethod
        def utcnow(cls) -> _Later:
            return cls.fromtimestamp(later)

    monkeypatch.setattr(dt, "datetime", _Later)
    assert partnership_xlsx() == first
