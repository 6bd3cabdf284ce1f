"""Values beyond what the fuzzer reaches: boundary strings, lookalike registrations, request variants.

- `BOUNDARY_VALUES`: long strings (64, 256, 4,096 characters) and characters that break real
  stacks (outside the BMP for MySQL `utf8mb3` columns, a combining mark, a right-to-left mark, NUL,
  full-width digits). Schemathesis' longest string in a valid body stays under 40 characters at
  the default `--max-examples`; these are sent in every string field of otherwise valid requests.
- `lookalike_registrations`: INP-2's numbers that exist only for a server that matches instead
  of looking up (a prefix, `LIKE` and SQL metacharacters).
- `accepted_variants`: INP-3's valid requests a real client sends (unknown extra fields, Chinese
  values, optional fields left out).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# Not a field of any operation: a real client's addition (INP-3).
EXTRA_FIELD = ("HisConformanceClient", "his-conformance")
# The document's PayWay is a free string; the hospital's own kiosk sends the Chinese name.
CHINESE_PAY_WAY = "微信支付"
ASCII_PAY_WAY = "WeChatPay"


def _long(length: int) -> str:
    pattern = "HISCONF0123456789"
    return (pattern * (length // len(pattern) + 1))[:length]


# (label, value): every value is well-formed Unicode a JSON client can send.
BOUNDARY_VALUES: tuple[tuple[str, str], ...] = (
    ("64 characters", _long(64)),
    ("256 characters", _long(256)),
    ("4,096 characters", _long(4096)),
    ("a character outside the BMP (U+20000 𠀀)", "HISCONF\U00020000"),
    ("an emoji (U+1F600)", "HISCONF\U0001f600"),
    ("a combining mark (e + U+0301)", "HISCONFe\u0301"),
    ("a right-to-left mark (U+200F)", "HISCONF\u200f0"),
    ("NUL (U+0000)", "HISCONF\u00000"),
    ("full-width digits", "１２３４５６７８９０"),
)


def lookalike_registrations(reg_no: str) -> Iterator[tuple[str, str]]:
    """(purpose, RegNo) of INP-2: none of them is a registration, each a bill for a matching server."""
    if len(reg_no) >= 2:
        yield "a strict prefix of --reg-no", reg_no[: max(1, len(reg_no) // 2)]
    yield "--reg-no plus a character", reg_no + ("0" if not reg_no.endswith("0") else "1")
    yield "RegNo '%' (the LIKE wildcard)", "%"
    yield "RegNo '_' (the LIKE single-character wildcard)", "_"
    yield "RegNo ' (a lone quote)", "'"
    yield "RegNo ' OR '1'='1 (SQL injection)", "' OR '1'='1"
    yield "--reg-no with a trailing '%'", reg_no + "%"


def with_extra_field(body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` plus one field no operation documents."""
    name, value = EXTRA_FIELD
    return {**body, name: value}


def required_only(body: Mapping[str, Any], required: list[str]) -> dict[str, Any]:
    """`body` without its optional fields."""
    return {name: value for name, value in body.items() if name in required}


def changed(value: str) -> str:
    """Another value of the same shape (the last character changed): someone else's card or bill."""
    if not value:
        return "0"
    last = value[-1]
    if last.isdigit():
        replacement = str((int(last) + 1) % 10)
    elif last.isalpha():
        replacement = "B" if last.upper() == "A" else "A"
    else:
        replacement = "0"
    return value[:-1] + replacement


def case_changed(password: str) -> str | None:
    """The password with every letter's case swapped, or None when it has no cased letter."""
    swapped = password.swapcase()
    return swapped if swapped != password else None
