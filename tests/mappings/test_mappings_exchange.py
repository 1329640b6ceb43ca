"""The exchange folder picks the shipped profiles by file name, through adapters.plugins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cpas.adapters.exchange import ExchangeConfig, run_once
from cpas.adapters.mappings.adapter import sample
from cpas.adapters.plugins import discover


@pytest.fixture(autouse=True)
def _no_user_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPAS_PROFILES", raising=False)


def test_exchange_reads_vendor_files_with_profiles(tmp_path: Path) -> None:
    """evita*.csv and neptunus*.xml go to their profiles; rejected records quarantine the file."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name, file in (("evita-2025-11.csv", "evita-csv.csv"),
                       ("neptunus-2025-12.xml", "neptunus-xml.xml")):
        (inbox / name).write_bytes(sample(file))
        os.utime(inbox / name, (0, 0))  # long settled: ready to pick
    config = ExchangeConfig(inbox, tmp_path / "out", tmp_path / "q")
    summary = run_once(config, discovery=discover(entry_points=[]))
    adapters = {o.file: (o.adapter, o.outcome) for o in summary.outcomes}
    assert adapters == {"evita-2025-11.csv": ("evita-csv", "quarantined"),
                        "neptunus-2025-12.xml": ("neptunus-xml", "quarantined")}
    report = (tmp_path / "q" / "evita-2025-11.csv.report.txt").read_text("utf-8")
    assert "MAP-VALUE" in report and "92050512" not in report
