"""The client report's renderers and the scenario data, in-process (no server): fast checks of the
pure parts that the end-to-end tests also cover."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from his_contract import Spec, check_bill, load_spec
from his_contract.client_rules import SETTLE, Call
from his_contract.escaping import html_text, xml_text
from mock_server.client_report import as_html, as_json, as_junit, build_report, calls_from_journal
from mock_server.errors import FaultError
from mock_server.fixtures import load_fixtures
from mock_server.scenarios import SCENARIOS, bill_with_extra_line, parse_arm_request

HOSTILE = "<img src=x onerror=alert(1)>\x00\x1b\ud800\ufffe&\"'"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


def _settle_without_fetch(reg_no: str) -> Call:
    body = dict.fromkeys(("CardNo", "PayWay", "PayNo", "Paydate", "Paytime"), "x")
    body.update({"RegSerNo": reg_no, "SerialNumber": "S1", "Money": "1.00", "BILLID": "B1"})
    return Call(id=7, started=0.0, finished=0.01, operation=SETTLE, body=body, user=HOSTILE, status=6)


def test_renderers_escape_hostile_text(spec: Spec) -> None:
    report = build_report([_settle_without_fetch(HOSTILE)], spec)
    assert report.verdict == "fail"
    page = as_html(report)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert not any(ch in page for ch in "\x00\x1b\ud800\ufffe")
    root = ET.fromstring(as_junit(report))
    [failure] = root.findall(".//failure")
    assert failure.get("type") == "CLI-2" and "<img src=x" in (failure.text or "")
    document = as_json(report)
    json.dumps(document)
    assert document["findings"][0]["calls"] == [7]
    assert document["summary"] == {"failures": 1, "advice": 0}
    assert [rule["outcome"] for rule in document["rules"]].count("failed") == 1


def test_escaping_helpers() -> None:
    assert (
        xml_text("a\x00b\x1fc\td\ne\rf\ud800g\ufffe\U0001f600")
        == "a\ufffdb\ufffdc\td\ne\rf\ufffdg\ufffd\U0001f600"
    )
    assert html_text('<a href="x">&</a>') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"


def test_calls_from_journal_entries() -> None:
    entries: list[dict[str, Any]] = [
        {
            "id": 3,
            "timeMs": 1_796_000_000_500,
            "latencyMs": 250.0,
            "operationId": "getUnpayBillByDoctorAlias",
            "httpStatus": 200,
            "status": 0,
            "msg": "获取成功",
            "fault": None,
            "userId": "demo",
            "answer": {"BILLID": "B1", "GRZFJE3": "40.92"},
            "truncated": [],
            "request": {"body": '{"RegNo": "1"}'},
        },
        {
            "id": 4,
            "timeMs": 1_796_000_001_000,
            "latencyMs": 1.0,
            "operationId": "settleByDoctor",
            "httpStatus": 500,
            "status": None,
            "fault": {"kind": "drop", "when": "after", "status": None, "delayMs": 0},
            "userId": "demo",
            "truncated": ["body"],
            "request": {"body": '{"RegSerNo": "1", "Money": "40.92"}…'},
        },
    ]
    fetch, settle = calls_from_journal(entries)
    assert fetch.operation == "getUnSettleBillByDoctor" and fetch.reg_no == "1"
    assert fetch.finished - fetch.started == pytest.approx(0.25)
    assert fetch.answer["GRZFJE3"] == "40.92" and not fetch.injected
    assert settle.body is None  # cut for the journal: not judged as a body
    assert not settle.answered and settle.injected


def test_a_changed_bill_keeps_the_schema_and_the_arithmetic(spec: Spec) -> None:
    validator = spec.schema_validator("Bill")
    for registration in load_fixtures(None, spec).registrations:
        changed = bill_with_extra_line(registration.bill)
        assert check_bill(changed) == []
        assert list(validator.iter_errors(changed)) == []
        grown = float(changed["GRZFJE3"]) - float(registration.bill["GRZFJE3"])
        assert grown == pytest.approx(12.0)
        assert changed["BILLID"] == registration.bill["BILLID"]
        assert registration.bill != changed  # the original is not modified in place
        assert check_bill(registration.bill) == []


def test_every_scenario_arms_faults_with_its_timings() -> None:
    for scenario in SCENARIOS.values():
        _, values = parse_arm_request({"name": scenario.name})
        faults = scenario.faults(values, now=1000.0)
        assert faults and all(fault.scenario == scenario.name for fault in faults)
        assert set(scenario.rules) <= {f"CLI-{n}" for n in range(1, 7)}
    scenario, values = parse_arm_request({"name": "his-unavailable", "seconds": 1.5})
    [fault] = scenario.faults(values, now=1000.0)
    assert fault.until == 1001.5 and fault.operation == "*"
    scenario, values = parse_arm_request({"name": "slow-settle-answer", "delayMs": 250})
    [fault] = scenario.faults(values, now=0.0)
    assert (fault.kind, fault.when, fault.delay_ms) == ("delay", "after", 250)
    with pytest.raises(FaultError, match="takes delayMs"):
        parse_arm_request({"name": "slow-settle-answer", "seconds": 2})


def test_a_deeply_nested_body_in_the_journal_is_not_walked() -> None:
    deep = '{"RegNo": ' + "[" * 900 + "]" * 900 + "}"
    entry = {
        "id": 1,
        "timeMs": 0,
        "latencyMs": 1.0,
        "operationId": "getUnSettleBillByDoctor",
        "status": 5,
        "fault": None,
        "truncated": [],
        "request": {"body": deep},
    }
    [call] = calls_from_journal([entry])
    assert call.body is None and call.status == 5
