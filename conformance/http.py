"""The one way the suite talks to a deployment: bounded, timed, and never crashing on a bad answer.

Every request goes through `Transport.send`, which enforces

- one total deadline per request (name resolution, connect, TLS, sending, headers and body
  together: `--timeout`), however slowly the server trickles bytes, and the run's own deadline
  (`--max-time`);
- a cap on the body size, counted after decoding, so a gzip bomb stops at the cap;
- the request budget and the rate limit;
- the settlement guard: no request whose final URL is a forbidden operation leaves the machine.

The HTTP/1.1 client is h11 (the protocol) over a plain socket whose timeout is set to the time
left before every receive: no library below can wait longer than the deadline. Whatever the
server does (no listener, an unknown host, TLS against plain HTTP, a reset, bytes that are not
HTTP, a huge or truncated body, silence) comes back as an `Exchange` whose `problem` names it,
with `detail` and what arrived so far, for the rules to judge.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
import select
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

import h11

from conformance.errors import BudgetExhausted, ForbiddenRequest, RunTimeUp, ServerStopped, UnsendableRequest

# A bill with dozens of fee categories is tens of kilobytes; megabytes mean something is wrong.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Status line and headers together; h11's own default is 16 KiB.
MAX_HEAD_BYTES = 64 * 1024
# What a report shows of an answer that never became a response (a trickled head, garbage).
MAX_PARTIAL_BYTES = 4096
# After this many timeouts in a row the server is considered gone: waiting on it again only hangs.
MAX_CONSECUTIVE_TIMEOUTS = 3
USER_AGENT = "his-conformance"
_RECV_BYTES = 65536
_IDLE_CONNECTIONS = 8


class Problem(StrEnum):
    """Why an exchange has no complete response."""

    TIMEOUT = "timeout"
    REFUSED = "refused"
    DNS = "dns"
    TLS = "tls"
    RESET = "reset"
    NOT_HTTP = "not_http"
    CONNECTION = "connection"
    INCOMPLETE = "incomplete"
    TOO_LARGE = "too_large"
    UNDECODABLE = "undecodable"


PROBLEM_TEXT = {
    Problem.TIMEOUT: "no complete answer within the timeout",
    Problem.REFUSED: "the connection was refused (nothing listens on that host and port)",
    Problem.DNS: "the host name does not resolve",
    Problem.TLS: "the TLS handshake failed",
    Problem.RESET: "the connection was reset or closed before any response",
    Problem.NOT_HTTP: "the answer is not HTTP/1.x",
    Problem.CONNECTION: "the connection failed or was closed before any response",
    Problem.INCOMPLETE: "the connection was closed in the middle of the response (truncated body)",
    Problem.TOO_LARGE: f"the response is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB (after decoding)",
    Problem.UNDECODABLE: "the body does not decode as its Content-Encoding says",
}
# The problems that mean no HTTP server answered at all (the rest are answers gone wrong).
UNREACHABLE = frozenset({Problem.REFUSED, Problem.DNS, Problem.TLS, Problem.CONNECTION})


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
    """A response as it was received (the body decoded, possibly cut at the size cap or the deadline)."""

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
    # The low-level cause of `problem` ("[Errno 111] Connection refused", "illegal status line").
    detail: str = ""
    # The raw bytes that arrived when they never became a response (capped at MAX_PARTIAL_BYTES).
    partial: bytes = b""

    @property
    def problem_text(self) -> str:
        """`problem` in words, with its cause; empty when the exchange is complete."""
        if self.problem is None:
            return ""
        text = PROBLEM_TEXT[self.problem]
        if self.problem is Problem.TIMEOUT:
            text += f" ({self.elapsed:.1f} s)"
        return f"{text}: {self.detail}" if self.detail else text

    @property
    def arrived(self) -> str:
        """What had arrived when the exchange ended, for a finding on an incomplete one."""
        response = self.response
        if response is not None:
            promised = response.header("Content-Length")
            of = f" of {promised}" if promised and promised.strip().isdigit() else ""
            return f"HTTP {response.status} and its headers, then {len(response.body)}{of} body bytes"
        if not self.partial:
            return "nothing"
        snippet = self.partial[:80].decode("latin-1")
        more = "…" if len(self.partial) > 80 else ""
        return f"{len(self.partial)} bytes, no complete status line and headers: {snippet!r}{more}"


@dataclass(slots=True)
class Transport:
    """Sends requests to one base URL within the run's limits; safe to share between threads."""

    base_url: str
    timeout: float
    max_requests: int
    rate_limit: float = 0.0  # requests per second; 0 means no limit
    # Operation paths that must never be requested (the settlement, unless allowed).
    forbidden_paths: frozenset[str] = frozenset()
    # time.monotonic() after which nothing more is sent (--max-time); None: no run deadline.
    run_deadline: float | None = None
    tls_context: ssl.SSLContext | None = None
    sent: int = 0
    consecutive_timeouts: int = 0
    _last_sent_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _idle: list[_Connection] = field(default_factory=list)

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
        """Send one request and return the exchange; never raises for anything the server does.

        Raises `BudgetExhausted`, `RunTimeUp` or `ServerStopped` when the run must stop sending,
        `UnsendableRequest` for a request HTTP cannot carry, and `ForbiddenRequest` (a bug guard)
        for a URL the run was not allowed to request.
        """
        url = join_url(self.base_url, path)
        self._guard(method, url)
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **headers}
        request = HttpRequest(method, url, tuple(all_headers.items()), body)
        with self._lock:
            if self.consecutive_timeouts >= MAX_CONSECUTIVE_TIMEOUTS:
                raise ServerStopped(f"{self.consecutive_timeouts} requests in a row timed out")
            if self.sent >= self.max_requests:
                raise BudgetExhausted(f"the request budget of {self.max_requests} requests is spent")
            self._pace()
            if self.run_deadline is not None and time.monotonic() >= self.run_deadline:
                raise RunTimeUp("the run's time limit (--max-time) is reached")
            self.sent += 1
        started = time.monotonic()
        request_deadline = started + self.timeout
        deadline = request_deadline if self.run_deadline is None else min(request_deadline, self.run_deadline)
        outcome = self._perform(request, deadline)
        elapsed = time.monotonic() - started
        if outcome.problem is Problem.TIMEOUT and deadline < request_deadline:
            # Cut by the run's deadline, not the server's slowness: no TRN-1 finding for it.
            raise RunTimeUp("the run's time limit (--max-time) is reached")
        with self._lock:
            timed_out = outcome.problem is Problem.TIMEOUT
            self.consecutive_timeouts = self.consecutive_timeouts + 1 if timed_out else 0
        return Exchange(
            operation_id,
            request,
            outcome.response,
            outcome.problem,
            elapsed,
            purpose,
            outcome.detail,
            outcome.partial,
        )

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _guard(self, method: str, url: str) -> None:
        if self.forbidden_paths and is_forbidden(url, self.forbidden_paths):
            # A bug guard: the planners never ask for this; the user did not allow settlement.
            raise ForbiddenRequest(f"refusing to send {method} {url} without --allow-settlement")

    def reserve(self, count: int) -> None:
        """Charge `count` requests sent at once (SET-7's race) to the budget and the rate limit.

        The burst starts at the next free slot of the rate limit, and the request after it waits
        as if the `count` requests had been sent one by one: the average rate is kept.
        """
        with self._lock:
            if self.consecutive_timeouts >= MAX_CONSECUTIVE_TIMEOUTS:
                raise ServerStopped(f"{self.consecutive_timeouts} requests in a row timed out")
            if self.sent + count > self.max_requests:
                raise BudgetExhausted(
                    f"the request budget of {self.max_requests} requests"
                    f" cannot pay for {count} requests at once"
                )
            self._pace()
            if self.run_deadline is not None and time.monotonic() >= self.run_deadline:
                raise RunTimeUp("the run's time limit (--max-time) is reached")
            if self.rate_limit > 0:
                self._last_sent_at += (count - 1) / self.rate_limit
            self.sent += count

    def connection(self, *, timeout: float | None = None) -> Transport:
        """A transport on a connection of its own, for one request already charged by `reserve`.

        The same settings (another `timeout` if given); fresh private state (every `_` field with a
        factory: the connection pool, a lock), so nothing is shared with this transport or another racer.
        """
        fresh = {
            item.name: item.default_factory()
            for item in dataclasses.fields(self)
            if item.name.startswith("_") and item.default_factory is not dataclasses.MISSING
        }
        return dataclasses.replace(
            self,
            timeout=self.timeout if timeout is None else timeout,
            max_requests=1,
            rate_limit=0.0,
            sent=0,
            consecutive_timeouts=0,
            **fresh,
        )

    def _pace(self) -> None:
        if self.rate_limit <= 0:
            return
        wait = self._last_sent_at + 1.0 / self.rate_limit - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_sent_at = time.monotonic()

    def _perform(self, request: HttpRequest, deadline: float) -> _Outcome:
        parts = urlsplit(request.url)
        key = (parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        wire_headers = _wire_headers(request, parts.netloc.rpartition("@")[2])
        connection = self._take_idle(key)
        if connection is None:
            opened = _open(key, deadline, self.tls_context)
            if isinstance(opened, _Outcome):
                return opened
            connection = opened
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            outcome, reusable = connection.exchange(
                request.method, target, wire_headers, request.body, deadline
            )
        except BaseException:
            connection.close()  # its protocol state is unknown: never reused
            raise
        if reusable:
            self._give_back(connection)
        else:
            connection.close()
        return outcome

    def _take_idle(self, key: tuple[str, str, int]) -> _Connection | None:
        with self._lock:
            for index, connection in enumerate(self._idle):
                if connection.key == key:
                    del self._idle[index]
                    break
            else:
                return None
        if connection.dropped():
            connection.close()
            return None
        return connection

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if len(self._idle) < _IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
        connection.close()


def join_url(base_url: str, path: str) -> str:
    """The URL requested for `path` under `base_url` (the base's path is a prefix, never replaced)."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def normalised_path(path: str) -> str:
    """A URL path as a lenient router reads it: percent-decoded, dot segments and repeated
    slashes resolved, no trailing slash, lower-case (ASP.NET Core routes ignore case)."""
    decoded = re.sub("/+", "/", "/" + unquote(path).replace("\\", "/"))
    return posixpath.normpath(decoded).rstrip("/").lower()


def is_forbidden(url: str, forbidden_paths: frozenset[str]) -> bool:
    """Whether requesting `url` could reach one of `forbidden_paths`, however the base URL is spelled."""
    path = normalised_path(urlsplit(url).path) + "/"
    return any(normalised_path(forbidden) + "/" in path for forbidden in forbidden_paths)


@dataclass(slots=True, frozen=True)
class _Outcome:
    response: HttpResponse | None = None
    problem: Problem | None = None
    detail: str = ""
    partial: bytes = b""


@dataclass(slots=True)
class _Connection:
    """One HTTP/1.1 connection: a socket and its h11 state machine."""

    key: tuple[str, str, int]
    sock: socket.socket
    http: h11.Connection = field(
        default_factory=lambda: h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
    )

    def dropped(self) -> bool:
        """Whether an idle connection was closed by the server (readable means EOF or stray bytes)."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def exchange(
        self,
        method: str,
        target: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | None,
        deadline: float,
    ) -> tuple[_Outcome, bool]:
        """Send the request and read the response; (outcome, whether the connection can be reused)."""
        try:
            data = self.http.send(h11.Request(method=method, target=target.encode("ascii"), headers=headers))
            if body:
                data = (data or b"") + (self.http.send(h11.Data(data=body)) or b"")
            data = (data or b"") + (self.http.send(h11.EndOfMessage()) or b"")
        except (h11.LocalProtocolError, UnicodeError) as exc:
            raise UnsendableRequest(str(exc)) from exc
        reader = _ResponseReader(self, deadline)
        try:
            self.sock.settimeout(_remaining(deadline))
            self.sock.sendall(data)
        except TimeoutError:
            return reader.finish(Problem.TIMEOUT, ""), False
        except OSError as exc:
            # The server may have answered before it read everything (and closed): read what it said.
            reader.note_send_error(exc)
        return reader.read()


