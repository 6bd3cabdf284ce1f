"""The verdict and the reports from synthetic findings: basis, --fail-on, counting identical findings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.classify import classify_body
from conformance.findings import Finding
from conformance.html_report import render_html
from conformance.http import Exchange
from conformance.intents import InputKind, InvalidInput, Plain
from conformance.profiles import LENIENT, STRICT, Profile
from conformance.redact import Redactor
from conformance.registry import Judgement, make_finding
from conformance.report import as_json, console_summary, write_junit
from conformance.results import EXCHANGES_PER_KEY, Outcome, Recorder, RunInfo
from his_contract import Basis, load_spec
from tests.conformance.exchanges import CONTRACT, envelope, exchange, judge

RULES = load_spec().rules


def recorder(*, fail_on: Basis = Basis.DOCUMENT, profile: Profile = STRICT) -> Recorder:
    info = RunInfo("http://his.test", profile.name, 0, 0, 1.0, False, fail_on=fail_on)
    return Recorder(dict(RULES), profile, Redactor(), info)


def finding(rule_id: str, ex: Exchange, kind: str, basis: Basis | None = None) -> Finding:
    return make_finding(
        RULES[rule_id], STRICT, ex, kind=kind, received=f"{kind} seen", expected=None, basis=basis
    )


EDGE = exchange("login", envelope(6), request={"userId": ""})
BROKEN = exchange("getUnSettleBillByDoctor", envelope(6, msg=""))


def finished(fail_on: Basis = Basis.DOCUMENT) -> Recorder:
    run = recorder(fail_on=fail_on)
    # Five copies of one ENV-4 defect, one other ENV-4 defect, one INP-1 advice, one ENV-1 pass.
    run.record([Judgement("ENV-4", finding("ENV-4", BROKEN, "msg-empty")) for _ in range(5)])
    run.record([Judgement("ENV-4", finding("ENV-4", BROKEN, "msgDev-type"))])
    run.record([Judgement("INP-1", finding("INP-1", EDGE, "empty-string:status-6", Basis.ADVICE))])
    run.record([Judgement("ENV-1", None)])
    run.finish()
    return run


def test_advice_does_not_fail_a_run_unless_asked() -> None:
    by_default, strict_reader = finished(), finished(Basis.ADVICE)
    advice_only = recorder()
    advice_only.record([Judgement("INP-1", finding("INP-1", EDGE, "empty-string:status-6", Basis.ADVICE))])
    advice_only.finish()
    asked = recorder(fail_on=Basis.ADVICE)
    asked.record([Judgement("INP-1", finding("INP-1", EDGE, "empty-string:status-6", Basis.ADVICE))])
    asked.finish()

    assert (by_default.exit_code, strict_reader.exit_code) == (1, 1)
    assert advice_only.results["INP-1"].outcome is Outcome.ADVICE
    assert (advice_only.exit_code, asked.exit_code) == (0, 1)


def test_identical_findings_are_counted_and_never_hide_another() -> None:
    result = finished().results["ENV-4"]

    shown = [(f.kind, count) for f, count in result.distinct(Basis.DOCUMENT)]
    assert shown == [("msg-empty", 5), ("msgDev-type", 1)]
    assert result.failed == 6 and result.checks == 6


def test_the_json_keeps_every_finding_with_its_basis() -> None:
    document = as_json(finished())
    rules = {rule["id"]: rule for rule in document["rules"]}

    assert len(rules["ENV-4"]["findings"]) == 6
    assert {f["basis"] for f in rules["ENV-4"]["findings"]} == {"document"}
    assert rules["INP-1"]["outcome"] == "advice" and rules["INP-1"]["findings"][0]["basis"] == "advice"
    assert rules["INP-1"]["findings"][0]["severity"] == RULES["INP-1"].severity.value
    assert document["summary"]["advice_findings"] == 1 and document["summary"]["advice"] == 1
    assert document["fail_on"] == "document"
    json.dumps(document, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("fail_on", [Basis.DOCUMENT, Basis.ADVICE])
def test_junit_shows_advice_apart_and_fails_it_only_when_asked(tmp_path: Path, fail_on: Basis) -> None:
    write_junit(finished(fail_on), tmp_path / "j.xml")
    cases = {
        c.get("name", "").split(" ")[0]: c for c in ET.parse(tmp_path / "j.xml").getroot().iter("testcase")
    }

    env4 = cases["ENV-4"].find("failure")
    assert env4 is not None and "5 identical findings" in (env4.text or "")
    # The other defect of the same rule is shown too, once: five copies never hide it.
    assert "msgDev-type seen" in (env4.text or "") and (env4.text or "").count("msg-empty seen") == 1
    inp1 = cases["INP-1"]
    if fail_on is Basis.ADVICE:
        assert inp1.find("failure") is not None
    else:
        assert inp1.find("failure") is None
        out = inp1.find("system-out")
        assert out is not None and "Advice" in (out.text or "") and "userId" in (out.text or "")


def test_console_and_html_have_an_advice_section() -> None:
    run = finished()
    text, html = console_summary(run), render_html(run)

    assert "FAILED ENV-4" in text and "ADVICE INP-1" in text
    assert text.index("FAILED ENV-4") < text.index("Advice: the kit's reading") < text.index("ADVICE INP-1")
    assert "(5 identical findings" in text
    assert '<h2 id="advice">' in html and '<h2 id="document">' in html


def test_a_lenient_profile_makes_semantics_advice_in_one_place() -> None:
    bill_answer = exchange("getUnSettleBillByDoctor", envelope(0, {"SumFund": "1.00", "SBZFJE": "2.00"}))
    strict = judge(bill_answer, Plain(), STRICT)["SEM-1"]
    lenient = judge(bill_answer, Plain(), LENIENT)["SEM-1"]

    assert strict is not None and strict.basis is Basis.DOCUMENT
    assert lenient is not None and lenient.basis is Basis.ADVICE
    assert LENIENT.basis_for(RULES["SCH-1"], Basis.DOCUMENT) is Basis.DOCUMENT


def test_a_lone_surrogate_in_a_finding_reaches_every_report_escaped(tmp_path: Path) -> None:
    answer = json.dumps(envelope(6, msg="未找到 \ud800")).encode()  # ASCII JSON: the escape travels
    echoed = exchange("getUnSettleBillByDoctor", raw_answer=answer, request={"RegNo": "x"})
    run = recorder()
    run.record([Judgement("INP-1", finding("INP-1", echoed, "lone-surrogate:status-6", Basis.ADVICE))])
    run.finish()

    write_junit(run, tmp_path / "j.xml")
    assert "\\ud800" in render_html(run)
    json.dumps(as_json(run), ensure_ascii=False).encode("utf-8")
    console_summary(run).encode("utf-8")


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", InputKind.EMPTY_BODY),
        (b'{"userId": ', InputKind.MALFORMED_JSON),
        (b'{"userId": NaN}', InputKind.NAN_LITERAL),
        (b"[1]", InputKind.NON_OBJECT),
        (b"{}", InputKind.MISSING_FIELD),
        (b'{"userId": 1}', InputKind.WRONG_TYPE),
        (b'{"userId": ""}', InputKind.EMPTY_STRING),
        (b'{"userId": "\\ud800"}', InputKind.LONE_SURROGATE),
        (b'{"userId": "' + b"9" * 3000 + b'"}', InputKind.LONG_STRING),
        (b'{"userId": "", "password": 1}', InputKind.WRONG_TYPE),  # a strict defect outranks an edge one
        (b'{"userId": "u", "extra": [1]}', None),
    ],
    ids=lambda value: str(value)[:20],
)
def test_a_request_body_is_classified_by_its_kind_of_invalid_input(
    body: bytes, kind: InputKind | None
) -> None:
    assert classify_body(body, CONTRACT.request_validator("login")) == kind
    assert kind is None or kind.edge == (
        kind in (InputKind.EMPTY_STRING, InputKind.LONE_SURROGATE, InputKind.LONG_STRING)
    )


def test_an_invalid_input_intent_names_its_purpose() -> None:
    assert InvalidInput(kind=InputKind.EMPTY_BODY, purpose="an empty body").describe() == "an empty body"
    assert InvalidInput(kind=InputKind.EMPTY_BODY).describe() == "InvalidInput"


def test_identical_findings_beyond_a_few_keep_no_exchange_but_are_all_counted() -> None:
    run = recorder()
    run.record(
        [Judgement("ENV-4", finding("ENV-4", BROKEN, "msg-empty")) for _ in range(EXCHANGES_PER_KEY + 7)]
    )
    run.finish()

    findings = next(rule for rule in as_json(run)["rules"] if rule["id"] == "ENV-4")["findings"]
    assert len(findings) == EXCHANGES_PER_KEY + 7
    assert [f["request"] is not None for f in findings] == [True] * EXCHANGES_PER_KEY + [False] * 7
    assert f"({EXCHANGES_PER_KEY + 7} identical findings" in console_summary(run)
