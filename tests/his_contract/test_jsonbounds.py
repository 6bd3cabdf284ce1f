"""The bounded JSON decoder: size, encoding, depth and syntax refusals, never a RecursionError."""

from __future__ import annotations

import pytest

from his_contract import MAX_DEPTH, JsonBoundsError, loads_bounded
from his_contract.jsonbounds import nesting_depth


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_plain_object() -> None:
    assert loads_bounded(b'{"RegNo": "1628214442", "n": [1, {"x": null}]}') == {
        "RegNo": "1628214442",
        "n": [1, {"x": None}],
    }


def test_depth_at_the_limit_is_read_and_one_more_is_refused() -> None:
    assert nesting_depth(nested(MAX_DEPTH)) == MAX_DEPTH
    assert loads_bounded(nested(MAX_DEPTH)) is not None
    with pytest.raises(JsonBoundsError) as caught:
        loads_bounded(nested(MAX_DEPTH + 1))
    assert caught.value.kind == "depth"
    assert str(MAX_DEPTH) in caught.value.reason


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_far_too_deep_is_a_depth_error_not_a_recursion_error(depth: int) -> None:
    with pytest.raises(JsonBoundsError) as caught:
        loads_bounded(b"[" * depth + b"]" * depth, max_bytes=10**6)
    assert caught.value.kind == "depth"


def test_brackets_inside_strings_are_not_nesting() -> None:
    raw = b'{"a": "' + b"[{" * 200 + b'", "b": "\\"[[["}'
    assert nesting_depth(raw) == 1
    assert loads_bounded(raw)["b"] == '"[[['


def test_unterminated_string_never_under_counts() -> None:
    raw = b'{"a": [[[ "open' + b"[" * 100
    with pytest.raises(JsonBoundsError):
        loads_bounded(raw)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("\ufeff{}".encode(), "UTF-8 byte-order mark"),
        ("{}".encode("utf-16"), "UTF-16 LE byte-order mark"),
        ("{}".encode("utf-16-be"), "UTF-16 or UTF-32"),
        ("{}".encode("utf-32-le"), "UTF-16 or UTF-32"),
        ('{"a": "张"}'.encode("gbk"), "not UTF-8"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),
    ],
)
def test_only_utf8_without_bom(raw: bytes, needle: str) -> None:
    with pytest.raises(JsonBoundsError) as caught:
        loads_bounded(raw)
    assert caught.value.kind == "encoding"
    assert needle in caught.value.reason


def test_size_limit() -> None:
    with pytest.raises(JsonBoundsError) as caught:
        loads_bounded(b'"' + b"x" * 100 + b'"', max_bytes=50)
    assert caught.value.kind == "size"


@pytest.mark.parametrize("raw", [b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"{", b"", b"[1,]"])
def test_syntax(raw: bytes) -> None:
    with pytest.raises(JsonBoundsError) as caught:
        loads_bounded(raw)
    assert caught.value.kind == "syntax"
    assert isinstance(caught.value, ValueError)


def test_constants_when_allowed() -> None:
    assert loads_bounded(b"[NaN]", allow_constants=True)[0] != 0


def test_text_input() -> None:
    assert loads_bounded('{"名": "值"}') == {"名": "值"}
