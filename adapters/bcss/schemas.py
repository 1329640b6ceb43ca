"""The official BCSS/KSZ SSDN schemas, loaded from a directory outside the project.

The schemas are reference data: they are never copied into cpas-sdk. The caller names the
directory (``--bcss-schemas DIR`` or ``CPAS_BCSS_SCHEMAS``) that holds ``Common/``,
``Service/`` and ``OCMW_CPAS/Loi65Wet65/`` as the BCSS distributes them.

Both validators are confined to that directory:

* **lxml**: the schema documents are parsed with ``no_network``, no DTD, no entities, and a
  resolver that serves only files inside the directory (any other location is refused);
* **xmlschema**: ``allow="sandbox"`` below ``base_url=DIR`` and ``defuse="always"``.

One schema set covers the envelope (``SSDNRequest``/``SSDNReply``, whose body is validated
``lax``: against the loi 65 declarations loaded alongside) and the bare forms. An XML document
is valid only if **both** validators accept it (:meth:`OfficialSchemas.errors`).
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Any

import attrs
from lxml import etree

from ...sdk.errors import CpasError
from ...sdk.privacy import mask_niss_in
from ..xml.parser import parse_bytes

__all__ = [
    "NS_COMMON",
    "NS_L65",
    "NS_L65_COMMON",
    "NS_SERVICE",
    "REQUIRED_FILES",
    "BcssSchemaError",
    "OfficialSchemas",
    "load_official_schemas",
]

NS_COMMON = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"
NS_SERVICE = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Service"
NS_L65 = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65"
NS_L65_COMMON = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65Common"

_ROOTS = (
    (NS_COMMON, "Common/NamespaceRoot.xsd"),
    (NS_SERVICE, "Service/NamespaceRoot.xsd"),
    (NS_L65, "OCMW_CPAS/Loi65Wet65/NamespaceRoot.xsd"),
)
REQUIRED_FILES = (
    "Common/NamespaceRoot.xsd", "Common/CommonDataTypes.xsd", "Common/ResultSummary.xsd",
    "Service/NamespaceRoot.xsd", "Service/SSDNRequest.xsd", "Service/SSDNReply.xsd",
    "OCMW_CPAS/Loi65Wet65/NamespaceRoot.xsd", "OCMW_CPAS/Loi65Wet65/LoiWet65_Common.xsd",
    "OCMW_CPAS/Loi65Wet65/LoiWet65_AB_decision_Request.xsd",
    "OCMW_CPAS/Loi65Wet65/LoiWet65_C_decision_Request.xsd",
    "OCMW_CPAS/Loi65Wet65/LoiWet65_DF_decision_Request.xsd",
)
"""Files that must exist below the schema directory."""


class BcssSchemaError(CpasError, ValueError):
    """The official schemas cannot be loaded, or a document does not validate against them."""

    def __init__(self, reason: str, errors: tuple[str, ...] = ()) -> None:
        self.reason = reason
        self.errors = errors
        super().__init__(reason + "".join(f"\n  {e}" for e in errors[:20]))


def _driver() -> bytes:
    imports = "".join(f'<xs:import namespace="{ns}" schemaLocation="{path}"/>'
                      for ns, path in _ROOTS)
    return ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">' + imports
            + "</xs:schema>").encode()


class _InsideOnly(etree.Resolver):
    """Serve schema files only from inside ``root``; record anything else."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.refused: list[str] = []

    def resolve(  # type: ignore[override]  # lxml-stubs lack the context argument
        self, system_url: str, public_id: str, context: Any,
    ) -> Any:
        path = system_url.removeprefix("file://")
        try:
            inside = Path(path).resolve().is_relative_to(self.root)
        except (OSError, ValueError):
            inside = False
        if "://" in path or not inside:
            self.refused.append(system_url)
            return self.resolve_string("<refused/>", context)  # type: ignore[call-arg]
        return self.resolve_filename(  # type: ignore[attr-defined]  # missing in lxml-stubs
            str(Path(path).resolve()), context)


@attrs.frozen
class OfficialSchemas:
    """The loaded schema set: an lxml validator and an xmlschema validator."""

    directory: Path
    lxml_schema: etree.XMLSchema = attrs.field(repr=False)
    xmlschema_schema: Any = attrs.field(repr=False)

    def errors(self, data: bytes) -> tuple[str, ...]:
        """Every error of ``data`` by either validator (empty: valid for both).

        Messages are prefixed ``lxml:`` or ``xmlschema:`` and carry the line when known.
        The validators quote the offending values: anything in a message that may be a
        NISS is masked (:func:`cpas.sdk.privacy.mask_niss_in`), so messages can be shown.
        ``data`` is parsed with the hardened parser first.
        """
        tree = parse_bytes(data, source="bcss")
        out: list[str] = []
        if not self.lxml_schema.validate(tree):
            log: Any = self.lxml_schema.error_log
            out.extend(f"lxml: line {e.line}: {e.message}" for e in log)
        for error in self.xmlschema_schema.iter_errors(tree):
            line = getattr(getattr(error, "elem", None), "sourceline", None)
            where = f"line {line}: " if line else ""
            out.append(f"xmlschema: {where}{error.reason} @ {error.path}")
        return tuple(mask_niss_in(message) for message in out)

    def check(self, data: bytes, what: str = "document") -> None:
        """Raise :class:`BcssSchemaError` unless both validators accept ``data``."""
        errors = self.errors(data)
        if errors:
            raise BcssSchemaError(f"the {what} does not validate against the official "
                                  f"BCSS schemas in {self.directory}", errors)


def load_official_schemas(directory: str | os.PathLike[str]) -> OfficialSchemas:
    """Load the SSDN envelope and loi 65 schemas from ``directory`` (no network, no file
    outside it). Raises :class:`BcssSchemaError` naming what is missing or broken."""
    root = Path(directory).resolve()
    if not root.is_dir():
        raise BcssSchemaError(f"BCSS schema directory not found: {directory}")
    missing = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    if missing:
        raise BcssSchemaError(f"not a BCSS SSDN schema directory: {directory} lacks "
                              + ", ".join(missing))
    resolver = _InsideOnly(root)
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False,
                             huge_tree=False)
    parser.resolvers.add(resolver)
    try:
        driver = etree.fromstring(_driver(), parser, base_url=str(root / "cpas-driver.xsd"))
        lxml_schema = etree.XMLSchema(driver)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise BcssSchemaError(f"lxml cannot load the BCSS schemas in {directory}: {exc}") from None
    if resolver.refused:
        raise BcssSchemaError("the BCSS schemas refer to files outside their directory: "
                              + ", ".join(resolver.refused))
    import xmlschema

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", xmlschema.XMLSchemaImportWarning)
            warnings.simplefilter("error", xmlschema.XMLSchemaIncludeWarning)
            checker = xmlschema.XMLSchema(io.StringIO(_driver().decode()), base_url=str(root),
                                          allow="sandbox", defuse="always")
    except (xmlschema.XMLSchemaException, xmlschema.XMLSchemaImportWarning,
            xmlschema.XMLSchemaIncludeWarning, OSError) as exc:
        raise BcssSchemaError(f"xmlschema cannot load the BCSS schemas in {directory}: "
                              f"{exc}") from None
    return OfficialSchemas(directory=root, lxml_schema=lxml_schema, xmlschema_schema=checker)
