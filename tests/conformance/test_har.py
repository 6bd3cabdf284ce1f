"""`his-conformance --har`: recorded traffic judged by the same rules as a live run, sending nothing.

The HAR files are recorded here, from real servers over real HTTP: the broken-server catalogue
(each in a thread of this process), the reference HIS, his-mock in both flavors, and Swagger UI's
"Try it out" in headless Chromium (the DevTools format). Fast unit tests feed hand-written HARs
in the habits of Fiddler, Charles and mitmproxy, and hostile ones.
"""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.contract import Contract
from conformance.har import read_recording
from conformance.http import Problem
from his_contract import load_spec
from tests.conformance import broken, quirky
from tests.conformance.broken import base
from tests.conformance.conftest import SuiteRun, run_in_process
from tests.support.devtools_har import record_swagger_try_it_out
from tests.support.har_recorder import STYLES, HarRecorder
from tests.support.har_sequence import BILL, LOGIN, Account, record_sequence
from tests.support.inprocess import serve_his
from tests.support.mock import DEMO_CARD_NO, DEMO_PASSWORD, DEMO_REG_NO, DEMO_USER, start_mock

# The catalogue's servers run in threads of this process: the AUTH-5 server signs with a short
# key, and PyJWT's warning about it must not become an error (filterwarnings) inside the server.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

CATALOGUE = sorted(module.name for module in pkgutil.iter_modules(broken.__path__) if module.name != "base")
# What no recording can show: the client's intent is not on the wire. A refused login looks the
# same whether the password was wrong; an expired token needs the server's clock; an unknown
# registration looks like any refused lookup; a forged token, a valid request variant, someone
# else's card and a race are the kit's own targeted probes, which no ordinary client sends.
NOT_RECORDABLE = {"AUTH-2", "AUTH-4", "AUTH-6", "INP-2", "INP-3", "SET-6", "SET-7"}
# Servers whose defect shows only on a request the recorded sequence never sends (a quote, a long or
# non-BMP value, a wrong password), or that a HAR's decoded text hides (GBK bytes under utf-8).
NOT_IN_THE_SEQUENCE = {
    "env5_long_string_crash",
    "env5_non_bmp_crash",
    "env5_quote_crash",
    "env_gbk_under_utf8",
    "sec1_password_in_msgdev",
}
BROKEN_ACCOUNT = Account(base.USER_ID, base.PASSWORD, base.REG_NO, base.CARD_NO)
DEMO_ACCOUNT = Account(DEMO_USER, DEMO_PASSWORD, DEMO_REG_NO, DEMO_CARD_NO)


def _module(name: str) -> Any:
    return importlib.import_module(f"tests.conformance.broken.{name}")


RECORDABLE = [
    name
    for name in CATALOGUE
    if _module(name).EXPECTED not in NOT_RECORDABLE and name not in NOT_IN_THE_SEQUENCE
]
QUIRKY = sorted(module.name for module in pkgutil.iter_modules(quirky.__path__))


def judge(har: Path, tmp_path: Path, *args: str) -> tuple[SuiteRun, dict[str, Any]]:
    """Run `his-conformance --har` in process; the run and its JSON report."""
    report = tmp_path / "report.json"
    run = run_in_process(["--har", str(har), "--json", str(report), "-q", *args], tmp_path)
    document = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return run, document


