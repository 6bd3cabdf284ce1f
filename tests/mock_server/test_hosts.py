"""Two independent his-mock processes on one PostgreSQL database behave as one mock.

Hosts A and B are separate `his-mock` processes (not workers of one server) sharing one database:
settlements, faults, the journal, tokens and resets made through one are seen by the other at once.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.support.mock import DEMO_BILL_ID, DEMO_REG_NO, demo_settle_body, login, start_mock
from tests.support.postgres import PostgresServer
from tests.support.servers import RunningServer, child_pids

BILL = "/api/MzSettle/GetUnSettleBillByDoctor"
SETTLE = "/api/MzSettle/SettleByDoctor"


@dataclass
class Host:
    server: RunningServer
    token: str

    @property
    def url(self) -> str:
        return self.server.base_url

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(
            self.url + path, json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )
        envelope: dict[str, Any] = response.json()
        return envelope

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/__admin{path}", timeout=30, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()


@pytest.fixture(scope="module")
def hosts(postgres: PostgresServer) -> Iterator[tuple[Host, Host]]:
    """Hosts A and B, two his-mock processes on one new PostgreSQL database."""
    url = postgres.new_database("hosts")
    with contextlib.ExitStack() as stack:
        a = stack.enter_context(start_mock(db=url))
        b = stack.enter_context(start_mock(db=url))
        # A token from A's login is good on B: the signing key is in the database.
        token = login(a.base_url)
        yield Host(a, token), Host(b, token)


@pytest.fixture
def pair(hosts: tuple[Host, Host]) -> tuple[Host, Host]:
    a, b = hosts
    a.admin("POST", "/reset")
    return a, b


def test_twenty_concurrent_settlements_over_both_hosts_settle_the_bill_once(pair: tuple[Host, Host]) -> None:
    a, b = pair
    bodies = [demo_settle_body(SerialNumber=f"42000099990000000{n:03d}") for n in range(20)]
    barrier = threading.Barrier(len(bodies))

    def settle(number: int) -> dict[str, Any]:
        host = (a, b)[number % 2]
        barrier.wait(timeout=30)
        return host.call(SETTLE, bodies[number])

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        envelopes = list(pool.map(settle, range(len(bodies))))
    winners = [e for e in envelopes if e["status"] == 0]
    assert len(winners) == 1, [e["msg"] for e in envelopes]
    assert {e["status"] for e in envelopes if e["status"] != 0} == {6}
    for host in (a, b):
        settlements = host.admin("GET", "/settlements")
        assert [(s["BILLID"], s["CheckOutNo"]) for s in settlements] == [
            (DEMO_BILL_ID, winners[0]["response"]["CheckOutNo"])
        ]
    # Both hosts took part in the race (the journal names the process that answered).
    settling = {e["worker"] for e in a.admin("GET", "/requests") if e["operationId"] == "settleByDoctor"}
    assert {_host_of(worker, a, b) for worker in settling} == {"a", "b"}


def _host_of(worker: int, a: Host, b: Host) -> str:
    """Which host a journal's worker pid belongs to (each host's workers are its server's children)."""
    found = [name for name, host in (("a", a), ("b", b)) if worker in child_pids(host.server.process.pid)]
    assert len(found) == 1, (worker, found)
    return found[0]


def test_a_settlement_through_a_hides_the_bill_on_b_at_once(pair: tuple[Host, Host]) -> None:
    a, b = pair
    assert b.call(BILL, {"RegNo": DEMO_REG_NO})["status"] == 0
    assert a.call(SETTLE, demo_settle_body())["status"] == 0
    refused = b.call(BILL, {"RegNo": DEMO_REG_NO})
    assert refused["status"] == 6 and DEMO_BILL_ID in refused["msg"]
    # B answers the same payment's replay with A's receipt (SET-3 across hosts).
    assert b.call(SETTLE, demo_settle_body())["status"] == 0


def test_a_fault_for_three_calls_fires_exactly_three_times_whichever_host(pair: tuple[Host, Host]) -> None:
    a, b = pair
    fault = {"operation": "getUnSettleBillByDoctor", "kind": "status", "status": 2, "times": 3}
    a.admin("POST", "/faults", json=fault)
    assert [f["remaining"] for f in b.admin("GET", "/faults")] == [3]
    statuses = [host.call(BILL, {"RegNo": DEMO_REG_NO})["status"] for host in (b, a, b, a, b, a)]
    assert statuses == [2, 2, 2, 0, 0, 0]
    assert a.admin("GET", "/faults") == [] and b.admin("GET", "/faults") == []
    # The journal of either host says which calls the fault replaced.
    journal = a.admin("GET", "/requests", params={"limit": "6"})
    assert [e["fault"] and e["fault"]["status"] for e in reversed(journal)] == [2, 2, 2, None, None, None]


def test_the_journal_read_through_a_shows_the_calls_b_answered(pair: tuple[Host, Host]) -> None:
    a, b = pair
    b.call(BILL, {"RegNo": "9000000777"})
    entry = a.admin("GET", "/requests", params={"limit": "1"})[0]
    assert _host_of(entry["worker"], a, b) == "b"
    assert entry["request"]["body"] == '{"RegNo": "9000000777"}'
    assert entry["status"] == 6 and entry["userId"] == "demo"
    assert len(entry["tokenFingerprint"]) == 12 and entry["tokenFingerprint"] not in b.token
    # The journal's ids are one sequence over both hosts.
    a.call(BILL, {"RegNo": "9000000778"})
    newest = b.admin("GET", "/requests", params={"limit": "2"})
    assert newest[0]["id"] > newest[1]["id"] == entry["id"]
    assert _host_of(newest[0]["worker"], a, b) == "a"


def test_a_token_minted_on_one_host_is_good_on_the_other(pair: tuple[Host, Host]) -> None:
    a, b = pair
    expired = a.admin("POST", "/token", json={"userId": "demo", "ttl": -60})["token"]
    answer = requests.post(
        b.url + BILL, json={"RegNo": DEMO_REG_NO}, headers={"Authorization": f"Bearer {expired}"}, timeout=30
    ).json()
    assert answer["status"] == 3  # expired, not "signed by someone else" (status 1)


def test_reset_on_b_resets_a_completely(pair: tuple[Host, Host]) -> None:
    a, b = pair
    registration = copy.deepcopy(a.admin("GET", "/registrations")[0])
    registration["bill"]["BILLID"] = "B999"
    a.admin("PUT", "/registrations", json=registration)  # replaces the demo registration's bill
    assert a.call(SETTLE, demo_settle_body(BILLID="B999"))["status"] == 0
    a.admin("POST", "/faults", json={"operation": "login", "kind": "status", "status": 2, "times": 5})
    assert a.admin("GET", "/requests") != []

    b.admin("POST", "/reset")

    assert a.admin("GET", "/settlements") == []
    assert a.admin("GET", "/faults") == []
    assert a.admin("GET", "/requests") == []
    assert a.admin("GET", "/registrations")[0]["bill"]["BILLID"] == DEMO_BILL_ID
    bill = a.call(BILL, {"RegNo": DEMO_REG_NO})
    assert bill["status"] == 0 and bill["response"]["BILLID"] == DEMO_BILL_ID
