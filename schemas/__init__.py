"""The versioned XSDs of cpas-sdk, shipped as package data.

Every schema is read through :mod:`importlib.resources` from this package:
nothing is fetched from the network and nothing is read from the file system
outside the package. An ``xs:import``/``xs:include`` is served by a resolver
that only knows the package's own ``*.xsd`` files (``schemaLocation`` must be a
plain file name of the package, such as ``common-1.xsd``); anything else makes
the schema fail to compile.

Target namespaces carry the kind and version: ``urn:be:cpas-sdk:<kind>:<version>``.

>>> [info.kind for info in list_schemas()]        # doctest: +SKIP
['bilan', 'common', 'partnership', 'piis', 'reimbursement', 'subsidy']
>>> lxml_schema("piis-1.xsd").validate(tree)     # doctest: +SKIP

Every function takes an optional ``package``: a package name or a folder
(:class:`importlib.resources.abc.Traversable`, a :class:`pathlib.Path` will
do), used by the tests; the default is this package.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import attrs
from lxml import etree

from ..adapters.files import sync_directory, write_atomically
from ..adapters.xml.parser import XmlError, parse_bytes, safe_parser, xmlschema_validator
from ..sdk.errors import CpasError

__all__ = [
    "DEFAULT_PACKAGE",
    "NAMESPACE_PREFIX",
    "BadSchema",
    "Package",
    "SchemaInfo",
    "UnknownSchema",
    "export",
    "list_schemas",
    "lxml_schema",
    "schema_bytes",
    "schema_for_namespace",
    "xmlschema_schema",
]

NAMESPACE_PREFIX = "urn:be:cpas-sdk:"
Package = str | Traversable

DEFAULT_PACKAGE: Package = "cpas.schemas"
"""Where schemas are read from when no ``package`` is given (tests may point it elsewhere)."""

XS = "http://www.w3.org/2001/XMLSchema"
_URL_SCHEME = "cpas-schemas:/"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.xsd")


class UnknownSchema(CpasError, LookupError):
    """No schema of that name (or namespace) is shipped."""


class BadSchema(CpasError, ValueError):
    """A shipped schema does not parse or compile (a packaging bug)."""


@attrs.frozen
class SchemaInfo:
    """What the registry knows about one XSD file."""

    name: str
    """File name inside the package: ``reimbursement-1.xsd``."""
    namespace: str
    """Target namespace: ``urn:be:cpas-sdk:reimbursement:1``."""
    version: str
    """Version: the ``version`` attribute of ``xs:schema``, else the namespace's last part."""
    kind: str
    """Document kind: ``reimbursement``, or ``common`` for the shared types."""
    elements: tuple[str, ...]
    """Local names of the global element declarations, in file order."""
    imports: tuple[str, ...]
    """``schemaLocation`` of every ``xs:import``/``xs:include``, in file order."""

    @property
    def is_document(self) -> bool:
        """True for a document schema (it declares at least one global element)."""
        return bool(self.elements)


# --------------------------------------------------------------------------- reading


def _folder(package: Package | None) -> Traversable:
    chosen = DEFAULT_PACKAGE if package is None else package
    return resources.files(chosen) if isinstance(chosen, str) else chosen


def _key(package: Package | None) -> str:
    chosen = DEFAULT_PACKAGE if package is None else package
    return chosen if isinstance(chosen, str) else f"{type(chosen).__name__}:{chosen}"


def _names(folder: Traversable) -> list[str]:
    return sorted(item.name for item in folder.iterdir()
                  if _NAME.fullmatch(item.name) and item.is_file())


def schema_bytes(name: str, package: Package | None = None) -> bytes:
    """The bytes of the XSD called ``name`` (a plain file name such as ``common-1.xsd``)."""
    folder = _folder(package)
    if not _NAME.fullmatch(name) or name not in _names(folder):
        raise UnknownSchema(f"no schema named {name!r} in {_key(package)}")
    return folder.joinpath(name).read_bytes()


def _info(name: str, data: bytes) -> SchemaInfo:
    try:
        root = parse_bytes(data, source=name).getroot()
    except XmlError as exc:
        raise BadSchema(f"schema {name} does not parse: {exc}") from None
    if root.tag != f"{{{XS}}}schema":
        raise BadSchema(f"{name} is not an XML Schema (root {root.tag!r})")
    namespace = root.get("targetNamespace") or ""
    parts = namespace[len(NAMESPACE_PREFIX):].split(":") if namespace.startswith(
        NAMESPACE_PREFIX) else []
    kind = parts[0] if parts else name.removesuffix(".xsd")
    version = root.get("version") or (parts[-1] if len(parts) > 1 else "")
    elements = tuple(str(el.get("name")) for el in root.iterchildren(f"{{{XS}}}element"))
    imports = tuple(str(el.get("schemaLocation")) for el in root.iterchildren(
        f"{{{XS}}}import", f"{{{XS}}}include") if el.get("schemaLocation"))
    return SchemaInfo(name=name, namespace=namespace, version=version, kind=kind,
                      elements=elements, imports=imports)


_lock = threading.Lock()
_infos: dict[tuple[str, str, bytes], SchemaInfo] = {}


_listings: dict[str, tuple[SchemaInfo, ...]] = {}


