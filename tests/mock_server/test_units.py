"""Pure parts of his-mock in process (no server): the settlement rules, the body parser and its plain
schema check (which must agree with jsonschema), the Content-Type parser, the loopback test, the
start-up banner."""

from __future__ import annotations

import json
from typing import Any

import pytest

from his_contract import MAX_DEPTH, load_spec
from mock_server.cli import BANNER_REGISTRATIONS, _banner, is_loopback, open_admin_warning
from mock_server.errors import BusinessError, InvalidInput
from mock_server.fixtures import Registration, load_fixtures
from mock_server.service import HisMock, Settings
from mock_server.settlement import check_settle_request
from mock_server.store import SettleState
from mock_server.validation import FlatObjectCheck, RequestChecker, parse_content_type
from tests.support.mock import DEMO_REG_NO, demo_settle_body

SPEC = load_spec()
CHECKER = RequestChecker(SPEC)


def _demo_state() -> SettleState:
    fixtures = load_fixtures(None, SPEC)
    registration = next(r for r in fixtures.registrations if r.reg_no == DEMO_REG_NO)
    return SettleState(registration.to_document(), None, None)


# --- check_settle_request ----------------------------------------------------------------------


def test_the_document_example_passes_the_settlement_rules() -> None:
    check_settle_request(demo_settle_body(), _demo_state())


@pytest.mark.parametrize(
    ("change", "error", "needle"),
    [
        ({"BILLID": "B-other"}, BusinessError, "不是挂号号"),
        ({"CardNo": "C-other"}, BusinessError, "病人卡号"),
        ({"Money": "40.93"}, BusinessError, "个人自付金额"),
        ({"Money": "136.40"}, BusinessError, "个人自付金额"),
        ({"Money": "forty"}, InvalidInput, "Money"),
    ],
)
def test_the_settlement_rules_refuse(change: dict[str, str], error: type[Exception], needle: str) -> None:
    with pytest.raises(error) as caught:
        check_settle_request(demo_settle_body(**change), _demo_state())
    assert needle in str(caught.value)


# --- the body parser ---------------------------------------------------------------------------


def test_the_parser_reads_a_valid_body() -> None:
    assert CHECKER.body("getUnSettleBillByDoctor", b'{"RegNo": "1"}', "application/json") == {"RegNo": "1"}


@pytest.mark.parametrize(
    ("raw", "content_type", "needle"),
    [
        (b'{"RegNo": "1"}', "text/plain", "Content-Type 应为 application/json"),
        (b'{"RegNo": "1"}', None, "实际为 （无）"),
        (b'{"RegNo": "1"}', "application/json; charset=gbk", "字符集 gbk"),
        (b"", "application/json", "请求体为空"),
        ("\ufeff{}".encode(), "application/json", "UTF-8"),
        (("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode(), "application/json", "嵌套过深"),
        (b"[1]", "application/json", "应为 JSON 对象"),
        (b'{"RegNo": "\\ud800"}', "application/json", "孤立的代理项"),
        (b'{"RegNo": 1}', "application/json", "RegNo 应为字符串"),
        (b"{}", "application/json", "RegNo 为必填项"),
    ],
)
def test_the_parser_refuses_with_status_5(raw: bytes, content_type: str | None, needle: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CHECKER.body("getUnSettleBillByDoctor", raw, content_type)
    assert needle in caught.value.msg


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("", None)),
        ("application/json", ("application/json", None)),
        ('Application/JSON ; Charset="UTF-8"', ("application/json", "utf-8")),
        ("application/json;charset=gbk;x=1", ("application/json", "gbk")),
    ],
)
def test_parse_content_type(value: str | None, expected: tuple[str, str | None]) -> None:
    assert parse_content_type(value) == expected


SETTLE_BODIES: list[Any] = [
    demo_settle_body(),
    demo_settle_body(Money="40"),
    demo_settle_body(Money="40.9"),
    demo_settle_body(Money="40.920"),
    demo_settle_body(Money="-1"),
    demo_settle_body(Money=""),
    demo_settle_body(Money="4e1"),
    demo_settle_body(CardNo=""),
    {**demo_settle_body(), "Money": 40.92},
    {**demo_settle_body(), "CardNo": None},
    {**demo_settle_body(), "SERIAL_NO": ""},
    {**demo_settle_body(), "SERIAL_NO": 1},
    {**demo_settle_body(), "extra": {"deep": [1, 2]}},
    {key: value for key, value in demo_settle_body().items() if key != "BILLID"},
]
OTHER_BODIES: list[tuple[str, Any]] = [
    ("login", {"userId": "demo"}),
    ("login", {"userId": ""}),
    ("login", {"userId": "demo", "password": 1}),
    ("login", {"password": "demo"}),
    ("getUnSettleBillByDoctor", {"RegNo": "1", "x": None}),
    ("getUnSettleBillByDoctor", {"RegNo": ["1"]}),
    ("getUnSettleBillByDoctor", {"RegNo": True}),
]


@pytest.mark.parametrize(
    ("operation_id", "body"), [("settleByDoctor", body) for body in SETTLE_BODIES] + OTHER_BODIES
)
def test_the_plain_schema_check_agrees_with_jsonschema(operation_id: str, body: Any) -> None:
    validator = SPEC.request_validator(operation_id)
    flat = FlatObjectCheck.compile(validator.schema)
    assert flat is not None  # every request schema of the spec is flat today
    assert flat.accepts(body) == validator.is_valid(body), json.dumps(body, ensure_ascii=False)


def test_a_schema_outside_the_plain_form_goes_to_jsonschema() -> None:
    assert FlatObjectCheck.compile({"type": "object", "additionalProperties": False}) is None
    assert FlatObjectCheck.compile({"type": "object", "properties": {"n": {"type": "integer"}}}) is None
    assert (
        FlatObjectCheck.compile({"type": "object", "properties": {"n": {"allOf": [{"enum": [1]}]}}}) is None
    )


# --- the CLI's pure parts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("no-such-host.invalid", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_warning_names_the_risk() -> None:
    warning = open_admin_warning("0.0.0.0")
    assert "WARNING" in warning
    assert "--admin-token" in warning
    assert "/__admin/" in warning


def test_the_banner_summarises_many_registrations(capsys: pytest.CaptureFixture[str]) -> None:
    mock = HisMock.create(Settings(db=":memory:"))
    try:
        template = mock.fixtures.registrations[0]
        many = [
            Registration(
                reg_no=f"9{n:06d}",
                card_no=f"C{n}",
                patient_name="长" * 3000 if n == 0 else "患者",
                social_security_card=None,
                bill={**template.bill, "BILLID": f"B9{n:06d}"},
            )
            for n in range(300)
        ]
        mock.store.put_registrations(many)
        _banner(mock, workers=2)
    finally:
        mock.close()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) < 25
    assert max(len(line) for line in lines) <= 160
    assert any(line.startswith("registrations: 305 (305 unsettled, 0 settled)") for line in lines)
    assert (
        sum(1 for line in lines if line.startswith("  1628") or line.startswith("  9"))
        == BANNER_REGISTRATIONS
    )
    assert any("300 more" in line and "GET /__admin/registrations" in line for line in lines)
