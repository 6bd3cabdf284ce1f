"""State in a real database: one settlement under concurrency across worker processes, and a
restart that keeps settled bills settled."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.mock import DEMO_BILL_ID, DEMO_REG_NO, HERBAL_REG_NO, demo_settle_body, login, start_mock

THREADS = 20


def _settle_concurrently(base_url: str, token: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send every body at once from its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(bodies))

    def settle(body: dict[str, Any]) -> dict[str, Any]:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            response = session.post(
                f"{base_url}/api/MzSettle/SettleByDoctor",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            envelope: dict[str, Any] = response.json()
            return envelope

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(settle, bodies))


@pytest.mark.slow
def test_twenty_threads_through_two_workers_settle_a_bill_once() -> None:
    with start_mock(extra_args=("--workers", "2")) as server:
        token = login(server.base_url)
        # 20 different payments race for one bill: exactly one wins.
        racing = [demo_settle_body(SerialNumber=f"42000000{n:02d}") for n in range(THREADS)]
        results = _settle_concurrently(server.base_url, token, racing)
        winners = [r for r in results if r["status"] == 0]
        assert len(winners) == 1, [r["msg"] for r in results]
        assert all(r["status"] == 6 for r in results if r["status"] != 0)

        # 20 deliveries of one payment notification (a retry storm): one settlement, one receipt.
        herbal = requests.get(f"{server.base_url}/__admin/registrations", timeout=10).json()[2]
        assert herbal["RegNo"] == HERBAL_REG_NO
        replay = demo_settle_body(
            CardNo=herbal["CardNo"],
            RegSerNo=HERBAL_REG_NO,
            Money=herbal["bill"]["GRZFJE3"],
            BILLID=herbal["bill"]["BILLID"],
            SerialNumber="4200000777",
        )
        replays = _settle_concurrently(server.base_url, token, [replay] * THREADS)
        assert {r["status"] for r in replays} == {0}
        assert len({r["response"]["CheckOutNo"] for r in replays}) == 1

        settlements = requests.get(f"{server.base_url}/__admin/settlements", timeout=10).json()
        assert sorted(s["BILLID"] for s in settlements) == [DEMO_BILL_ID, herbal["bill"]["BILLID"]]
        # The race really was between processes: both workers served settlement calls.
        journal = requests.get(f"{server.base_url}/__admin/requests", timeout=10).json()
        assert len({entry["worker"] for entry in journal if entry["operationId"] == "settleByDoctor"}) == 2
        winner_receipt = winners[0]["response"]
        assert [s["CheckOutNo"] for s in settlements if s["BILLID"] == DEMO_BILL_ID] == [
            winner_receipt["CheckOutNo"]
        ]


@pytest.mark.slow
def test_a_restart_keeps_settled_bills_settled(tmp_path: Path) -> None:
    database = str(tmp_path / "his-mock.db")
    with start_mock(db=database) as first:
        token = login(first.base_url)
        receipt = requests.post(
            f"{first.base_url}/api/MzSettle/SettleByDoctor",
            json=demo_settle_body(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        assert receipt["status"] == 0
    with start_mock(db=database) as second:
        assert f"{DEMO_REG_NO}  C000123456  张伟  {DEMO_BILL_ID}" in second.log()
        assert "40.92  settled" in second.log()
        # The signing key lives in the database too: a token from before the restart still works.
        headers = {"Authorization": f"Bearer {token}"}
        bill = requests.post(
            f"{second.base_url}/api/MzSettle/GetUnSettleBillByDoctor",
            json={"RegNo": DEMO_REG_NO},
            headers=headers,
            timeout=10,
        ).json()
        assert bill["status"] == 6
        replay = requests.post(
            f"{second.base_url}/api/MzSettle/SettleByDoctor",
            json=demo_settle_body(),
            headers=headers,
            timeout=10,
        ).json()
        assert replay["status"] == 0
        assert replay["response"]["CheckOutNo"] == receipt["response"]["CheckOutNo"]
