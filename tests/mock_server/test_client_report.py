"""`/__admin/report` in its three formats, `his-mock report` for CI, faults after the commit, and the
scenario admin API, against a real mock (one process, with an admin token)."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.kiosks import Kiosk, careful_pay, careless_start, settle_body
from tests.support.mock import DEMO_BILL_ID, start_mock
from tests.support.servers import RunningServer, free_port, python_module

ADMIN_TOKEN = "report-test-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_mock(extra_args=["--admin-token", ADMIN_TOKEN]) as running:
        yield running


def admin(server: RunningServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{server.base_url}/__admin{path}", headers=AUTH, timeout=10, **kwargs)


@pytest.fixture
def url(server: RunningServer) -> str:
    assert admin(server, "POST", "/reset").status_code == 200
    return server.base_url


def report_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        python_module("mock_server", "report", *args), capture_output=True, text=True, timeout=60, check=False
    )


def lose_an_answer_and_pay_again(server: RunningServer) -> None:
    """The careless kiosk of lost-settle-answer: a new SerialNumber after the dropped answer."""
    assert admin(server, "POST", "/scenarios", json={"name": "lost-settle-answer"}).status_code == 201
    kiosk = Kiosk(server.base_url)
    bill = careless_start(kiosk)
    assert kiosk.settle(bill, "4200REPORT01").problem == "connection"
    assert kiosk.settle(bill, "4200REPORT02").status == 6


def test_report_command_passes_a_careful_client(url: str, server: RunningServer, tmp_path: Path) -> None:
    assert admin(server, "POST", "/scenarios", json={"name": "lost-settle-answer"}).status_code == 201
    assert careful_pay(Kiosk(url)) is not None
    junit = tmp_path / "out" / "client.xml"
    done = report_command("--url", url, "--admin-token", ADMIN_TOKEN, "--junit-xml", str(junit))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS" in done.stdout.splitlines()[0]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("tests") == "6"


def test_report_command_fails_a_careless_client(url: str, server: RunningServer, tmp_path: Path) -> None:
    lose_an_answer_and_pay_again(server)
    junit = tmp_path / "client.xml"
    done = report_command("--url", url, "--admin-token", ADMIN_TOKEN, "--junit-xml", str(junit))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "CLI-3" in done.stdout
    failures = ET.parse(junit).getroot().findall(".//testcase/failure")
    assert [failure.get("type") for failure in failures] == ["CLI-3"]
    assert "journal ids: 3, 4" in (failures[0].text or "")


def test_report_command_errors_are_one_line_exit_2(url: str) -> None:
    wrong = report_command("--url", url, "--admin-token", "wrong")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().count("\n") == 0 and "admin token" in wrong.stderr
    nobody = report_command("--url", f"http://127.0.0.1:{free_port()}")
    assert nobody.returncode == 2 and nobody.stderr.strip().count("\n") == 0
    assert "cannot reach" in nobody.stderr
    usage = report_command()
    assert usage.returncode == 2 and "--url" in usage.stderr


def test_report_formats_escape_what_the_client_sent(url: str, server: RunningServer) -> None:
    kiosk = Kiosk(url)
    kiosk.login()
    hostile = "<script>alert(1)</script>\u0001\ufffe&"
    body = settle_body({"GRZFJE3": "40.92", "BILLID": DEMO_BILL_ID}, "4200HOSTILE1")
    body["RegSerNo"] = hostile
    assert kiosk.post("/api/MzSettle/SettleByDoctor", body).status == 6
    document = admin(server, "GET", "/report").json()
    assert document["verdict"] == "fail"
    [finding] = document["findings"]
    assert finding["rule"] == "CLI-2" and hostile in finding["message"]
    page = admin(server, "GET", "/report", params={"format": "html"})
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "\u0001" not in page.text
    junit = admin(server, "GET", "/report", params={"format": "junit"})
    assert junit.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(junit.content)  # parses: no character XML 1.0 forbids
    [failure] = root.findall(".//failure")
    assert failure.get("type") == "CLI-2" and "<script>" in (failure.text or "")
    assert admin(server, "GET", "/report", params={"format": "pdf"}).status_code == 400


def test_reset_clears_the_report(url: str, server: RunningServer) -> None:
    lose_an_answer_and_pay_again(server)
    before = admin(server, "GET", "/report").json()
    assert before["verdict"] == "fail" and before["scenarios"] == ["lost-settle-answer"]
    assert before["by_user"] == {"demo": {"calls": 4, "findings": 1, "verdict": "fail"}}
    assert admin(server, "POST", "/reset").status_code == 200
    document = admin(server, "GET", "/report").json()
    assert document["verdict"] == "pass" and document["calls"] == 0 and document["findings"] == []
    assert document["scenarios"] == [] and document["by_user"] == {}


def test_the_report_needs_the_admin_token(url: str) -> None:
    assert requests.get(f"{url}/__admin/report", timeout=10).status_code == 401


# --- faults after the commit, through the plain faults API ------------------------------------------


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ({"kind": "status", "status": 2}, lambda answer: answer.status == 2),
        ({"kind": "http500"}, lambda answer: answer.http_status == 500 and answer.envelope is None),
        ({"kind": "drop"}, lambda answer: answer.problem == "connection"),
        ({"kind": "delay", "delayMs": 300}, lambda answer: answer.status == 0),
    ],
    ids=["status", "http500", "drop", "delay"],
)
def test_a_fault_after_the_commit_replaces_the_answer_of_a_settled_bill(
    url: str, server: RunningServer, fault: dict[str, Any], check: Any
) -> None:
    added = admin(server, "POST", "/faults", json={"operation": "settleByDoctor", "when": "after", **fault})
    assert added.status_code == 201, added.text
    kiosk = Kiosk(url)
    bill = careless_start(kiosk)
    assert check(kiosk.settle(bill, "4200AFTER001"))
    [settlement] = admin(server, "GET", "/settlements").json()
    assert settlement["SerialNumber"] == "4200AFTER001"
    # The same payment again: the receipt of the settlement the lost answer belonged to.
    replay = kiosk.settle(bill, "4200AFTER001")
    assert replay.status == 0 and replay.response["CheckOutNo"] == settlement["CheckOutNo"]


def test_a_fault_before_changes_nothing_and_after_waits_for_a_success(
    url: str, server: RunningServer
) -> None:
    admin(server, "POST", "/faults", json={"operation": "settleByDoctor", "kind": "status", "status": 2})
    admin(server, "POST", "/faults", json={"operation": "settleByDoctor", "kind": "drop", "when": "after"})
    kiosk = Kiosk(url)
    bill = careless_start(kiosk)
    assert kiosk.settle(bill, "4200BEFORE01").status == 2
    assert admin(server, "GET", "/settlements").json() == []
    # A refused settlement does not take the after-fault; the next successful one does.
    assert kiosk.settle(bill, "4200BEFORE01", money="1.00").status == 6
    assert [f["when"] for f in admin(server, "GET", "/faults").json()] == ["after"]
    assert kiosk.settle(bill, "4200BEFORE01").problem == "connection"
    assert len(admin(server, "GET", "/settlements").json()) == 1


def test_when_must_be_before_or_after(url: str, server: RunningServer) -> None:
    response = admin(
        server, "POST", "/faults", json={"operation": "settleByDoctor", "kind": "drop", "when": "during"}
    )
    assert response.status_code == 400 and "when" in response.json()["error"]


# --- the scenario admin API ---------------------------------------------------------------------------


def test_scenarios_are_listed_with_their_rules_and_timings(url: str, server: RunningServer) -> None:
    listing = admin(server, "GET", "/scenarios").json()
    names = [scenario["name"] for scenario in listing["scenarios"]]
    assert names == [
        "lost-settle-answer",
        "slow-settle-answer",
        "settle-his-error-then-ok",
        "token-expires-mid-flow",
        "bill-changes-before-settle",
        "his-unavailable",
    ]
    by_name = {scenario["name"]: scenario for scenario in listing["scenarios"]}
    assert by_name["slow-settle-answer"]["parameters"]["delayMs"]["default"] == 30_000
    assert by_name["his-unavailable"]["parameters"]["seconds"]["default"] == 10
    assert listing["armed"] == []
    admin(server, "POST", "/scenarios", json={"name": "slow-settle-answer", "delayMs": 50})
    assert admin(server, "GET", "/scenarios").json()["armed"] == ["slow-settle-answer"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "no-such-scenario"},
        {"name": "slow-settle-answer", "delayMs": 0},
        {"name": "slow-settle-answer", "delayMs": "500"},
        {"name": "his-unavailable", "seconds": 100_000},
        {"name": "lost-settle-answer", "times": 3},
        ["lost-settle-answer"],
    ],
    ids=["unknown", "zero-delay", "string-delay", "too-long", "unknown-parameter", "not-an-object"],
)
def test_bad_arm_requests_are_400(url: str, server: RunningServer, body: Any) -> None:
    response = admin(server, "POST", "/scenarios", json=body)
    assert response.status_code == 400, response.text
    assert admin(server, "GET", "/faults").json() == []


def test_a_scenario_armed_at_start_up() -> None:
    with start_mock(extra_args=["--scenario", "settle-his-error-then-ok"]) as running:
        listing = requests.get(f"{running.base_url}/__admin/scenarios", timeout=10).json()
        assert listing["armed"] == ["settle-his-error-then-ok"]
        kiosk = Kiosk(running.base_url)
        bill = careless_start(kiosk)
        assert kiosk.settle(bill, "4200START001").status == 2
        assert kiosk.settle(bill, "4200START001").status == 0


def test_an_unknown_start_up_scenario_is_a_usage_error() -> None:
    done = subprocess.run(
        python_module("mock_server", "--scenario", "nope", "--port", str(free_port())),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "lost-settle-answer" in done.stderr
