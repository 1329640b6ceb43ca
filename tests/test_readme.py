"""The README's promises: its Python example runs, its tables match the code."""

from __future__ import annotations

import re
from pathlib import Path

from cpas.cli.exitcodes import ExitCode

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def test_python_quick_start_runs(capsys: object) -> None:
    """The vendor example executes as written and reports findings with legal references."""
    code = re.search(r"```python\n(.*?)```", README, re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # noqa: S102
    report = namespace["report"]
    assert len(report) > 0  # type: ignore[arg-type]


def test_exit_code_table_matches_code() -> None:
    rows = dict(re.findall(r"^\| (\d) \| (\w+) \|", README, re.M))
    assert rows == {str(c.value): c.name.lower() for c in ExitCode}


def test_two_fresh_machine_commands() -> None:
    section = README.split("## Fresh machine", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert len(commands) == 2
    assert "cpas demo" in commands[0]
    assert "pytest" in commands[1]


def test_help_prints_the_meaning_of_each_exit_code() -> None:
    from click.testing import CliRunner

    from cpas.cli.exitcodes import MEANING
    from cpas.cli.main import cli

    shown = " ".join(CliRunner().invoke(cli, ["--help"]).output.split())
    for code, meaning in MEANING.items():
        assert f"| {code.value} | {code.name.lower()} | {meaning} |" in README
        assert " ".join(meaning.split()) in shown
