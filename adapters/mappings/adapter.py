"""Mapping profiles as adapters: the shipped examples and the user's own profile files.

A :class:`ProfileAdapter` satisfies :class:`cpas.adapters.plugins.Adapter`: it
reads the files its profile describes (it does not write them). The shipped
profiles (``evita-csv``, ``neptunus-xml``; examples of plausible layouts, not
the vendors' real formats) are built-in adapters; further profile files or
folders of them are named by ``CPAS_PROFILES`` (paths separated by ``:``, or
``;`` on Windows) or passed to :func:`cpas.adapters.plugins.discover`.
"""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path, PurePath
from typing import Any

from ...sdk.text import Text
from ..plugins import AdapterError, ReadResult
from .convert import Conversion, convert
from .profile import Profile, ProfileError, load_profile, parse_profile

__all__ = [
    "PROFILES_ENV",
    "ProfileAdapter",
    "profile_files",
    "sample",
    "shipped_profiles",
]

PROFILES_ENV = "CPAS_PROFILES"
"""Environment variable naming user profile files or folders (``os.pathsep``-separated)."""


class ProfileAdapter:
    """An adapter made from a mapping profile (read only)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def description(self) -> str:
        return self.profile.description

    @property
    def extensions(self) -> tuple[str, ...]:
        return self.profile.extensions

    @property
    def file_patterns(self) -> tuple[str, ...]:
        """Lower-case file-name patterns (``evita*.csv``) this adapter claims first."""
        return self.profile.file_patterns

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.profile.kind.name,)

    @property
    def writes(self) -> tuple[str, ...]:
        return ()

    def matches(self, name: str) -> bool:
        """True when the file name fits one of the profile's ``file_patterns``."""
        base = PurePath(name).name.lower()
        return any(fnmatch.fnmatchcase(base, p) for p in self.profile.file_patterns)

    def convert(self, data: bytes, *, source: str) -> Conversion:
        """The full result: documents, their validated XML, findings and placement."""
        return convert(self.profile, data, source=source)

    def read(self, data: bytes, *, source: str) -> ReadResult:
        result = self.convert(data, source=source)
        return ReadResult(source, result.documents, result.findings, result.records)

    def write(self, documents: Sequence[Any]) -> bytes:
        raise AdapterError(self.name, Text(
            fr="un profil de correspondance ne fait que lire",
            nl="een mappingprofiel leest alleen", en="a mapping profile only reads"))


@functools.cache
def shipped_profiles() -> tuple[Profile, ...]:
    """The example profiles shipped in ``cpas.adapters.mappings/profiles``, by name."""
    folder = resources.files(__package__).joinpath("profiles")
    out = [parse_profile(item.read_text(encoding="utf-8"),
                         origin=f"cpas.adapters.mappings/profiles/{item.name}")
           for item in folder.iterdir() if item.name.endswith(".toml")]
    return tuple(sorted(out, key=lambda p: p.name))


def sample(name: str) -> bytes:
    """The bytes of a shipped sample file (``evita-csv.csv``, ``neptunus-xml.xml``)."""
    return resources.files(__package__).joinpath("samples", name).read_bytes()


def profile_files(paths: Iterable[str | os.PathLike[str]] | None = None) -> Iterator[Path]:
    """Profile files named by ``paths`` (default: ``CPAS_PROFILES``); a folder gives its
    ``*.toml`` files in name order. A path that does not exist is given as is, so that
    loading it reports the error."""
    if paths is None:
        paths = [p for p in os.environ.get(PROFILES_ENV, "").split(os.pathsep) if p.strip()]
    for item in paths:
        path = Path(item)
        if path.is_dir():
            yield from sorted(path.glob("*.toml"))
        else:
            yield path


def load_user_profile(path: Path) -> ProfileAdapter:
    """The adapter of one profile file; :class:`ProfileError` or ``OSError`` otherwise."""
    return ProfileAdapter(load_profile(path))


__all__ += ["ProfileError", "load_user_profile"]
