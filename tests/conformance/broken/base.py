"""A minimal, correct HIS (http.server, PyJWT, the spec's own example bill) to break one rule at a time.

`CorrectHis` answers the three operations exactly as CONTRACT.md wants; the broken servers
subclass it and override one method. Raw `http.server` rather than Flask, so a server can also
misbehave below HTTP's level: truncate a body, close the connection, answer late.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from jsonschema import ValidationError

from his_contract import load_spec
from tests.support.spec_examples import example_bill

SECRET = "broken-his-test-secret-0123456789abcdef"
USER_ID, PASSWORD = "demo", "demo-password"
REG_NO, CARD_NO = "1628214442", "C000123456"
HOSPITAL = {
    "HospitalName": "广州市示例人民医院",
    "HospitalAdd": "广州市越秀区示例路1号",
    "HospitalTel": "020-12345678",
}
# The longest value a field of these servers' "database" holds.
MAX_FIELD_LENGTH = 256
PATHS = {
    "/api/Login/Token": "login",
    "/api/MzSettle/GetUnSettleBillByDoctor": "getUnSettleBillByDoctor",
    "/api/MzSettle/SettleByDoctor": "settleByDoctor",
}


def make_token(*, ttl: int = 3600, user_id: str = USER_ID) -> str:
    now = int(time.time())
    claims = {"sub": user_id, "iss": "broken-his", "iat": now, "exp": now + ttl}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def expired_token() -> str:
    """A token of these servers that expired a minute ago (for AUTH-4 via --expired-token)."""
    return make_token(ttl=-60)


@dataclass(slots=True)
class Reply:
    """What a handler answers: HTTP status, Content-Type, body bytes."""

    body: bytes
    http_status: int = 200
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Settlement:
    serial_number: str
    receipt: dict[str, Any]


class CorrectHis:
    """The contract kept: override one method to break one rule."""

    def __init__(self) -> None:
        self.spec = load_spec()
        self.lock = threading.Lock()
        self.settlements: dict[str, Settlement] = {}  # BILLID -> the settlement
        self.password = PASSWORD  # `--password` changes it (redaction tests need a short one)

    # --- envelope ------------------------------------------------------------------------

    def envelope(
        self, status: int, msg: str, response: Any = None, msg_dev: str | None = None
    ) -> dict[str, Any]:
        return {
            "status": status,
            "isSuccess": status == 0,
            "msg": msg,
            "msgDev": msg_dev,
            "response": response,
        }

    def reply(self, document: Any, http_status: int = 200) -> Reply:
        return Reply(json.dumps(document, ensure_ascii=False).encode("utf-8"), http_status)

    def ok(self, response: Any) -> Reply:
        return self.reply(self.envelope(0, "调用成功", response))

    def error(self, status: int, msg: str) -> Reply:
        return self.reply(self.envelope(status, msg, None, msg))

    # --- requests ------------------------------------------------------------------------

    def parse(self, operation_id: str, raw: bytes) -> dict[str, Any] | Reply:
        """The request body if it keeps the request schema, else the status-5 error reply."""
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return self.invalid_input("请求体不是合法的 JSON")
        if not isinstance(body, dict):
            return self.invalid_input("请求体必须是 JSON 对象")
        if self.refuses_lone_surrogates and _has_lone_surrogate(body):
            return self.invalid_input("请求体含有无效的 Unicode 字符（孤立代理项）")
        if self.refuses_long_strings and _longest_string(body) > MAX_FIELD_LENGTH:
            return self.invalid_input(f"入参参数错误：字段长度超过 {MAX_FIELD_LENGTH}")
        errors = [
            error
            for error in self.spec.request_validator(operation_id).iter_errors(body)
            if self.is_invalid_input(error)
        ]
        if errors:
            return self.invalid_input(f"入参参数错误：{errors[0].message}")
        return body

    # A "\\ud800" escape is JSON syntax but no text: refused as invalid input before it reaches a lookup.
    refuses_lone_surrogates = True
    # A value longer than any column of the HIS: refused with status 5, as the kit recommends.
    refuses_long_strings = True

    def is_invalid_input(self, error: ValidationError) -> bool:
        """Whether a schema error of the request makes it invalid input (status 5): every one, here."""
        return True

    def invalid_input(self, msg: str) -> Reply:
        return self.error(5, msg)

    def authenticate(self, authorization: str | None) -> Reply | None:
        """None when the bearer token is valid, else the status 1 / 3 reply."""
        if not authorization or not authorization.startswith("Bearer "):
            return self.auth_error(1, "签名错误：缺少 Bearer 令牌")
        try:
            self.decode_token(authorization[len("Bearer ") :])
        except jwt.ExpiredSignatureError:
            return self.auth_error(3, "时间过期")
        except jwt.InvalidTokenError:
            return self.auth_error(1, "签名错误")
        return None

    def decode_token(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, SECRET, algorithms=["HS256"])

    def auth_error(self, status: int, msg: str) -> Reply:
        return self.error(status, msg)

    # --- operations ----------------------------------------------------------------------

    def login(self, raw: bytes, authorization: str | None) -> Reply:
        body = self.parse("login", raw)
        if isinstance(body, Reply):
            return body
        if not self.password_ok(body):
            return self.error(6, "用户名或密码错误")
        return self.ok(self.issue_token(body["userId"]))

    def password_ok(self, body: dict[str, Any]) -> bool:
        return bool(body.get("userId") == USER_ID and body.get("password") == self.password)

    def issue_token(self, user_id: str) -> str:
        return make_token(user_id=user_id)

    def get_bill(self, raw: bytes, authorization: str | None) -> Reply:
        refused = self.authenticate(authorization)
        if refused is not None:
            return refused
        body = self.parse("getUnSettleBillByDoctor", raw)
        if isinstance(body, Reply):
            return body
        bill = self.unsettled_bill(body["RegNo"])
        if bill is None:
            return self.error(6, f"未找到挂号号 {body['RegNo']} 的待结算账单")
        return self.ok(self.present_bill(bill))

    def unsettled_bill(self, reg_no: str) -> dict[str, Any] | None:
        bill = example_bill()
        if reg_no != REG_NO or bill["BILLID"] in self.settlements:
            return None
        return bill

    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        """The bill as sent: the hook the broken bills override."""
        return bill

    def settle(self, raw: bytes, authorization: str | None) -> Reply:
        refused = self.authenticate(authorization)
        if refused is not None:
            return refused
        body = self.parse("settleByDoctor", raw)
        if isinstance(body, Reply):
            return body
        with self.lock:
            bill = example_bill()
            if body["RegSerNo"] != REG_NO or body["BILLID"] != bill["BILLID"] or body["CardNo"] != CARD_NO:
                return self.error(6, "账单、挂号号或卡号不符")
            done = self.settlements.get(bill["BILLID"])
            if done is not None:
                return self.settled_again(body, done)
            if not self.money_ok(body, bill):
                return self.error(6, f"结算金额 {body['Money']} 与个人自付金额 {bill['GRZFJE3']} 不符")
            receipt = self.receipt(body, bill)
            self.settlements[bill["BILLID"]] = Settlement(body["SerialNumber"], receipt)
            return self.ok(receipt)

    def money_ok(self, body: dict[str, Any], bill: dict[str, Any]) -> bool:
        return Decimal(body["Money"]) == Decimal(bill["GRZFJE3"])

    def settled_again(self, body: dict[str, Any], done: Settlement) -> Reply:
        if body["SerialNumber"] == done.serial_number:
            return self.ok(done.receipt)
        return self.error(6, "账单已结算，请勿重复缴费")

    def receipt(self, body: dict[str, Any], bill: dict[str, Any]) -> dict[str, Any]:
        detail = [
            {
                "Item": [
                    {
                        "PhaWin": "西药房3号窗口",
                        "Queue": "A012",
                        "Type": "西药",
                        "Flag": "0",
                        "OrderNumber": category["Recipe"],
                        "ItemDetail": [
                            {
                                "PerItemName": line["PerItemName"],
                                "Specification": line["Specification"],
                                "PerItemCount": line["PerItemCount"],
                                "PerUnit": line["PerUnit"],
                            }
                            for item in category["items"]
                            for line in item["PerItem"]
                        ],
                    }
                    for detail in bill["FeeDetail"]
                    for category in detail["FeeCat"]
                ]
            }
        ]
        return {
            "SumFund": bill["SumFund"],
            "SBZFJE": bill["SBZFJE"],
            "GRZFJE3": bill["GRZFJE3"],
            "CheckOutNo": f"JS{uuid.uuid4().hex[:12].upper()}",
            "SerNo": f"FP{uuid.uuid4().hex[:8].upper()}",
            **HOSPITAL,
            "Date": bill["Date"],
            "CardNo": body["CardNo"],
            "RegSerNo": body["RegSerNo"],
            "DepDesc": bill["DepDesc"],
            "DoctName": bill["DoctName"],
            "PatientName": "张伟",
            "Sex": bill["Sex"],
            "Age": bill["Age"],
            "FeeType": bill["FeeType"],
            "Detail": detail,
        }

    def not_found(self, path: str) -> Reply:
        return self.reply(self.envelope(500, f"未知接口 {path}"), 404)

    # --- HTTP ----------------------------------------------------------------------------

    def dispatch(self, path: str, raw: bytes, authorization: str | None) -> Reply:
        operation = PATHS.get(path)
        if operation == "login":
            return self.login(raw, authorization)
        if operation == "getUnSettleBillByDoctor":
            return self.get_bill(raw, authorization)
        if operation == "settleByDoctor":
            return self.settle(raw, authorization)
        return self.not_found(path)

    def send(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        """Put the reply on the wire: the hook transport-level breakage overrides."""
        handler.send_response(reply.http_status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply.body)


def _longest_string(value: Any) -> int:
    """The length of the longest string in a request body (bodies are flat objects of strings)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max((_longest_string(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return max((_longest_string(item) for item in value), default=0)
    return 0


def _has_lone_surrogate(value: Any) -> bool:
    """True for a string (at any depth) holding a lone UTF-16 surrogate, which JSON's \\u escapes allow."""
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(item) for item in value.values())
    return False


def make_handler(app: CorrectHis) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in two writes; without this, Nagle and delayed ACKs add 40 ms each.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            try:
                reply = app.dispatch(path, raw, self.headers.get("Authorization"))
            except Exception:  # what a web framework does with a crashed handler: a bare 500 page
                reply = Reply(b"Internal Server Error", 500, "text/plain; charset=utf-8")
            app.send(self, path, reply)

        def do_GET(self) -> None:  # noqa: N802
            app.send(self, self.path, app.not_found(self.path))

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (signature of the base)
            pass

    return Handler


def serve_forever(app_class: type[CorrectHis]) -> None:
    """`python -m tests.conformance.broken.NAME --port P`: serve one (broken) HIS on 127.0.0.1."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--password", default=PASSWORD, help=f"the password of {USER_ID!r}")
    args = parser.parse_args()
    app = app_class()
    app.password = args.password
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(app))
    server.daemon_threads = True
    print(f"broken HIS {app_class.__name__} listening on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve_forever(CorrectHis)
