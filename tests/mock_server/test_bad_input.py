"""A corpus of malformed bodies, headers and tokens: every answer is an envelope (or the aspnet
flavor's documented equivalent), never a 5xx, never status 0, and the store is left unchanged."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from mock_server.flavors import envelope_json
from tests.mock_server.conftest import BILL, LOGIN, SETTLE, MockClient
from tests.support.mock import demo_settle_body

JSON = "application/json"
VALID_SETTLE = demo_settle_body()


def _settle_with(**changes: object) -> bytes:
    body: dict[str, object] = dict(VALID_SETTLE)
    for key, value in changes.items():
        if value is _DROP:
            del body[key]
        else:
            body[key] = value
    return json.dumps(body, ensure_ascii=False).encode()


_DROP = object()


@dataclass(frozen=True)
class Case:
    """One bad request: what is sent, and the envelope status it must get (1 auth, 5 input)."""

    path: str
    data: bytes
    status: int
    content_type: str | None = JSON
    authorization: str | bytes | None = "demo"
    binding: bool = False  # aspnet answers a 400 ProblemDetails: the body cannot be bound at all


CORPUS: dict[str, Case] = {
    # Bodies that cannot be read as a JSON object.
    "empty-body": Case(BILL, b"", 5, binding=True),
    "whitespace-body": Case(BILL, b"  \n\t ", 5, binding=True),
    "truncated-json": Case(SETTLE, _settle_with()[:-5], 5, binding=True),
    "single-quotes": Case(BILL, b"{'RegNo': '1628214442'}", 5, binding=True),
    "trailing-comma": Case(BILL, b'{"RegNo": "1628214442",}', 5, binding=True),
    "json-array": Case(BILL, b'[{"RegNo": "1628214442"}]', 5, binding=True),
    "json-string": Case(BILL, b'"1628214442"', 5, binding=True),
    "json-number": Case(BILL, b"1628214442", 5, binding=True),
    "json-null": Case(BILL, b"null", 5, binding=True),
    "invalid-utf8": Case(BILL, b'{"RegNo": "\xff\xfe162"}', 5, binding=True),
    "raw-newline-in-string": Case(BILL, b'{"RegNo": "1628\n214442"}', 5, binding=True),
    "nul-bytes": Case(BILL, b'{"RegNo": "16282\x0014442"}', 5, binding=True),
    "deep-nesting": Case(BILL, b"[" * 30000 + b"]" * 30000, 5, binding=True),
    "oversized-body": Case(SETTLE, _settle_with(Remark="费" * 40000), 5, binding=True),
    "form-encoded": Case(
        LOGIN, b"userId=demo&password=demo", 5, "application/x-www-form-urlencoded", None, True
    ),
    "no-content-type": Case(BILL, b'{"RegNo": "1628214442"}', 5, None, binding=True),
    "xml-content-type": Case(BILL, b"<RegNo>1628214442</RegNo>", 5, "application/xml", binding=True),
    # Lone UTF-16 surrogates: valid JSON escapes (or bytes json.loads lets through) that are not text.
    "surrogate-escape": Case(BILL, b'{"RegNo": "\\ud800"}', 5, binding=True),
    "surrogate-low-escape": Case(BILL, b'{"RegNo": "1628\\udfff214442"}', 5, binding=True),
    "surrogate-bytes": Case(BILL, b'{"RegNo": "16\xed\xa0\x80"}', 5, binding=True),
    "surrogate-in-key": Case(BILL, b'{"RegNo": "1628214442", "\\udc00": 1}', 5, binding=True),
    "surrogate-userid": Case(
        LOGIN, b'{"userId": "\\ud800", "password": "demo"}', 5, authorization=None, binding=True
    ),
    "surrogate-password": Case(
        LOGIN, b'{"userId": "demo", "password": "x\\ud800"}', 5, authorization=None, binding=True
    ),
    # Well-formed JSON objects whose fields break the schema.
    "regno-null": Case(BILL, b'{"RegNo": null}', 5, binding=True),
    "regno-number": Case(BILL, b'{"RegNo": 1628214442}', 5, binding=True),
    "regno-object": Case(BILL, b'{"RegNo": {"$ne": ""}}', 5, binding=True),
    "regno-array": Case(BILL, b'{"RegNo": ["1628214442"]}', 5, binding=True),
    "regno-nan": Case(BILL, b'{"RegNo": NaN}', 5, binding=True),
    "regno-empty": Case(BILL, b'{"RegNo": ""}', 5),
    "regno-wrong-case-key": Case(BILL, b'{"regno": "1628214442"}', 5),
    "userid-number": Case(LOGIN, b'{"userId": 1, "password": "demo"}', 5, authorization=None, binding=True),
    "password-number": Case(
        LOGIN, b'{"userId": "demo", "password": 1234}', 5, authorization=None, binding=True
    ),
    "money-number": Case(SETTLE, _settle_with(Money=40.92), 5, binding=True),
    "money-exponent": Case(SETTLE, _settle_with(Money="4.092e1"), 5),
    "money-three-decimals": Case(SETTLE, _settle_with(Money="40.920"), 5),
    "money-fullwidth-digits": Case(SETTLE, _settle_with(Money="４０.９２"), 5),
    "money-with-currency": Case(SETTLE, _settle_with(Money="¥40.92"), 5),
    "money-padded": Case(SETTLE, _settle_with(Money=" 40.92"), 5),
    "settle-missing-serial": Case(SETTLE, _settle_with(SerialNumber=_DROP), 5),
    "settle-card-null": Case(SETTLE, _settle_with(CardNo=None), 5, binding=True),
    "settle-billid-bool": Case(SETTLE, _settle_with(BILLID=True), 5, binding=True),
    # Headers and tokens.
    "no-authorization": Case(SETTLE, _settle_with(), 1, authorization=None),
    "bearer-without-token": Case(SETTLE, _settle_with(), 1, authorization="Bearer "),
    "bearer-one-part": Case(SETTLE, _settle_with(), 1, authorization="Bearer abc"),
    "bearer-bad-base64": Case(SETTLE, _settle_with(), 1, authorization="Bearer !!!.@@@.###"),
    "bearer-huge": Case(BILL, b'{"RegNo": "1628214442"}', 1, authorization="Bearer " + "a" * 6000),
    "bearer-latin1-bytes": Case(
        BILL, b'{"RegNo": "1628214442"}', 1, authorization=b"Bearer \xe9\xe9.\xe9.\xe9"
    ),
    "token-as-scheme": Case(BILL, b'{"RegNo": "1628214442"}', 1, authorization="Token abc.def.ghi"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_bad_input_gets_an_envelope_and_changes_nothing(mock: MockClient, name: str) -> None:
    case = CORPUS[name]
    before = mock.snapshot()
    headers: dict[str, str | bytes] = {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    if case.authorization == "demo":
        headers["Authorization"] = f"Bearer {mock.token}"
    elif case.authorization is not None:
        headers["Authorization"] = case.authorization
    response = mock.http.post(mock.base_url + case.path, data=case.data, headers=headers)

    assert response.status_code < 500, response.text[:300]
    if mock.flavor == "aspnet" and case.status == 1:
        assert response.status_code == 401
    if mock.flavor == "aspnet" and case.binding and case.status == 5:
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("application/problem+json")
    else:
        envelope = response.json()
        assert envelope["status"] == case.status, envelope
        assert envelope["isSuccess"] is False
        assert envelope["response"] is None
        assert envelope["msg"]
        assert "Traceback" not in response.text
    assert mock.snapshot() == before


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        (BILL, b'{"RegNo": "\\ud800"}', "RegNo"),
        (LOGIN, b'{"userId": "\\ud800"}', "userId"),
        (SETTLE, _settle_with(Remark="x").replace(b'"x"', b'"\\udbff"'), "Remark"),
    ],
    ids=["bill", "login", "settle"],
)
def test_a_lone_surrogate_is_refused_naming_the_field(
    doc: MockClient, path: str, data: bytes, field: str
) -> None:
    response = doc.post(path, data=data, headers={"Content-Type": JSON})
    envelope = response.json()
    assert response.status_code == 200
    assert envelope["status"] == 5
    assert envelope["msg"].startswith(f"入参参数错误：{field} 含有无效的 Unicode 字符")
    # The journal still reads (the body is shown with a replacement character, never a crash).
    journal = doc.admin("GET", "/requests", params={"limit": 1})
    assert journal.status_code == 200
    assert journal.json()[0]["status"] == 5


def test_the_admin_api_refuses_a_lone_surrogate(doc: MockClient) -> None:
    registration = doc.admin("GET", "/registrations").json()[0]
    body = json.dumps([{**registration, "PatientName": "张\ud800"}]).encode()
    before = doc.snapshot()
    response = doc.admin("PUT", "/registrations", data=body, headers={"Content-Type": JSON})
    assert response.status_code == 400
    assert "0.PatientName: a lone UTF-16 surrogate" in response.json()["error"]
    assert doc.snapshot() == before


def test_an_envelope_with_a_lone_surrogate_is_still_written() -> None:
    # Defence in depth: whatever text reaches an error envelope, writing it never raises.
    written = envelope_json(5, "入参参数错误", "userId=\ud800: unknown user")
    assert json.loads(written)["msgDev"] == "userId=?: unknown user"
