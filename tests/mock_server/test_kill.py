"""kill -9 of a host in the middle of settlements leaves the shared database consistent and the
other host answering, on SQLite (one file, two hosts) and on PostgreSQL.

The serving layer's own worker-kill loop is tested with the server; this proves the state layer:
nothing a dead process held (a transaction, a lock, a half-taken fault) stops the survivor.
"""

from __future__ import annotations

import copy
import itertools
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.support.mock import demo_settle_body, login, start_mock

BILLS = 40
THREADS = 4
# Kill the host once this many settlements were answered (and more are in flight).
KILL_AFTER = 8
SETTLE = "/api/MzSettle/SettleByDoctor"
BILL = "/api/MzSettle/GetUnSettleBillByDoctor"


def _registration(template: dict[str, Any], number: int) -> dict[str, Any]:
    registration = copy.deepcopy(template)
    registration["RegNo"] = f"31000000{number:02d}"
    registration["CardNo"] = f"C31000000{number:02d}"
    registration["bill"]["BILLID"] = f"B31000000{number:02d}"
    return registration


def _body(registration: dict[str, Any], number: int) -> dict[str, str]:
    return demo_settle_body(
        RegSerNo=registration["RegNo"],
        CardNo=registration["CardNo"],
        BILLID=registration["bill"]["BILLID"],
        SerialNumber=f"42000031000000{number:04d}",
    )


@pytest.mark.slow
def test_kill_9_of_a_host_mid_settlements_leaves_one_settlement_per_bill(db_url: str) -> None:
    with start_mock(db=db_url) as survivor:
        admin = f"{survivor.base_url}/__admin"
        template = requests.get(f"{admin}/registrations", timeout=10).json()[0]
        registrations = [_registration(template, n) for n in range(BILLS)]
        assert requests.put(f"{admin}/registrations", json=registrations, timeout=10).status_code == 200
        bodies = [_body(r, n) for n, r in enumerate(registrations)]
        # A fault counted down by both hosts: the dead one must not take its remaining calls along.
        fault = {"operation": "getUnSettleBillByDoctor", "kind": "status", "status": 2, "times": 1000}
        assert requests.post(f"{admin}/faults", json=fault, timeout=10).status_code == 201
        answered: dict[int, dict[str, Any]] = {}
        with start_mock(db=db_url) as victim:
            token = login(victim.base_url)
            numbers = itertools.count()
            lock = threading.Lock()
            killed = threading.Event()

            def hammer(_: int) -> None:
                with requests.Session() as session:
                    headers = {"Authorization": f"Bearer {token}"}
                    while not killed.is_set():
                        with lock:
                            number = next(numbers)
                        if number >= BILLS:
                            return
                        try:
                            session.post(
                                victim.base_url + BILL,
                                json={"RegNo": bodies[number]["RegSerNo"]},
                                headers=headers,
                                timeout=10,
                            )
                            envelope = session.post(
                                victim.base_url + SETTLE, json=bodies[number], headers=headers, timeout=10
                            ).json()
                        except requests.RequestException:
                            return  # the host is gone
                        with lock:
                            answered[number] = envelope
                            if len(answered) >= KILL_AFTER and not killed.is_set():
                                killed.set()
                                os.killpg(victim.process.pid, signal.SIGKILL)

            with ThreadPoolExecutor(max_workers=THREADS) as pool:
                list(pool.map(hammer, range(THREADS)))
            assert killed.is_set(), f"the load ended before the kill ({len(answered)} answers)"
            victim.process.wait(timeout=10)

        # The survivor answers at once and sees a consistent database.
        token = login(survivor.base_url)
        headers = {"Authorization": f"Bearer {token}"}
        remaining = requests.get(f"{admin}/faults", timeout=10).json()
        # Each answered settlement followed one fetch; each thread had at most one more in flight.
        taken = 1000 - remaining[0]["remaining"]
        assert len(answered) <= taken <= len(answered) + THREADS
        assert requests.delete(f"{admin}/faults", timeout=10).status_code == 200
        receipts = {}
        for number, body in enumerate(bodies):
            envelope = requests.post(
                survivor.base_url + SETTLE, json=body, headers=headers, timeout=10
            ).json()
            assert envelope["status"] == 0, envelope  # settled now, or the replay of the victim's settlement
            receipts[number] = envelope["response"]
        for number, envelope in answered.items():
            assert envelope["status"] == 0 and receipts[number] == envelope["response"]  # the same receipt
        settlements = requests.get(f"{admin}/settlements", timeout=10).json()
        assert sorted(s["BILLID"] for s in settlements) == sorted(b["BILLID"] for b in bodies)
        for body in bodies[:3]:
            again = requests.post(
                survivor.base_url + BILL, json={"RegNo": body["RegSerNo"]}, headers=headers, timeout=10
            ).json()
            assert again["status"] == 6
        assert requests.get(f"{admin}/requests", timeout=10).status_code == 200
