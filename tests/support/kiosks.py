"""Scripted clients of the HIS for the scenario tests: one careful kiosk, and careless ones.

They talk real HTTP to a running his-mock, one new connection per call (so with `--workers 2` the calls
spread over both workers). The careful kiosk is one piece of code that copes with every scenario: it
logs in once, repeats a call once after status 3, repeats a settlement with the same SerialNumber
(backing off) after an answer it could not read, and fetches the bill again after status 6.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.mock import DEMO_PASSWORD, DEMO_REG_NO, DEMO_USER

LOGIN = "/api/Login/Token"
BILL = "/api/MzSettle/GetUnSettleBillByDoctor"
SETTLE = "/api/MzSettle/SettleByDoctor"
_serials = itertools.count(1)


def new_serial() -> str:
    """A WeChat-like transaction number, unique in this test session."""
    return f"4200{time.time_ns()}{next(_serials):04d}"


@dataclass
class Answer:
    """What a call brought back: an envelope, an HTTP error page, or nothing (dropped, timed out)."""

    envelope: dict[str, Any] | None = None
    http_status: int | None = None
    problem: str | None = None  # "timeout" or "connection"

    @property
    def status(self) -> int | None:
        return None if self.envelope is None else self.envelope.get("status")

    @property
    def response(self) -> Any:
        return None if self.envelope is None else self.envelope.get("response")

    @property
    def unreadable(self) -> bool:
        """No envelope: the client cannot know what the HIS did."""
        return self.envelope is None


@dataclass
class Kiosk:
    """A payment kiosk: the HIS calls, and what it saw."""

    base_url: str
    timeout: float = 5.0
    user: str = DEMO_USER
    password: str = DEMO_PASSWORD
    token: str | None = None
    seen: list[Answer] = field(default_factory=list)

    def post(self, path: str, body: dict[str, Any], *, auth: bool = True) -> Answer:
        headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
        try:
            response = requests.post(self.base_url + path, json=body, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            answer = Answer(problem="timeout")
        except requests.ConnectionError:
            answer = Answer(problem="connection")
        else:
            try:
                document = response.json()
            except ValueError:
                document = None
            envelope = document if isinstance(document, dict) and "status" in document else None
            answer = Answer(envelope=envelope, http_status=response.status_code)
        self.seen.append(answer)
        return answer

    def login(self) -> Answer:
        answer = self.post(LOGIN, {"userId": self.user, "password": self.password}, auth=False)
        if answer.status == 0:
            self.token = answer.response
        return answer

    def fetch(self, reg_no: str = DEMO_REG_NO) -> Answer:
        return self.post(BILL, {"RegNo": reg_no})

    def settle(self, bill: dict[str, Any], serial: str, *, money: str | None = None) -> Answer:
        return self.post(SETTLE, settle_body(bill, serial, money=money))


def settle_body(bill: dict[str, Any], serial: str, *, money: str | None = None) -> dict[str, str]:
    return {
        "CardNo": "C000123456",
        "RegSerNo": DEMO_REG_NO,
        "PayWay": "微信支付",
        "PayNo": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "SerialNumber": serial,
        "Paydate": "2021-12-03",
        "Paytime": "10:15:32",
        "Money": money if money is not None else bill["GRZFJE3"],
        "BILLID": bill["BILLID"],
    }


class Refused(Exception):
    """The HIS refused the payment for a reason a careful client cannot fix."""


def careful_call(kiosk: Kiosk, send: Any, *, deadline: float) -> Answer:
    """`send()` until it gets an envelope: back off on unreadable answers, log in once after status 3."""
    wait = 0.1
    relogged = False
    while True:
        answer: Answer = send()
        if answer.status == 3 and not relogged:
            relogged = True
            _logged_in(kiosk, deadline=deadline)
            continue
        if not answer.unreadable and answer.status not in (2, 500):
            return answer
        if time.monotonic() + wait > deadline:
            raise TimeoutError("the HIS did not answer in time")
        time.sleep(wait)
        wait = min(wait * 2, 2.0)


def _logged_in(kiosk: Kiosk, *, deadline: float) -> None:
    answer = careful_call(kiosk, kiosk.login, deadline=deadline)
    if answer.status != 0:
        raise Refused(f"login refused: {answer.envelope}")


def careful_pay(
    kiosk: Kiosk,
    reg_no: str = DEMO_REG_NO,
    *,
    within: float = 20.0,
    before_settle: Callable[[], None] = lambda: None,
) -> dict[str, Any] | None:
    """Pay the registration's bill; the receipt, or None when the bill turned out settled already.

    `before_settle` runs once the bill is at hand (a test arms an outage there).
    """
    deadline = time.monotonic() + within
    _logged_in(kiosk, deadline=deadline)
    fetched = careful_call(kiosk, lambda: kiosk.fetch(reg_no), deadline=deadline)
    if fetched.status != 0:
        raise Refused(f"no bill: {fetched.envelope}")
    bill = fetched.response
    serial = new_serial()
    before_settle()
    for _attempt in range(5):
        answer = careful_call(kiosk, lambda b=bill, s=serial: kiosk.settle(b, s), deadline=deadline)
        if answer.status == 0:
            receipt: dict[str, Any] = answer.response
            return receipt
        if answer.status != 6:
            raise Refused(f"settlement refused: {answer.envelope}")
        # Refused as it stands: the bill may have changed. Fetch it again; a new amount is a new payment.
        again = careful_call(kiosk, lambda: kiosk.fetch(reg_no), deadline=deadline)
        if again.status != 0:
            return None  # no unsettled bill any more: it is settled
        if again.response["GRZFJE3"] == bill["GRZFJE3"] and again.response["BILLID"] == bill["BILLID"]:
            raise Refused(f"settlement refused: {answer.envelope}")
        bill, serial = again.response, new_serial()
    raise Refused("the bill kept changing")


def careless_start(kiosk: Kiosk) -> dict[str, Any]:
    """Log in and fetch the bill (careless kiosks get this far like everyone)."""
    assert kiosk.login().status == 0
    fetched = kiosk.fetch()
    assert fetched.status == 0, fetched
    bill: dict[str, Any] = fetched.response
    return bill


def careless_new_payment_until_paid(kiosk: Kiosk, bill: dict[str, Any], *, within: float = 10.0) -> Answer:
    """On anything but a receipt, start the payment again with a new SerialNumber (the double charge)."""
    deadline = time.monotonic() + within
    while True:
        answer = kiosk.settle(bill, new_serial())
        if answer.status in (0, 6) or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)
