"""Text that reports print safely: HTML-escaped, and only characters XML 1.0 allows.

A report shows what a client or a server sent: any byte may be in it. `xml_text` removes what no XML
1.0 document may hold (control characters but tab/newline/return, lone surrogates, U+FFFE/U+FFFF), so a
JUnit file always parses; `html_text` escapes it for a page (`<`, `&`, quotes). Used by his-mock's
client report, which cannot import the conformance suite's reporters.
"""

from __future__ import annotations

import html
import re

# Everything outside XML 1.0's Char production:
# #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _NOT_XML.sub(REPLACEMENT, text)


def html_text(text: str) -> str:
    """`text` escaped for HTML content and attribute values (quotes included)."""
    return html.escape(xml_text(text), quote=True)
