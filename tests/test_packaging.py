"""Packaging: every source folder is installed under ``cpas``, nothing else."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP = {"sdk": "cpas.sdk", "adapters": "cpas.adapters", "schemas": "cpas.schemas", "cli": "cpas.cli"}


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """A folder with an __init__.py that pyproject does not list would be missing from wheels."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for folder, package in TOP.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *relative)))
    assert found <= listed, found - listed
    assert all(name.startswith("cpas.") for name in listed)
