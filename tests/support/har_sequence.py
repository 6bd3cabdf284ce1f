"""The fixed sequence of calls the HAR tests record: what a kiosk and a careless integrator send.

A login, the bill, calls with missing, foreign-scheme and `alg: none` tokens, invalid bodies
(malformed JSON, a non-object, a missing field, a wrong type, a lone surrogate), then the
settlement: a wrong Money, the right one, the identical replay, a new SerialNumber on the
settled bill, and the bill fetched again. Each rule a recording can show is exercised once.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.support.har_recorder import HarRecorder
from tests.support.spec_examples import example_bill

LOGIN = "/api/Login/Token"
BILL = "/api/MzSettle/GetUnSettleBillByDoctor"
SETTLE = "/api/MzSettle/SettleByDoctor"


@dataclass(slots=True, frozen=True)
class Account:
    """Who the sequence logs in as, and the registration it settles."""

    user_id: str
    password: str
    reg_no: str
    card_no: str


def record_sequence(recorder: HarRecorder, account: Account, *, settle: bool = True) -> None:
    """Send the fixed sequence through `recorder` (which keeps every exchange as a HAR entry)."""
    login = recorder.post(LOGIN, {"userId": account.user_id, "password": account.password})
    token = _payload(login) if isinstance(_payload(login), str) else "no-token-from-login"
    bearer = f"Bearer {token}"
    fetched = _payload(recorder.post(BILL, {"RegNo": account.reg_no}, authorization=bearer))
    recorder.post_all(
        [
            {"path": BILL, "body": {"RegNo": account.reg_no}},
            {"path": BILL, "body": {"RegNo": account.reg_no}, "authorization": f"Bearer {alg_none(token)}"},
            {"path": BILL, "body": {"RegNo": account.reg_no}, "authorization": f"Token {token}"},
            {"path": BILL, "raw": b'{"RegNo": "1628', "authorization": bearer},
            {"path": BILL, "body": ["RegNo"], "authorization": bearer},
            {"path": BILL, "body": {}, "authorization": bearer},
            {"path": BILL, "body": {"RegNo": int(account.reg_no)}, "authorization": bearer},
            {"path": BILL, "raw": b'{"RegNo": "\\ud800"}', "authorization": bearer},
            {"path": LOGIN, "body": {"password": account.password}},
        ]
    )
    if not settle:
        return
    bill = fetched if isinstance(fetched, dict) and "BILLID" in fetched else example_bill()
    money = Decimal(str(bill.get("GRZFJE3", "0")))
    body = settle_body(account, bill, serial_number="4200001234202112031234567890", money=str(money))
    recorder.post(
        SETTLE,
        {**body, "Money": str(money + 1), "SerialNumber": "4200001234202112030000000001"},
        authorization=bearer,
    )
    recorder.post(SETTLE, body, authorization=bearer)
    recorder.post(SETTLE, body, authorization=bearer)
    recorder.post(SETTLE, {**body, "SerialNumber": "4200001234202112039999999999"}, authorization=bearer)
    recorder.post(BILL, {"RegNo": account.reg_no}, authorization=bearer)


def settle_body(account: Account, bill: dict[str, Any], *, serial_number: str, money: str) -> dict[str, str]:
    return {
        "CardNo": account.card_no,
        "RegSerNo": account.reg_no,
        "PayWay": "微信支付",
        "PayNo": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "SerialNumber": serial_number,
        "Paydate": "2021-12-03",
        "Paytime": "10:15:32",
        "Money": money,
        "BILLID": str(bill.get("BILLID", "")),
    }


def alg_none(token: str) -> str:
    """`token`'s claims under an unsigned `alg: none` header (what AUTH-3 must refuse)."""
    header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    )
    parts = token.split(".")
    claims = (
        parts[1] if len(parts) == 3 else base64.urlsafe_b64encode(b'{"sub":"demo"}').rstrip(b"=").decode()
    )
    return f"{header}.{claims}."


def _payload(answer: Any) -> Any:
    if isinstance(answer, dict) and answer.get("status") in (0, "0"):
        return answer.get("response")
    return None
