"""SET-7's sender and probe: requests really arrive together, within the budget, with no false alarm."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from conformance.errors import BudgetExhausted
from conformance.flows import settlement_flow
from conformance.http import Transport
from conformance.probes import fetch_bill, login
from conformance.profiles import STRICT
from conformance.race import RaceRequest, send_together
from conformance.results import Outcome
from conformance.runner import Limits, open_session
from conformance.target import Target
from tests.support.mock import DEMO_CARD_NO, DEMO_PASSWORD, DEMO_REG_NO, DEMO_USER, start_mock

RACE = 6
# Runs of the settlement flow per worker count: each one a fresh bill, a race of 8 and its replay.
RUNS = 20


@contextlib.contextmanager
def rendezvous_server(parties: int) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """A server whose handlers wait for each other: only requests in flight together all get through."""
    barrier = threading.Barrier(parties, timeout=5)
    seen: list[tuple[int, int]] = []  # (client port, thread id) per request

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((self.client_address[1], threading.get_ident()))
            try:
                barrier.wait()
                body = b'{"status": 0}'
            except threading.BrokenBarrierError:
                body = b'{"status": 2}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _requests(count: int) -> list[RaceRequest]:
    return [
        RaceRequest("settleByDoctor", "/race", {"Content-Type": "application/json"}, b"{}", f"#{n}")
        for n in range(count)
    ]


def test_the_requests_are_in_flight_together_each_on_its_own_connection() -> None:
    with rendezvous_server(RACE) as (base_url, seen):
        transport = Transport(base_url=base_url, timeout=10, max_requests=100)
        exchanges = send_together(transport, _requests(RACE))

    assert [exchange.purpose for exchange in exchanges] == [f"#{n}" for n in range(RACE)]
    # Every handler passed the server's barrier: all were being handled at the same moment.
    assert all(
        exchange.response is not None and exchange.response.body == b'{"status": 0}' for exchange in exchanges
    )
    assert len({port for port, _ in seen}) == RACE  # one connection each
    assert transport.sent == RACE


def test_the_race_is_charged_to_the_budget_before_anything_is_sent() -> None:
    with rendezvous_server(RACE) as (base_url, seen):
        transport = Transport(base_url=base_url, timeout=10, max_requests=RACE - 1)
        with pytest.raises(BudgetExhausted):
            send_together(transport, _requests(RACE))

    assert seen == []
    assert transport.sent == 0


def test_the_rate_limit_pays_for_the_whole_burst() -> None:
    transport = Transport(base_url="http://127.0.0.1:9", timeout=1, max_requests=100, rate_limit=20.0)
    transport.reserve(4)
    started = time.monotonic()
    transport.reserve(1)  # waits for the three slots the burst used beyond its first

    assert transport.sent == 5
    assert time.monotonic() - started >= 3 / 20 - 0.01


@pytest.mark.slow
@pytest.mark.parametrize("workers", [2, 4])
def test_the_race_raises_no_false_alarm_on_the_mock(workers: int) -> None:
    """The whole settlement flow, race included, against his-mock's workers: every run passes."""
    target = Target(
        base_url="",
        user_id=DEMO_USER,
        password=DEMO_PASSWORD,
        reg_no=DEMO_REG_NO,
        card_no=DEMO_CARD_NO,
        expired_token=None,
        allow_settlement=True,
    )
    failures: list[str] = []
    with start_mock(extra_args=["--workers", str(workers)]) as mock:
        for run in range(RUNS):
            assert requests.post(f"{mock.base_url}/__admin/reset", timeout=10).status_code == 200
            at_mock = dataclasses.replace(target, base_url=mock.base_url)
            session = open_session(at_mock, STRICT, Limits(max_examples=0), progress=_quiet)
            try:
                login(session)
                settlement_flow(session, fetch_bill(session))
            finally:
                session.transport.close()
            session.recorder.finish()
            race = session.recorder.results["SET-7"]
            if race.outcome is not Outcome.PASSED:
                failures.append(f"run {run}: SET-7 {race.outcome}: {[f.received for f in race.findings]}")
            for rule_id in ("SET-2", "SET-3", "SET-4", "SET-5", "SET-6"):
                if session.recorder.results[rule_id].outcome is not Outcome.PASSED:
                    failures.append(f"run {run}: {rule_id} {session.recorder.results[rule_id].outcome}")

    assert failures == []


def _quiet(line: str) -> None:
    del line
