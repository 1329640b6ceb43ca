"""How many worker processes the exchange uses: ``--jobs N|auto`` and the CPUs it may use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from exchange_helpers import OLD, drop, exchange_config, record_configs

from cpas.adapters import cpus, exchange
from cpas.adapters.exchange import auto_jobs, run_once
from cpas.adapters.xml.documents import to_xml
from cpas.cli.exchange_cmd import exchange as exchange_group
from cpas.sdk.samples import sample_set


def _machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, allowed: int,
             groups: str | None, files: dict[str, str]) -> None:
    """Pretend the affinity mask allows ``allowed`` CPUs, ``/proc/self/cgroup`` says
    ``groups`` (``None``: no such file) and the cgroup mounts hold ``files``."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(allowed)))
    mounts = tmp_path / "sys-fs-cgroup"
    for name, text in files.items():
        (mounts / name).parent.mkdir(parents=True, exist_ok=True)
        (mounts / name).write_text(text + "\n")
    own = tmp_path / "proc-self-cgroup"
    if groups is not None:
        own.write_text(groups + "\n")
    monkeypatch.setattr(cpus, "_CGROUPS", mounts)
    monkeypatch.setattr(cpus, "_OWN_GROUPS", own)


_V2 = {"cgroup.controllers": "cpu memory"}
_SERVICE = "0::/system.slice/cpas.service"


@pytest.mark.parametrize(("allowed", "groups", "files", "expected"), [
    (3, None, {}, 3),  # no cgroup information: the affinity mask alone
    (3, "0::/", {**_V2, "cpu.max": "max 100000"}, 3),  # no quota
    (8, "0::/", {**_V2, "cpu.max": "150000 100000"}, 1),  # docker --cpus 1.5: one CPU
    (8, "0::/", {**_V2, "cpu.max": "200000 100000"}, 2),
    (2, "0::/", {**_V2, "cpu.max": "800000 100000"}, 2),  # the mask is the smaller limit
    (4, "0::/", {**_V2, "cpu.max": "50000 100000"}, 1),  # half a CPU: still one
    (4, "0::/", {**_V2, "cpu.max": "not numbers"}, 4),  # unreadable: the mask
    # systemd CPUQuota= on a service: its own folder, or a parent slice's
    (8, _SERVICE, {**_V2, "system.slice/cpas.service/cpu.max": "300000 100000"}, 3),
    (8, _SERVICE, {**_V2, "system.slice/cpu.max": "100000 100000",
                   "system.slice/cpas.service/cpu.max": "max 100000"}, 1),
    # hybrid set-up: the unified tree beside the v1 controllers
    (8, "1:cpu:/\n0::/", {"unified/cpu.max": "200000 100000"}, 2),
    # cgroup v1 (this machine's layout), and a container seeing its group at the root
    (8, "4:cpu,cpuacct:/docker/abc", {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "250000",
                                      "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000"}, 2),
    (8, "4:cpu,cpuacct:/docker/abc", {"cpu,cpuacct/cpu.cfs_quota_us": "100000",
                                      "cpu,cpuacct/cpu.cfs_period_us": "100000"}, 1),
    (8, "1:cpu:/", {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, 8),
])
def test_usable_cpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, allowed: int,
                     groups: str | None, files: dict[str, str], expected: int) -> None:
    """The affinity mask, capped by the CPU quotas of the process's cgroups and their
    parents (v2 or v1; whole CPUs, at least one)."""
    _machine(monkeypatch, tmp_path, allowed, groups, files)
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
    for bad in ("0", "-2", "many", "1.5", "65", "99999999999999999999"):
        result = CliRunner().invoke(_group(), [*args, "--jobs", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "--jobs" in result.output


_KILLER_RUN = '''
import fcntl, multiprocessing, os, signal, sys
from pathlib import Path
from cpas.adapters.exchange import LOCK_NAME, ExchangeConfig, run_once
from cpas.adapters.plugins import Discovery, ReadResult, Registered, builtin_adapters
from cpas.adapters.xml.documents import to_xml
from cpas.sdk.samples import sample_set


class Killing:
    name = "killing"
    description = "dies in the middle of reading"
    extensions = (".kill",)
    reads = writes = ()

    def read(self, data, *, source):
        os.kill(os.getpid(), signal.SIGKILL)

    def write(self, documents):
        return b""


root = Path(sys.argv[1])
found = Discovery((*(Registered(a, "built-in") for a in builtin_adapters()),
                   Registered(Killing(), "test")))
config = ExchangeConfig(root / "in", root / "out", root / "q", settle_seconds=0, jobs=2)
summary = run_once(config, discovery=found)
print("outcomes", sorted({o.outcome for o in summary.outcomes}))
print("children", len(multiprocessing.active_children()))
fd = os.open(root / "in" / LOCK_NAME, os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("lock free")
except BlockingIOError:
    print("lock held")
'''


def test_a_file_killing_its_worker_leaves_nothing_behind(tmp_path: Path) -> None:
    """A worker killed by a file breaks the pool while the other worker may be sending
    big verdicts: the other is killed too, nothing keeps the inbox lock, and the
    process exits (it used to hang on the survivor, which ignores SIGTERM)."""
    data = to_xml(sample_set().bilan)  # verdicts of 8 such files fill a pipe's buffer
    for index in range(120):
        drop(tmp_path / "in", f"f{index:04d}.xml", data)
    drop(tmp_path / "in", "f0040.kill", b"boom")
    script = tmp_path / "run.py"
    script.write_text(_KILLER_RUN)
    done = subprocess.run([sys.executable, str(script), str(tmp_path)],  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "retry" in lines[0]  # the files in the dead worker's hands: retried alone
    assert lines[1:] == ["children 0", "lock free"]


def test_a_name_that_is_not_utf8_waits(tmp_path: Path) -> None:
    """A vendor's file named in Latin-1 (bytes that are not UTF-8) is left in the inbox
    with a ``not-ready`` line (reason ``name-not-utf8``, the name shown with a
    replacement character); the other files are handled (it used to stop every pass
    with an internal error)."""
    inbox = tmp_path / "in"
    data = to_xml(sample_set().partnership)
    drop(inbox, "ok.xml", data)
    odd = os.path.join(os.fsencode(inbox), b"caf\xe9.xml")
    with open(odd, "wb") as handle:
        handle.write(data)
    os.utime(odd, (OLD, OLD))
    for jobs in (1, 2):
        outcomes = run_once(exchange_config(tmp_path, jobs=jobs)).outcomes
        seen = {(o.file, o.outcome, o.reason) for o in outcomes}
        assert ("caf\ufffd.xml", "not-ready", "name-not-utf8") in seen
        assert os.path.exists(odd)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ok.xml"]
