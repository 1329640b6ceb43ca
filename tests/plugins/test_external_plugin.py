"""The example plugin, installed as its own distribution, is discovered and used.

A temporary virtual environment (``--system-site-packages``) sees cpas-sdk; the
example under ``examples/cpas-example-plugin`` is installed into it with pip,
then a fresh interpreter discovers the ``acme-pipe`` adapter through the
``cpas.adapters`` entry points and runs an exchange pass with it.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

from cpas.adapters.plugins import discover

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cpas-example-plugin"

SCRIPT = textwrap.dedent('''
    import json, os, sys
    from pathlib import Path
    from cpas.adapters.exchange import ExchangeConfig, run_once
    from cpas.adapters.plugins import discover
    from cpas.sdk.samples import sample_set

    found = discover()
    acme = found.get("acme-pipe")
    work = Path(sys.argv[1])
    inbox = work / "in"
    inbox.mkdir()
    (inbox / "november.acme").write_bytes(acme.write([sample_set().reimbursement]))
    os.utime(inbox / "november.acme", (0, 0))
    summary = run_once(ExchangeConfig(inbox, work / "out", work / "q"), discovery=found)
    print(json.dumps({
        "adapters": {r.adapter.name: r.origin for r in found.adapters},
        "broken": [b.reason for b in found.broken],
        "outcomes": [o.to_dict() for o in summary.outcomes],
        "out": sorted(p.name for p in (work / "out").iterdir()),
    }))
''')


def _parent_site_packages() -> list[str]:
    """Site folders of the running interpreter (a venv is not 'system' for a nested venv)."""
    return [p for p in site.getsitepackages() if Path(p).is_dir()]


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, env=env,  # noqa: S603 - our argv
                          cwd=cwd, check=False)


def test_example_plugin_from_a_separate_distribution(tmp_path: Path) -> None:
    """pip-installed into its own venv, the plugin is found by entry point and used."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INDEX"] = "1"
    source = tmp_path / "plugin"  # build in a copy: no build/ or egg-info in examples/
    shutil.copytree(EXAMPLE, source)
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                 str(venv)], env, tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; "
                    "print(sysconfig.get_paths()['purelib'])"], env, tmp_path).stdout.strip()
    # The test may itself run in a venv: make its packages (cpas, setuptools) visible too.
    lines = [f"import site; site.addsitedir({p!r})" for p in _parent_site_packages()]
    (Path(purelib) / "parent-env.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")
    install = _run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-build-isolation", "--quiet", str(source)], env, tmp_path)
    # Building needs setuptools >= 70.1 (bdist_wheel built in) in the test environment.
    assert install.returncode == 0, install.stderr
    run = _run([str(python), "-c", SCRIPT, str(tmp_path)], env, tmp_path)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["adapters"]["acme-pipe"] == "cpas-example-plugin 0.1.0"
    assert data["adapters"]["cpas-xml"] == "built-in"
    assert data["broken"] == []
    (outcome,) = data["outcomes"]
    assert outcome["outcome"] == "written"
    assert outcome["adapter"] == "acme-pipe"
    assert data["out"] == ["november.xml"]
    # The plugin is not installed in the environment running the tests.
    assert not any(r.adapter.name == "acme-pipe" for r in discover().adapters)
