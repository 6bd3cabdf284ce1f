"""The HIS operations of `openapi.yaml` (login, the unsettled bill, settlement): the hot path.

Per call: one fault-board test, the token check, the body check with compiled validators, at most one
indexed query for a bill fetch, a success envelope glued from pre-built bytes, one log line and one
journal record. openapi-core is not involved per request (it checks the spec at start-up).
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, Request, Response, request

from his_contract import Spec
from his_contract.client_rules import token_subject
from mock_server.accesslog import AccessLog
from mock_server.auth import Claims
from mock_server.client_report import answer_facts
from mock_server.errors import ApiError, BusinessError, InvalidInput, TokenExpired, TokenInvalid
from mock_server.faults import (
    CHANGE_BILL,
    EXPIRE_TOKEN,
    HTTP503,
    Fault,
    canonical_operation,
    token_fingerprint,
)
from mock_server.flavors import success_prefix
from mock_server.journal import Entry
from mock_server.scenarios import apply_effect
from mock_server.service import HisMock
from mock_server.validation import MAX_BODY_BYTES, too_large

log = logging.getLogger("his_mock")


Handler = Callable[[dict[str, Any], Claims | None], Response]

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


class HisApi:
    """Answers the documented operations with the envelope, in the configured flavor."""

    def __init__(self, mock: HisMock) -> None:
        self.mock = mock
        self._login_ok = success_prefix("获取成功")
        self._bill_ok = success_prefix("获取成功")
        self._settle_ok = success_prefix("结算成功")
        self._passwords = {user.user_id: user.password for user in mock.fixtures.users}
        self._status_text = {code.code: code.zh for code in mock.spec.error_codes.values()}
        self.access_log = AccessLog()

    def register(self, app: Flask, spec: Spec) -> None:
        handlers: dict[str, Handler] = {
            "login": self.login,
            "getUnSettleBillByDoctor": self.unsettled_bill,
            "getUnpayBillByDoctorAlias": self.unsettled_bill,
            "settleByDoctor": self.settle,
        }
        for operation in spec.operations.values():
            view = self._view(operation.operation_id, operation.protected, handlers[operation.operation_id])
            app.add_url_rule(operation.path, operation.operation_id, view, methods=[operation.method])

    # --- the operations ------------------------------------------------------------------------

    def login(self, body: dict[str, Any], _claims: Claims | None) -> Response:
        user_id = body["userId"]
        password = body.get("password", "")
        expected = self._passwords.get(user_id)
        # The request schema makes `password` a string: no type check here.
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            reason = "unknown user" if expected is None else "password does not match"
            raise BusinessError("用户名或密码错误", f"userId={user_id}: {reason}")
        token = self.mock.tokens.issue(user_id)
        return self.mock.flavor.success(self._login_ok, json.dumps(token).encode())

    def unsettled_bill(self, body: dict[str, Any], _claims: Claims | None) -> Response:
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

    def settle(self, body: dict[str, Any], _claims: Claims | None) -> Response:
        receipt = self.mock.cashier.settle(body)
        return self.mock.flavor.success(self._settle_ok, receipt.encode())

    # --- what every call goes through ----------------------------------------------------------

    def _view(self, operation_id: str, protected: bool, handler: Handler) -> Callable[[], Response]:
        mock = self.mock
        fault_key = canonical_operation(operation_id)

        def view() -> Response:
            started = time.perf_counter()
            req: Request = request._get_current_object()  # type: ignore[attr-defined]
            raw = b""
            status: int | None = None
            msg: str | None = None
            fault = None
            user: str | None = None
            answer: dict[str, str] | None = None
            token = None
            try:
                # Read the body first so the journal shows it even when the token is refused or a
                # fault answers instead: the client report judges what the client sent.
                raw, oversized = _read_body(req)
                if not mock.faults.idle:
                    token = token_fingerprint(req.headers.get("Authorization"))
                    fault = mock.faults.take(fault_key, token=token)
                early = None if fault is None else self._apply(fault, req)
                if early is not None:
                    response = early
                else:
                    claims = mock.tokens.verify(req.headers.get("Authorization")) if protected else None
                    user = claims.user_id if claims is not None else None
                    if oversized is not None:
                        raise oversized
                    body = mock.checker.body(operation_id, raw, req.mimetype)
                    if not protected:
                        user = body.get("userId")
                    response = handler(body, claims)
                    status = 0
                    answer = answer_facts(fault_key, response)
                    if not mock.faults.idle:
                        after = mock.faults.take(fault_key, when="after", token=token)
                        if after is not None:
                            fault = after
                            response = self._apply_after(after, req, body, response)
                            if after.kind in ("drop", "http500"):
                                status = None
            except ApiError as exc:
                status, msg = exc.status, exc.msg
                response = mock.flavor.error(exc)
            except Exception as exc:  # never a stack trace to the client: log it, answer 500 未知错误
                log.exception("unexpected error in %s", operation_id)
                status, msg = 500, "未知错误"
                response = mock.flavor.error(
                    ApiError("未知错误：HIS 模拟服务内部异常", exc.__class__.__name__, status=500)
                )
            if user is None and protected:
                # A refused or expired token still names its user: the client report groups by it.
                user = token_subject(req.headers.get("Authorization"))
            self._account(
                req, operation_id, started, response.status_code, status, msg, raw, fault, user, answer
            )
            return response

        view.__name__ = f"his_{operation_id}"
        return view

    def _apply(self, fault: Fault, req: Request) -> Response | None:
        """Carry out an injected fault; a response ends the call, None lets it go on."""
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
            return Response(HTML_500, status=500, content_type="text/html; charset=utf-8")
        if fault.kind == HTTP503:
            return Response(HTML_503, status=503, content_type="text/html; charset=utf-8")
        if fault.kind == "drop":
            connection = req.environ.get("gunicorn.socket") or req.environ.get("werkzeug.socket")
            if isinstance(connection, socket.socket):
                # Shut the socket down under the server's feet: the client sees the connection close
                # with no answer; the server's write then fails quietly (EPIPE).
                connection.shutdown(socket.SHUT_RDWR)
            return Response(b"", status=500)
        return None

    def _apply_after(self, fault: Fault, req: Request, body: dict[str, Any], response: Response) -> Response:
        """A fault taken after the call succeeded (its work is done): replace or hold back its answer."""
        if fault.kind in (EXPIRE_TOKEN, CHANGE_BILL):
            apply_effect(
                self.mock, fault, body=body, token=token_fingerprint(req.headers.get("Authorization"))
            )
            return response
        replaced = self._apply(fault, req)
        return response if replaced is None else replaced

    def _account(
        self,
        req: Request,
        operation_id: str,
        started: float,
        http_status: int,
        status: int | None,
        msg: str | None,
        raw: bytes,
        fault: Fault | None,
        user: str | None,
        answer: dict[str, str] | None,
    ) -> None:
        """One log line and one journal record per call."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        injected = "" if fault is None else f" fault={fault.describe()}"
        shown_http = "dropped" if fault is not None and fault.kind == "drop" else http_status
        self.access_log.write(
            f"{req.method} {req.path} status={status} http={shown_http} {elapsed_ms:.1f}ms{injected}"
        )
        headers = req.headers
        self.mock.journal.record(
            Entry(
                time=datetime.now(),
                method=req.method,
                path=req.path,
                operation_id=operation_id,
                http_status=http_status,
                status=status,
                msg=msg,
                latency_ms=elapsed_ms,
                authorization=headers.get("Authorization"),
                content_type=headers.get("Content-Type"),
                body=raw,
                fault=None if fault is None else fault.describe(),
                user=user if isinstance(user, str) else None,
                answer=answer,
            )
        )


def _read_body(req: Request) -> tuple[bytes, InvalidInput | None]:
    """The raw body, and the error to answer when more than `MAX_BODY_BYTES` is declared or sent."""
    length = req.content_length
    if length is not None and length > MAX_BODY_BYTES:
        return b"", too_large(length)
    raw = req.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return raw[:MAX_BODY_BYTES], too_large(len(raw))
    return raw, None
