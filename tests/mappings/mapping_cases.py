"""Shared pieces for the mapping-profile tests: a small valid CSV profile and its header."""

from __future__ import annotations

import textwrap
from pathlib import Path

BASE_PROFILE = textwrap.dedent('''
    [profile]
    name = "test-csv"
    description = "a small test profile"
    kind = "reimbursement"
    format = "csv"
    extensions = [".txt"]

    [input]
    encoding = "utf-8"
    delimiter = "|"

    [formats]
    date = "yyyy-mm-dd"
    month = "yyyymm"
    decimal_mark = "."

    [document]
    form_type = { value = "dis_b" }
    submission_date = { column = "sent" }
    header.effective_date = { column = "start" }
    header.cpas.name = { value = "CPAS de test (fictif)" }
    header.cpas.kbo = { value = "0207123407" }
    header.cpas.nis_code = { value = "92094" }

    [record]
    niss = { column = "niss" }
    basis = { column = "code", map = { RI = "integration_income", ART60 = "art_60_7" } }
    period = { column = "month" }
    amount = { column = "amount" }
''')
"""A valid profile: pipe-separated UTF-8, ISO dates, months as yyyymm, decimal point."""

HEADER = "niss|code|month|amount|start|sent"


def write_profile(folder: Path, text: str, name: str = "profile.toml") -> Path:
    """Write profile ``text`` to ``folder/name`` and return the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