def findings(report: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [f for rule in report["rules"] if rule["id"] == rule_id for f in rule["findings"]]


# --- The broken-server catalogue, recorded ----------------------------------------------------


def test_every_server_of_the_catalogue_is_recorded_but_what_no_recording_shows() -> None:
    left_out = {name for name in CATALOGUE if name not in RECORDABLE} - NOT_IN_THE_SEQUENCE
    assert {_module(name).EXPECTED for name in left_out} <= NOT_RECORDABLE
    assert NOT_IN_THE_SEQUENCE <= set(CATALOGUE)
    assert len(RECORDABLE) >= 40


@pytest.mark.parametrize("name", RECORDABLE)
def test_recorded_broken_server_fails_with_its_rule(name: str, tmp_path: Path) -> None:
    module = _module(name)
    extra = [arg for arg in getattr(module, "EXTRA_ARGS", []) if arg != "--allow-settlement"]
    timeout = float(extra[extra.index("--timeout") + 1]) if "--timeout" in extra else None
    style = STYLES[CATALOGUE.index(name) % len(STYLES)]
    with serve_his(name) as url:
        # A recorder that gives up soon after the judged timeout keeps the slow server's test short.
        recorder = HarRecorder(url, style=style, timeout=timeout + 0.5 if timeout else 5.0)
        record_sequence(recorder, BROKEN_ACCOUNT)
    har = recorder.write(tmp_path / f"{name}.har")

    run, report = judge(har, tmp_path, *extra)

    assert run.exit_code == 1, run.output
    assert module.EXPECTED in run.failed_rules(), (
        f"{module.EXPECTED} not in {run.failed_rules()}:\n{run.output}"
    )
    cited = findings(report, module.EXPECTED)
    assert cited and all("[recorded entry #" in f["received"] for f in cited), cited
    assert all(f["purpose"].startswith("recorded entry #") for f in cited if "purpose" in f), cited
    # The password of the recorded login never leaves in a report.
    assert base.PASSWORD not in run.output
    assert base.PASSWORD not in json.dumps(report, ensure_ascii=False)


def test_a_finding_cites_the_entry_and_its_time(tmp_path: Path) -> None:
    with serve_his("set3_replay_settles_twice") as url:
        recorder = HarRecorder(url)
        record_sequence(recorder, BROKEN_ACCOUNT)
    har = recorder.write(tmp_path / "set3.har")
    entries = recorder.har()["log"]["entries"]
    replays = [
        index
        for index, entry in enumerate(entries)
        if entry["request"]["url"].endswith("SettleByDoctor")
        and json.loads(entry["request"]["postData"]["text"])["SerialNumber"].endswith("1234567890")
    ]
    assert len(replays) == 2  # the settlement and its identical replay

    run, report = judge(har, tmp_path)

    (finding,) = findings(report, "SET-3")
    replay = replays[1]
    assert finding["purpose"].startswith(f"recorded entry #{replay} ({entries[replay]['startedDateTime']})")
    assert f"entry #{replay}" in run.output
    # The token the recorded login issued is hidden too, in the curl line and the headers.
    token = json.loads(entries[0]["response"]["content"]["text"])["response"]
    assert token not in run.output and token not in json.dumps(report)


# --- Correct servers pass --------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_recorded_reference_server_passes(style: str, tmp_path: Path) -> None:
    with serve_his("base") as url:
        recorder = HarRecorder(url, style=style)
        record_sequence(recorder, BROKEN_ACCOUNT)
    run, report = judge(recorder.write(tmp_path / "reference.har"), tmp_path)

    assert run.exit_code == 0, run.output
    outcomes = run.outcomes()
    judged = {rule for rule, outcome in outcomes.items() if outcome == "passed"}
    # Every rule a recording can show was shown by the sequence, and held.
    assert judged >= {"ENV-1", "ENV-5", "SCH-1", "SEM-2", "INP-1", "AUTH-1", "AUTH-3", "AUTH-5"}
    assert judged >= {"SET-1", "SET-2", "SET-3", "SET-4", "SET-5", "TRN-1"}
    assert {rule for rule, outcome in outcomes.items() if outcome == "skipped"} == NOT_RECORDABLE


@pytest.mark.parametrize("name", QUIRKY)
def test_recorded_quirky_but_correct_server_passes(name: str, tmp_path: Path) -> None:
    module = importlib.import_module(f"tests.conformance.quirky.{name}")
    with serve_his(name, "quirky") as url:
        recorder = HarRecorder(url, style=STYLES[QUIRKY.index(name) % len(STYLES)])
        record_sequence(recorder, BROKEN_ACCOUNT)

    run, report = judge(recorder.write(tmp_path / f"{name}.har"), tmp_path, "--profile", module.PROFILE)

    assert run.exit_code == 0, run.output
    advised = {rule["id"] for rule in report["rules"] if rule["outcome"] == "advice"}
    assert advised <= module.ADVICE, run.output  # advice only where the live run may give it too


@pytest.mark.slow
@pytest.mark.parametrize(("flavor", "profile"), [("doc", "strict"), ("aspnet", "lenient")])
def test_recorded_mock_passes_and_its_journal_is_read(flavor: str, profile: str, tmp_path: Path) -> None:
    with start_mock(flavor=flavor) as mock:
        recorder = HarRecorder(mock.base_url, style="chromium")
        record_sequence(recorder, DEMO_ACCOUNT)
        journal = requests.get(f"{mock.base_url}/__admin/requests", timeout=10).json()
    har_run, _ = judge(recorder.write(tmp_path / "mock.har"), tmp_path, "--profile", profile)
    assert har_run.exit_code == 0, har_run.output

    journal_path = tmp_path / "journal.json"
    journal_path.write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
    journal_run, report = judge(journal_path, tmp_path, "--profile", profile)
    assert journal_run.exit_code == 0, journal_run.output
    assert "his-mock journal" in report["base_url"]
    # The journal keeps no response bodies: only the status line's rule (TRN-1) judges its answers.
    trn = next(rule for rule in report["rules"] if rule["id"] == "TRN-1")
    assert trn["outcome"] == "passed" and trn["checks"] == len(recorder.entries)


# --- A browser's DevTools export -------------------------------------------------------------


@pytest.mark.slow
def test_a_chromium_devtools_har_of_swagger_ui_is_read_and_judged(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (scripts/test does it)")
    with start_mock() as mock:
        har, seen = record_swagger_try_it_out(
            chromium,
            mock.base_url,
            tmp_path / "profile",
            user_id=DEMO_USER,
            password=DEMO_PASSWORD,
            reg_no=DEMO_REG_NO,
        )
    assert seen == {"login": 0, "bill": 0}, seen  # Swagger UI logged in and showed the bill
    path = tmp_path / "swagger-ui.har"
    path.write_text(json.dumps(har, ensure_ascii=False), encoding="utf-8")
    assert har["log"]["creator"]["name"] == "WebInspector"

    recording = read_recording(path, Contract(load_spec()))
    assert [item.exchange.operation_id for item in recording.exchanges] == [
        "login",
        "getUnSettleBillByDoctor",
    ]
    assert all(item.timed and item.response_body_recorded for item in recording.exchanges)
    assert any(entry.url.endswith("/docs/swagger-ui-bundle.js") for entry in recording.unknown)

    run, report = judge(path, tmp_path)
    assert run.exit_code == 0, run.output
    passed = {rule["id"] for rule in report["rules"] if rule["outcome"] == "passed"}
    assert {"ENV-1", "SCH-1", "SEM-2", "AUTH-1", "AUTH-5", "TRN-1"} <= passed
    assert any("/docs/swagger-ui-bundle.js" in note for note in report["notes"])  # listed, not judged


# --- What tools write: unit tests on hand-written HARs ----------------------------------------


def _har(*entries: dict[str, Any], creator: str = "Charles Proxy") -> dict[str, Any]:
    return {
        "log": {"version": "1.2", "creator": {"name": creator, "version": "4.6"}, "entries": list(entries)}
    }


def _entry(
    path: str,
    *,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    started: str = "2026-12-01T10:00:00.000+08:00",
    **extra: Any,
) -> dict[str, Any]:
    entry = {
        "startedDateTime": started,
        "time": 12.5,
        "request": {"method": "POST", "url": f"http://10.0.0.5:8080{path}", "headers": [], **(request or {})},
        "response": {"status": 200, "statusText": "OK", "headers": [], "content": {}, **(response or {})},
        "timings": {"send": 0.5, "wait": 10, "receive": 2},
    }
    entry.update(extra)
    return entry


def _read(tmp_path: Path, document: object) -> Any:
    path = tmp_path / "in.har"
    path.write_text(json.dumps(document), encoding="utf-8")
    return read_recording(path, Contract(load_spec()))


def test_tools_habits_are_read(tmp_path: Path) -> None:
    envelope = json.dumps(
        {"status": 5, "isSuccess": False, "msg": "入参参数错误", "msgDev": None, "response": None}
    )
    recording = _read(
        tmp_path,
        _har(
            # Fiddler: base64 body (wrapped), no postData on a bodiless POST, headers as a list.
            _entry(
                BILL,
                request={"headers": [{"name": "Authorization", "value": "Bearer a.b.c"}], "bodySize": 0},
                response={
                    "headers": [{"name": "Content-Type", "value": "application/json"}],
                    "content": {
                        "size": 10,
                        "mimeType": "application/json",
                        "encoding": "base64",
                        "text": base64.encodebytes(envelope.encode()).decode(),
                    },
                },
            ),
            # Chromium over HTTP/2: pseudo-headers, `_` extras, a failed call with `_error`.
            _entry(
                LOGIN,
                request={"headers": [{"name": ":authority", "value": "x"}], "postData": {"text": "{}"}},
                response={"status": 0, "_error": "net::ERR_EMPTY_RESPONSE"},
                _resourceType="fetch",
                _priority="High",
                started="2026-12-01T01:59:59.000Z",
            ),
            # mitmproxy: content.text absent (the body was not kept); a form body as params.
            _entry(
                "/his" + LOGIN,
                request={
                    "postData": {
                        "mimeType": "application/x-www-form-urlencoded",
                        "params": [{"name": "userId", "value": "demo"}],
                    }
                },
                response={"content": {"size": 120, "mimeType": "application/json"}},
                started="2026-12-01T10:00:01.000+08:00",
            ),
            _entry("/api/unknown"),
            _entry(LOGIN, request={"method": "OPTIONS"}),
        ),
    )
    first, second, third = recording.exchanges
    # Sorted by start time: the Chromium entry started first (01:59:59Z is 09:59:59+08:00).
    assert first.index == 1 and first.exchange.problem is Problem.CONNECTION
    assert first.exchange.request.headers == ()
    assert second.index == 0 and second.exchange.response is not None
    assert json.loads(second.exchange.response.body)["status"] == 5
    assert second.exchange.request.body is None and second.request_body_recorded
    assert second.exchange.elapsed == pytest.approx(0.0125)
    assert third.exchange.operation_id == "login"  # behind a reverse proxy's prefix
    assert third.exchange.request.body == b"userId=demo" and not third.response_body_recorded
    assert [entry.index for entry in recording.unknown] == [3]
    assert [(entry.index, entry.method) for entry in recording.unjudged] == [(4, "OPTIONS")]


def test_a_recording_without_a_response_body_is_judged_only_on_time(tmp_path: Path) -> None:
    slow = _entry(BILL, response={"content": {"size": 900, "mimeType": "application/json"}})
    slow["timings"] = {"send": 1, "wait": 12_000, "receive": 1}
    har = tmp_path / "bodiless.har"
    har.write_text(json.dumps(_har(slow)), encoding="utf-8")

    run, report = judge(har, tmp_path)

    assert run.exit_code == 1
    assert run.failed_rules() == {"TRN-1"}
    assert {rule["id"] for rule in report["rules"] if rule["outcome"] != "skipped"} == {"TRN-1"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "is not valid JSON"),
        (b'{"entries": []}', "neither a HAR file"),
        (b'{"log": {"entries": 5}}', "`log.entries` is missing or not a list"),
        (b'{"log": {"entries": [5]}}', "log.entries[0] is not an object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested more than"),
        (
            json.dumps(
                {"log": {"entries": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}
            ).encode(),
            "nested more than",
        ),
        (b"\xff\xfe", "not UTF-8"),
    ],
    ids=[
        "not-json",
        "not-har",
        "entries-not-a-list",
        "entry-not-an-object",
        "deep",
        "deep-but-parsed",
        "binary",
    ],
)
def test_an_unreadable_recording_is_exit_2_with_one_line(content: bytes, reason: str, tmp_path: Path) -> None:
    har = tmp_path / "bad.har"
    har.write_bytes(content)

    run = run_in_process(["--har", str(har), "-q"], tmp_path)

    assert run.exit_code == 2
    lines = run.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("his-conformance: error: ") and reason in lines[0], lines


def test_limits_on_size_and_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = _har(*[_entry("/api/unknown") for _ in range(5)])
    monkeypatch.setattr("conformance.har.MAX_ENTRIES", 3)
    recording = _read(tmp_path, document)
    assert len(recording.unknown) == 3 and recording.beyond_cap == 2

    monkeypatch.setattr("conformance.recording.MAX_FILE_BYTES", 100)
    har = tmp_path / "big.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    run = run_in_process(["--har", str(har), "-q"], tmp_path)
    assert run.exit_code == 2 and "larger than" in run.output


def test_a_hostile_body_is_a_finding_never_a_crash(tmp_path: Path) -> None:
    deep = "[" * 200_000 + "]" * 200_000
    har = tmp_path / "hostile.har"
    hostile = _entry(
        BILL,
        request={
            "headers": [{"name": f"X-{n}", "value": "v"} for n in range(2_000)],
            "postData": {"text": deep},
        },
        response={
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"text": deep},
        },
    )
    har.write_text(json.dumps(_har(hostile)), encoding="utf-8")

    run, report = judge(har, tmp_path)

    assert run.exit_code == 1, run.output
    assert "ENV-1" in run.failed_rules()


