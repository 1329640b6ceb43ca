"""Declarative vendor mappings: TOML profiles that turn a vendor's CSV/XLSX/flat-XML layout into an adapter without Python."""
