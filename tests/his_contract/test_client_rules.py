"""CLI-1..6 over synthetic call lists: each rule passes a careful client and fails a careless one."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from his_contract import Spec, load_spec
from his_contract.client_rules import (
    BILL,
    LOGIN,
    SETTLE,
    Call,
    ClientFinding,
    judge_client,
    token_subject,
    verdict,
)
from his_contract.spec import Basis

REG_NO = "1628214442"
BILL_ID = "B202112030001"
MONEY = "40.92"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


class Script:
    """Builds the calls one client sends, one after the other (each 10 ms after the previous answer)."""

    def __init__(self, user: str = "demo") -> None:
        self.user = user
        self.calls: list[Call] = []
        self.clock = 0.0

    def _add(self, operation: str, body: dict[str, Any] | None, *, took: float = 0.005, **kw: Any) -> Call:
        started = kw.pop("started", self.clock)
        call = Call(
            id=len(self.calls) + 1,
            started=started,
            finished=started + took,
            operation=operation,
            body=body,
            user=kw.pop("user", self.user),
            **kw,
        )
        self.calls.append(call)
        self.clock = max(self.clock, call.finished) + 0.01
        return call

    def login(self, **kw: Any) -> Call:
        kw.setdefault("status", 0)
        return self._add(LOGIN, {"userId": self.user, "password": "***"}, **kw)

    def fetch(self, grzfje3: str = MONEY, *, bill_id: str = BILL_ID, **kw: Any) -> Call:
        kw.setdefault("status", 0)
        answer = {"BILLID": bill_id, "GRZFJE3": grzfje3} if kw["status"] == 0 else {}
        return self._add(BILL, {"RegNo": REG_NO}, answer=answer, **kw)

    def settle(self, serial: str = "S1", money: str = MONEY, *, bill_id: str = BILL_ID, **kw: Any) -> Call:
        kw.setdefault("status", 0)
        return self._add(SETTLE, settle_body(serial, money, bill_id), **kw)


def settle_body(serial: str, money: str, bill_id: str = BILL_ID) -> dict[str, str]:
    return {
        "CardNo": "C000123456",
        "RegSerNo": REG_NO,
        "PayWay": "微信支付",
        "PayNo": "oUpF8",
        "SerialNumber": serial,
        "Paydate": "2021-12-03",
        "Paytime": "10:15:32",
        "Money": money,
        "BILLID": bill_id,
    }


def rules(findings: list[ClientFinding]) -> list[str]:
    return [finding.rule for finding in findings]


def only(findings: list[ClientFinding], rule: str) -> ClientFinding:
    [finding] = [f for f in findings if f.rule == rule]
    return finding


def test_the_careful_happy_path_passes(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch()
    s.settle()
    findings = judge_client(s.calls, spec)
    assert findings == []
    assert verdict(findings) == "pass"


def test_client_rules_come_from_the_spec_with_their_basis(spec: Spec) -> None:
    assert list(spec.client_rules) == [f"CLI-{n}" for n in range(1, 7)]
    assert {r.id: r.basis.value for r in spec.client_rules.values()} == {
        "CLI-1": "document",
        "CLI-2": "document",
        "CLI-3": "document",
        "CLI-4": "advice",
        "CLI-5": "document",
        "CLI-6": "advice",
    }
    assert not any(rule_id.startswith("CLI-") for rule_id in spec.rules)


# --- CLI-1 ------------------------------------------------------------------------------------


def test_cli1_a_request_against_the_schema_is_the_clients_finding(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch()
    body = settle_body("S1", MONEY)
    del body["PayNo"]
    s._add(SETTLE, body, status=5, msg="入参参数错误：PayNo 为必填项")
    finding = only(judge_client(s.calls, spec), "CLI-1")
    assert finding.basis is Basis.DOCUMENT
    assert finding.calls == (3,)
    assert "PayNo" in finding.message


def test_cli1_status_5_and_1_answers_count_but_injected_ones_do_not(spec: Spec) -> None:
    s = Script()
    s.login()
    s._add(BILL, None, status=5, msg="请求体不是合法的 JSON")
    s._add(BILL, {"RegNo": REG_NO}, status=1, msg="签名错误")
    s._add(BILL, {"RegNo": REG_NO}, status=5, injected=True)
    s._add(BILL, None, http_status=400, status=None)
    findings = [f for f in judge_client(s.calls, spec) if f.rule == "CLI-1"]
    assert sorted(call for f in findings for call in f.calls) == [2, 3, 5]


def test_cli1_groups_repeats_of_one_mistake(spec: Spec) -> None:
    s = Script()
    for _ in range(3):
        s._add(BILL, {"RegNo": 1628214442}, status=5)
    finding = only(judge_client(s.calls, spec), "CLI-1")
    assert finding.calls == (1, 2, 3) and finding.count == 3


# --- CLI-2 ------------------------------------------------------------------------------------


def test_cli2_settling_without_a_fetch_fails(spec: Spec) -> None:
    s = Script()
    s.login()
    s.settle()
    finding = only(judge_client(s.calls, spec), "CLI-2")
    assert finding.calls == (2,)
    assert "without a bill fetched" in finding.message


def test_cli2_money_other_than_the_fetched_share_fails(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch("40.92")
    s.settle(money="60.00", status=6)
    finding = only(judge_client(s.calls, spec), "CLI-2")
    assert finding.calls == (2, 3)
    assert "GRZFJE3 40.92" in finding.message


def test_cli2_same_amount_written_differently_is_fine(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch("40.9")
    s.settle(money="40.90")
    assert judge_client(s.calls, spec) == []


def test_cli2_bill_changed_careful_client_fetches_again(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch("40.92")
    s.settle(money="40.92", status=6)
    s.fetch("52.92")
    s.settle(money="52.92")
    assert judge_client(s.calls, spec) == []


def test_cli2_bill_changed_careless_client_repeats_the_refused_settlement(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch("40.92")
    s.settle(money="40.92", status=6)
    s.settle(money="40.92", status=6)
    finding = only(judge_client(s.calls, spec), "CLI-2")
    assert finding.calls == (4,)
    assert verdict([finding]) == "fail"


def test_cli2_another_bill_id_fails(spec: Spec) -> None:
    s = Script()
    s.fetch()
    s.settle(bill_id="B-OTHER", status=6)
    assert only(judge_client(s.calls, spec), "CLI-2").calls == (1, 2)


def test_cli2_a_second_payment_after_a_receipt_fails_a_replay_does_not(spec: Spec) -> None:
    s = Script()
    s.fetch()
    s.settle("S1")
    s.settle("S1")
    assert judge_client(s.calls, spec) == []
    s.settle("S2", status=6)
    assert only(judge_client(s.calls, spec), "CLI-2").calls == (2, 4)


# --- CLI-3 ------------------------------------------------------------------------------------


def test_cli3_lost_answer_careful_retry_with_the_same_serial(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch()
    s.settle("S1", answered=False, http_status=None, status=None, injected=True)
    s.settle("S1")
    assert judge_client(s.calls, spec) == []


def test_cli3_lost_answer_careless_new_serial(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch()
    s.settle("S1", answered=False, http_status=None, status=None, injected=True)
    s.settle("S2", status=6)
    finding = only(judge_client(s.calls, spec), "CLI-3")
    assert finding.calls == (3, 4)
    assert "double-charge" in finding.message
    assert verdict(judge_client(s.calls, spec)) == "fail"


def test_cli3_lost_answer_giving_up_fails_fetching_the_bill_passes(spec: Spec) -> None:
    s = Script()
    s.fetch()
    s.settle("S1", answered=False, http_status=None, status=None)
    finding = only(judge_client(s.calls, spec), "CLI-3")
    assert finding.calls == (2,)
    assert "failed payment on a settled bill" in finding.message
    s.fetch(status=6)
    assert judge_client(s.calls, spec) == []


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 2},
        {"status": 500},
        {"status": None, "http_status": 503},
        {"status": None, "http_status": 500},
    ],
    ids=["status-2", "status-500", "html-503", "html-500"],
)
def test_cli3_uncertain_answers(spec: Spec, answer: dict[str, Any]) -> None:
    careless = Script()
    careless.fetch()
    careless.settle("S1", **answer)
    careless.settle("S2")
    assert only(judge_client(careless.calls, spec), "CLI-3").calls == (2, 3)
    careful = Script()
    careful.fetch()
    careful.settle("S1", **answer)
    careful.settle("S1")
    assert judge_client(careful.calls, spec) == []


def test_cli3_a_timeout_is_seen_when_the_next_call_comes_before_the_answer(spec: Spec) -> None:
    s = Script()
    s.fetch()
    slow = s.settle("S1", took=2.0)
    s.settle("S2", started=slow.started + 0.5, status=6)
    finding = only(judge_client(s.calls, spec), "CLI-3")
    assert finding.calls == (2, 3)
    assert "did not wait" in finding.message
    careful = Script()
    careful.fetch()
    slow = careful.settle("S1", took=2.0)
    careful.settle("S1", started=slow.started + 0.5)
    assert judge_client(careful.calls, spec) == []


def test_cli3_an_answered_settlement_then_a_plain_refusal_is_not_uncertain(spec: Spec) -> None:
    s = Script()
    s.fetch()
    s.settle("S1", status=6)  # refused for a reason the client can read: no uncertainty
    assert rules(judge_client(s.calls, spec)) == []


def test_cli3_other_users_do_not_mix(spec: Spec) -> None:
    a, b = Script("kiosk-a"), Script("kiosk-b")
    a.fetch()
    a.settle("S1", answered=False, http_status=None, status=None)
    a.settle("S1")
    b.clock = a.clock
    b.fetch(status=6)
    assert judge_client([*a.calls, *(_renumber(b.calls, 100))], spec) == []


def _renumber(calls: list[Call], offset: int) -> list[Call]:
    return [Call(**{**{k: getattr(c, k) for k in c.__slots__}, "id": c.id + offset}) for c in calls]


# --- CLI-4 ------------------------------------------------------------------------------------


def test_cli4_a_login_before_every_call_is_advice(spec: Spec) -> None:
    s = Script()
    for _ in range(3):
        s.login()
        s.fetch()
    findings = judge_client(s.calls, spec)
    finding = only(findings, "CLI-4")
    assert finding.basis is Basis.ADVICE
    assert finding.calls == (3, 5)
    assert verdict(findings) == "pass"


def test_cli4_one_login_for_many_calls_or_after_expiry_is_fine(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch()
    s.fetch()
    s.settle(status=3)
    s.login()
    s.settle()
    assert "CLI-4" not in rules(judge_client(s.calls, spec))


# --- CLI-5 ------------------------------------------------------------------------------------


def test_cli5_careful_login_and_repeat(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch()
    s.settle(status=3)
    s.login()
    s.settle()
    assert judge_client(s.calls, spec) == []


def test_cli5_careless_keeps_the_expired_token(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch()
    s.settle(status=3)
    s.settle(status=3)
    s.settle(status=3)
    finding = only(judge_client(s.calls, spec), "CLI-5")
    assert finding.calls == (3, 4, 5)
    assert finding.basis is Basis.DOCUMENT


def test_cli5_gives_up_or_does_not_repeat(spec: Spec) -> None:
    s = Script()
    s.login()
    s.fetch()
    s.settle(status=3)
    assert "did not log in again" in only(judge_client(s.calls, spec), "CLI-5").message
    s.login()
    assert "did not repeat" in only(judge_client(s.calls, spec), "CLI-5").message


# --- CLI-6 ------------------------------------------------------------------------------------


def test_cli6_hammering_is_advice_backing_off_is_fine(spec: Spec) -> None:
    hammer = Script()
    for _ in range(8):
        hammer.login(status=None, http_status=503, took=0.001)
    finding = only(judge_client(hammer.calls, spec), "CLI-6")
    assert finding.basis is Basis.ADVICE and finding.count == 8
    patient = Script()
    wait = 0.1
    for _ in range(8):
        patient.login(status=None, http_status=503, took=0.001)
        patient.clock += wait
        wait *= 2
    assert judge_client(patient.calls, spec) == []


# --- helpers ----------------------------------------------------------------------------------


def _jwt(claims: dict[str, Any]) -> str:
    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"


def test_token_subject_reads_sub_without_verifying() -> None:
    assert token_subject(f"Bearer {_jwt({'sub': 'demo'})}") == "demo"
    assert token_subject(f"Basic {_jwt({'sub': 'demo'})}") is None
    assert token_subject("Bearer not-a-jwt") is None
    assert token_subject(f"Bearer {_jwt({'sub': 7})}") is None
    assert token_subject("Bearer a.!!!.c") is None
    assert token_subject(None) is None
    assert token_subject("Bearer " + "a" * 10_000) is None


def test_findings_render_as_dicts(spec: Spec) -> None:
    s = Script()
    s.settle()
    [finding] = judge_client(s.calls, spec)
    document = finding.as_dict()
    assert document["rule"] == "CLI-2" and document["basis"] == "document" and document["calls"] == [1]
    json.dumps(document)


def test_a_large_journal_is_judged_quickly(spec: Spec) -> None:
    """A full journal (thousands of calls) is judged without quadratic blow-up in the common case."""
    s = Script()
    s.login()
    for n in range(2000):
        s.fetch()
        s.settle(f"S{n}", status=6)
    findings = judge_client(s.calls, spec)
    assert verdict(findings) == "pass"
