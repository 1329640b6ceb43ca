"""The ``cpas`` command line: a thin layer over :mod:`cpas.sdk` and :mod:`cpas.adapters`."""
