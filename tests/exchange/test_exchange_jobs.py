"""How many worker processes the exchange uses: ``--jobs N|auto`` and the CPUs it may use."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from exchange_helpers import drop, record_configs

from cpas.adapters import cpus, exchange
from cpas.adapters.exchange import auto_jobs
from cpas.adapters.xml.documents import to_xml
from cpas.cli.exchange_cmd import exchange as exchange_group
from cpas.sdk.samples import sample_set


def _machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, allowed: int,
             quota: str | None) -> None:
    """Pretend the affinity mask allows ``allowed`` CPUs and cgroup's ``cpu.max`` says
    ``quota`` (``None``: no such file, as outside a cgroup v2)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(allowed)))
    limit = tmp_path / "cpu.max"
    if quota is not None:
        limit.write_text(quota + "\n")
    monkeypatch.setattr(cpus, "_QUOTA", limit)


@pytest.mark.parametrize(("allowed", "quota", "expected"), [
    (3, None, 3),  # no cgroup v2 file: the affinity mask alone
    (3, "max 100000", 3),  # no quota
    (8, "150000 100000", 1),  # --cpus 1.5: one whole CPU
    (8, "200000 100000", 2),
    (2, "800000 100000", 2),  # the mask is the smaller limit
    (4, "50000 100000", 1),  # half a CPU: still one
    (4, "not numbers", 4),  # unreadable: the mask
])
def test_usable_cpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, allowed: int,
                     quota: str | None, expected: int) -> None:
    """The affinity mask, capped by a cgroup v2 quota (whole CPUs, at least one)."""
    _machine(monkeypatch, tmp_path, allowed, quota)
    assert cpus.usable_cpus() == expected


@pytest.mark.parametrize(("usable", "expected"), [(1, 1), (2, 2), (4, 4), (16, 4)])
def test_auto_jobs(monkeypatch: pytest.MonkeyPatch, usable: int, expected: int) -> None:
    """One worker per usable CPU, at most four; a single CPU works in the process."""
    monkeypatch.setattr(exchange, "usable_cpus", lambda: usable)
    assert auto_jobs() == expected


def _group() -> click.Group:
    group = click.Group()
    group.add_command(exchange_group)
    return group


def test_cli_jobs_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs`` takes a count or ``auto`` (the default); 0 or a word is a usage error."""
    made = record_configs(monkeypatch)
    monkeypatch.setattr(exchange, "usable_cpus", lambda: 3)
    args = ["exchange", "run", "--inbox", str(tmp_path / "in"), "--outbox",
            str(tmp_path / "out"), "--quarantine", str(tmp_path / "q"), "--settle", "0"]
    for index, jobs in enumerate((["--jobs", "1"], ["--jobs", "AUTO"], [], ["--jobs", "2"])):
        drop(tmp_path / "in", f"good-{index}.xml", to_xml(sample_set().partnership))
        result = CliRunner().invoke(_group(), [*args, *jobs])
        assert result.exit_code == 0, result.output
        assert "written" in result.output
    assert [config.jobs for config in made] == [1, 3, 3, 2]
    for bad in ("0", "-2", "many", "1.5"):
        result = CliRunner().invoke(_group(), [*args, "--jobs", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "--jobs" in result.output
