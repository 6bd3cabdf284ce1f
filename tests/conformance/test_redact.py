"""Redaction by structure: short secrets in password/token fields and Authorization headers, at any depth."""

from __future__ import annotations

import json

from conformance.http import HttpRequest
from conformance.redact import PASSWORD_PLACEHOLDER, TOKEN_PLACEHOLDER, Redactor


def redactor(password: str = "demo", token: str = "tok") -> Redactor:
    redact = Redactor()
    redact.add_password(password)
    redact.add_token(token)
    return redact


def test_a_short_password_is_replaced_in_nested_bodies_but_not_elsewhere() -> None:
    body = [{"userId": "demo", "password": "demo", "extra": {"Password": "demo", "note": "demo"}}]

    shown = json.loads(redactor().body(json.dumps(body).encode()))

    assert shown == [
        {
            "userId": "demo",  # the same text as the password, but not a secret field: kept
            "password": PASSWORD_PLACEHOLDER,
            "extra": {"Password": PASSWORD_PLACEHOLDER, "note": "demo"},
        }
    ]


def test_a_wrong_password_stays_so_the_curl_reproduces_it() -> None:
    body = json.dumps({"userId": "demo", "password": "wrong"}).encode()

    assert json.loads(redactor().body(body))["password"] == "wrong"


def test_a_short_token_is_replaced_in_authorization_headers_and_curl() -> None:
    request = HttpRequest(
        "POST",
        "http://127.0.0.1:1/api/x",
        (("Authorization", "Bearer tok"), ("X-Note", "tok")),
        json.dumps({"token": "tok"}).encode(),
    )
    redact = redactor()

    assert redact.headers(request.headers) == [
        ("Authorization", f"Bearer {TOKEN_PLACEHOLDER}"),
        ("X-Note", "tok"),
    ]
    curl = redact.curl(request)
    assert "Bearer tok" not in curl and '"tok"' not in curl
    assert "-H 'Authorization: Bearer '\"${HIS_TOKEN}\"" in curl


def test_long_secrets_are_replaced_anywhere_in_text() -> None:
    password = "a-long-enough-password"

    assert redactor(password).text(f"echo {password}!") == f"echo {PASSWORD_PLACEHOLDER}!"
