"""The one way the suite talks to a deployment: bounded, timed, and never crashing on a bad answer.

Every request goes through `Transport.send`, which enforces the per-request timeout (as a total
deadline, so a server trickling bytes cannot hold the run), a cap on the body size, the request
budget and the rate limit, and refuses settlement requests unless they were allowed. Whatever
the server does (non-JSON, a huge or truncated body, a closed connection, silence) comes back
as an `Exchange` whose `problem` says what went wrong, for the rules to judge.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import requests
import urllib3

from conformance.errors import BudgetExhausted, ServerStopped, UnsendableRequest

# A bill with dozens of fee categories is tens of kilobytes; megabytes mean something is wrong.
MAX_BODY_BYTES = 4 * 1024 * 1024
# After this many timeouts in a row the server is considered gone: waiting on it again only hangs.
MAX_CONSECUTIVE_TIMEOUTS = 3
USER_AGENT = "his-conformance"


class Problem(StrEnum):
    """Why an exchange has no complete response."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    INCOMPLETE = "incomplete"
    TOO_LARGE = "too_large"


PROBLEM_TEXT = {
    Problem.TIMEOUT: "no complete answer within the timeout",
    Problem.CONNECTION: "the connection failed or was closed before any response",
    Problem.INCOMPLETE: "the connection was closed in the middle of the response (truncated body)",
    Problem.TOO_LARGE: f"the response body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB",
}


@dataclass(slots=True, frozen=True)
class HttpRequest:
    """A request as it was sent."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)


@dataclass(slots=True, frozen=True)
class HttpResponse:
    """A response as it was received (the body possibly cut at the size cap)."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased; empty when absent."""
        value = self.header("Content-Type") or ""
        return value.split(";", 1)[0].strip().lower()


@dataclass(slots=True, frozen=True)
class Exchange:
    """One request and what came back: a response, or the problem that prevented one."""

    operation_id: str
    request: HttpRequest
    response: HttpResponse | None
    problem: Problem | None
    elapsed: float
    # What the suite meant by this request ("no Authorization header", "fuzzed, negative body").
    purpose: str = ""


@dataclass(slots=True)
class Transport:
    """Sends requests to one base URL within the run's limits."""

    base_url: str
    timeout: float
    max_requests: int
    rate_limit: float = 0.0  # requests per second; 0 means no limit
    forbidden_paths: frozenset[str] = frozenset()
    sent: int = 0
    consecutive_timeouts: int = 0
    _last_sent_at: float = 0.0
    _session: requests.Session = field(default_factory=requests.Session)

    def send(
        self,
        operation_id: str,
        path: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        method: str = "POST",
        purpose: str = "",
    ) -> Exchange:
        """Send one request and return the exchange; never raises for anything the server does."""
        if path in self.forbidden_paths:
            # A bug guard: the planners never ask for this; the user did not allow settlement.
            raise RuntimeError(f"refusing to send {method} {path} without --allow-settlement")
        if self.consecutive_timeouts >= MAX_CONSECUTIVE_TIMEOUTS:
            raise ServerStopped(f"{self.consecutive_timeouts} requests in a row timed out")
        if self.sent >= self.max_requests:
            raise BudgetExhausted(f"the request budget of {self.max_requests} requests is spent")
        self._pace()
        url = self.base_url.rstrip("/") + path
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **headers}
        request = HttpRequest(method, url, tuple(all_headers.items()), body)
        self.sent += 1
        started = time.monotonic()
        response, problem = self._perform(request, started)
        elapsed = time.monotonic() - started
        self.consecutive_timeouts = self.consecutive_timeouts + 1 if problem is Problem.TIMEOUT else 0
        return Exchange(operation_id, request, response, problem, elapsed, purpose)

    def close(self) -> None:
        self._session.close()

    def _pace(self) -> None:
        if self.rate_limit <= 0:
            return
        wait = self._last_sent_at + 1.0 / self.rate_limit - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_sent_at = time.monotonic()

    def _perform(self, request: HttpRequest, started: float) -> tuple[HttpResponse | None, Problem | None]:
        deadline = started + self.timeout
        try:
            raw = self._session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body,
                timeout=(self.timeout, self.timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.Timeout:
            return None, Problem.TIMEOUT
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError) as exc:
            raise UnsendableRequest(str(exc)) from exc
        except requests.RequestException:
            return None, Problem.CONNECTION
        try:
            body, problem = _read_body(raw, deadline)
        finally:
            raw.close()
        headers = tuple((str(k), str(v)) for k, v in raw.headers.items())
        return HttpResponse(raw.status_code, str(raw.reason or ""), headers, body), problem


def _read_body(raw: requests.Response, deadline: float) -> tuple[bytes, Problem | None]:
    """Read the body chunk by chunk, stopping at the deadline or the size cap."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in raw.iter_content(chunk_size=65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return b"".join(chunks)[:MAX_BODY_BYTES], Problem.TOO_LARGE
            if time.monotonic() > deadline:
                return b"".join(chunks), Problem.TIMEOUT
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        problem = Problem.TIMEOUT if _is_timeout(exc) else Problem.INCOMPLETE
        return b"".join(chunks), problem
    except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.HTTPError):
        return b"".join(chunks), Problem.INCOMPLETE
    if time.monotonic() > deadline:
        return b"".join(chunks), Problem.TIMEOUT
    return b"".join(chunks), None


def _is_timeout(exc: BaseException) -> bool:
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)):
            return True
        current = current.__cause__ or current.__context__
        if current is exc:
            break
    return "timed out" in str(exc).lower()


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


def json_body(value: Any) -> bytes:
    """Encode a request body as the document's clients do: UTF-8 JSON, non-ASCII kept readable."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
