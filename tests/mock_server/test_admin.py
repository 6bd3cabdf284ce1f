"""The admin API: registrations, reset, the journal (secrets redacted), faults, the admin token."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
import requests

from tests.mock_server.conftest import BILL, BILL_ALIAS, LOGIN, SETTLE, MockClient
from tests.support.mock import DEMO_REG_NO, demo_settle_body, start_mock


def _new_registration(doc: MockClient, reg_no: str, bill_id: str) -> dict[str, Any]:
    registration = copy.deepcopy(doc.admin("GET", "/registrations").json()[0])
    registration["RegNo"] = reg_no
    registration["CardNo"] = f"C{reg_no}"
    registration["bill"]["BILLID"] = bill_id
    return dict(registration)


def test_put_registrations_adds_a_bill_that_is_served_verbatim(doc: MockClient) -> None:
    registration = _new_registration(doc, "2000000001", "B2000000001")
    response = doc.admin("PUT", "/registrations", json=[registration])
    assert response.status_code == 200
    assert response.json() == {"stored": ["2000000001"]}
    assert doc.bill("2000000001")["response"] == registration["bill"]
    body = demo_settle_body(
        CardNo="C2000000001", RegSerNo="2000000001", BILLID="B2000000001", SerialNumber="4201"
    )
    assert doc.settle(body)["status"] == 0
    doc.reset()
    assert doc.bill("2000000001")["status"] == 6


def test_put_registrations_replaces_by_regno(doc: MockClient) -> None:
    registration = doc.admin("GET", "/registrations").json()[0]
    registration["PatientName"] = "张伟伟"
    assert doc.admin("PUT", "/registrations", json=registration).status_code == 200
    stored = doc.admin("GET", "/registrations").json()
    assert [r["PatientName"] for r in stored if r["RegNo"] == DEMO_REG_NO] == ["张伟伟"]
    assert doc.settle(demo_settle_body())["response"]["PatientName"] == "张伟伟"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r["bill"].update(SumFund="999.00"), "SEM-2"),
        (lambda r: r["bill"].pop("FeeDetail"), "SCH-1"),
        (lambda r: r.update(CardNo=123), "CardNo"),
        (lambda r: r["bill"].update(BILLID="B202112030002"), "BILLID"),
    ],
    ids=["sem-2", "schema", "card-number", "billid-of-another-registration"],
)
def test_put_registrations_refuses_bad_ones_and_stores_nothing(
    doc: MockClient, change: Any, expected: str
) -> None:
    before = doc.snapshot()
    good = _new_registration(doc, "2000000002", "B2000000002")
    bad = _new_registration(doc, "2000000003", "B2000000003")
    change(bad)
    response = doc.admin("PUT", "/registrations", json=[good, bad])
    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith("nothing stored: ")
    assert expected in message
    assert doc.snapshot() == before


def test_put_registrations_refuses_a_body_that_is_not_json(doc: MockClient) -> None:
    response = doc.admin("PUT", "/registrations", data=b"[{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]


def test_the_journal_lists_calls_newest_first_with_secrets_redacted(doc: MockClient) -> None:
    token = doc.token
    doc.bill("9999999999")
    doc.post(LOGIN, data=b'{"userId": "demo", "password": "hunter2', auth=False)
    journal = doc.admin("GET", "/requests").json()
    assert [(e["operationId"], e["status"]) for e in journal] == [
        ("login", 5),
        ("getUnSettleBillByDoctor", 6),
        ("login", 0),
    ]
    assert journal[1]["request"]["headers"]["Authorization"] == "Bearer ***"
    assert journal[1]["msg"] == "未找到挂号号 9999999999 的待结算账单"
    assert journal[2]["request"]["body"] == '{"userId": "demo", "password": "***"}'
    text = doc.admin("GET", "/requests").text
    assert "hunter2" not in text and token not in text and '"demo"}' not in text
    assert len(doc.admin("GET", "/requests", params={"limit": 1}).json()) == 1


def test_one_log_line_per_call(doc: MockClient) -> None:
    marker = f"9{time.time_ns() % 10**12:012d}"
    doc.bill(marker)
    doc.post(BILL, {"RegNo": marker}, auth=False)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in doc.server.log().splitlines() if "GetUnSettleBillByDoctor" in line]
        if len(lines) >= 2:
            break
        time.sleep(0.05)
    journal = doc.admin("GET", "/requests").json()
    assert [e["status"] for e in journal][:2] == [1, 6]
    log = doc.server.log()
    assert "POST /api/MzSettle/GetUnSettleBillByDoctor status=6 http=200" in log
    assert "POST /api/MzSettle/GetUnSettleBillByDoctor status=1 http=200" in log


def test_fault_status_for_the_next_n_calls(doc: MockClient) -> None:
    fault = {"operation": "settleByDoctor", "kind": "status", "status": 2, "times": 2}
    assert doc.admin("POST", "/faults", json=fault).status_code == 201
    assert [f["remaining"] for f in doc.admin("GET", "/faults").json()] == [2]
    first, second = doc.settle(demo_settle_body()), doc.settle(demo_settle_body())
    assert (first["status"], second["status"]) == (2, 2)
    assert "His内部错误" in first["msg"]
    assert doc.admin("GET", "/settlements").json() == []
    assert doc.settle(demo_settle_body())["status"] == 0
    assert doc.admin("GET", "/faults").json() == []


def test_fault_delay_then_a_normal_answer(doc: MockClient) -> None:
    doc.admin(
        "POST", "/faults", json={"operation": "getUnSettleBillByDoctor", "kind": "delay", "delayMs": 400}
    )
    started = time.monotonic()
    envelope = doc.envelope(BILL_ALIAS, {"RegNo": DEMO_REG_NO})  # the alias shares its operation's faults
    assert time.monotonic() - started >= 0.4
    assert envelope["status"] == 0


def test_fault_http_500_page(doc: MockClient) -> None:
    doc.admin("POST", "/faults", json={"operation": "login", "kind": "http500"})
    response = requests.post(
        f"{doc.base_url}{LOGIN}", json={"userId": "demo", "password": "demo"}, timeout=10
    )
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    assert doc.envelope(LOGIN, {"userId": "demo", "password": "demo"}, auth=False)["status"] == 0


def test_fault_dropped_connection(doc: MockClient) -> None:
    doc.admin("POST", "/faults", json={"operation": "settleByDoctor", "kind": "drop"})
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{doc.base_url}{SETTLE}",
            json=demo_settle_body(),
            headers={"Authorization": f"Bearer {doc.token}"},
            timeout=10,
        )
    assert doc.admin("GET", "/settlements").json() == []
    assert doc.admin("GET", "/requests").json()[0]["fault"]["kind"] == "drop"
    assert doc.settle(demo_settle_body())["status"] == 0


@pytest.mark.parametrize(
    "fault",
    [
        {"operation": "nope", "kind": "status", "status": 2},
        {"operation": "login", "kind": "explode"},
        {"operation": "login", "kind": "status", "status": 0},
        {"operation": "login", "kind": "status", "status": 2, "times": 0},
        {"operation": "login", "kind": "delay"},
        ["login"],
    ],
    ids=["operation", "kind", "status-0", "times-0", "delay-without-ms", "not-an-object"],
)
def test_bad_fault_requests_are_refused(doc: MockClient, fault: Any) -> None:
    response = doc.admin("POST", "/faults", json=fault)
    assert response.status_code == 400
    assert response.json()["error"]
    assert doc.admin("GET", "/faults").json() == []


def test_reset_forgets_settlements_faults_and_the_journal(doc: MockClient) -> None:
    assert doc.settle(demo_settle_body())["status"] == 0
    doc.admin("POST", "/faults", json={"operation": "login", "kind": "http500"})
    assert doc.admin("POST", "/reset").json()["reset"] is True
    assert doc.admin("GET", "/settlements").json() == []
    assert doc.admin("GET", "/faults").json() == []
    assert doc.admin("GET", "/requests").json() == []
    assert doc.bill(DEMO_REG_NO)["status"] == 0


def test_admin_token_protects_the_admin_api_only() -> None:
    with start_mock(extra_args=("--admin-token", "s3cret")) as server:
        admin = f"{server.base_url}/__admin/registrations"
        assert requests.get(admin, timeout=10).status_code == 401
        assert requests.get(admin, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
        assert requests.get(admin, headers={"Authorization": "Bearer s3cret"}, timeout=10).status_code == 200
        login = requests.post(
            f"{server.base_url}{LOGIN}", json={"userId": "demo", "password": "demo"}, timeout=10
        )
        assert login.json()["status"] == 0


@pytest.mark.parametrize(
    ("method", "path", "code", "allowed"),
    [
        ("GET", "/reset", 405, "POST"),
        ("POST", "/registrations", 405, "GET, PUT"),
        ("GET", "/nope", 404, None),
        ("POST", "", 404, None),
    ],
    ids=["reset-by-get", "post-registrations", "unknown-endpoint", "prefix-without-slash"],
)
def test_admin_http_errors_are_plain_json_not_envelopes(
    doc: MockClient, method: str, path: str, code: int, allowed: str | None
) -> None:
    response = requests.request(method, f"{doc.base_url}/__admin{path}", timeout=10)
    assert response.status_code == code
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    assert set(document) == {"error"}, document
    assert "接口" not in document["error"]
    if allowed is not None:
        assert set(allowed.split(", ")) <= set(response.headers["Allow"].split(", "))
        assert document["error"].endswith(f"does not take {method}; use {allowed}")


# Hundreds of admin calls: on SQLite only (the board's bound and merging run on both databases in
# test_state_units).
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_too_many_pending_faults_is_a_400_and_keeps_the_board(doc: MockClient) -> None:
    # Alternating statuses never merge: each is its own pending fault, until the shared board is full.
    refused = None
    with requests.Session() as session:
        for number in range(1500):
            fault = {"operation": "login", "kind": "status", "status": 2 + number % 2}
            response = session.post(f"{doc.base_url}/__admin/faults", json=fault, timeout=10)
            if response.status_code != 201:
                refused = response
                break
    assert refused is not None, "1500 distinct faults fit the board: the test no longer fills it"
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("too many pending faults")
    pending = doc.admin("GET", "/faults").json()
    assert len(pending) == number
    assert doc.envelope(LOGIN, {"userId": "demo", "password": "demo"}, auth=False)["status"] == 2
    assert doc.admin("DELETE", "/faults").status_code == 200
    assert doc.envelope(LOGIN, {"userId": "demo", "password": "demo"}, auth=False)["status"] == 0


# Hundreds of admin calls: on SQLite only (the board's bound and merging run on both databases in
# test_state_units).
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_identical_faults_add_up_their_times(doc: MockClient) -> None:
    fault = {"operation": "settleByDoctor", "kind": "status", "status": 2, "times": 2}
    with requests.Session() as session:
        for _ in range(700):  # unmerged, ~620 faults fill the board
            assert session.post(f"{doc.base_url}/__admin/faults", json=fault, timeout=10).status_code == 201
    other = {"operation": "settleByDoctor", "kind": "status", "status": 3}
    assert doc.admin("POST", "/faults", json=other).json()["pending"]["remaining"] == 1
    last = doc.admin("POST", "/faults", json=fault).json()
    assert last["added"]["remaining"] == 2 and last["pending"]["remaining"] == 2
    pending = doc.admin("GET", "/faults").json()
    # Merged only into the operation's last fault, so the order in which they fire is kept.
    assert [(f["status"], f["remaining"]) for f in pending] == [(2, 1400), (3, 1), (2, 2)]


def test_a_fault_on_the_alias_operation_fires_on_both_paths(doc: MockClient) -> None:
    fault = {"operation": "getUnpayBillByDoctorAlias", "kind": "status", "status": 2, "times": 2}
    response = doc.admin("POST", "/faults", json=fault)
    assert response.status_code == 201
    assert response.json()["added"]["operation"] == "getUnSettleBillByDoctor"
    assert doc.envelope(BILL_ALIAS, {"RegNo": DEMO_REG_NO})["status"] == 2
    assert doc.envelope(BILL, {"RegNo": DEMO_REG_NO})["status"] == 2
    assert doc.admin("GET", "/faults").json() == []
    assert doc.envelope(BILL_ALIAS, {"RegNo": DEMO_REG_NO})["status"] == 0


@pytest.mark.parametrize("limit", ["-1", "abc", "1.5", " 2", "１"])
def test_a_journal_limit_that_is_not_a_count_is_refused(doc: MockClient, limit: str) -> None:
    doc.bill(DEMO_REG_NO)
    response = doc.admin("GET", "/requests", params={"limit": limit})
    assert response.status_code == 400
    assert "`limit` must be an integer >= 0" in response.json()["error"]


def test_a_journal_limit_of_zero_or_more_is_the_newest_calls(doc: MockClient) -> None:
    for reg_no in ("9000000001", "9000000002", "9000000003"):
        doc.bill(reg_no)
    assert doc.admin("GET", "/requests", params={"limit": "0"}).json() == []
    newest = doc.admin("GET", "/requests", params={"limit": "2"}).json()
    assert [e["request"]["body"] for e in newest] == ['{"RegNo": "9000000003"}', '{"RegNo": "9000000002"}']


@pytest.mark.parametrize(
    "data",
    [
        b'{"userId":"demo","pass\\u0077ord":"s3cr3t-pw2"}',
        b'{"userId":"demo","PASSWORD":"s3cr3t-pw2"}',
        b'{"userId":"demo","password":"demo","extra":{"Password":"s3cr3t-pw2"}}',
        b'{"userId":"demo","extra":[{"passWord":"s3cr3t-pw2"}],"password":"x"}',
        b'{"userId":"demo","password":"s3cr3t-pw2\\"',
    ],
    ids=["escaped-key", "upper-case-key", "nested", "nested-in-list", "not-json"],
)
def test_the_journal_hides_passwords_however_they_are_written(doc: MockClient, data: bytes) -> None:
    doc.post(LOGIN, data=data, auth=False, headers={"Content-Type": "application/json"})
    entry = doc.admin("GET", "/requests", params={"limit": "1"}).json()[0]
    assert entry["operationId"] == "login"
    assert "s3cr3t-pw2" not in entry["request"]["body"]
    assert "***" in entry["request"]["body"]
    assert "demo" in entry["request"]["body"]
    assert "s3cr3t-pw2" not in doc.admin("GET", "/requests").text


def test_a_60_kb_field_leaves_a_readable_bounded_journal(doc: MockClient) -> None:
    huge = {"userId": "demo", "password": "demo", "note": "x" * 60_000}  # under the 64 KiB body limit
    answer = doc.envelope(LOGIN, huge, auth=False)
    assert answer["status"] == 0
    assert doc.bill(DEMO_REG_NO)["status"] == 0
    response = doc.admin("GET", "/requests")
    assert response.status_code == 200
    bill, login = response.json()[0], response.json()[-1]
    assert login["truncated"] == ["body"] and login["request"]["body"].endswith("…")
    assert login["request"]["bodyBytes"] > 60_000 and len(login["request"]["body"]) <= 4096
    assert '"password": "***"' in login["request"]["body"]
    assert (bill["status"], bill["msg"], bill["truncated"]) == (0, "获取成功", [])
    assert bill["userId"] == "demo" and len(bill["tokenFingerprint"]) == 12
