"""The tree checks of the hardened parser, where they take shortcuts.

``parse_bytes`` does not measure every text of a document whose byte size is at
most ``Limits.max_text`` in an encoding where a character takes at least one byte
(it cannot hold a longer text), and finds XInclude elements by namespace with
``iter``. These tests check that the answer is the same as measuring everything:
a text or attribute value longer than the limit is refused, whatever the
encoding, the size of the file and the character references, and nothing else is.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpas.adapters.xml.parser import Limits, UnsafeXml, XmlLimitExceeded, parse_bytes

# One character of the parsed text each, written as they may appear in a file.
TOKENS = ["a", "\u00e9", "\u20ac", "\U0001f600", "&amp;", "&#x41;", "&#233;", " "]
ENCODINGS = ["UTF-8", "UTF-16", "ISO-8859-1", "windows-1252"]


def _encodable(token: str, encoding: str) -> str:
    """``token``, or a character reference for it where ``encoding`` cannot carry it."""
    try:
        token.encode(encoding)
    except UnicodeEncodeError:
        return f"&#{ord(token)};"
    return token


def _document(text: list[str], value: list[str], encoding: str) -> bytes:
    body = "".join(_encodable(t, encoding) for t in text)
    attribute = "".join(_encodable(t, encoding) for t in value)
    xml = (f'<?xml version="1.0" encoding="{encoding}"?>\n'
           f'<r><a>{body}</a><b v="{attribute}"/></r>\n')  # no text but these two
    return xml.encode(encoding.lower())


@settings(max_examples=150, deadline=None)
@given(text=st.lists(st.sampled_from(TOKENS), max_size=60),
       value=st.lists(st.sampled_from(TOKENS), max_size=60),
       encoding=st.sampled_from(ENCODINGS),
       slack=st.integers(min_value=-3, max_value=3))
def test_text_limit_is_exact_in_every_encoding(text: list[str], value: list[str],
                                               encoding: str, slack: int) -> None:
    """Refused exactly when the text or the attribute value (counted in characters
    of the parsed document: one per token) is longer than ``max_text``; limits
    around the longest length, so that the file is sometimes smaller than the
    limit (shortcut taken) and sometimes larger (each text measured)."""
    data = _document(text, value, encoding)
    longest = max(len(text), len(value))
    limit = max(1, longest + slack)
    if longest > limit:
        with pytest.raises(XmlLimitExceeded, match=f"longer than {limit} characters"):
            parse_bytes(data, limits=Limits(max_text=limit))
    else:
        root = parse_bytes(data, limits=Limits(max_text=limit)).getroot()
        assert len(root[0].text or "") == len(text)
        assert len(root[1].get("v") or "") == len(value)


def test_small_file_with_a_long_text_is_still_refused() -> None:
    """A text just over the limit in a file just over the limit (UTF-8): refused; the
    same text one character shorter in a file within the limit: accepted."""
    limit = 200
    head = b"<r><a>"
    tail = b"</a></r>"
    long = head + b"x" * (limit + 1) + tail
    with pytest.raises(XmlLimitExceeded):
        parse_bytes(long, limits=Limits(max_text=limit))
    short = head + b"x" * (limit - len(head) - len(tail)) + tail
    assert len(short) == limit
    parse_bytes(short, limits=Limits(max_text=limit))


@pytest.mark.parametrize("namespace", ["http://www.w3.org/2001/XInclude",
                                       "http://www.w3.org/2003/XInclude"])
@pytest.mark.parametrize("where", ["root", "deep"])
def test_xinclude_is_found_anywhere(namespace: str, where: str) -> None:
    """An XInclude element as the root or deep down, with any prefix: refused, on its
    line; the same local name in another namespace is fine."""
    if where == "root":
        data = f'<x:include xmlns:x="{namespace}" href="/etc/passwd"/>'.encode()
        line = 1
    else:
        data = (f'<r>\n<a>\n<b>\n<inc:fallback xmlns:inc="{namespace}"/>\n</b>\n</a>\n</r>'
                ).encode()
        line = 4
    with pytest.raises(UnsafeXml, match="XInclude") as info:
        parse_bytes(data, source="x.xml")
    assert info.value.line == line
    parse_bytes(b'<r><include xmlns="urn:other" href="/etc/passwd"/></r>')
