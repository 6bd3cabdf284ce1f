"""A JSON decoder bounded in size, nesting depth and encoding, for bodies from the network.

`json.loads` recurses once per nesting level and raises `RecursionError` about 1,000 levels deep
(or crashes a thread with a small stack); it also reads UTF-16 and UTF-32 bytes without a word, and
NaN/Infinity, which JSON (RFC 8259) does not have. `loads_bounded` refuses all of that with one
`JsonBoundsError` whose `kind` says why, before `json.loads` runs:

- `size`: more than `max_bytes` bytes;
- `encoding`: a byte-order mark, UTF-16/UTF-32, or bytes that are not UTF-8 (RFC 8259 section 8.1);
- `depth`: arrays/objects nested deeper than `max_depth` (counted by a pre-scan that skips strings);
- `syntax`: not JSON at all (also NaN, Infinity and -Infinity unless `allow_constants`).

The mock decodes request bodies with it, the conformance suite the answers it receives.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from his_contract.errors import JsonBoundsError

# The document's deepest request is 1 level (an object of strings), its deepest answer 3 (the bill's
# Items); 64 leaves room for any extra field a client may add and stays far from Python's recursion limit.
MAX_DEPTH = 64
MAX_BYTES = 1024 * 1024

# One JSON string token (quotes included); brackets inside strings are not structure.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 BE"),
    (b"\xff\xfe\x00\x00", "UTF-32 LE"),
    (b"\xef\xbb\xbf", "UTF-8"),
    (b"\xfe\xff", "UTF-16 BE"),
    (b"\xff\xfe", "UTF-16 LE"),
)


def loads_bounded(
    raw: bytes | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_bytes: int = MAX_BYTES,
    allow_constants: bool = False,
) -> Any:
    """The JSON value of `raw` (UTF-8 bytes, or text), or `JsonBoundsError`; never `RecursionError`."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise JsonBoundsError("size", f"{len(data)} bytes exceeds the limit of {max_bytes}")
    text = raw if isinstance(raw, str) else decode_utf8(data)
    # Fewer opening brackets than the limit cannot nest deeper than it: the common case costs two counts.
    depth = 0 if data.count(b"[") + data.count(b"{") <= max_depth else nesting_depth(data)
    if depth > max_depth:
        raise JsonBoundsError("depth", f"nested {depth} levels deep; the limit is {max_depth}")
    try:
        return (_DECODER if allow_constants else _STRICT_DECODER).decode(text)
    except RecursionError:  # unreachable after the pre-scan; kept so no caller ever sees one
        raise JsonBoundsError("depth", f"nested too deep to decode; the limit is {max_depth}") from None
    except ValueError as exc:
        raise JsonBoundsError("syntax", f"malformed JSON: {exc}") from None


def decode_utf8(data: bytes) -> str:
    """`data` as text if it is UTF-8 without a byte-order mark; `JsonBoundsError("encoding")` otherwise."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise JsonBoundsError(
                "encoding", f"starts with a {name} byte-order mark; JSON is UTF-8 without one"
            )
    if b"\x00" in data[:4]:
        # JSON text starts with two ASCII characters: NULs among the first four bytes are UTF-16/32.
        raise JsonBoundsError("encoding", "looks like UTF-16 or UTF-32 (NUL bytes); JSON is UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonBoundsError(
            "encoding", f"not UTF-8: byte {data[exc.start]:#04x} at offset {exc.start} ({exc.reason})"
        ) from None


def nesting_depth(data: bytes) -> int:
    """How deep arrays and objects nest in `data`, strings skipped; linear in its size, no recursion.

    For malformed input it may over-count (never under-count what `json.loads` would descend into
    before it fails), so a refusal as too deep can stand for a syntax error, never the other way round.
    """
    if b"[" not in data and b"{" not in data:
        return 0
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    if not brackets:
        return 0
    return max(0, max(accumulate(_STEP[byte] for byte in brackets)))


def _refuse_constant(name: str) -> Any:
    """Python's json reads NaN, Infinity and -Infinity; JSON (RFC 8259) has no such literals."""
    raise ValueError(f"{name} is not a JSON value")


# Built once: `json.loads` with any keyword builds a new decoder per call (a hot-path cost).
_DECODER = json.JSONDecoder()
_STRICT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
