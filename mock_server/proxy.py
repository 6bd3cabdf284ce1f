"""`his-mock --proxy URL`: forward every HIS call to a real HIS, and judge the answers it gives.

Imported only in proxy mode: it reuses the conformance suite (its h11 transport with a total deadline
per call and bounded answers, `read_answer`, and `judge_recording`, the judge of `--har`), so the
mock's own start-up does not pay for importing it. `conformance` never imports `mock_server`.

Forwarding: method, path, body and headers as the client sent them, minus the hop-by-hop ones (and
`Accept-Encoding`: the upstream is asked for the identity encoding, so the body the client receives
is the upstream's bytes, not a re-encoding of them). No retry. The answer goes back unchanged:
status, headers (minus hop-by-hop and the framing the server sets itself) and body bytes.

Judging: every forwarded call's exchange (with the upstream's full answer) is kept in memory under its
journal id (the newest `MAX_KEPT`); `/__admin/report` judges those whose journal entry still exists
with `conformance.recorded.judge_recording`, in time order, exactly as a HAR of the same calls is
judged: the intents a recording shows, the registry's checks, the secrets of the calls redacted.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from conformance.answer import read_answer
from conformance.contract import Contract
from conformance.errors import UnsendableRequest
from conformance.http import Exchange, Transport
from conformance.profiles import STRICT
from conformance.recorded import judge_recording
from conformance.recording import RecordedExchange, Recording
from his_contract import Basis, Spec
from mock_server.errors import ConfigError, UpstreamUnreachable

# RFC 9110 7.6.1's hop-by-hop fields, plus the framing this server sets itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# Not sent on: the upstream is asked for identity (the transport would decode anything else).
_REQUEST_DROPPED = HOP_BY_HOP | {"accept-encoding"}
# Not answered on: the transport has decoded the body, and the server sets its own Date/Server.
_RESPONSE_DROPPED = HOP_BY_HOP | {"content-encoding", "date", "server"}
# Forwarded calls kept for the server-side judgement (about the journal's default capacity).
MAX_KEPT = 500
DEFAULT_TIMEOUT = 30.0
# The transport's budget of requests: a proxy has none of its own.
_UNLIMITED = 2**62


@dataclass(slots=True, frozen=True)
class Forwarded:
    """What the upstream answered (`exchange.response`), or why it did not (`exchange.problem`)."""

    exchange: Exchange
    started: datetime

    @property
    def answered(self) -> bool:
        return self.exchange.response is not None and self.exchange.problem is None


class Upstream:
    """The real HIS behind the proxy, and what its answers showed so far."""

    def __init__(self, url: str, spec: Spec, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"--proxy must be an http:// or https:// URL; got {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.contract = Contract(spec)
        self._transport = Transport(self.url, timeout, _UNLIMITED)
        self._kept: collections.OrderedDict[int, RecordedExchange] = collections.OrderedDict()
        self._lock = threading.Lock()

    def forward(
        self, operation_id: str, method: str, path: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Forwarded:
        """One call sent on as the client sent it; `UpstreamUnreachable` when no answer came back."""
        sent = dict(end_to_end(headers, _REQUEST_DROPPED))
        sent["Accept-Encoding"] = "identity"
        started = datetime.now(UTC)
        # A proxy passes every call on: a run of timeouts upstream must not stop later calls.
        self._transport.consecutive_timeouts = 0
        try:
            exchange = self._transport.send(
                operation_id, path, headers=sent, body=body, method=method, purpose="forwarded"
            )
        except UnsendableRequest as exc:
            raise UpstreamUnreachable.because(f"the request cannot be sent on: {exc}") from None
        return Forwarded(exchange, started)

    @staticmethod
    def answer_headers(forwarded: Forwarded) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The upstream answer's Content-Type, and the other headers the client gets unchanged."""
        response = forwarded.exchange.response
        assert response is not None
        kept = end_to_end(response.headers, _RESPONSE_DROPPED)
        content_type = next((v for n, v in kept if n.lower() == "content-type"), "")
        return content_type, tuple((n, v) for n, v in kept if n.lower() != "content-type")

    def envelope_status(self, forwarded: Forwarded) -> tuple[int | None, str | None]:
        """The upstream answer's envelope `status` and `msg` (None where it has none), for the journal."""
        answer = read_answer(forwarded.exchange, self.contract, STRICT)
        msg = answer.envelope.document.get("msg") if answer.envelope is not None else None
        return answer.status, msg if isinstance(msg, str) else None

    def keep(self, journal_id: int | None, forwarded: Forwarded) -> None:
        """Keep a forwarded call for the server-side judgement, under its journal id."""
        if journal_id is None:
            return  # not journaled (a journal that cannot be written): it cannot be cited either
        exchange = forwarded.exchange
        started = forwarded.started.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        item = RecordedExchange(
            journal_id,
            started,
            exchange,
            timed=True,
            request_body_recorded=exchange.request.body is not None,
            response_body_recorded=exchange.response is not None,
            at=forwarded.started.timestamp(),
            noun="journal id ",
        )
        with self._lock:
            self._kept[journal_id] = item
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)

    def server_findings(self, journal_ids: Iterable[int]) -> list[dict[str, Any]]:
        """The server side of the calls still in the journal, judged as a HAR of them would be:
        each finding as the suite's reports show it (secrets redacted), with `"side": "server"`."""
        present = set(journal_ids)
        with self._lock:
            kept = [item for journal_id, item in self._kept.items() if journal_id in present]
        if not kept:
            return []
        recording = Recording("his-mock proxy", exchanges=sorted(kept, key=lambda item: item.index))
        recorder = judge_recording(
            recording,
            self.contract,
            STRICT,
            timeout=self.timeout,
            fail_on=Basis.DOCUMENT,
            label=self.url,
        )
        return [finding.as_dict() for result in recorder.results.values() for finding in result.findings]


def end_to_end(headers: Iterable[tuple[str, str]], dropped: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """`headers` without the `dropped` ones and without those the `Connection` header names (RFC 9110
    7.6.1: they are hop-by-hop too)."""
    listed = tuple(headers)
    named = {
        token.strip().lower()
        for name, value in listed
        if name.lower() == "connection"
        for token in value.split(",")
    }
    return tuple((name, value) for name, value in listed if name.lower() not in dropped | named)


def with_server_side(
    document: Mapping[str, Any], upstream: Upstream, journal_ids: Iterable[int]
) -> dict[str, Any]:
    """The client report's JSON with the server's findings added: `"side": "server"` on each, counted
    in the summary, and a verdict that fails on a document finding of either side."""
    server = upstream.server_findings(journal_ids)
    failures = sum(f.get("basis") == Basis.DOCUMENT.value for f in server)
    summary = dict(document["summary"])
    summary["failures"] += failures
    summary["advice"] += len(server) - failures
    return {
        **document,
        "verdict": "fail" if summary["failures"] else document["verdict"],
        "findings": [*document["findings"], *server],
        "summary": summary,
        "server": {
            "upstream": upstream.url,
            "findings": len(server),
            "verdict": "fail" if failures else "pass",
        },
    }
