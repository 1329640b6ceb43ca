"""XML in and out: hardened parsing, XSD validation, document mapping."""
