"""Every worker process answers from the database: a write through any worker is seen by every worker.

(Bill fetches were once cached per worker; the cache is gone, and these tests keep any future cache
honest.) Each fetch opens its own connection, so gunicorn hands fetches to both workers; the journal
names the worker that answered. A phase of fetches only counts once both workers answered some of
them, so each worker answered before the write and is proven fresh after it.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

import pytest
import requests

from tests.support.mock import DEMO_BILL_ID, DEMO_REG_NO, demo_settle_body, login, start_mock

BILL = "/api/MzSettle/GetUnSettleBillByDoctor"
# Fresh connections until both workers answered this many fetches each (bounded by MAX_FETCHES).
PER_WORKER = 3
MAX_FETCHES = 300


def _fetch_from_both_workers(base_url: str, token: str, reg_no: str) -> dict[int, list[dict[str, Any]]]:
    """The envelopes of fetches of `reg_no`, by the worker that answered, once two workers answered."""
    by_worker: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for _ in range(MAX_FETCHES):
        envelope = requests.post(
            base_url + BILL,
            json={"RegNo": reg_no},
            # A new connection per fetch (no keep-alive): the workers compete for each one.
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
            timeout=10,
        ).json()
        last = requests.get(f"{base_url}/__admin/requests?limit=1", timeout=10).json()[0]
        assert last["operationId"] == "getUnSettleBillByDoctor", last
        by_worker[last["worker"]].append(envelope)
        if len(by_worker) >= 2 and all(len(answers) >= PER_WORKER for answers in by_worker.values()):
            return by_worker
    pytest.fail(f"{MAX_FETCHES} fetches on new connections did not reach both workers: {dict(by_worker)}")


@pytest.mark.slow
def test_a_settlement_through_one_worker_hides_the_bill_in_every_worker(db_url: str) -> None:
    with start_mock(db=db_url, extra_args=("--workers", "2")) as server:
        token = login(server.base_url)
        before = _fetch_from_both_workers(server.base_url, token, DEMO_REG_NO)
        for answers in before.values():
            assert {(a["status"], a["response"]["BILLID"]) for a in answers} == {(0, DEMO_BILL_ID)}

        settled = requests.post(
            f"{server.base_url}/api/MzSettle/SettleByDoctor",
            json=demo_settle_body(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        assert settled["status"] == 0, settled

        # SET-5: a settled bill is no longer offered, whichever worker answers.
        after = _fetch_from_both_workers(server.base_url, token, DEMO_REG_NO)
        for answers in after.values():
            assert {a["status"] for a in answers} == {6}, answers
            assert all(DEMO_BILL_ID in a["msg"] for a in answers), answers

        # A reset (through whichever worker) offers the bill again in every worker.
        assert requests.post(f"{server.base_url}/__admin/reset", timeout=10).status_code == 200
        again = _fetch_from_both_workers(server.base_url, token, DEMO_REG_NO)
        for answers in again.values():
            assert {(a["status"], a["response"]["BILLID"]) for a in answers} == {(0, DEMO_BILL_ID)}


@pytest.mark.slow
def test_a_replaced_registration_serves_the_new_bill_from_every_worker() -> None:
    with start_mock(extra_args=("--workers", "2")) as server:
        token = login(server.base_url)
        before = _fetch_from_both_workers(server.base_url, token, DEMO_REG_NO)
        original = next(iter(before.values()))[0]["response"]

        registrations = requests.get(f"{server.base_url}/__admin/registrations", timeout=10).json()
        replaced = copy.deepcopy(next(r for r in registrations if r["RegNo"] == DEMO_REG_NO))
        replaced["bill"]["BILLID"] = "B209901010001"
        stored = requests.put(f"{server.base_url}/__admin/registrations", json=[replaced], timeout=10)
        assert stored.status_code == 200, stored.text

        after = _fetch_from_both_workers(server.base_url, token, DEMO_REG_NO)
        for answers in after.values():
            assert {a["status"] for a in answers} == {0}, answers
            assert [a["response"] for a in answers] == [replaced["bill"]] * len(answers)
        assert original["BILLID"] == DEMO_BILL_ID
