"""What a server sends is shown as visible escapes: valid in a terminal, XML 1.0, HTML and UTF-8 JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from conformance.escape import html_text, json_text, one_line, visible, xml_text

EVERY_CONTROL = "".join(chr(code) for code in range(0x20)) + "\x7f"
HOSTILE = f"ok 中文 {EVERY_CONTROL} \x85 \ud800 \u202e \ufffe end"


def test_visible_keeps_text_and_newlines_and_escapes_the_rest() -> None:
    shown = visible(HOSTILE)

    assert shown.startswith("ok 中文 \\x00\\x01") and shown.endswith(" \\x85 \\ud800 \\u202e \\ufffe end")
    assert "\n" in shown and "\t" in shown and "\\x1b" in shown and "\\x7f" in shown and "\\r" in shown
    assert not any(ord(char) < 0x20 and char not in "\n\t" for char in shown)
    shown.encode("utf-8")  # no lone surrogate left


def test_one_line_escapes_newlines_too() -> None:
    assert one_line("a\nb\tc\u2028") == "a\\nb\\tc\\u2028"


def test_xml_text_is_always_xml_1_0() -> None:
    element = ET.Element("failure", message=xml_text(HOSTILE))
    element.text = xml_text(HOSTILE)

    parsed = ET.fromstring(ET.tostring(element, encoding="utf-8"))

    assert parsed.text is not None and parsed.text.startswith("ok 中文 \\x00")


def test_html_text_escapes_markup_and_controls() -> None:
    assert html_text("<b>\x1b[31m&</b>") == "&lt;b&gt;\\x1b[31m&amp;&lt;/b&gt;"


def test_json_text_writes_what_a_file_cannot_take_as_json_escapes() -> None:
    document = {"msg": HOSTILE}
    text = json_text(json.dumps(document, ensure_ascii=False))

    text.encode("utf-8")
    assert "\x7f" not in text and "\u202e" not in text
    assert json.loads(text) == document  # the same document, only safe to write
