"""Text from a server made safe to print: control characters become visible escapes.

An answer may carry any byte: ESC sequences that repaint a terminal, BEL, NUL (which XML 1.0
cannot carry at all, so one NUL makes `junit.xml` unreadable), lone surrogates (which UTF-8
cannot encode, so writing them fails), bidirectional overrides that make a line read
differently than it is. Every report passes what it shows through `visible`, which keeps
ordinary text (Chinese included) and writes the rest as `\\x1b`, `\\u202e`, `\\ud800`. The
result is valid in a terminal, in XML 1.0 and in UTF-8; HTML escapes it on top.
"""

from __future__ import annotations

import html
import re

# C0 controls except tab and newline, DEL, C1 controls, surrogates, the noncharacters U+FFFE/U+FFFF
# (not XML 1.0), and the bidirectional embeddings, overrides and isolates (spoofing in a terminal).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every unsafe character as a visible escape; newlines and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` on one line: newlines, tabs and every unsafe character as visible escapes."""
    return _UNSAFE_ONE_LINE.sub(_escape, text)


# Characters XML 1.0 allows (section 2.2); `visible` output is always inside this set.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` as XML 1.0 can carry it (a last line of defence behind `visible`)."""
    return _NOT_XML.sub(_escape, visible(text))


def html_text(text: str) -> str:
    """`text` for an HTML page: visible escapes, then HTML's own (`<`, `&`, quotes)."""
    return html.escape(visible(text))


# Valid raw in JSON, but not in a UTF-8 file (lone surrogates) or a terminal (DEL, C1 controls).
_JSON_RAW_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def json_text(text: str) -> str:
    """A JSON document (as `json.dumps(..., ensure_ascii=False)` writes it) with every character
    a file or a terminal cannot take as a JSON escape: the same document, only safe to write."""
    return _JSON_RAW_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