def test_side_needs_har_and_har_excludes_a_live_target(tmp_path: Path) -> None:
    har = tmp_path / "empty.har"
    har.write_text(json.dumps(_har()), encoding="utf-8")
    for args in (
        ["--side", "client"],
        ["--har", str(har), "--mock"],
        ["--har", str(har), "--base-url", "http://x"],
    ):
        run = run_in_process([*args, "-q"], tmp_path)
        assert run.exit_code == 2, (args, run.output)
        assert len(run.output.strip().splitlines()) == 1


def test_a_bill_nested_deeper_than_the_bound_is_an_env1_finding_never_a_crash(tmp_path: Path) -> None:
    """Answers are decoded within 64 levels (as in a live run): a 500-deep bill is ENV-1's finding."""
    from tests.support.spec_examples import example_bill

    bill = example_bill()
    bill["Remark"] = json.loads("[" * 500 + "]" * 500)  # parses in Python, but no walker may recurse
    envelope = {"status": 0, "isSuccess": True, "msg": "获取成功", "msgDev": None, "response": bill}
    entry = _entry(
        BILL,
        request={
            "headers": [{"name": "Authorization", "value": "Bearer a.b.c"}],
            "postData": {"text": json.dumps({"RegNo": base.REG_NO})},
        },
        response={
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"text": json.dumps(envelope)},
        },
    )
    har = tmp_path / "deep-bill.har"
    har.write_text(json.dumps(_har(entry)), encoding="utf-8")

    run, report = judge(har, tmp_path)

    assert run.exit_code == 1, run.output
    assert run.failed_rules() == {"ENV-1"}, run.output
    (finding,) = findings(report, "ENV-1")
    assert "levels deep" in finding["received"]