@dataclass(slots=True)
class _ResponseReader:
    """Reads one response off a connection within the deadline, decoding and capping the body."""

    connection: _Connection
    deadline: float
    head: bytearray = field(default_factory=bytearray)
    status: int = 0
    reason: str = ""
    headers: tuple[tuple[str, str], ...] | None = None
    body: _BodyDecoder | None = None
    send_error: OSError | None = None

    def note_send_error(self, exc: OSError) -> None:
        self.send_error = exc

    def read(self) -> tuple[_Outcome, bool]:
        http = self.connection.http
        while True:
            try:
                event = http.next_event()
            except h11.RemoteProtocolError as exc:
                if self.headers is None and not self.head:
                    return self.finish(Problem.RESET, "closed without a response"), False
                problem = Problem.NOT_HTTP if self.headers is None else Problem.INCOMPLETE
                return self.finish(problem, f"h11: {exc}"), False
            if event is h11.NEED_DATA:
                stopped = self._receive()
                if stopped is not None:
                    return stopped, False
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                self._start(event)
                if self.body is not None and self.body.problem is not None:
                    return self.finish(self.body.problem, self.body.detail), False
            elif isinstance(event, h11.Data):
                assert self.body is not None
                if not self.body.feed(bytes(event.data)):
                    return self.finish(self.body.problem, self.body.detail), False
            elif isinstance(event, h11.EndOfMessage):
                assert self.body is not None
                if not self.body.end():
                    return self.finish(self.body.problem, self.body.detail), False
                reusable = http.our_state is h11.DONE and http.their_state is h11.DONE
                if reusable:
                    try:
                        http.start_next_cycle()
                    except h11.LocalProtocolError:
                        reusable = False
                return self.finish(None, ""), reusable
            elif isinstance(event, h11.ConnectionClosed):
                if self.headers is None:
                    return self.finish(Problem.RESET, "closed without a response"), False
                return self.finish(Problem.INCOMPLETE, "closed before the end of the body"), False
            else:  # pragma: no cover - h11 has no other client-side events
                return self.finish(Problem.NOT_HTTP, f"unexpected event {event!r}"), False

    def _receive(self) -> _Outcome | None:
        remaining = _remaining(self.deadline)
        if remaining <= 0:
            return self.finish(Problem.TIMEOUT, "")
        sock = self.connection.sock
        try:
            sock.settimeout(remaining)
            data = sock.recv(_RECV_BYTES)
        except TimeoutError:
            return self.finish(Problem.TIMEOUT, "")
        except ssl.SSLError as exc:
            return self.finish(Problem.TLS if self.headers is None else Problem.INCOMPLETE, str(exc))
        except OSError as exc:
            return self.finish(Problem.RESET if self.headers is None else Problem.INCOMPLETE, _describe(exc))
        if not data and self.headers is None and self.send_error is not None:
            return self.finish(Problem.RESET, _describe(self.send_error))
        if self.headers is None and len(self.head) < MAX_PARTIAL_BYTES:
            self.head += data[: MAX_PARTIAL_BYTES - len(self.head)]
        try:
            self.connection.http.receive_data(data)
        except h11.RemoteProtocolError as exc:  # data after the connection was closed
            return self.finish(Problem.NOT_HTTP, f"h11: {exc}")
        return None

    def _start(self, event: h11.Response) -> None:
        self.status = event.status_code
        self.reason = bytes(event.reason).decode("latin-1")
        self.headers = tuple(
            (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
            for name, value in event.headers.raw_items()
        )
        self.body = _BodyDecoder(_header(self.headers, "Content-Encoding") or "")

    def finish(self, problem: Problem | None, detail: str) -> _Outcome:
        if self.headers is None:
            return _Outcome(None, problem, detail, bytes(self.head))
        assert self.body is not None
        response = HttpResponse(self.status, self.reason, self.headers, self.body.decoded())
        return _Outcome(response, problem, detail)


class _BodyDecoder:
    """Decodes a gzip/deflate body as it arrives and stops at MAX_BODY_BYTES of decoded bytes."""

    def __init__(self, content_encoding: str) -> None:
        encoding = content_encoding.strip().lower()
        self._chunks: list[bytes] = []
        self._size = 0
        self._raw_size = 0
        self.problem: Problem | None = None
        self.detail = ""
        self._zlib: Any = None
        self._deflate_fallback = False
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
            self._deflate_fallback = True  # servers send raw deflate as often as zlib-wrapped

    def feed(self, data: bytes) -> bool:
        """Take one piece of the body; False once a problem ends the reading."""
        self._raw_size += len(data)
        if self._raw_size > MAX_BODY_BYTES:
            self._fail(Problem.TOO_LARGE, f"more than {MAX_BODY_BYTES} bytes on the wire")
            return False
        if self._zlib is None:
            return self._keep(data)
        return self._inflate(data)

    def end(self) -> bool:
        if self._zlib is not None and self.problem is None:
            try:
                rest = self._zlib.flush()
            except zlib.error as exc:
                self._fail(Problem.UNDECODABLE, str(exc))
                return False
            if rest and not self._keep(rest):
                return False
        return self.problem is None

    def decoded(self) -> bytes:
        return b"".join(self._chunks)

    def _inflate(self, data: bytes) -> bool:
        pending = data
        while pending:
            room = MAX_BODY_BYTES - self._size + 1
            try:
                out = self._zlib.decompress(pending, room)
            except zlib.error as exc:
                if self._deflate_fallback and self._size == 0:
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._deflate_fallback = False
                    continue
                self._fail(Problem.UNDECODABLE, str(exc))
                return False
            self._deflate_fallback = False
            if not self._keep(out):
                return False
            pending = self._zlib.unconsumed_tail
        return True

    def _keep(self, data: bytes) -> bool:
        room = MAX_BODY_BYTES - self._size
        if len(data) > room:
            self._chunks.append(data[:room])
            self._size = MAX_BODY_BYTES
            self._fail(Problem.TOO_LARGE, f"more than {MAX_BODY_BYTES} bytes")
            return False
        self._chunks.append(data)
        self._size += len(data)
        return True

    def _fail(self, problem: Problem, detail: str) -> None:
        self.problem, self.detail = problem, detail


def _open(
    key: tuple[str, str, int], deadline: float, context: ssl.SSLContext | None
) -> _Connection | _Outcome:
    """A connected (and for https, TLS-wrapped) socket, or the outcome that says why there is none."""
    scheme, host, port = key
    addresses = _resolve(host, port, deadline)
    if isinstance(addresses, _Outcome):
        return addresses
    last: _Outcome = _Outcome(None, Problem.CONNECTION, "no address to connect to")
    for family, kind, proto, _, address in addresses:
        remaining = _remaining(deadline)
        if remaining <= 0:
            return _Outcome(None, Problem.TIMEOUT, "while connecting")
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(remaining)
            sock.connect(address)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except TimeoutError:
            sock.close()
            return _Outcome(None, Problem.TIMEOUT, "while connecting")
        except ConnectionRefusedError as exc:
            sock.close()
            last = _Outcome(None, Problem.REFUSED, _describe(exc))
            continue
        except OSError as exc:
            sock.close()
            last = _Outcome(None, Problem.CONNECTION, _describe(exc))
            continue
        if scheme != "https":
            return _Connection(key, sock)
        return _wrap_tls(key, sock, deadline, context)
    return last


def _wrap_tls(
    key: tuple[str, str, int], sock: socket.socket, deadline: float, context: ssl.SSLContext | None
) -> _Connection | _Outcome:
    context = context or ssl.create_default_context()
    try:
        sock.settimeout(_remaining(deadline))
        wrapped = context.wrap_socket(sock, server_hostname=key[1])
    except TimeoutError:
        sock.close()
        return _Outcome(None, Problem.TIMEOUT, "during the TLS handshake")
    except ssl.SSLError as exc:
        sock.close()
        return _Outcome(None, Problem.TLS, str(exc))
    except OSError as exc:
        sock.close()
        return _Outcome(None, Problem.TLS, f"the server closed the connection during the handshake ({exc})")
    return _Connection(key, wrapped)


_AddrInfo = list[tuple[Any, Any, int, str, Any]]


def _resolve(host: str, port: int, deadline: float) -> _AddrInfo | _Outcome:
    """getaddrinfo within the deadline (it ignores socket timeouts, so it runs in a helper thread)."""
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        pass  # a name, not an address literal
    result: list[_AddrInfo | BaseException] = []

    def lookup() -> None:
        try:
            result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting thread
            result.append(exc)

    worker = threading.Thread(target=lookup, name="his-conformance-dns", daemon=True)
    worker.start()
    worker.join(max(0.0, _remaining(deadline)))
    if not result:
        return _Outcome(None, Problem.TIMEOUT, f"resolving {host!r}")
    found = result[0]
    if isinstance(found, socket.gaierror):
        return _Outcome(None, Problem.DNS, f"{host!r}: {found.strerror or found}")
    if isinstance(found, BaseException):
        return _Outcome(None, Problem.DNS, f"{host!r}: {found}")
    return found


def _wire_headers(request: HttpRequest, host: str) -> list[tuple[bytes, bytes]]:
    """The request's headers as bytes, with Host, Content-Length and Accept-Encoding added."""
    names = {name.lower() for name, _ in request.headers}
    headers: list[tuple[str, str]] = []
    if "host" not in names:
        headers.append(("Host", host))
    headers += list(request.headers)
    if "accept-encoding" not in names:
        headers.append(("Accept-Encoding", "gzip, deflate"))
    if "content-length" not in names and (request.body is not None or request.method not in ("GET", "HEAD")):
        headers.append(("Content-Length", str(len(request.body or b""))))
    try:
        return [(name.encode("ascii"), value.encode("latin-1")) for name, value in headers]
    except UnicodeError as exc:
        raise UnsendableRequest(f"a header HTTP cannot carry: {exc}") from exc


def _remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


def json_body(value: Any) -> bytes:
    """Encode a request body as the document's clients do: UTF-8 JSON, non-ASCII kept readable."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
