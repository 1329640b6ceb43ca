"""Progress bars in every command (issue 4 item 9, issue 5 item 3): one rule, in
``cpas.cli.options``: a bar only for text output on a terminal (stderr a TTY) and
never when ``CI`` is set, appearing only once the work lasts a second.

The rule is checked with fake streams and a fake clock (no timed assertions). The
commands are run in ``CliRunner``, whose stderr is not a terminal: no bar there;
with the terminal forced, ``--format json`` still gets none. (``CI`` is checked on
the rule itself: ``CliRunner`` replaces stderr, so a fake terminal cannot reach a
command.)
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization

from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.testpki import DemoPki, demo_pki
from cpas.adapters.signing.verify import load_trust
from cpas.adapters.xml.documents import to_xml
from cpas.cli import check_cmd, convert_cmd, ebox_cmd, options, perfile, sign_cmd, validate_cmd
from cpas.cli.main import cli
from cpas.cli.options import LateProgressBar, for_people, progress_for, wants_progress
from cpas.sdk.parties import SignerRole
from cpas.sdk.samples import sample_set

SENDER = "0212345668"
"""A fictitious KBO: 02123456 % 97 = 29, 97 - 29 = 68."""
RECIPIENT = "0300000016"
"""A fictitious KBO: 03000000 % 97 = 81, 97 - 81 = 16."""


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --------------------------------------------------------------------------- the rule


def test_a_terminal_is_for_people_unless_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert for_people(_Terminal())
    assert not for_people(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not for_people(_Terminal())
    monkeypatch.setenv("CI", "")
    assert for_people(_Terminal())


def test_json_never_gets_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert wants_progress("text", _Terminal())
    assert not wants_progress("json", _Terminal())
    assert not wants_progress("text", io.StringIO())


def test_progress_for_looks_at_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr", _Terminal())
    assert isinstance(progress_for("big.xml", "text"), LateProgressBar)
    assert progress_for("big.xml", "json") is None
    monkeypatch.setenv("CI", "1")
    assert progress_for("big.xml", "text") is None
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress_for("big.xml", "text") is None


def test_terminal_can_be_decided_by_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress_for("a", "text", terminal=True) is not None
    assert progress_for("a", "json", terminal=True) is None
    monkeypatch.setattr("sys.stderr", _Terminal())
    assert progress_for("a", "text", terminal=False) is None


def test_every_command_uses_the_one_rule() -> None:
    """The names older tests patch are the shared functions, not copies."""
    assert check_cmd._on_terminal is for_people
    assert validate_cmd._use_progress_bar is for_people
    assert convert_cmd._show_progress is wants_progress
    # check and validate make their bars in the per-file loop they share.
    for module in (perfile, convert_cmd, sign_cmd, ebox_cmd):
        assert module.progress_for is progress_for


def test_the_bar_appears_only_after_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    clock = _Clock()
    bar = LateProgressBar("batch.xml", delay=1.0, clock=clock)
    bar(10, 100)
    clock.now += 0.5
    bar(20, 100)
    assert not bar.shown
    assert screen.getvalue() == ""
    clock.now += 0.6
    bar(60, 100)
    assert bar.shown
    assert "batch.xml" in screen.getvalue()
    bar(100, 100)
    with bar:
        pass
    assert not bar.shown


# --------------------------------------------------------------------------- commands


@attrs.frozen
class _Files:
    folder: Path
    pki: DemoPki
    document: Path
    key: Path
    cert: Path
    signed: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> _Files:
    folder = tmp_path_factory.mktemp("progress")
    pki = demo_pki(folder / "pki")
    document = folder / "convention.xml"
    document.write_bytes(to_xml(sample_set().subsidy))
    key = folder / "president.key.pem"
    key.write_bytes(pki.president.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    cert = folder / "president.cert.pem"
    cert.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM)
                              for c in (pki.president.certificate, *pki.president.chain)))
    signed = folder / "signed.asice"
    sign_new(signed, document, key=pki.president, role=SignerRole.PRESIDENT)
    trust = load_trust([pki.root_pem])
    add_signature(signed, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL, trust=trust)
    add_signature(signed, key=pki.minister, role=SignerRole.MINISTER, trust=trust)
    return _Files(folder, pki, document, key, cert, signed)


def _spy(monkeypatch: pytest.MonkeyPatch, module: ModuleType,
         delay: float | None = None) -> list[LateProgressBar | None]:
    """Record what the command's progress_for returns (``delay`` replaces 1 s)."""
    made: list[LateProgressBar | None] = []

    def spy(label: str, fmt: str, **extra: Any) -> LateProgressBar | None:
        if delay is not None:
            extra["delay"] = delay
        bar = progress_for(label, fmt, **extra)
        made.append(bar)
        return bar

    monkeypatch.setattr(module, "progress_for", spy)
    return made