# --- The client side: CLI-1..6 over the same recordings --------------------------------------


def test_both_sides_of_a_careless_recording_are_judged_and_marked(tmp_path: Path) -> None:
    with serve_his("base") as url:
        recorder = HarRecorder(url)
        record_sequence(recorder, BROKEN_ACCOUNT)  # a wrong Money, then a new SerialNumber: careless
    har = recorder.write(tmp_path / "careless.har")

    server_run, _ = judge(har, tmp_path)
    client_run, client = judge(har, tmp_path, "--side", "client")
    both_run, both = judge(har, tmp_path, "--side", "both")

    assert server_run.exit_code == 0, server_run.output  # the reference server answered all correctly
    assert client_run.exit_code == 1 and {"CLI-1", "CLI-2"} <= client_run.failed_rules(), client_run.output
    assert {rule["id"] for rule in client["rules"]} == set(load_spec().client_rules)
    assert both_run.exit_code == 1 and both_run.failed_rules() == client_run.failed_rules()
    sides = {f["rule"].split("-")[0]: f["side"] for rule in both["rules"] for f in rule["findings"]}
    assert sides == {"CLI": "client"}
    (double,) = [f for f in findings(client, "CLI-2") if "new SerialNumber" in f["received"]]
    assert "recorded entry #" in double["received"] and double["purpose"].endswith("the client's request")


