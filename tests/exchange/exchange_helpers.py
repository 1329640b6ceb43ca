"""Shared pieces of the exchange-folder tests: dropping a file into a folder as a vendor
would, and the three folders of a run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cpas.adapters.exchange import ExchangeConfig
from cpas.cli import exchange_cmd

OLD = 1_000_000_000.0
"""An mtime long past: a file dropped with it is ready (no longer being written)."""


def drop(folder: Path, name: str, data: bytes, *, ready: bool = True) -> Path:
    """Write ``data`` as ``folder/name``; ``ready`` dates it in the past."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    if ready:
        os.utime(path, (OLD, OLD))
    return path


def exchange_config(root: Path, **options: Any) -> ExchangeConfig:
    """Inbox ``root/in``, outbox ``root/out``, quarantine ``root/q``."""
    return ExchangeConfig(root / "in", root / "out", root / "q", **options)


def record_configs(monkeypatch: pytest.MonkeyPatch) -> list[ExchangeConfig]:
    """Every ``ExchangeConfig`` the ``cpas exchange`` command makes from now on, in order
    (to check that an option reaches the settings)."""
    made: list[ExchangeConfig] = []

    def recording(*args: Any, **kwargs: Any) -> ExchangeConfig:
        made.append(ExchangeConfig(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(exchange_cmd, "ExchangeConfig", recording)
    return made
