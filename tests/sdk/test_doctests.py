"""The examples in the SDK's docstrings are tested, so the documentation stays true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cpas.sdk

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(cpas.sdk.__path__, "cpas.sdk.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
