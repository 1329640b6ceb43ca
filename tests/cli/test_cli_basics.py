"""The command line: version, exit codes, rule and parameter listings."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from cpas.cli.exitcodes import ExitCode
from cpas.cli.main import cli, main


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("cpas, version ")


def test_help_lists_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for code in ExitCode:
        assert code.name.lower() in result.output


def test_unknown_option_is_usage_error() -> None:
    assert main(["--no-such-option"]) == ExitCode.USAGE


def test_parameters_json() -> None:
    args = ["rules", "parameters", "ris.amount.isole", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert {"1314.20", "1288.46"} <= {r["value"] for r in rows}


def test_unknown_parameter_is_usage_error() -> None:
    assert main(["rules", "parameters", "no.such.key"]) == ExitCode.USAGE


def test_console_script_runs() -> None:
    """The installed entry point answers (python -m path, no shell)."""
    out = subprocess.run([sys.executable, "-m", "cpas.cli.main", "--version"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