def _commands(files: _Files, out: Path, fmt: str) -> list[tuple[ModuleType, list[str]]]:
    trust = ["--trust", str(files.pki.root_pem)]
    package = out / "export.zip"
    return [
        (sign_cmd, ["sign", str(files.document), "--key", str(files.key), "--cert",
                    str(files.cert), "--role", "president", "-o", str(out / "new.asice"),
                    "--format", fmt]),
        (sign_cmd, ["verify", str(files.signed), *trust, "--format", fmt]),
        (ebox_cmd, ["ebox", "pack", str(files.signed), "-o", str(package), "--sender-kbo",
                    SENDER, "--recipient-kbo", RECIPIENT, "--subject-fr", "Convention",
                    "--message-type", "cpas-subsidy-convention", *trust, "--format", fmt]),
        (ebox_cmd, ["ebox", "verify", str(package), *trust, "--format", fmt]),
        (ebox_cmd, ["ebox", "unpack", str(package), "-o", str(out / "unpacked"), *trust,
                    "--format", fmt]),
    ]


def _run(args: list[str]) -> Result:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, (args, result.output)
    return result


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_bar_when_stderr_is_not_a_terminal(files: _Files, tmp_path: Path, fmt: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stderr is not a TTY (as in a pipe): no command makes a bar."""
    monkeypatch.delenv("CI", raising=False)
    for module, args in _commands(files, tmp_path, fmt):
        made = _spy(monkeypatch, module, delay=0)
        result = _run(args)
        assert made == [None], args
        assert "\r" not in result.stderr
        if fmt == "json":
            json.loads(result.stdout)


def test_no_bar_for_json_even_on_a_terminal(files: _Files, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(options, "for_people", lambda stream=None: True)
    for module, args in _commands(files, tmp_path, "json"):
        made = _spy(monkeypatch, module, delay=0)
        result = _run(args)
        assert made == [None], args
        json.loads(result.stdout)


def test_on_a_terminal_the_bar_is_fed(files: _Files, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With the terminal forced and no delay, each command's bar is drawn (click
    writes only its label to a stream that is not a TTY) and the output is unchanged."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(options, "for_people", lambda stream=None: True)
    for module, args in _commands(files, tmp_path, "text"):
        made = _spy(monkeypatch, module, delay=0)
        result = _run(args)
        assert len(made) == 1 and isinstance(made[0], LateProgressBar), args
        assert not made[0].shown  # closed before the command printed its result
        label = args[1] if args[0] != "ebox" else (
            args[4] if args[1] == "pack" else args[2])
        assert label in result.stderr, (args, result.stderr)


def test_bar_is_closed_before_an_error_is_reported() -> None:
    """An error raised while the bar runs is printed after the bar is closed, so the
    message never lands on the bar's line."""
    from cpas.cli.options import LateProgressBar, bar_closed

    events: list[str] = []

    class _Bar(LateProgressBar):
        def close(self) -> None:
            events.append("closed")

    bar = _Bar("file.xml", delay=0.0)
    try:
        with bar_closed(bar):
            raise OSError("disk gone")
    except OSError:
        events.append("reported")
    assert events == ["closed", "reported"]
    with bar_closed(None):  # no bar (pipe, JSON, CI): nothing to close
        events.append("worked")
    assert events[-1] == "worked"
