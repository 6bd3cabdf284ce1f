"""AUTH-6: tokens anyone could forge, built from the deployment's own login token.

A forged token keeps the real token's header and claims (so it is valid in every respect but its
signature) and is signed with a well-known weak or default HS256 key, or carries an `alg: none`
header in another letter case, or an HS256 header with no signature at all. A deployment that
accepts one lets anyone settle bills, so each is named in the finding with what to do about it.

Tokens are signed here with `hmac` rather than PyJWT: PyJWT refuses (or warns about) exactly the
short and empty keys this module exists to try.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import UsageError

# Blog.Core's published default (appsettings.json, JwtHelper.cs), copied into many Chinese .NET
# projects and tutorials; DOMAIN.md, "Security facts".
BLOG_CORE_KEY = "sdfsdfsrty45634kkhllghtdgdfss345t678fs"

# Well-known weak and default HS256 keys: documentation defaults (jwt.io, express-jwt, ASP.NET Core
# tutorials), framework samples, and the passwords every key-cracking word list starts with.
WEAK_KEYS: tuple[str, ...] = (
    "",
    "secret",
    "123456",
    "password",
    "your-256-bit-secret",
    "a-string-secret-at-least-256-bits-long",
    "changeme",
    "jwt_secret",
    BLOG_CORE_KEY,
    "secretkey",
    "secret_key",
    "secret-key",
    "SecretKey",
    "jwt-secret",
    "jwtsecret",
    "jwt",
    "key",
    "default",
    "test",
    "admin",
    "12345678",
    "123456789",
    "1234567890",
    "1234567890123456",
    "qwerty",
    "your_jwt_secret",
    "your-secret-key",
    "mysecretkey",
    "my_secret_key",
    "supersecret",
    "shhhhh",
    "keyboard cat",
    "ThisIsMySecretKey",
    "this is my custom Secret key for authentication",
)

# Bounds on --jwt-key-list: a key list is a few hundred lines, not a dictionary attack.
MAX_KEY_LIST_BYTES = 256 * 1024
MAX_LISTED_KEYS = 500

NONE_SPELLINGS = ("none", "None", "NONE", "nOnE")

ROTATE = "rotate the signing key to a long random secret and revoke every token it signed"
REJECT_NONE = "accept only the algorithm the deployment signs with (HS256); refuse `alg: none` in any case"
VERIFY_SIGNATURE = "verify every token's signature; refuse a token whose signature is empty"


@dataclass(slots=True, frozen=True)
class ForgedToken:
    """One token AUTH-6 sends, with what it is and what to do if it is accepted."""

    token: str
    variant: str  # e.g. "HS256 signed with the well-known key 'secret'"
    remedy: str


def forged_tokens(token: str, vendor_keys: Sequence[str] = ()) -> Iterator[ForgedToken]:
    """Every AUTH-6 variant of the real token `token` (nothing if it is not a three-part JWT)."""
    parts = token.split(".")
    if len(parts) != 3:
        return
    header_segment, payload_segment, _ = parts
    hs256_header = _header_with_alg(header_segment, "HS256")
    for key in dict.fromkeys(WEAK_KEYS):
        yield ForgedToken(
            sign_hs256(hs256_header, payload_segment, key),
            f"HS256 signed with the well-known key {json.dumps(key)}",
            ROTATE,
        )
    for number, key in enumerate(vendor_keys, start=1):
        yield ForgedToken(
            sign_hs256(hs256_header, payload_segment, key),
            f"HS256 signed with key #{number} of --jwt-key-list",
            ROTATE,
        )
    for spelling in NONE_SPELLINGS:
        unsigned = f"{_header_with_alg(header_segment, spelling)}.{payload_segment}"
        yield ForgedToken(f"{unsigned}.", f"alg {json.dumps(spelling)} with an empty signature", REJECT_NONE)
        yield ForgedToken(unsigned, f"alg {json.dumps(spelling)} without the trailing dot", REJECT_NONE)
    yield ForgedToken(
        f"{hs256_header}.{payload_segment}.", "alg HS256 with an empty signature", VERIFY_SIGNATURE
    )


def sign_hs256(header_segment: str, payload_segment: str, key: str) -> str:
    """`header.payload.signature` with an HMAC-SHA256 signature under `key` (UTF-8)."""
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    signature = hmac.new(key.encode("utf-8"), signing_input, hashlib.sha256).digest()
    return f"{header_segment}.{payload_segment}.{b64url(signature)}"


def listed_keys(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The vendor's own keys of the run's options (`--jwt-key-list`), none when not given."""
    path = values.get("jwt_key_list")
    return load_key_list(Path(path)) if path else ()


def load_key_list(path: Path) -> tuple[str, ...]:
    """The keys of a `--jwt-key-list` file: one a line, UTF-8, `#` comments and blank lines skipped."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_KEY_LIST_BYTES + 1)
    except OSError as error:
        raise UsageError(f"--jwt-key-list {str(path)!r}: cannot read it: {error.strerror or error}") from None
    if len(raw) > MAX_KEY_LIST_BYTES:
        raise UsageError(f"--jwt-key-list {str(path)!r} is larger than {MAX_KEY_LIST_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--jwt-key-list {str(path)!r} is not UTF-8 text") from None
    keys = [line.rstrip("\r") for line in text.split("\n")]
    keys = [key for key in keys if key.strip() and not key.lstrip().startswith("#")]
    if len(keys) > MAX_LISTED_KEYS:
        raise UsageError(f"--jwt-key-list {str(path)!r} has {len(keys)} keys, more than {MAX_LISTED_KEYS}")
    return tuple(dict.fromkeys(keys))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _header_with_alg(header_segment: str, alg: str) -> str:
    """The real header with `alg` replaced, byte for byte unchanged when it already says so."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header_segment + "=" * (-len(header_segment) % 4)))
    except (ValueError, UnicodeDecodeError):
        decoded = None
    if not isinstance(decoded, dict):
        decoded = {"typ": "JWT"}
    if decoded.get("alg") == alg:
        return header_segment
    decoded = {**decoded, "alg": alg}
    return b64url(json.dumps(decoded, separators=(",", ":")).encode("utf-8"))