@pytest.mark.slow
def test_the_journal_judged_for_the_client_agrees_with_the_mocks_own_report(tmp_path: Path) -> None:
    from tests.support.kiosks import Kiosk, careful_pay, careless_new_payment_until_paid, careless_start

    with start_mock() as mock:

        def journal_verdict(name: str) -> tuple[SuiteRun, dict[str, Any], dict[str, Any]]:
            journal = requests.get(f"{mock.base_url}/__admin/requests", timeout=10).json()
            path = tmp_path / f"{name}.json"
            path.write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
            mocks_own = requests.get(f"{mock.base_url}/__admin/report", timeout=10).json()
            (tmp_path / name).mkdir()
            run, report = judge(path, tmp_path / name, "--side", "client")
            return run, report, mocks_own

        requests.post(f"{mock.base_url}/__admin/scenarios", json={"name": "lost-settle-answer"}, timeout=10)
        assert careful_pay(Kiosk(mock.base_url)) is not None
        careful, _, careful_own = journal_verdict("careful")

        requests.post(f"{mock.base_url}/__admin/reset", timeout=10)
        requests.post(f"{mock.base_url}/__admin/scenarios", json={"name": "lost-settle-answer"}, timeout=10)
        kiosk = Kiosk(mock.base_url)
        careless_new_payment_until_paid(kiosk, careless_start(kiosk))
        careless, report, careless_own = journal_verdict("careless")

    assert careful_own["verdict"] == "pass" and careful.exit_code == 0, careful.output
    assert careless_own["verdict"] == "fail" and careless.exit_code == 1, careless.output
    own_rules = {f["rule"] for f in careless_own["findings"] if f["basis"] == "document"}
    assert careless.failed_rules() == own_rules and "CLI-3" in own_rules
    (lost,) = findings(report, "CLI-3")
    own_calls = next(f["calls"] for f in careless_own["findings"] if f["rule"] == "CLI-3")
    assert all(f"journal id {call}" in lost["received"] for call in own_calls), (lost, own_calls)


