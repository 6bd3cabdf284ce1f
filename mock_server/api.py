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
from typing import Any

from flask import Flask, request

from his_contract import Spec
from mock_server.accesslog import AccessLog
from mock_server.auth import Claims
from mock_server.bridge import DROP_CONNECTION, INLINE, TAKEN_FAULT, RunOnThread
from mock_server.errors import ApiError, BusinessError, InternalError, InvalidInput, TokenExpired
from mock_server.faults import Fault, canonical_operation
from mock_server.flavors import Reply, success_prefix
from mock_server.journal import Entry
from mock_server.service import HisMock
from mock_server.validation import MAX_BODY_BYTES, too_large

log = logging.getLogger("his_mock")

Handler = Callable[[dict[str, Any], Claims | None], Reply]
Endpoint = Callable[[dict[str, Any]], Reply]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

HTML_500 = (
    b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
    b"<h1>Internal Server Error</h1><p>The server encountered an unexpected condition.</p>"
    b"<hr><address>his-mock (injected fault)</address></body></html>"
)


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
        thread, without a hand-over to its pool."""
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
        fault_key = canonical_operation(operation_id)
        success_msg = self._success_msg[operation_id]

        def endpoint(environ: dict[str, Any]) -> Reply:
            started = time.perf_counter()
            raw = b""
            status: int | None = None
            msg: str | None = None
            fault = None
            user_id: str | None = None
            try:
                # A fault taken on the event loop's thread that must wait (a delay) is handed with
                # the call to a pool thread (mock_server.bridge); never taken twice.
                fault = environ.pop(TAKEN_FAULT) if TAKEN_FAULT in environ else mock.faults.take(fault_key)
                if fault is not None and fault.delay_ms and environ.get(INLINE):
                    raise RunOnThread({TAKEN_FAULT: fault})
                early = None if fault is None else self._apply(fault, environ)
                if early is not None:
                    reply = early
                else:
                    # Read the body first so the journal shows it even when the token is refused.
                    raw, oversized = _read_body(environ)
                    claims = None
                    if protected:
                        authorization = environ.get("HTTP_AUTHORIZATION")
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
            raise ApiError(
                f"{text}（注入的故障）",
                f"fault injected through /__admin/faults: status {fault.status}",
                status=fault.status,
            )
        if fault.kind == "http500":
            return Reply(500, "text/html; charset=utf-8", HTML_500)
        if fault.kind == "drop":
            # The serving layer closes the connection instead of sending this reply (mock_server.bridge).
            drop = environ.get(DROP_CONNECTION)
            if drop is not None:
                drop()
            return Reply(500, "text/plain; charset=utf-8", b"")
        return None

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
    ) -> None:
        """One log line and one journal record per call."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        injected = "" if fault is None else f" fault={fault.kind}"
        shown_http = "dropped" if fault is not None and fault.kind == "drop" else http_status
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        self.access_log.write(
            f"{method} {path} status={status} http={shown_http} {elapsed_ms:.1f}ms{injected}"
        )
        self.mock.journal.append(
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
            )
        )


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
