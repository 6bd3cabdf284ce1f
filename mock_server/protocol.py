"""The HTTP/1.1 protocol of his-mock's workers: uvicorn's httptools protocol with a mock's limits on top.

uvicorn parses with httptools (llhttp, C) on the worker's event loop, so a call goes from the socket
to the app and back on one thread, without a hand-over between threads (what kept Granian behind
Prism at one connection; benchmarks/README.md has the numbers). What a mock left running on a team
server needs, and uvicorn leaves out, is added here:

- a deadline on the request head (`HEADER_READ_TIMEOUT_S`), from the first byte the connection
  waits for until the head is complete, which is also the idle deadline of a keep-alive connection:
  a head trickling in at one byte a second is cut off, never held open for good;
- a cap on the head's size and field count: more is answered 431 and the connection closed;
- a cap on the connections a worker serves at once: more wait unread (as in a listen backlog) until
  one closes, their deadline starting only when their turn comes;
- `DROP_EXTENSION` in the scope: the app closes the connection without an answer (a `drop` fault).

The body's own deadline and size cap are the bridge's (mock_server.bridge).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from mock_server.bridge import DROP_EXTENSION

# A request's line and headers must arrive within this; an idle keep-alive connection is closed after it too.
HEADER_READ_TIMEOUT_S = 10.0
# A request line and headers of more bytes than this, or more fields than `MAX_HEADER_FIELDS`, get a 431.
MAX_HEADER_BYTES = 16 * 1024
MAX_HEADER_FIELDS = 100
# Connections one worker serves at a time; more wait unread until one closes.
MAX_CONNECTIONS_PER_WORKER = 512

_TOO_LARGE = b"request header fields too large\n"
_ANSWER_431 = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TOO_LARGE), _TOO_LARGE)
)


class _Admission:
    """The connections of one server being served, and those waiting for a turn (oldest first)."""

    def __init__(self) -> None:
        self.served = 0
        self.waiting: collections.deque[HisHttpProtocol] = collections.deque()

    @classmethod
    def of(cls, server_state: Any) -> _Admission:
        """The admission of the server whose protocols share `server_state` (one per worker)."""
        admission = getattr(server_state, "his_admission", None)
        if admission is None:
            admission = cls()
            server_state.his_admission = admission
        return admission


class HisHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head deadline, head limits, a connection cap and `drop`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._admission = _Admission.of(self.server_state)
        self._admitted = False
        # Bytes that arrived before the connection's turn came (the first read; then reading pauses).
        self._held: list[bytes] = []
        self._head_deadline: asyncio.TimerHandle | None = None
        # Between a message's end (or the connection's start) and the next head's end.
        self._in_head = True
        self._head_raw = 0  # the reads of a head that has not ended yet
        self._heads_ended = 0
        self._head_bytes = 0  # its request line and fields, as httptools handed them over
        self._head_fields = 0
        self._refused = False
        self._refusal_waits = False
        # The head deadline also ends idle keep-alive connections; uvicorn's own keep-alive timer
        # (which a single byte would stop) is set to fire after it, never before.
        self.timeout_keep_alive = int(HEADER_READ_TIMEOUT_S) + 1

    # --- connections -----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self._admission.served >= MAX_CONNECTIONS_PER_WORKER:
            # Left unread: uvloop starts reading only after this returns (a pause now would be
            # undone), so the first read is held and reading paused in `data_received`.
            self._admission.waiting.append(self)
            return
        self._admit()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        admission = self._admission
        if self._admitted:
            self._admitted = False
            admission.served -= 1
            while admission.waiting and admission.served < MAX_CONNECTIONS_PER_WORKER:
                admission.waiting.popleft()._take_turn()
        else:
            with contextlib.suppress(ValueError):
                admission.waiting.remove(self)
        super().connection_lost(exc)

    def _admit(self) -> None:
        self._admitted = True
        self._admission.served += 1
        self._arm_head_deadline()

    def _take_turn(self) -> None:
        if self.transport.is_closing():
            return
        self._admit()
        held, self._held = b"".join(self._held), []
        self.transport.resume_reading()
        if held:
            self.data_received(held)

    # --- the head deadline -----------------------------------------------------------------------

    def _arm_head_deadline(self) -> None:
        self._cancel_head_deadline()
        self._head_deadline = self.loop.call_later(HEADER_READ_TIMEOUT_S, self._head_too_slow)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        queued = bool(self.pipeline)  # super starts the next queued request, if there is one
        super().on_response_complete()
        if self._refusal_waits:
            if not queued:  # every request before the refused head has had its answer
                self._send_431()
        elif not queued and not self.transport.is_closing():
            self._arm_head_deadline()  # the next request's head, or an idle keep-alive connection

    # --- the head's limits -----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if not self._admitted:
            self._held.append(data)
            self.transport.pause_reading()
            return
        if self._refused:
            return
        heads_before = self._heads_ended
        whole_read_in_head = self._in_head
        super().data_received(data)
        if whole_read_in_head and self._heads_ended == heads_before and not self._refused:
            # httptools hands a header over only once its line ends: a line that never ends is
            # counted here, read by read. Only a read that ended no head is all head: one that
            # carried a whole request (and perhaps the start of the next) is not counted.
            self._count_head(len(data), fields=0, raw=True)

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # a head refused as too large has (or will have) its 431
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        self._in_head = True
        self._head_bytes = 0
        self._head_fields = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url), fields=0)
        if not self._refused:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._in_head:  # not a chunked body's trailer fields: those belong to the body
            self._count_head(len(name) + len(value) + 4, fields=1)
        if not self._refused:
            super().on_header(name, value)

    def _count_head(self, size: int, *, fields: int, raw: bool = False) -> None:
        if raw:
            # Reads and parsed fields count the same bytes: the larger of the two counts is kept.
            self._head_raw += size
            over = self._head_raw > MAX_HEADER_BYTES
        else:
            self._head_bytes += size
            self._head_fields += fields
            over = self._head_bytes > MAX_HEADER_BYTES or self._head_fields > MAX_HEADER_FIELDS
        if over and not self._refused:
            self._refused = True
            self._cancel_head_deadline()
            if self.cycle is not None and not self.cycle.response_complete:
                # An earlier request of this connection is still being answered: its answer first.
                self._refusal_waits = True
                self.transport.pause_reading()
            else:
                self._send_431()

    def _send_431(self) -> None:
        self._refusal_waits = False
        if not self.transport.is_closing():
            self.transport.write(_ANSWER_431)
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._heads_ended += 1
        self._in_head = False
        self._head_raw = 0
        if self._refused:
            return
        self._cancel_head_deadline()
        super().on_headers_complete()
        cycle = self.cycle
        extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
        extensions[DROP_EXTENSION] = lambda: self._drop(cycle)

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_head = True
        self._head_raw = 0
        if not self._refused:
            super().on_message_complete()

    # --- drop --------------------------------------------------------------------------------------

    def _drop(self, cycle: RequestResponseCycle) -> None:
        """Close the connection without an answer: uvicorn then sends nothing for this cycle."""
        cycle.disconnected = True
        if not self.transport.is_closing():
            self.transport.close()