# A token as a login issues it (HS256 header, any claims): what the login's answer carries below.
TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"


def _envelope_entry(
    path: str, status: int, *, body: Any, authorization: str | None, started: str, response: Any = None
) -> dict[str, Any]:
    headers = [] if authorization is None else [{"name": "Authorization", "value": authorization}]
    envelope = {
        "status": status,
        "isSuccess": status == 0,
        "msg": "调用成功" if status == 0 else "错误",
        "msgDev": None,
        "response": response,
    }
    return _entry(
        path,
        request={"headers": headers, "postData": {"text": json.dumps(body)}},
        response={
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"text": json.dumps(envelope)},
        },
        started=started,
    )


@pytest.mark.parametrize(
    "entries",
    [
        # DevTools' sanitised export drops every Authorization header: a bill answered without one
        # is no AUTH-3 finding (status 6: the registration is unknown, say).
        [_envelope_entry(BILL, 6, body={"RegNo": "1"}, authorization=None, started="2026-12-01T10:00:00Z")],
        # A token from the login 30 s before, answered status 3: short-lived tokens exist (no AUTH-5).
        [
            _envelope_entry(
                LOGIN,
                0,
                body={"userId": "u"},
                authorization=None,
                started="2026-12-01T10:00:00Z",
                response=TOKEN,
            ),
            _envelope_entry(
                BILL, 3, body={"RegNo": "1"}, authorization=f"Bearer {TOKEN}", started="2026-12-01T10:00:30Z"
            ),
        ],
        # No token and a malformed body, answered status 5: two things broken at once, neither judged.
        [
            _envelope_entry(
                BILL, 6, body={"RegNo": "1"}, authorization=f"Bearer {TOKEN}", started="2026-12-01T10:00:00Z"
            ),
            _envelope_entry(BILL, 5, body={}, authorization=None, started="2026-12-01T10:00:01Z"),
        ],
    ],
    ids=["sanitised-export", "short-lived-token", "two-breakages-at-once"],
)
def test_what_a_recording_does_not_settle_is_no_finding(
    entries: list[dict[str, Any]], tmp_path: Path
) -> None:
    har = tmp_path / "quiet.har"
    har.write_text(json.dumps(_har(*entries)), encoding="utf-8")

    run, _ = judge(har, tmp_path)

    assert run.exit_code == 0, run.output


