"""AUTH-6's forged tokens and the values INP-2, INP-3 and the boundary probes send (pure, in-process)."""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path

import jwt
import pytest

from conformance.edge import (
    BOUNDARY_VALUES,
    case_changed,
    changed,
    lookalike_registrations,
    required_only,
    with_extra_field,
)
from conformance.errors import UsageError
from conformance.forgery import (
    BLOG_CORE_KEY,
    MAX_KEY_LIST_BYTES,
    WEAK_KEYS,
    forged_tokens,
    load_key_list,
)

CLAIMS = {"sub": "demo", "iss": "his", "exp": 4102444800}


def _real_token(key: str = "a-deployment-key-that-nobody-can-guess-0123456789") -> str:
    return jwt.encode(CLAIMS, key, algorithm="HS256", headers={"kid": "k1"})


def _decode(token: str, key: str) -> dict[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns about the short keys this list is made of
        claims: dict[str, object] = jwt.decode(token, key, algorithms=["HS256"])
    return claims


def _header(token: str) -> dict[str, object]:
    segment = token.split(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return decoded


def test_the_weak_key_list_holds_the_well_known_defaults() -> None:
    assert len(set(WEAK_KEYS)) >= 20
    for key in ("", "secret", "123456", "password", "your-256-bit-secret", "changeme", "jwt_secret"):
        assert key in WEAK_KEYS
    assert BLOG_CORE_KEY == "sdfsdfsrty45634kkhllghtdgdfss345t678fs" and BLOG_CORE_KEY in WEAK_KEYS


def test_each_weak_key_signs_the_real_header_and_claims() -> None:
    real = _real_token()
    signed = [forged for forged in forged_tokens(real) if forged.variant.startswith("HS256 signed")]

    assert len(signed) == len(set(WEAK_KEYS))
    for forged, key in zip(signed, dict.fromkeys(WEAK_KEYS), strict=True):
        assert forged.token.split(".")[:2] == real.split(".")[:2]  # header and claims byte for byte
        if key:  # PyJWT refuses to verify with an empty key; hmac signed it all the same
            assert _decode(forged.token, key) == CLAIMS
        assert json.dumps(key) in forged.variant and "rotate" in forged.remedy


def test_the_real_token_signed_with_a_weak_key_is_forged_exactly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real = jwt.encode(CLAIMS, "secret", algorithm="HS256")

    assert real in {forged.token for forged in forged_tokens(real)}


def test_alg_none_in_four_cases_with_and_without_the_dot_and_an_empty_signature() -> None:
    unsigned = [forged for forged in forged_tokens(_real_token()) if "signed with" not in forged.variant]
    spellings = [_header(forged.token)["alg"] for forged in unsigned]

    assert spellings == ["none", "none", "None", "None", "NONE", "NONE", "nOnE", "nOnE", "HS256"]
    assert [forged.token.count(".") for forged in unsigned] == [2, 1] * 4 + [2]
    assert all(forged.token.endswith(".") for forged in unsigned[::2])
    assert _header(unsigned[0].token)["kid"] == "k1"  # the rest of the real header is kept


def test_vendor_keys_are_named_by_position_and_kept_secret() -> None:
    forged = [f for f in forged_tokens(_real_token(), ["our-installer-key"]) if "--jwt-key-list" in f.variant]

    assert [f.variant for f in forged] == ["HS256 signed with key #1 of --jwt-key-list"]
    assert "our-installer-key" not in forged[0].variant
    assert _decode(forged[0].token, "our-installer-key") == CLAIMS


def test_no_token_no_forgery() -> None:
    assert list(forged_tokens("not-a-jwt")) == []


def test_the_key_list_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_text(
        "# our installers\nkey-one\n\n  # indented comment\nkey two \nkey-one\r\n", encoding="utf-8"
    )

    assert load_key_list(path) == ("key-one", "key two ")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe\x00bad", "is not UTF-8 text"),
        (b"k" * (MAX_KEY_LIST_BYTES + 1), "is larger than"),
        ("\n".join(f"key-{n}" for n in range(501)).encode(), "has 501 keys"),
    ],
)
def test_an_unusable_key_list_is_a_usage_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "keys.txt"
    path.write_bytes(content)

    with pytest.raises(UsageError, match=reason):
        load_key_list(path)


def test_a_missing_key_list_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read it"):
        load_key_list(tmp_path / "absent.txt")


def test_the_lookalikes_of_a_registration() -> None:
    assert [value for _, value in lookalike_registrations("1628214442")] == [
        "16282",
        "16282144420",
        "%",
        "_",
        "'",
        "' OR '1'='1",
        "1628214442%",
    ]
    assert [value for _, value in lookalike_registrations("10")][1] == "101"


def test_the_boundary_values() -> None:
    values = dict(BOUNDARY_VALUES)

    assert [len(values[f"{n} characters"]) for n in ("64", "256", "4,096")] == [64, 256, 4096]
    assert any("\U00020000" in value for value in values.values())  # 𠀀, outside the BMP
    assert any(0x1F300 <= ord(char) <= 0x1FAFF for value in values.values() for char in value)  # an emoji
    for needed in ("\u0301", "\u200f", "\x00", "１"):
        assert any(needed in value for value in values.values()), needed
    assert all(value.encode("utf-8") for value in values.values())  # no lone surrogate among them


def test_someone_elses_values_and_the_password_variants() -> None:
    assert changed("C000123456") == "C000123457"
    assert changed("B202112039") == "B202112030"
    assert changed("AB") == "AA" and changed("") == "0"
    assert case_changed("Demo-Pass") == "dEMO-pASS"
    assert case_changed("123456") is None


def test_the_accepted_request_shapes() -> None:
    body = {"CardNo": "C1", "SERIAL_NO": "GZ1", "Money": "1.00"}

    assert required_only(body, ["CardNo", "Money"]) == {"CardNo": "C1", "Money": "1.00"}
    extended = with_extra_field(body)
    assert set(extended) - set(body) == {"HisConformanceClient"}
