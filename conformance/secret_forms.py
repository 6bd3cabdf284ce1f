"""Find a secret in every form a server may echo it: one matcher for the redactor and for SEC-1.

A server rarely echoes a password byte for byte. Python's `json.dumps` and .NET's serialisers
write non-ASCII as `\\u5bc6` (in either case of hex digits, and may escape any other character
too), a JSON string nested in a JSON string doubles every backslash, a URL or a log line
percent-encodes, an HTML page writes `&#x5bc6;`, a debug dump base64-encodes, and a header read
as Latin-1 shows UTF-8 as mojibake. `SecretMatcher` compiles one regular expression per secret
that matches all of these, character by character (so raw and escaped characters may be mixed),
plus the base64 of the secret at each of its three byte alignments inside a longer encoded text.

Secrets shorter than `MIN_FREE_LENGTH` characters ("demo") are matched only where they stand
alone (not inside a longer word or number): short secrets are otherwise too likely to occur by
chance, yet they are secrets all the same.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

MIN_FREE_LENGTH = 8
# Base64 segments shorter than this could occur by chance inside other encoded data (a token).
_MIN_BASE64_SEGMENT = 6
_JSON_SHORT_ESCAPES = {"\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t"}
# Characters JSON writers escape with a backslash before the character itself.
_JSON_BACKSLASHED = {'"', "\\", "/"}
_HTML_NAMED = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
_WORD = "0-9A-Za-z"


def _hex(value: int, width: int) -> str:
    """A case-insensitive pattern for `value` in hexadecimal, zero-padded to `width` digits."""
    return "".join(
        f"[{digit.lower()}{digit.upper()}]" if digit.isalpha() else digit for digit in f"{value:0{width}x}"
    )


def _json_escape(code: int) -> str:
    """`\\uXXXX` at any nesting depth (one or more backslashes), any case of hex digits."""
    if code > 0xFFFF:
        high = 0xD800 + ((code - 0x10000) >> 10)
        low = 0xDC00 + ((code - 0x10000) & 0x3FF)
        return rf"\\+u{_hex(high, 4)}\\+u{_hex(low, 4)}"
    return rf"\\+u{_hex(code, 4)}"


def char_pattern(char: str) -> str:
    """Every spelling of one character: raw, JSON-escaped, percent-encoded, an HTML reference."""
    code = ord(char)
    forms = [(r"\\*" if char in _JSON_BACKSLASHED else "") + re.escape(char), _json_escape(code)]
    if char in _JSON_SHORT_ESCAPES:
        forms.append(r"\\+" + _JSON_SHORT_ESCAPES[char])
    forms.append("".join(f"%{_hex(byte, 2)}" for byte in char.encode("utf-8")))
    if char == " ":
        forms.append(r"\+")
    forms.append(f"&#[xX]0*{_hex(code, 1)};")
    forms.append(f"&#0*{code};")
    if char in _HTML_NAMED:
        forms.append(f"&{_HTML_NAMED[char]};")
    return "(?:" + "|".join(forms) + ")"


def text_pattern(text: str) -> str:
    """`text` with each character in any of its spellings."""
    return "".join(char_pattern(char) for char in text)


def base64_segments(secret: str) -> list[str]:
    """The parts of base64(… + secret + …) that depend on the secret alone, for each alignment.

    Encoded inside a longer text, the secret's bytes start at offset 0, 1 or 2 of a 3-byte
    group; the characters wholly made of its bits are the same whatever surrounds it.
    """
    data = secret.encode("utf-8")
    segments: set[str] = {base64.b64encode(data).decode("ascii")}  # exactly base64 of the secret
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data + b"\0\0\0").decode("ascii")
        first = -(-8 * offset // 6)  # ceil: the first character made of the secret's bits only
        last = (8 * (offset + len(data))) // 6  # exclusive: the first character with trailing bits
        segment = encoded[first:last]
        if len(segment) >= _MIN_BASE64_SEGMENT:
            segments.add(segment)
    for segment in list(segments):
        segments.add(segment.replace("+", "-").replace("/", "_"))  # base64url
    return sorted(segments, key=len, reverse=True)


@dataclass(slots=True, frozen=True)
class SecretMatcher:
    """Finds one secret in any of its forms."""

    secret: str
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(_secret_pattern(self.secret)))

    def search(self, text: str) -> re.Match[str] | None:
        """The first place `text` carries the secret, in whatever form."""
        return self.pattern.search(text)

    def found_in(self, text: str) -> bool:
        return self.pattern.search(text) is not None

    def replace(self, text: str, placeholder: str) -> str:
        return self.pattern.sub(lambda _: placeholder, text)

    def form_of(self, found: str) -> str:
        """In words, the form in which `found` (a match) spells the secret."""
        if found == self.secret:
            return "as sent"
        if "\\\\" in found:
            return "JSON-escaped inside a JSON string nested in a JSON string"
        if "\\" in found:
            return "JSON-escaped"
        if "%" in found:
            return "percent-encoded"
        if "&" in found:
            return "as HTML character references"
        if found == self.secret.encode("utf-8").decode("latin-1"):
            return "as UTF-8 read as Latin-1"
        return "base64-encoded"


@dataclass(slots=True, frozen=True)
class WatchedSecrets:
    """What SEC-1 looks for in every answer: the passwords the run submits, and the login token."""

    password: SecretMatcher | None = None  # the run's password, when it can be told from other data
    probes: tuple[SecretMatcher, ...] = ()  # the kit's own probe passwords
    token: SecretMatcher | None = None
    # Why the run's real password is not watched (empty when it is).
    unwatched_reason: str = ""

    def with_token(self, token: str) -> WatchedSecrets:
        return WatchedSecrets(self.password, self.probes, SecretMatcher(token), self.unwatched_reason)

    def passwords(self) -> list[tuple[str, SecretMatcher]]:
        """(what it is, its matcher) for every watched password."""
        named = [("the run's password (--password)", self.password)] if self.password else []
        return named + [("a probe password the kit submitted", probe) for probe in self.probes]


def watched_secrets(password: str, *, probes: tuple[str, ...], ordinary: tuple[str, ...]) -> WatchedSecrets:
    """The passwords SEC-1 watches: the kit's own probe passwords always, and the real one when it
    can be told from ordinary data (`ordinary`: the user id, registration and card numbers).

    A short or all-digit password ("demo", "123456") also occurs innocently (as the user id, in
    an amount or a number), and an echo of it cannot be told from such data: no finding for it.
    Redaction replaces it all the same.
    """
    reason = ""
    if len(password) < MIN_FREE_LENGTH:
        reason = f"the password is shorter than {MIN_FREE_LENGTH} characters"
    elif password.isdigit():
        reason = "the password is all digits"
    elif any(password in value for value in ordinary if value):
        reason = "the password occurs in the user id, the registration or the card number"
    matchers = tuple(SecretMatcher(probe) for probe in dict.fromkeys(probes) if probe and probe != password)
    return WatchedSecrets(None if reason else SecretMatcher(password), matchers, None, reason)


def _secret_pattern(secret: str) -> str:
    """One pattern for every form; it opens with a lookahead on the characters a form can start
    with, which lets the engine skip most positions of a large answer at once (8x faster)."""
    forms = [text_pattern(secret)]
    starts = {secret[0], "\\", "%", "&", "+"}
    mojibake = secret.encode("utf-8").decode("latin-1")
    if mojibake != secret:
        forms.append(re.escape(mojibake))  # UTF-8 bytes shown as Latin-1 (how HTTP headers decode)
        starts.add(mojibake[0])
    if len(secret) < MIN_FREE_LENGTH:
        alone = f"(?<![{_WORD}])(?:{'|'.join(forms)})(?![{_WORD}])"
        exact = base64.b64encode(secret.encode("utf-8")).decode("ascii")
        starts.add(exact[0])
        branches = [alone, f"(?<![{_WORD}+/]){re.escape(exact)}"]
    else:
        segments = base64_segments(secret)
        starts.update(segment[0] for segment in segments)
        branches = forms + [text_pattern(segment) for segment in segments]
    lookahead = "(?=[" + "".join(re.escape(char) for char in sorted(starts)) + "])"
    return lookahead + "(?:" + "|".join(f"(?:{branch})" for branch in branches) + ")"