@pytest.mark.parametrize(
    ("url", "operation"),
    [
        ("http://h/api/Login/Token", "login"),
        ("https://h:8443/api/login/token?x=1", "login"),  # ASP.NET Core routes ignore letter case
        ("http://h/his/api/MzSettle/SettleByDoctor/", "settleByDoctor"),  # behind a proxy's prefix
        ("http://h/api/MzSettle/GetUnpayBillByDoctor", "getUnpayBillByDoctorAlias"),
        ("http://h/xapi/Login/Token", None),  # not on a segment boundary
        ("http://h/api/Login/Token/extra", None),
        ("http://[::1/api/Login/Token", None),  # no URL at all
    ],
)
def test_calls_are_matched_to_operations_by_path(url: str, operation: str | None) -> None:
    from conformance.recording import operation_for_url

    assert operation_for_url(url, Contract(load_spec())) == operation


def test_the_journal_export_of_issue_13s_schema_is_read(tmp_path: Path) -> None:
    """The journal as the database-backed his-mock writes it: ids, epoch times, fault objects."""

    def journal_entry(id_: int, time_ms: int, path: str, body: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": id_,
            "time": "2026-12-01T17:35:23.403",
            "timeMs": time_ms,
            "method": "POST",
            "path": path,
            "operationId": None,
            "httpStatus": 200,
            "status": 0,
            "msg": "获取成功",
            "latencyMs": 1.5,
            "userId": "demo",
            "fault": None,
            "request": {
                "headers": {"Authorization": "Bearer ***", "Content-Type": "application/json"},
                "body": body,
            },
            **extra,
        }

    journal = {
        "requests": [  # newest first, as /__admin/requests lists them
            journal_entry(
                3,
                1796146523603,
                BILL,
                '{"RegNo": "1"}',
                fault={"kind": "drop", "when": "after"},
                httpStatus=0,
            ),
            journal_entry(2, 1796146523503, BILL, '{"RegNo": "16282144', truncated=["body"]),
            journal_entry(1, 1796146523403, LOGIN, '{"userId": "demo", "password": "***"}'),
            journal_entry(0, 1796146523303, "/__admin/reset", ""),
        ]
    }
    recording = _read(tmp_path, journal)

    assert recording.source == "his-mock journal"
    assert [item.index for item in recording.exchanges] == [1, 2, 3]  # back in time order
    login, cut, dropped = recording.exchanges
    assert login.citation == "journal id 1 (2026-12-01T17:35:23.403)" and login.user == "demo"
    assert not login.request_body_recorded  # the password was hidden: not the body as sent
    assert not cut.request_body_recorded
    assert dropped.fault == "drop" and dropped.exchange.problem is Problem.CONNECTION
    assert login.at == pytest.approx(1796146523.403)
    assert [entry.url for entry in recording.unknown] == ["/__admin/reset"]
