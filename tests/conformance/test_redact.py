"""Redaction finds a secret in every form a server may echo it, for secrets of any length and script."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from conformance.http import HttpRequest
from conformance.redact import PASSWORD_PLACEHOLDER, TOKEN_PLACEHOLDER, Redactor
from conformance.secret_forms import SecretMatcher

PASSWORD = "Sup3r-Secret-密码"


def redactor(password: str = "demo", token: str = "tok") -> Redactor:
    redact = Redactor()
    redact.add_password(password)
    redact.add_token(token)
    return redact


def escaped(text: str, *, upper: bool = False) -> str:
    """Every character as a JSON \\u escape (what a paranoid serialiser writes)."""
    return "".join(f"\\u{ord(char):04X}" if upper else f"\\u{ord(char):04x}" for char in text)


ECHOES = {
    "raw": PASSWORD,
    "json ensure_ascii": json.dumps(PASSWORD)[1:-1],
    "json upper-case hex": json.dumps(PASSWORD)[1:-1].replace("\\u5bc6", "\\u5BC6"),
    "every character escaped": escaped(PASSWORD, upper=True),
    "escaped and raw mixed": "S\\u0075p3r-Secr\\u0065t-\\u5bc6码",
    "json nested in json": json.dumps(json.dumps({"msgDev": f"password={PASSWORD}"})),
    "json nested twice": json.dumps(json.dumps(json.dumps({"p": PASSWORD}))),
    "percent-encoded": quote(PASSWORD),
    "percent, lower-case hex": quote(PASSWORD).replace("%E5%AF%86", "%e5%af%86"),
    "form-encoded": quote_plus(PASSWORD),
    "base64": base64.b64encode(PASSWORD.encode()).decode(),
    "base64url": base64.urlsafe_b64encode(PASSWORD.encode()).decode(),
    "base64 of user:password (offset 1)": base64.b64encode(b"demo:" + PASSWORD.encode()).decode(),
    "base64 of a longer text (offset 2)": base64.b64encode(b"pw=" + PASSWORD.encode() + b";x").decode(),
    "base64 of a longer text (offset 0)": base64.b64encode(b"pwd:" + PASSWORD.encode() + b"!").decode(),
    "html references": "".join(f"&#x{ord(char):x};" for char in PASSWORD),
    "utf-8 read as latin-1": PASSWORD.encode().decode("latin-1"),
}


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_the_password_is_found_and_replaced_in_every_form(echo: str) -> None:
    text = f"{{'msg': 'wrong: {echo}', 'x': 1}}"

    assert SecretMatcher(PASSWORD).found_in(text)
    shown = redactor(PASSWORD).text(text)
    assert PASSWORD_PLACEHOLDER in shown
    assert not SecretMatcher(PASSWORD).found_in(shown)
    assert "密码" not in shown and "5bc6" not in shown.lower() and "U3VwM3ItU2VjcmV0" not in shown


@pytest.mark.parametrize(
    "innocent",
    ["Sup3r-Secret-", "Sup3r-Secret-密", "sup3r-secret-密码", "U3VwM3ItU2Vj", "an ordinary message"],
)
def test_text_that_is_not_the_password_stays(innocent: str) -> None:
    assert redactor(PASSWORD).text(innocent) == innocent


def test_a_short_password_is_replaced_where_it_stands_alone_in_any_form() -> None:
    body = {"userId": "demo", "password": "demo", "extra": {"msg": "d\\u0065mo", "note": "demonstration"}}

    shown = json.loads(redactor().body(json.dumps(body).encode()))

    # The user id is the same text as the password: shown, it would show the password.
    assert shown == {
        "userId": PASSWORD_PLACEHOLDER,
        "password": PASSWORD_PLACEHOLDER,
        "extra": {"msg": PASSWORD_PLACEHOLDER, "note": "demonstration"},
    }
    assert redactor().text("ZGVtbw==") == PASSWORD_PLACEHOLDER  # base64 of "demo"
    assert (
        redactor("7").text("status 7, item 17, 7")
        == f"status {PASSWORD_PLACEHOLDER}, item 17, {PASSWORD_PLACEHOLDER}"
    )


def test_a_wrong_password_stays_so_the_curl_reproduces_it() -> None:
    body = json.dumps({"userId": "demo", "password": "wrong"}).encode()

    assert json.loads(redactor().body(body))["password"] == "wrong"


def test_a_short_token_is_replaced_in_authorization_headers_and_curl() -> None:
    request = HttpRequest(
        "POST",
        "http://127.0.0.1:1/api/x",
        (("Authorization", "Bearer tok"), ("X-Note", "tokens")),
        json.dumps({"token": "tok"}).encode(),
    )
    redact = redactor()

    assert redact.headers(request.headers) == [
        ("Authorization", f"Bearer {TOKEN_PLACEHOLDER}"),
        ("X-Note", "tokens"),
    ]
    curl = redact.curl(request)
    assert "Bearer tok" not in curl and '"tok"' not in curl
    assert "-H 'Authorization: Bearer '\"${HIS_TOKEN}\"" in curl


def test_the_longer_secret_wins_when_one_contains_another() -> None:
    redact = Redactor()
    redact.add_password("secret-password")
    redact.add_token("a.b.secret-password-signature")

    assert redact.text("a.b.secret-password-signature") == TOKEN_PLACEHOLDER


def test_redaction_never_parses_so_a_deep_answer_is_only_text() -> None:
    body = ("[" * 100_000 + '"' + PASSWORD + '"').encode()

    shown = redactor(PASSWORD).body(body)

    assert shown.endswith(f'"{PASSWORD_PLACEHOLDER}"') and PASSWORD not in shown


def test_a_signed_token_the_run_never_registered_loses_its_signature() -> None:
    """A token handed to a probe's login (or a login the run could not read) is a working credential."""
    stray = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJlLW9mLWEtcmVhbC1rZXktMDEyMzQ1Njc4OQ"
    shown = redactor().text(f'{{"response": "{stray}"}}')

    assert "c2lnbmF0dXJl" not in shown
    assert "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.***" in shown  # header and claims stay readable
