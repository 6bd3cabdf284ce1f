"""SET-7's sender: several requests released at the same instant, each on its own connection.

WeChat Pay retries payment notifications and kiosks retry on timeouts, so duplicate settlements
arrive together, not one after the other. One thread per request waits behind a barrier and
sends on a connection of its own (a shared keep-alive connection would serialise them). The
whole burst is charged to the run's request budget and rate limit before any thread starts.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conformance.errors import RaceFailed
from conformance.http import Exchange, Problem, Transport
from conformance.options import DEFAULT_RACE, MAX_RACE

__all__ = ["DEFAULT_RACE", "MAX_RACE"]
# How long the threads may take to line up at the barrier: they only have to start.
_LINE_UP_SECONDS = 10.0


@dataclass(slots=True, frozen=True)
class RaceRequest:
    """One request of a race, ready to send."""

    operation_id: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    purpose: str


def send_together(transport: Transport, requests: Sequence[RaceRequest]) -> list[Exchange]:
    """Send every request at the same moment; the exchanges in the order of `requests`."""
    if not requests:
        return []
    transport.reserve(len(requests))
    # A deployment may serialise the settlements of one bill (a lock is a right answer to SET-7):
    # the last racer then waits for all the others, so each racer gets the timeout once per racer.
    racer_timeout = transport.timeout * len(requests)
    barrier = threading.Barrier(len(requests), timeout=_LINE_UP_SECONDS)
    exchanges: list[Exchange | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def run(index: int, request: RaceRequest) -> None:
        own = transport.connection(timeout=racer_timeout)
        try:
            barrier.wait()
            exchanges[index] = own.send(
                request.operation_id,
                request.path,
                headers=request.headers,
                body=request.body,
                purpose=request.purpose,
            )
        except BaseException as error:  # handed to the caller's thread below
            errors.append(error)
            barrier.abort()
        finally:
            own.close()

    threads = [
        threading.Thread(target=run, args=(index, request), name=f"his-race-{index}", daemon=True)
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    # Every send has its own deadline (the racer's timeout, as a total); this is only the bound on top.
    deadline = _LINE_UP_SECONDS + racer_timeout + 5.0
    for thread in threads:
        thread.join(deadline)
    if errors:
        first = errors[0]
        if isinstance(first, threading.BrokenBarrierError):
            raise RaceFailed("the race's threads could not be released together") from first
        raise first
    if any(exchange is None for exchange in exchanges) or any(thread.is_alive() for thread in threads):
        raise RaceFailed("a request of the race neither answered nor timed out")
    timeouts = [
        exchange for exchange in exchanges if exchange is not None and exchange.problem is Problem.TIMEOUT
    ]
    if len(timeouts) == len(exchanges):
        transport.consecutive_timeouts += 1
    return [exchange for exchange in exchanges if exchange is not None]
