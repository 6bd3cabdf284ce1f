"""Every rule's check on synthetic exchanges, in process: a held case and a broken case for each rule.

Each case builds one exchange in memory, declares the intent a probe would, and asserts what
the registry says about one rule: held, a document finding, advice, or not judged at all.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from conformance.answer import read_answer
from conformance.http import Exchange, Problem
from conformance.intents import (
    BillAfterSettle,
    BillAfterSomeoneElses,
    BillAfterWrongMoney,
    BoundaryValue,
    ExpiredToken,
    ForgedToken,
    Fuzzed,
    InputKind,
    Intent,
    InvalidInput,
    Plain,
    Race,
    RaceAttempt,
    Recorded,
    ReplayOf,
    Settle,
    SettleAgain,
    SomeoneElses,
    UnknownRegistration,
    ValidRequest,
    WeakToken,
    WrongMoney,
    WrongPassword,
)
from conformance.probes import PROBE_PASSWORD
from conformance.profiles import LENIENT, STRICT, Profile
from conformance.registry import judge_group
from his_contract import Basis, load_spec
from tests.conformance.broken.base import CorrectHis, make_token
from tests.conformance.exchanges import CONTRACT, RUN_PASSWORD, RUN_TOKEN, envelope, exchange, judge
from tests.support.spec_examples import example_bill

LOGIN, BILL, SETTLE = "login", "getUnSettleBillByDoctor", "settleByDoctor"
HELD, DOCUMENT, ADVICE, NOT_JUDGED = "held", "document", "advice", "not judged"
# Judged, but never a finding: the rule leaves the case to another (a page that is no envelope to ENV-5).
NOT_JUDGED_AS_FINDING = "no finding"
TOKEN = make_token()
SETTLE_BODY = {
    "CardNo": "C000123456",
    "RegSerNo": "1628214442",
    "PayWay": "微信支付",
    "PayNo": "p",
    "SerialNumber": "S1",
    "Paydate": "2021-12-03",
    "Paytime": "10:15:32",
    "Money": "40.92",
    "BILLID": "B202112030001",
}


def bill(**changes: Any) -> dict[str, Any]:
    document = example_bill()
    document.update(changes)
    return document


def receipt(**changes: Any) -> dict[str, Any]:
    document = CorrectHis().receipt(SETTLE_BODY, example_bill())
    document.update(changes)
    return document


def bill_with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = example_bill()
    change(document)
    return document


def _first_line(document: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = document["FeeDetail"][0]["FeeCat"][0]["items"][0]["PerItem"][0]
    return line


def _capital_items(document: dict[str, Any]) -> None:
    for category in document["FeeDetail"][0]["FeeCat"]:
        category["Items"] = category.pop("items")


@dataclass(slots=True, frozen=True)
class Case:
    rule: str
    expected: str
    exchange: Exchange
    intent: Intent = Plain()
    profile: Profile = STRICT


def bill_answer(document: Any = None, **kwargs: Any) -> Exchange:
    return exchange(
        BILL, envelope(0, document if document is not None else bill()), request={"RegNo": "1"}, **kwargs
    )


def error(operation_id: str, status: int, request: Any = None, **kwargs: Any) -> Exchange:
    return exchange(operation_id, envelope(status), request=request or {"RegNo": "1"}, **kwargs)


BILL_OF_RECORD = example_bill()
BOUNDARY = BoundaryValue(field="RegNo", label="a character outside the BMP")
WEAK = WeakToken(variant='HS256 signed with the well-known key "secret"', remedy="rotate the key")
OTHER_CARD = SomeoneElses(bill=BILL_OF_RECORD, changed="CardNo")
BILL_AFTER_OTHER_CARD = BillAfterSomeoneElses(bill=BILL_OF_RECORD, changed="CardNo")
FIRST_RECEIPT = receipt()
MISSING = InvalidInput(kind=InputKind.MISSING_FIELD)
EMPTY = InvalidInput(kind=InputKind.EMPTY_STRING)
SURROGATE = InvalidInput(kind=InputKind.LONE_SURROGATE)

CASES: dict[str, Case] = {
    # ENV-1
    "env1-envelope": Case("ENV-1", HELD, bill_answer()),
    "env1-charset-any-case": Case("ENV-1", HELD, bill_answer(content_type="Application/JSON; Charset=UTF-8")),
    "env1-text-html": Case("ENV-1", DOCUMENT, bill_answer(content_type="text/html")),
    "env1-no-msgDev": Case(
        "ENV-1", DOCUMENT, exchange(BILL, {k: v for k, v in envelope(6).items() if k != "msgDev"})
    ),
    "env1-not-json": Case("ENV-1", DOCUMENT, exchange(BILL, raw_answer=b"OK", content_type="text/plain")),
    "env1-connection": Case("ENV-1", DOCUMENT, exchange(BILL, no_response=True)),
    "env1-timeout-is-trn1": Case(
        "ENV-1", NOT_JUDGED, exchange(BILL, no_response=True, problem=Problem.TIMEOUT)
    ),
    "env1-text-plain-error-lenient": Case(
        "ENV-1", HELD, error(BILL, 2, content_type="text/plain; charset=utf-8"), profile=LENIENT
    ),
    "env1-bare-401-lenient": Case(
        "ENV-1",
        NOT_JUDGED,
        exchange(BILL, raw_answer=b"", http_status=401, content_type=None),
        profile=LENIENT,
    ),
    # ENV-2
    "env2-integer": Case("ENV-2", HELD, error(BILL, 6)),
    "env2-string-strict": Case("ENV-2", DOCUMENT, exchange(BILL, dict(envelope(6), status="6"))),
    "env2-string-lenient": Case(
        "ENV-2", HELD, exchange(BILL, dict(envelope(6), status="6")), profile=LENIENT
    ),
    "env2-http-code": Case("ENV-2", DOCUMENT, exchange(BILL, dict(envelope(6), status=401))),
    # ENV-3
    "env3-matches": Case("ENV-3", HELD, error(BILL, 1)),
    "env3-string": Case("ENV-3", DOCUMENT, exchange(BILL, envelope(0, bill(), isSuccess="true"))),
    "env3-true-on-error": Case("ENV-3", DOCUMENT, exchange(BILL, envelope(6, isSuccess=True))),
    # ENV-4
    "env4-msgDev-null": Case("ENV-4", HELD, error(BILL, 6)),
    "env4-empty-msg-on-error": Case("ENV-4", DOCUMENT, exchange(BILL, envelope(6, msg=""))),
    "env4-msgDev-object": Case("ENV-4", DOCUMENT, exchange(BILL, envelope(6, msgDev={"trace": 1}))),
    # ENV-5
    "env5-envelope-500": Case("ENV-5", HELD, error(BILL, 500, http_status=500)),
    "env5-html-500": Case(
        "ENV-5",
        DOCUMENT,
        exchange(BILL, raw_answer=b"<h1>500</h1>", http_status=500, content_type="text/html"),
    ),
    # SCH-1
    "sch1-example-bill": Case("SCH-1", HELD, bill_answer()),
    "sch1-extra-fields": Case("SCH-1", HELD, bill_answer(bill(HospitalCode="44", Extra={"a": 1}))),
    "sch1-number": Case("SCH-1", DOCUMENT, bill_answer(bill(BILLID=1))),
    "sch1-null": Case("SCH-1", DOCUMENT, bill_answer(bill(DoctName=None))),
    # "strings are strings": an amount written as a JSON number breaks the shape too, not only SCH-2.
    "sch1-number-amount": Case("SCH-1", DOCUMENT, bill_answer(bill(SumFund=136.4))),
    "sch1-Items-strict": Case("SCH-1", DOCUMENT, bill_answer(bill_with(_capital_items))),
    "sch1-Items-lenient": Case("SCH-1", HELD, bill_answer(bill_with(_capital_items)), profile=LENIENT),
    "sch1-not-on-errors": Case("SCH-1", NOT_JUDGED, error(BILL, 6)),
    # SCH-2
    "sch2-no-decimals": Case(
        "SCH-2", HELD, exchange(SETTLE, envelope(0, receipt(SumFund="136.4", SBZFJE="95", GRZFJE3="41.4")))
    ),
    "sch2-three-decimals": Case("SCH-2", DOCUMENT, bill_answer(bill(SumFund="136.400"))),
    "sch2-four-decimal-price": Case(
        "SCH-2", HELD, bill_answer(bill_with(lambda b: _first_line(b).update(Price="18.5000")))
    ),
    "sch2-negative": Case("SCH-2", DOCUMENT, bill_answer(bill(SBZFJE="-1.00"))),
    "sch2-number-amount": Case("SCH-2", DOCUMENT, bill_answer(bill(SumFund=136.4))),
    # INP-1
    "inp1-status-5": Case("INP-1", HELD, error(LOGIN, 5, {"userId": "x"}), MISSING),
    "inp1-missing-status-6": Case("INP-1", DOCUMENT, error(LOGIN, 6, {"userId": "x"}), MISSING),
    "inp1-empty-string-status-6": Case("INP-1", ADVICE, error(LOGIN, 6, {"userId": ""}), EMPTY),
    "inp1-surrogate-status-6": Case("INP-1", ADVICE, error(BILL, 6), SURROGATE),
    "inp1-surrogate-status-0": Case("INP-1", DOCUMENT, bill_answer(), SURROGATE),
    "inp1-edge-5xx": Case("INP-1", DOCUMENT, error(LOGIN, 5, {"userId": ""}, http_status=500), EMPTY),
    "inp1-problem-json-lenient": Case(
        "INP-1",
        HELD,
        exchange(LOGIN, {"title": "bad"}, http_status=400, content_type="application/problem+json"),
        MISSING,
        LENIENT,
    ),
    "inp1-recorded-invalid": Case("INP-1", DOCUMENT, error(LOGIN, 6, {"password": "x"}), Recorded()),
    "inp1-recorded-empty-string": Case("INP-1", ADVICE, error(LOGIN, 6, {"userId": ""}), Recorded()),
    "inp1-recorded-valid": Case("INP-1", NOT_JUDGED, error(LOGIN, 6, {"userId": "u"}), Recorded()),
    "inp1-not-for-plain": Case("INP-1", NOT_JUDGED, error(LOGIN, 6, {"userId": "u"})),
    # INP-2
    "inp2-status-6": Case("INP-2", HELD, error(BILL, 6), UnknownRegistration()),
    "inp2-status-5": Case("INP-2", ADVICE, error(BILL, 5), UnknownRegistration()),
    "inp2-a-bill": Case("INP-2", DOCUMENT, bill_answer(), UnknownRegistration()),
    # AUTH-1
    "auth1-jwt": Case("AUTH-1", HELD, exchange(LOGIN, envelope(0, TOKEN), request={"userId": "u"})),
    "auth1-alg-none": Case(
        "AUTH-1",
        DOCUMENT,
        exchange(
            LOGIN, envelope(0, "eyJhbGciOiJub25lIn0." + TOKEN.split(".")[1] + "."), request={"userId": "u"}
        ),
    ),
    "auth1-refused": Case("AUTH-1", DOCUMENT, error(LOGIN, 6, {"userId": "u"})),
    "auth1-not-for-fuzzed": Case("AUTH-1", NOT_JUDGED, error(LOGIN, 6, {"userId": "u"}), Fuzzed()),
    # AUTH-2
    "auth2-refused": Case("AUTH-2", HELD, error(LOGIN, 6, {"userId": "u"}), WrongPassword()),
    "auth2-token": Case("AUTH-2", DOCUMENT, exchange(LOGIN, envelope(0, TOKEN)), WrongPassword()),
    "auth2-token-on-error": Case("AUTH-2", DOCUMENT, exchange(LOGIN, envelope(6, TOKEN)), WrongPassword()),
    # AUTH-3
    "auth3-status-1": Case("AUTH-3", HELD, error(BILL, 1), ForgedToken(variant="garbage")),
    "auth3-401-envelope": Case("AUTH-3", HELD, error(BILL, 1, http_status=401), ForgedToken(variant="none")),
    "auth3-accepted": Case("AUTH-3", DOCUMENT, bill_answer(), ForgedToken(variant="alg none")),
    "auth3-status-3": Case("AUTH-3", DOCUMENT, error(BILL, 3), ForgedToken(variant="tampered")),
    # AUTH-4
    "auth4-status-3": Case("AUTH-4", HELD, error(BILL, 3), ExpiredToken()),
    "auth4-status-1": Case("AUTH-4", DOCUMENT, error(BILL, 1), ExpiredToken()),
    "auth4-bare-401-lenient": Case(
        "AUTH-4",
        HELD,
        exchange(BILL, raw_answer=b"", http_status=401, content_type=None),
        ExpiredToken(),
        LENIENT,
    ),
    # AUTH-5
    "auth5-bill": Case("AUTH-5", HELD, bill_answer()),
    "auth5-unknown-registration-is-not-auth": Case("AUTH-5", HELD, error(BILL, 6)),
    "auth5-refused": Case("AUTH-5", DOCUMENT, error(BILL, 1)),
    # SEM-1..5 (on bills; SEM-1 and SEM-5 on receipts too)
    "sem1-held": Case("SEM-1", HELD, bill_answer()),
    "sem1-insured-exceeds": Case("SEM-1", DOCUMENT, bill_answer(bill(SBZFJE="200.00"))),
    "sem1-receipt": Case("SEM-1", DOCUMENT, exchange(SETTLE, envelope(0, receipt(GRZFJE3="99.00")))),
    "sem1-lenient-is-advice": Case("SEM-1", ADVICE, bill_answer(bill(SBZFJE="200.00")), profile=LENIENT),
    "sem2-held": Case("SEM-2", HELD, bill_answer()),
    "sem3-held": Case("SEM-3", HELD, bill_answer()),
    "sem2-total-not-items": Case("SEM-2", DOCUMENT, bill_answer(bill(SumFund="137.40", GRZFJE3="41.92"))),
    "sem2-not-on-receipts": Case("SEM-2", NOT_JUDGED, exchange(SETTLE, envelope(0, receipt()))),
    "sem3-item-not-lines": Case(
        "SEM-3",
        DOCUMENT,
        bill_answer(bill_with(lambda b: _first_line(b).update(PerPrice="38.00", Price="19.0000"))),
    ),
    "sem4-held-within-a-cent": Case(
        "SEM-4", HELD, bill_answer(bill_with(lambda b: _first_line(b).update(Price="18.5049")))
    ),
    "sem4-line-not-price-times-count": Case(
        "SEM-4", DOCUMENT, bill_answer(bill_with(lambda b: _first_line(b).update(PerItemCount="3")))
    ),
    "sem5-self-pay-insured": Case("SEM-5", DOCUMENT, bill_answer(bill(FeeType="自费"))),
    "sem5-self-pay-zero": Case(
        "SEM-5", HELD, exchange(SETTLE, envelope(0, receipt(FeeType="自费", SBZFJE="0.00", GRZFJE3="136.40")))
    ),
    # SET-1..5
    "set1-refused": Case("SET-1", HELD, error(SETTLE, 6, SETTLE_BODY), WrongMoney(bill=BILL_OF_RECORD)),
    "set1-settled": Case(
        "SET-1",
        DOCUMENT,
        exchange(SETTLE, envelope(0, receipt()), request=SETTLE_BODY),
        WrongMoney(bill=BILL_OF_RECORD),
    ),
    "set1-bill-still-there": Case("SET-1", HELD, bill_answer(), BillAfterWrongMoney(bill=BILL_OF_RECORD)),
    "set1-bill-gone": Case("SET-1", DOCUMENT, error(BILL, 6), BillAfterWrongMoney(bill=BILL_OF_RECORD)),
    "set2-receipt": Case(
        "SET-2",
        HELD,
        exchange(SETTLE, envelope(0, receipt()), request=SETTLE_BODY),
        Settle(bill=BILL_OF_RECORD),
    ),
    "set2-no-numbers": Case(
        "SET-2",
        DOCUMENT,
        exchange(SETTLE, envelope(0, receipt(CheckOutNo="", SerNo=" ")), request=SETTLE_BODY),
        Settle(bill=BILL_OF_RECORD),
    ),
    "set2-wrong-card": Case(
        "SET-2",
        DOCUMENT,
        exchange(SETTLE, envelope(0, receipt(CardNo="C999")), request=SETTLE_BODY),
        Settle(bill=BILL_OF_RECORD),
    ),
    "set2-refused": Case("SET-2", DOCUMENT, error(SETTLE, 6, SETTLE_BODY), Settle(bill=BILL_OF_RECORD)),
    "set3-same-receipt": Case(
        "SET-3",
        HELD,
        exchange(SETTLE, envelope(0, FIRST_RECEIPT), request=SETTLE_BODY),
        ReplayOf(bill=BILL_OF_RECORD, receipt=FIRST_RECEIPT),
    ),
    "set3-refused": Case(
        "SET-3", HELD, error(SETTLE, 6, SETTLE_BODY), ReplayOf(bill=BILL_OF_RECORD, receipt=FIRST_RECEIPT)
    ),
    "set3-second-settlement": Case(
        "SET-3",
        DOCUMENT,
        exchange(SETTLE, envelope(0, receipt(CheckOutNo="JS-OTHER")), request=SETTLE_BODY),
        ReplayOf(bill=BILL_OF_RECORD, receipt=FIRST_RECEIPT),
    ),
    "set4-refused": Case("SET-4", HELD, error(SETTLE, 6, SETTLE_BODY), SettleAgain(bill=BILL_OF_RECORD)),
    "set4-settled-again": Case(
        "SET-4",
        DOCUMENT,
        exchange(SETTLE, envelope(0, receipt()), request=SETTLE_BODY),
        SettleAgain(bill=BILL_OF_RECORD),
    ),
    "set5-gone": Case("SET-5", HELD, error(BILL, 6), BillAfterSettle(bill=BILL_OF_RECORD)),
    "set5-status-changed": Case(
        "SET-5", HELD, bill_answer(bill(BILLSTATUS="YJ")), BillAfterSettle(bill=BILL_OF_RECORD)
    ),
    "set5-still-offered": Case("SET-5", DOCUMENT, bill_answer(), BillAfterSettle(bill=BILL_OF_RECORD)),
    # SEC-1
    "sec1-nothing-echoed": Case("SEC-1", HELD, error(LOGIN, 6, {"userId": "demo", "password": RUN_PASSWORD})),
    "sec1-token-in-the-login-answer": Case("SEC-1", HELD, exchange(LOGIN, envelope(0, RUN_TOKEN))),
    "sec1-password-in-msgdev": Case(
        "SEC-1", DOCUMENT, exchange(LOGIN, envelope(6, msgDev=f"bad password {RUN_PASSWORD}"))
    ),
    "sec1-password-json-escaped": Case(
        "SEC-1",
        DOCUMENT,
        exchange(LOGIN, raw_answer=b'{"status": 6, "msg": "x", "msgDev": "Sup3r-Secret-\\u5BC6\\u7801"}'),
    ),
    "sec1-probe-password-base64": Case(
        "SEC-1",
        DOCUMENT,
        exchange(LOGIN, envelope(5, msgDev=base64.b64encode(b"demo:" + PROBE_PASSWORD.encode()).decode())),
    ),
    "sec1-token-in-an-error": Case(
        "SEC-1",
        DOCUMENT,
        exchange(BILL, envelope(1, msgDev=f"rejected Token {RUN_TOKEN}"), request={"RegNo": "1"}),
    ),
    # TRN-1
    "trn1-in-time": Case("TRN-1", HELD, bill_answer()),
    "trn1-timeout": Case("TRN-1", DOCUMENT, exchange(BILL, no_response=True, problem=Problem.TIMEOUT)),
    # INP-1 on boundary values (valid strings: any status but 0, a page that is no envelope is ENV-5's)
    "inp1-boundary-status-6": Case("INP-1", HELD, error(BILL, 6, {"RegNo": "HISCONF\U00020000"}), BOUNDARY),
    "inp1-boundary-status-5": Case("INP-1", HELD, error(BILL, 5, {"RegNo": "HISCONF\U00020000"}), BOUNDARY),
    "inp1-boundary-a-bill": Case("INP-1", DOCUMENT, bill_answer(), BOUNDARY),
    "inp1-boundary-envelope-500": Case(
        "INP-1", DOCUMENT, error(BILL, 2, {"RegNo": "x"}, http_status=500), BOUNDARY
    ),
    "inp1-boundary-html-500-is-env5s": Case(
        "INP-1",
        NOT_JUDGED_AS_FINDING,
        exchange(
            BILL,
            request={"RegNo": "x"},
            raw_answer=b"<h1>500</h1>",
            http_status=500,
            content_type="text/html",
        ),
        BOUNDARY,
    ),
    # INP-2 on lookalikes: a page that is no envelope is ENV-1's or ENV-5's
    "inp2-lookalike-html-500": Case(
        "INP-2",
        NOT_JUDGED,
        exchange(BILL, raw_answer=b"<h1>500</h1>", http_status=500, content_type="text/html"),
        UnknownRegistration(variant="a lone quote"),
    ),
    # INP-3
    "inp3-accepted": Case("INP-3", HELD, bill_answer(), ValidRequest()),
    "inp3-status-5": Case("INP-3", DOCUMENT, error(BILL, 5), ValidRequest()),
    "inp3-problem-json-lenient": Case(
        "INP-3",
        DOCUMENT,
        exchange(BILL, {"title": "bad"}, http_status=400, content_type="application/problem+json"),
        ValidRequest(),
        LENIENT,
    ),
    "inp3-status-6-is-advice": Case("INP-3", ADVICE, error(BILL, 6), ValidRequest()),
    "inp3-race-loser-status-6": Case(
        "INP-3", HELD, error(SETTLE, 6, SETTLE_BODY), RaceAttempt(bill=BILL_OF_RECORD)
    ),
    "inp3-race-status-5": Case(
        "INP-3", DOCUMENT, error(SETTLE, 5, SETTLE_BODY), RaceAttempt(bill=BILL_OF_RECORD, diagnosis="why")
    ),
    # AUTH-6
    "auth6-status-1": Case("AUTH-6", HELD, error(BILL, 1), WEAK),
    "auth6-401-lenient": Case(
        "AUTH-6", HELD, exchange(BILL, raw_answer=b"", http_status=401, content_type=None), WEAK, LENIENT
    ),
    "auth6-accepted": Case("AUTH-6", DOCUMENT, bill_answer(), WEAK),
    "auth6-status-6": Case("AUTH-6", DOCUMENT, error(BILL, 6), WEAK),
    "auth6-not-auth3s": Case("AUTH-3", NOT_JUDGED, bill_answer(), WEAK),
    # SET-6
    "set6-refused": Case("SET-6", HELD, error(SETTLE, 6, SETTLE_BODY), OTHER_CARD),
    "set6-settled": Case(
        "SET-6", DOCUMENT, exchange(SETTLE, envelope(0, receipt()), request=SETTLE_BODY), OTHER_CARD
    ),
    "set6-bill-still-there": Case("SET-6", HELD, bill_answer(), BILL_AFTER_OTHER_CARD),
    "set6-bill-gone": Case("SET-6", DOCUMENT, error(BILL, 6), BILL_AFTER_OTHER_CARD),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rule_on_a_synthetic_exchange(name: str) -> None:
    case = CASES[name]
    judged = judge(case.exchange, case.intent, case.profile)

    if case.expected == NOT_JUDGED:
        assert case.rule not in judged, judged[case.rule]
        return
    assert case.rule in judged, f"{case.rule} did not judge the exchange: {sorted(judged)}"
    finding = judged[case.rule]
    if case.expected in (HELD, NOT_JUDGED_AS_FINDING):
        assert finding is None, finding
        return
    assert finding is not None, f"{case.rule} held"
    assert finding.basis is Basis(case.expected), finding
    assert finding.rule_id == case.rule and finding.kind and finding.received
    assert finding.severity is load_spec().rules[case.rule].severity


def test_every_rule_has_a_held_and_a_broken_case() -> None:
    held = {case.rule for case in CASES.values() if case.expected == HELD} | {"SET-7"}  # race cases below
    broken = {case.rule for case in CASES.values() if case.expected in (DOCUMENT, ADVICE)} | {"SET-7"}
    rules = {rule.id for rule in load_spec().rules.values() if rule.group != "client"}
    assert held == rules and broken == rules, (rules - held, rules - broken)


def test_a_correct_bill_breaks_no_rule() -> None:
    judged = judge(bill_answer(), Plain())
    assert {rule: finding for rule, finding in judged.items() if finding is not None} == {}
    assert {"ENV-1", "ENV-2", "ENV-3", "ENV-4", "ENV-5", "SCH-1", "SCH-2", "AUTH-5", "TRN-1"} <= set(judged)
    assert {f"SEM-{n}" for n in range(1, 6)} <= set(judged)


def test_the_bill_is_not_changed_by_judging() -> None:
    document = bill_with(_capital_items)
    before = copy.deepcopy(document)
    judge(bill_answer(document), Plain(), LENIENT)
    assert document == before


# --- SET-7, a group check: the race's settlements, the replay, the bill read afterwards ------------


def _settled(serial: str, check_out_no: str) -> Exchange:
    return exchange(
        SETTLE, envelope(0, receipt(CheckOutNo=check_out_no)), request={**SETTLE_BODY, "SerialNumber": serial}
    )


def _refused(serial: str) -> Exchange:
    return error(SETTLE, 6, {**SETTLE_BODY, "SerialNumber": serial})


def _judge_race(exchanges: list[Exchange]) -> Any:
    answers = [read_answer(item, CONTRACT, STRICT) for item in exchanges]
    judgements = judge_group(CONTRACT, STRICT, exchanges, answers, Race(bill=BILL_OF_RECORD))
    return {judgement.rule_id: judgement.finding for judgement in judgements}["SET-7"]


RACE_CASES: dict[str, tuple[list[Exchange], str]] = {
    "one-winner-identical-replayed": (
        [
            _settled("S", "JS1"),
            _settled("S", "JS1"),
            _refused("S-R1"),
            _refused("S-R2"),
            _settled("S", "JS1"),
        ],
        HELD,
    ),
    "a-distinct-serial-won": ([_refused("S"), _settled("S-R1", "JS1"), _refused("S")], HELD),
    "nothing-settled-is-set2s": ([_refused("S"), _refused("S-R1")], HELD),
    "two-serials-settled": ([_settled("S", "JS1"), _settled("S-R1", "JS2")], DOCUMENT),
    "identical-with-two-check-out-numbers": ([_settled("S", "JS1"), _settled("S", "JS2")], DOCUMENT),
}


@pytest.mark.parametrize("name", list(RACE_CASES))
def test_set7_on_a_synthetic_race(name: str) -> None:
    exchanges, expected = RACE_CASES[name]
    finding = _judge_race(exchanges)

    if expected == HELD:
        assert finding is None, finding
        return
    assert finding is not None and finding.basis is Basis.DOCUMENT
    # The finding shows every answer of the race, each with the SerialNumber it was sent with.
    settlements = [item for item in exchanges if item.operation_id == SETTLE]
    assert finding.received.count(": SerialNumber ") == len(settlements), finding.received