def list_schemas(package: Package | None = None) -> tuple[SchemaInfo, ...]:
    """Every shipped XSD, sorted by file name.

    An installed package's schemas do not change while a process runs: their
    listing is read once. A folder given as a ``Traversable`` is read each time.
    """
    chosen = DEFAULT_PACKAGE if package is None else package
    if isinstance(chosen, str):
        with _lock:
            listed = _listings.get(chosen)
        if listed is None:
            listed = _read_listing(package)
            with _lock:
                _listings[chosen] = listed
        return listed
    return _read_listing(package)


def _read_listing(package: Package | None) -> tuple[SchemaInfo, ...]:
    folder = _folder(package)
    out = []
    for name in _names(folder):
        data = folder.joinpath(name).read_bytes()
        key = (_key(package), name, data)
        with _lock:
            info = _infos.get(key)
        if info is None:
            info = _info(name, data)
            with _lock:
                _infos[key] = info
        out.append(info)
    return tuple(out)


def schema_for_namespace(namespace: str, package: Package | None = None) -> SchemaInfo:
    """The schema whose target namespace is ``namespace`` (for a document's root)."""
    for info in list_schemas(package):
        if info.namespace == namespace:
            return info
    raise UnknownSchema(f"no schema for namespace {namespace!r}")


# --------------------------------------------------------------------------- lxml


class _PackageResolver(etree.Resolver):
    """Serve the package's own XSDs to ``xs:import``; refuse every other URL."""

    def __init__(self, package: Package | None) -> None:
        super().__init__()
        self._package = package

    def resolve(  # type: ignore[override]  # lxml-stubs omit ``context``
        self, system_url: str | None, public_id: str | None, context: Any
    ) -> Any:
        url = system_url or ""
        name = url[len(_URL_SCHEME):] if url.startswith(_URL_SCHEME) else url
        # A KeyError here makes libxml2 report "failed to load"; never fall back.
        data = schema_bytes(name, self._package)
        return self.resolve_string(data, context, base_url=_URL_SCHEME + name)


def _compile(name: str, package: Package | None) -> etree.XMLSchema:
    data = schema_bytes(name, package)
    _info(name, data)  # refuses a DOCTYPE and anything that is not a schema
    parser = safe_parser()
    parser.resolvers.add(_PackageResolver(package))
    try:
        document = etree.fromstring(data, parser, base_url=_URL_SCHEME + name)
        return etree.XMLSchema(document)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise BadSchema(f"schema {name} does not compile: {exc}") from None


_local = threading.local()


def lxml_schema(name: str, package: Package | None = None) -> etree.XMLSchema:
    """The compiled schema ``name``, cached per thread (lxml validators are not shared
    between threads: each keeps the error log of its last run)."""
    cache: dict[tuple[str, str], etree.XMLSchema] = _local.__dict__.setdefault("lxml", {})
    key = (_key(package), name)
    schema = cache.get(key)
    if schema is None:
        schema = cache[key] = _compile(name, package)
    return schema


# --------------------------------------------------------------------------- xmlschema


def _dependencies_first(name: str, infos: dict[str, SchemaInfo]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(current: str) -> None:
        if current in seen:
            return
        seen.add(current)
        info = infos.get(current)
        if info is None:
            raise BadSchema(f"{name}: imports {current!r}, which is not shipped")
        for location in info.imports:
            visit(location)
        order.append(current)

    visit(name)
    return order


def xmlschema_schema(name: str, package: Package | None = None) -> Any:
    """The schema ``name`` as an ``xmlschema.XMLSchema`` (second validator, diagnostics).

    Built from the package's bytes, imported schemas first, with ``allow="none"``
    and ``defuse="always"`` (see :func:`cpas.adapters.xml.parser.xmlschema_validator`);
    cached per thread. The validator holds the namespaces of ``name`` and of its
    imports and picks the schema by the instance's namespace.
    """
    cache: dict[tuple[str, str], Any] = _local.__dict__.setdefault("xmlschema", {})
    key = (_key(package), name)
    if key not in cache:
        infos = {info.name: info for info in list_schemas(package)}
        if name not in infos:
            raise UnknownSchema(f"no schema named {name!r} in {_key(package)}")
        sources = [schema_bytes(n, package) for n in _dependencies_first(name, infos)]
        try:
            cache[key] = xmlschema_validator(sources)
        except Exception as exc:  # xmlschema raises many unrelated types
            raise BadSchema(f"schema {name} does not load in xmlschema: {exc}") from None
    return cache[key]


# --------------------------------------------------------------------------- export


def export(directory: str | os.PathLike[str], package: Package | None = None,
           names: Iterable[str] | None = None) -> tuple[Path, ...]:
    """Write every shipped XSD (or those in ``names``) into ``directory``.

    Each file is written to a temporary file in the same directory, flushed to
    disk (fsync) and renamed over the target, so a reader never sees half a
    schema. The directory is created if needed. Returns the paths written.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    chosen = [info.name for info in list_schemas(package)] if names is None else list(names)
    written = []
    for name in chosen:
        path = target / name
        write_atomically(path, schema_bytes(name, package), sync_dir=False)
        written.append(path)
    sync_directory(target)
    return tuple(written)
