"""Adapters: everything that reads or writes files (XML, CSV/XLSX, signed containers)."""
