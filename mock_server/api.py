"""The HIS operations of `openapi.yaml` (login, the unsettled bill, settlement): the hot path.

Per call: one indexed read of the fault board, the token check, the body check with compiled
validators, one indexed query for a bill fetch, a success envelope glued from pre-built bytes, one
log line and one journal row (written before the answer leaves, so every worker and host sees it).
The operations are plain WSGI (`HisApi.wsgi`, in front of Flask): a call to one of the spec's
(method, path) pairs costs no Flask request context, no routing and no Response object. Everything
else (the admin API, the docs, a wrong method or path) goes on to Flask. openapi-core is not
involved per request (it checks the spec at start-up).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, request

from his_contract import Spec, loads_bounded
from his_contract.client_rules import token_subject
from mock_server.accesslog import AccessLog
from mock_server.auth import Claims
from mock_server.bridge import DROP_CONNECTION, INLINE, TAKEN_FAULT, RunOnThread
from mock_server.client_report import answer_facts
from mock_server.errors import (
    ApiError,
    BusinessError,
    InternalError,
    InvalidInput,
    TokenExpired,
    TokenInvalid,
    UpstreamUnreachable,
)
from mock_server.faults import CHANGE_BILL, EXPIRE_TOKEN, HTTP503, Fault, canonical_operation
from mock_server.flavors import Reply, success_prefix
from mock_server.journal import Entry, token_fingerprint
from mock_server.scenarios import apply_effect
from mock_server.service import HisMock
from mock_server.validation import MAX_BODY_BYTES, too_large

if TYPE_CHECKING:
    from mock_server.proxy import Forwarded, Upstream

log = logging.getLogger("his_mock")

Handler = Callable[[dict[str, Any], Claims | None], Reply]
Endpoint = Callable[[dict[str, Any]], Reply]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

HTML_500 = (
    b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
    b"<h1>Internal Server Error</h1><p>The server encountered an unexpected condition.</p>"
    b"<hr><address>his-mock (injected fault)</address></body></html>"
)
# A restarting IIS answers this while the application pool comes back (his-unavailable).
HTML_503 = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>"
    b"<h1>Service Unavailable</h1><p>HTTP Error 503. The service is unavailable.</p>"
    b"<hr><address>his-mock (injected fault)</address></body></html>"
)
STATUS_ERRORS: dict[int, type[ApiError]] = {1: TokenInvalid, 3: TokenExpired, 6: BusinessError}
# What a call hands to the pool thread with `RunOnThread` besides the fault: the body it read, and
# a committed call's answer that an `after` delay holds back (the call must never run twice).
_READ_BODY = "his_mock.read_body"
_HELD_ANSWER = "his_mock.held_answer"


@dataclass(slots=True, frozen=True)
class HeldAnswer:
    """A call that has done its work and whose answer an `after` fault holds back (on a pool thread)."""

    started: float
    reply: Reply
    fault: Fault
    raw: bytes
    status: int | None
    msg: str | None
    user_id: str | None
    answer: dict[str, str] | None
    forwarded: Forwarded | None = None


class HisApi:
    """Answers the documented operations with the envelope, in the configured flavor."""

    def __init__(self, mock: HisMock) -> None:
        self.mock = mock
        self._success_msg = {
            "login": "获取成功",
            "getUnSettleBillByDoctor": "获取成功",
            "getUnpayBillByDoctorAlias": "获取成功",
            "settleByDoctor": "结算成功",
        }
        self._login_ok = success_prefix(self._success_msg["login"])
        self._bill_ok = success_prefix(self._success_msg["getUnSettleBillByDoctor"])
        self._settle_ok = success_prefix(self._success_msg["settleByDoctor"])
        self._passwords = {user.user_id: user.password for user in mock.fixtures.users}
        self._status_text = {code.code: code.zh for code in mock.spec.error_codes.values()}
        self.access_log = AccessLog()
        self._endpoints: dict[tuple[str, str], Endpoint] = {}

    def register(self, app: Flask, spec: Spec) -> None:
        """Serve the spec's operations in front of `app`; Flask keeps their routes (for its 405s)."""
        handlers: dict[str, Handler] = {
            "login": self.login,
            "getUnSettleBillByDoctor": self.unsettled_bill,
            "getUnpayBillByDoctorAlias": self.unsettled_bill,
            "settleByDoctor": self.settle,
        }
        for operation in spec.operations.values():
            op_id = operation.operation_id
            endpoint = self._endpoint(op_id, operation.protected, handlers[op_id])
            self._endpoints[(operation.method, operation.path)] = endpoint
            app.add_url_rule(operation.path, op_id, _flask_view(endpoint), methods=[operation.method])
        app.wsgi_app = self.wsgi(app.wsgi_app)  # type: ignore[method-assign,assignment]

    def is_short(self, environ: dict[str, Any]) -> bool:
        """True for a call that never waits long: a HIS operation (one that takes a delay fault asks
        for a thread with `RunOnThread`). The serving layer runs such calls on its event loop's
        thread, without a hand-over to its pool. In proxy mode none is: each waits for the real HIS."""
        if self.mock.upstream is not None:
            return False
        return (environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")) in self._endpoints

    def wsgi(self, fallback: WsgiApp) -> WsgiApp:
        """A WSGI app that answers the spec's (method, path) pairs itself and passes the rest on."""
        endpoints = self._endpoints

        def his_operations(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            endpoint = endpoints.get((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
            if endpoint is None:
                return fallback(environ, start_response)
            reply = endpoint(environ)
            start_response(reply.status_line, reply.wsgi_headers())
            return [reply.body]

        return his_operations

    # --- the operations ------------------------------------------------------------------------

    def login(self, body: dict[str, Any], _claims: Claims | None) -> Reply:
        user_id = body["userId"]
        password = body.get("password", "")
        expected = self._passwords.get(user_id)
        # The request schema makes `password` a string: no type check here.
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            reason = "unknown user" if expected is None else "password does not match"
            raise BusinessError("用户名或密码错误", f"userId={user_id}: {reason}")
        token = self.mock.tokens.issue(user_id)
        return self.mock.flavor.success(self._login_ok, json.dumps(token).encode())

    def unsettled_bill(self, body: dict[str, Any], _claims: Claims | None) -> Reply:
        reg_no = body["RegNo"]
        state = self.mock.store.bill_state(reg_no)
        if state is None:
            raise BusinessError(f"未找到挂号号 {reg_no} 的待结算账单", f"RegNo={reg_no}: no registration")
        if state.settled_serial is not None:
            raise BusinessError(
                f"挂号号 {reg_no} 没有待结算账单（账单 {state.bill_id} 已结算）",
                f"RegNo={reg_no}: BILLID {state.bill_id} settled by SerialNumber {state.settled_serial}",
            )
        return self.mock.flavor.success(self._bill_ok, state.bill_json.encode())

    def settle(self, body: dict[str, Any], _claims: Claims | None) -> Reply:
        receipt = self.mock.cashier.settle(body)
        return self.mock.flavor.success(self._settle_ok, receipt.encode())

    # --- what every call goes through ----------------------------------------------------------

    def _endpoint(self, operation_id: str, protected: bool, handler: Handler) -> Endpoint:
        mock = self.mock
        upstream = mock.upstream
        fault_key = canonical_operation(operation_id)
        success_msg = self._success_msg[operation_id]

        def endpoint(environ: dict[str, Any]) -> Reply:
            held: HeldAnswer | None = environ.pop(_HELD_ANSWER, None)
            if held is not None:
                return self._send_held(environ, operation_id, held)
            started = time.perf_counter()
            status: int | None = None
            msg: str | None = None
            user_id: str | None = None
            answer: dict[str, str] | None = None
            forwarded: Forwarded | None = None
            authorization = environ.get("HTTP_AUTHORIZATION")
            token = token_fingerprint(authorization)
            # Read the body first so the journal shows it even when the token is refused or a fault
            # answers instead: the client report judges what the client sent.
            raw, oversized = environ.pop(_READ_BODY) if _READ_BODY in environ else _read_body(environ)
            try:
                # A fault taken on the event loop's thread that must wait (a delay) is handed with
                # the call to a pool thread (mock_server.bridge); never taken twice.
                if TAKEN_FAULT in environ:
                    fault, after_pending = environ.pop(TAKEN_FAULT), True
                else:
                    fault, after_pending = mock.faults.take_for_call(fault_key, token=token)
                if fault is not None and fault.delay_ms and environ.get(INLINE):
                    raise RunOnThread({TAKEN_FAULT: fault, _READ_BODY: (raw, oversized)})
                early = None if fault is None else self._apply(fault, environ)
                if early is not None:
                    reply = early
                elif upstream is not None:
                    # Proxy mode: the real HIS answers; the faults around the call stay the mock's.
                    user_id = token_subject(authorization) if protected else _login_user(raw)
                    if oversized is not None:
                        raise oversized  # more than the mock reads: it cannot send the body on whole
                    forwarded = upstream.forward(
                        operation_id, environ["REQUEST_METHOD"], _path(environ), _headers(environ), raw
                    )
                    reply, status, msg = _relayed(upstream, forwarded)
                    body = _json_object(raw)
                else:
                    claims = None
                    if protected:
                        try:
                            claims = mock.tokens.verify(authorization)
                        except TokenExpired:
                            # The journal names an expired token's user too (its signature is good).
                            user_id = mock.tokens.owner(authorization)
                            raise
                        user_id = claims.user_id
                    if oversized is not None:
                        raise oversized
                    body = mock.checker.body(operation_id, raw, environ.get("CONTENT_TYPE"))
                    reply = handler(body, claims)
                    status, msg = 0, success_msg
                    if not protected:
                        user_id = body.get("userId")  # a login's token belongs to the user who logged in
                if early is None and status == 0:
                    answer = answer_facts(fault_key, reply.body)
                    after = mock.faults.take(fault_key, when="after", token=token) if after_pending else None
                    if after is not None:
                        fault = after
                        if after.delay_ms and environ.get(INLINE):
                            held = HeldAnswer(
                                started, reply, after, raw, status, msg, user_id, answer, forwarded
                            )
                            raise RunOnThread({_HELD_ANSWER: held})
                        reply = self._apply_after(after, environ, body, token, reply)
                        if after.kind in ("drop", "http500"):
                            status, msg = None, None
            except RunOnThread:
                raise
            except ApiError as exc:
                status, msg = exc.status, exc.msg
                reply = mock.flavor.error(exc)
            except Exception as exc:  # never a stack trace to the client: log it, answer 500 未知错误
                log.exception("unexpected error in %s", operation_id)
                error = InternalError.of(exc)
                status, msg = error.status, error.msg
                reply = mock.flavor.error(error)
            if user_id is None and fault is not None:
                # A call a fault answered still names its caller: the client report groups by it.
                user_id = mock.tokens.owner(authorization) if protected else _login_user(raw)
            self._account(
                environ,
                operation_id,
                started,
                http_status=reply.http,
                status=status,
                msg=msg,
                raw=raw,
                fault=fault,
                user_id=user_id,
                answer=answer,
                forwarded=forwarded,
            )
            return reply

        endpoint.__name__ = f"his_{operation_id}"
        return endpoint

    def _apply(self, fault: Fault, environ: dict[str, Any]) -> Reply | None:
        """Carry out an injected fault; a reply ends the call, None lets it go on."""
        if fault.delay_ms:
            time.sleep(fault.delay_ms / 1000)
        if fault.kind == "status" and fault.status is not None:
            text = self._status_text.get(fault.status, "未知错误")
            where = f"scenario {fault.scenario}" if fault.scenario else "/__admin/faults"
            # The status's own error class, so the flavor answers it as it answers the real thing.
            error = STATUS_ERRORS.get(fault.status, ApiError)
            raise error(
                f"{text}（注入的故障）",
                f"fault injected through {where}: status {fault.status}",
                status=fault.status,
            )
        if fault.kind == "http500":
            return Reply(500, "text/html; charset=utf-8", HTML_500)
        if fault.kind == HTTP503:
            return Reply(503, "text/html; charset=utf-8", HTML_503)
        if fault.kind == "drop":
            # The serving layer closes the connection instead of sending this reply (mock_server.bridge).
            drop = environ.get(DROP_CONNECTION)
            if drop is not None:
                drop()
            return Reply(500, "text/plain; charset=utf-8", b"")
        return None

    def _apply_after(
        self, fault: Fault, environ: dict[str, Any], body: dict[str, Any], token: str | None, reply: Reply
    ) -> Reply:
        """A fault taken after the call succeeded (its work is done): replace or hold back its answer."""
        if fault.kind in (EXPIRE_TOKEN, CHANGE_BILL):
            apply_effect(self.mock, fault, body=body, token=token)
            return reply
        replaced = self._apply(fault, environ)
        return reply if replaced is None else replaced

    def _send_held(self, environ: dict[str, Any], operation_id: str, held: HeldAnswer) -> Reply:
        """On a pool thread: wait out the `after` fault of a committed call, then answer and journal it."""
        status, msg = held.status, held.msg
        try:
            replaced = self._apply(held.fault, environ)
        except ApiError as exc:
            replaced, status, msg = self.mock.flavor.error(exc), exc.status, exc.msg
        if held.fault.kind in ("drop", "http500"):
            status, msg = None, None
        reply = held.reply if replaced is None else replaced
        self._account(
            environ,
            operation_id,
            held.started,
            http_status=reply.http,
            status=status,
            msg=msg,
            raw=held.raw,
            fault=held.fault,
            user_id=held.user_id,
            answer=held.answer,
            forwarded=held.forwarded,
        )
        return reply

    def _account(
        self,
        environ: dict[str, Any],
        operation_id: str,
        started: float,
        *,
        http_status: int,
        status: int | None,
        msg: str | None,
        raw: bytes,
        fault: Fault | None,
        user_id: str | None,
        answer: dict[str, str] | None,
        forwarded: Forwarded | None = None,
    ) -> None:
        """One log line and one journal record per call (and in proxy mode, the forwarded exchange
        kept under the journal's id for the server-side judgement)."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        injected = "" if fault is None else f" fault={fault.describe()}"
        shown_http = "dropped" if fault is not None and fault.kind == "drop" else http_status
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        self.access_log.write(
            f"{method} {path} status={status} http={shown_http} {elapsed_ms:.1f}ms{injected}"
        )
        journal_id = self.mock.journal.append(
            Entry(
                method=method,
                path=path,
                operation_id=operation_id,
                http_status=http_status,
                status=status,
                msg=msg,
                latency_ms=elapsed_ms,
                authorization=environ.get("HTTP_AUTHORIZATION"),
                content_type=environ.get("CONTENT_TYPE"),
                body=raw,
                user_id=user_id,
                fault=fault,
                answer=answer,
            )
        )
        if forwarded is not None and self.mock.upstream is not None:
            self.mock.upstream.keep(journal_id, forwarded)


def _relayed(upstream: Upstream, forwarded: Forwarded) -> tuple[Reply, int | None, str | None]:
    """The upstream's answer as the client gets it, with its envelope status and msg for the journal;
    `UpstreamUnreachable` (status 2, HTTP 502) when it gave none."""
    exchange = forwarded.exchange
    if not forwarded.answered or exchange.response is None:
        raise UpstreamUnreachable.because(f"{upstream.url}: {exchange.problem_text}")
    content_type, headers = upstream.answer_headers(forwarded)
    status, msg = upstream.envelope_status(forwarded)
    return Reply(exchange.response.status, content_type, exchange.response.body, headers), status, msg


def _headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The request's headers as the client sent them (WSGI keeps them as HTTP_* keys)."""
    headers = [
        (key[5:].replace("_", "-").title(), value)
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    ]
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    return headers


def _path(environ: dict[str, Any]) -> str:
    query = environ.get("QUERY_STRING")
    return str(environ.get("PATH_INFO", "")) + (f"?{query}" if query else "")


def _json_object(raw: bytes) -> dict[str, Any]:
    """The request body as an object where it is one (a scenario's effect reads its RegNo), else {}."""
    try:
        document = loads_bounded(raw)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _login_user(raw: bytes) -> str | None:
    """The userId of a login body a fault answered (the body was not checked), if it shows one."""
    try:
        document = loads_bounded(raw)
    except ValueError:
        return None
    user = document.get("userId") if isinstance(document, dict) else None
    return user if isinstance(user, str) else None


def _read_body(environ: dict[str, Any]) -> tuple[bytes, InvalidInput | None]:
    """The raw body, and the error to answer when more than `MAX_BODY_BYTES` is declared or sent."""
    declared = environ.get("CONTENT_LENGTH")
    length = int(declared) if declared and declared.isdigit() else None
    if length is not None and length > MAX_BODY_BYTES:
        return b"", too_large(length)
    stream = environ["wsgi.input"]
    raw: bytes = stream.read(MAX_BODY_BYTES + 1 if length is None else length)
    if len(raw) > MAX_BODY_BYTES:
        return raw[:MAX_BODY_BYTES], too_large(len(raw))
    return raw, None


def _flask_view(endpoint: Endpoint) -> Callable[[], Any]:
    """The same endpoint as a Flask view, for a call that reaches Flask (the fast path answers first)."""

    def view() -> Any:
        return endpoint(request.environ).as_response()

    view.__name__ = endpoint.__name__
    return view
