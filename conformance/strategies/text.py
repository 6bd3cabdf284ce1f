"""Strings for bills and requests: realistic Chinese by default, adversarial on request.

Adversarial strings are still valid JSON strings and valid per the spec (every text field is an
unconstrained `string`); they are what breaks real clients: characters outside the BMP, very long
values, empty values, quotes, control characters and bidirectional marks.
"""

from __future__ import annotations

import functools
from enum import StrEnum

from hypothesis import strategies as st

from conformance.strategies.vocabulary import (
    COMPOUND_SURNAMES,
    DOTTED_NAMES,
    GIVEN_NAMES,
    RARE_NAME_CHARACTERS,
    SURNAMES,
)

# Long enough to overflow every VARCHAR(255) and most on-screen layouts, small enough to keep a
# JSONL file of a few hundred cases readable.
LONG_TEXT_MIN = 256
LONG_TEXT_MAX = 2048

# JSON-legal strings that trip up hand-written serializers, receipt printers and SQL.
NASTY_TEXTS = (
    '双引号"与反斜杠\\',
    "</script><script>alert(1)</script>",
    "换行\n制表\t回车\r",
    "口罩😷与表情👨‍👩‍👧",
    "零宽\u200b空格",
    "\u202e右到左标记",
    "组合字符e\u0301",
    "空字符\u0000之后",
    "'; DROP TABLE bills; --",
    "全角　空格　",
    " 首尾空格 ",
)


@functools.cache
def person_names(*, adversarial: bool = False) -> st.SearchStrategy[str]:
    """Chinese personal names; adversarial adds rare characters, dotted and compound names."""
    ordinary = st.builds(
        lambda surname, given: surname + given,
        st.sampled_from(SURNAMES),
        st.sampled_from(GIVEN_NAMES),
    )
    if not adversarial:
        return ordinary
    rare = st.builds(
        lambda surname, chars: surname + "".join(chars),
        st.sampled_from(SURNAMES + COMPOUND_SURNAMES),
        st.lists(st.sampled_from(RARE_NAME_CHARACTERS + GIVEN_NAMES), min_size=1, max_size=3),
    )
    return st.one_of(
        rare,
        st.sampled_from(DOTTED_NAMES),
        st.builds(lambda s, g: s + g, st.sampled_from(COMPOUND_SURNAMES), st.sampled_from(GIVEN_NAMES)),
        long_texts(),
        ordinary,
    )


@functools.cache
def long_texts(base: tuple[str, ...] = ("很长的文本", "𠀀䶮龘")) -> st.SearchStrategy[str]:
    """A string of LONG_TEXT_MIN..LONG_TEXT_MAX characters built by repeating a realistic phrase."""
    return st.builds(
        _repeat_to,
        st.sampled_from(base),
        st.integers(min_value=LONG_TEXT_MIN, max_value=LONG_TEXT_MAX),
    )


@functools.cache
def texts(realistic: tuple[str, ...], *, adversarial: bool = False) -> st.SearchStrategy[str]:
    """One of the realistic values; adversarial mixes in empty, long, rare and nasty strings."""
    values = st.sampled_from(realistic)
    if not adversarial:
        return values
    return st.one_of(
        values,
        st.just(""),
        long_texts((realistic[0] or "文本", "𠀀䶮龘")),
        st.sampled_from(NASTY_TEXTS),
        st.sampled_from(RARE_NAME_CHARACTERS).map(lambda char: f"{realistic[0]}{char}"),
    )


class TextStyle(StrEnum):
    """One kind of trouble a string can carry (one edge shape of `bills(adversarial=True)` each)."""

    RARE = "rare"  # a rare CJK character: outside the BMP or in Extension A
    LONG = "long"  # LONG_TEXT_MIN..LONG_TEXT_MAX characters
    NASTY = "nasty"  # empty, quotes, control characters, bidirectional marks (all in the BMP)


@functools.cache
def odd_texts(base: str, style: TextStyle) -> st.SearchStrategy[str]:
    """`base` (a realistic value) turned into a string of `style`, always."""
    if style is TextStyle.RARE:
        return st.sampled_from(RARE_NAME_CHARACTERS).map(lambda char: f"{base}{char}")
    if style is TextStyle.LONG:
        return long_texts((base or "文本",))
    # Emoji are outside the BMP: the rare style's trouble, kept out of this one.
    return st.sampled_from(("", *(text for text in NASTY_TEXTS if all(ord(c) <= 0xFFFF for c in text))))


@functools.cache
def styled_texts(realistic: tuple[str, ...], style: TextStyle | None) -> st.SearchStrategy[str]:
    """One of the realistic values, or (with a `style`) as often an odd one of that style only."""
    values = st.sampled_from(realistic)
    if style is None:
        return values
    return st.sampled_from(realistic).flatmap(
        lambda value: st.one_of(st.just(value), odd_texts(value, style))
    )


@functools.cache
def digits(length: int, *, prefix: str = "") -> st.SearchStrategy[str]:
    """A number of exactly `length` digits (leading zeros kept) after `prefix`."""
    return st.integers(min_value=0, max_value=10**length - 1).map(lambda n: f"{prefix}{n:0{length}d}")


def _repeat_to(phrase: str, length: int) -> str:
    # Slice by code point: a surrogate pair is never cut in half.
    return (phrase * (length // len(phrase) + 1))[:length]
