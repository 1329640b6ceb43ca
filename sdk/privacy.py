"""Keeping personal data out of messages.

:func:`mask_niss_in` masks every run of digits inside a text that could be a NISS
(11 digits, with or without the usual separators, and the 8–10 digit remains of one
whose leading zeros were lost), so that a value quoted in an error message is safe
to show even when it is malformed.
"""

from __future__ import annotations

import re

from .identifiers import mask_niss

__all__ = ["mask_niss_in"]

# Digit groups of a written NISS (YY.MM.DD-SSS.CC), or 8 to 11 digits in a row.
_NISS_LIKE = re.compile(
    r"(?<!\d)(\d{2}[. ]?\d{2}[. ]?\d{2}[- ]?\d{3}[. ]?\d{2}|\d{8,11})(?!\d)")


def mask_niss_in(text: str) -> str:
    """``text`` with anything that may be a NISS masked.

    >>> mask_niss_in("The value '85.07.30-033.28' is not accepted")
    "The value '******-***-28' is not accepted"
    >>> mask_niss_in("got '9304121580'")
    "got '********80'"
    >>> mask_niss_in("row 12, 2025-03-01, 500.00 EUR")
    'row 12, 2025-03-01, 500.00 EUR'
    """
    return _NISS_LIKE.sub(lambda m: mask_niss(m.group(1)), text)
