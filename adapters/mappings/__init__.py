"""Declarative vendor mappings: TOML profiles that turn a vendor's CSV, XLSX or flat-XML
layout into an adapter without Python (format: ``docs/mappings.md``)."""
