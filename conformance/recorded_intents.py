"""What a recorded call meant: the intents the registry's checks need, read from the recording itself.

A probe declares its intent; a recording does not, so it is inferred, conservatively (a false
alarm costs a vendor as much as a miss), from what the recording shows up to that call:

- a body that breaks the request schema: `InvalidInput` of the kind `classify_body` reads (INP-1);
- a login answered with a token: `Plain` (AUTH-1);
- a protected call with the token a login of the recording issued minutes before: `Plain` (AUTH-5);
- a protected call without a token, or with one that is no JWT or says `alg: none`: `ForgedToken`
  (AUTH-3); only in a recording that keeps Authorization headers elsewhere (DevTools' sanitised
  export drops them all);
- a settlement of a bill the recording fetched: `WrongMoney` (Money is not its GRZFJE3, SET-1) or,
  answered 0, `Settle` (SET-2); the same SerialNumber and BILLID again after a settlement: `ReplayOf`
  (SET-3); a new SerialNumber for a settled bill: `SettleAgain` (SET-4); the bill fetched again
  after its settlement: `BillAfterSettle` (SET-5).

Anything else is `Recorded` (INP-1 only, on a request that breaks the schema) or `Unreadable`
(the rules every answer keeps, and nothing that depends on the request).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.answer import Answer
from conformance.checks._support import request_json
from conformance.checks.auth import JWT, jwt_header
from conformance.classify import classify_body
from conformance.contract import BILL_OPERATION, LOGIN_OPERATION, SETTLEMENT_OPERATION, Contract
from conformance.http import Exchange
from conformance.intents import (
    BillAfterSettle,
    ForgedToken,
    Intent,
    InvalidInput,
    Plain,
    Recorded,
    ReplayOf,
    Settle,
    SettleAgain,
    WrongMoney,
)
from conformance.recording import RecordedExchange
from his_contract import parse_amount

# A token is surely still valid this long after its login, whatever the deployment's lifetime
# (exp claims can be local time, hours off): only then is its refusal an AUTH-5 finding.
FRESH_TOKEN_SECONDS = 300.0
_AUTH_REFUSALS = (1, 3)


@dataclass(slots=True, frozen=True, kw_only=True)
class Unreadable(Intent):
    """A recorded call whose purpose the recording does not show (no body recorded, an auth
    failure on a body that is also invalid ...): only the rules every answer keeps judge it."""


@dataclass(slots=True)
class _Settled:
    serial_number: str
    bill_id: str
    reg_no: str
    receipt: Mapping[str, Any]
    bill: Mapping[str, Any]  # the bill as fetched before the settlement ({} when not fetched)


@dataclass(slots=True)
class IntentReader:
    """Walks a recording in time order, keeping what the calls so far showed."""

    contract: Contract
    keeps_authorization: bool  # some call of the recording carries an Authorization header
    _issued: dict[str, float | None] = field(default_factory=dict)  # token -> when its login answered
    _bills: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # BILLID -> latest fetched bill
    _settled: dict[str, _Settled] = field(default_factory=dict)  # BILLID -> its first settlement

    @classmethod
    def for_recording(cls, contract: Contract, recorded: Sequence[RecordedExchange]) -> IntentReader:
        keeps = any(item.exchange.request.header("Authorization") for item in recorded)
        return cls(contract, keeps)

    def intent(self, item: RecordedExchange, answer: Answer) -> Intent:
        """The intent of `item`, then remember what its answer showed for the calls after it."""
        intent = self._read(item, answer)
        self._remember(item, answer)
        return intent

    def _read(self, item: RecordedExchange, answer: Answer) -> Intent:
        exchange = item.exchange
        operation = self.contract.operation(exchange.operation_id)
        purpose = exchange.purpose
        if not item.request_body_recorded:
            return self._fresh_token(item, answer, purpose) or Unreadable(purpose=purpose)
        kind = classify_body(exchange.request.body, self.contract.request_validator(exchange.operation_id))
        if operation.protected:
            # Probes break one thing at a time; a recorded call may break two (no token and a bad
            # body): then which answer is right is not settled, and neither rule judges it.
            forged = self._forged(exchange)
            if forged and kind is not None:
                return Unreadable(purpose=purpose)
            if forged:
                return ForgedToken(variant=forged, purpose=f"{purpose}: {forged}")
            if answer.status in _AUTH_REFUSALS or answer.http_status == 401:
                # Refused for its token: what the body was meant for cannot be told.
                return self._fresh_token(item, answer, purpose) or Unreadable(purpose=purpose)
        if kind is not None:
            return InvalidInput(kind=kind, purpose=f"{purpose}: {kind} (recorded)")
        if exchange.operation_id == LOGIN_OPERATION:
            return Plain(purpose=purpose) if answer.succeeded else Recorded(purpose=purpose)
        if exchange.operation_id == SETTLEMENT_OPERATION:
            return self._settlement(exchange, answer, purpose)
        if _bill_operation(self.contract, exchange.operation_id):
            after = self._bill_after_settlement(exchange)
            if after is not None:
                return BillAfterSettle(bill=after, purpose=f"{purpose}: the bill after its settlement")
        return self._fresh_token(item, answer, purpose) or Recorded(purpose=purpose)

    def _forged(self, exchange: Exchange) -> str:
        """How the call's token must be refused (AUTH-3), or "" when it looks like a real one."""
        authorization = exchange.request.header("Authorization")
        if authorization is None:
            return "no Authorization header" if self.keeps_authorization else ""
        scheme, _, token = authorization.partition(" ")
        if authorization.strip() in ("", "Bearer ***", "***"):
            return ""  # redacted by the recording tool: nothing to judge
        if scheme != "Bearer":
            return f"the token under the scheme {scheme[:20]!r}"
        if not JWT.match(token):
            return "a token that is no JWT"
        header = jwt_header(token)
        if header is not None and header.get("alg") == "none":
            return "an alg: none token"
        return ""

    def _fresh_token(self, item: RecordedExchange, answer: Answer, purpose: str) -> Intent | None:
        """`Plain` for a protected call with a token a login of the recording issued just before.

        Not when the answer says the token expired: deployments (and his-mock's scenarios) may give
        tokens a life of seconds, and the recording cannot see the server's clock.
        """
        operation = self.contract.operation(item.exchange.operation_id)
        expired = (
            answer.status == 3
            or item.exchange.response is not None
            and bool(item.exchange.response.header("Token-Expired"))
        )
        if not operation.protected or expired:
            return None
        authorization = item.exchange.request.header("Authorization") or ""
        token = authorization.partition(" ")[2]
        if token not in self._issued:
            return None
        issued_at = self._issued[token]
        if issued_at is None or item.at is None or not 0 <= item.at - issued_at <= FRESH_TOKEN_SECONDS:
            return None
        return Plain(purpose=f"{purpose}: the token of a login {item.at - issued_at:.0f} s before")

    def _settlement(self, exchange: Exchange, answer: Answer, purpose: str) -> Intent:
        body = request_json(exchange)
        bill_id, serial = _text(body.get("BILLID")), _text(body.get("SerialNumber"))
        settled = self._settled.get(bill_id)
        if settled is not None:
            if serial == settled.serial_number:
                return ReplayOf(
                    bill=settled.bill, receipt=settled.receipt, purpose=f"{purpose}: the identical replay"
                )
            return SettleAgain(bill=settled.bill, purpose=f"{purpose}: a new SerialNumber, bill settled")
        bill = self._bills.get(bill_id)
        if bill is None:
            return Recorded(purpose=purpose)  # no fetched bill to hold the settlement to
        money, cash = parse_amount(body.get("Money")), parse_amount(bill.get("GRZFJE3"))
        if money is not None and cash is not None and money != cash:
            return WrongMoney(bill=bill, purpose=f"{purpose}: Money {money} != the bill's GRZFJE3 {cash}")
        if answer.succeeded:
            return Settle(bill=bill, purpose=f"{purpose}: the settlement of a fetched bill")
        return Recorded(purpose=purpose)

    def _bill_after_settlement(self, exchange: Exchange) -> Mapping[str, Any] | None:
        """The bill as fetched before its settlement, when this fetch is for a settled registration."""
        reg_no = _text(request_json(exchange).get("RegNo"))
        for settled in self._settled.values():
            # Without the bill as it was, a changed BILLSTATUS (a correct answer) cannot be told apart.
            if settled.reg_no == reg_no and settled.bill:
                return settled.bill
        return None

    def _remember(self, item: RecordedExchange, answer: Answer) -> None:
        exchange = item.exchange
        if not answer.succeeded:
            return
        if exchange.operation_id == LOGIN_OPERATION and isinstance(answer.payload, str):
            self._issued.setdefault(answer.payload, item.at)
        elif _bill_operation(self.contract, exchange.operation_id) and isinstance(answer.payload, Mapping):
            bill_id = _text(answer.payload.get("BILLID"))
            if bill_id and bill_id not in self._settled:
                self._bills[bill_id] = answer.payload
        elif exchange.operation_id == SETTLEMENT_OPERATION and isinstance(answer.payload, Mapping):
            body = request_json(exchange) if item.request_body_recorded else {}
            bill_id = _text(body.get("BILLID"))
            if bill_id and bill_id not in self._settled:
                self._settled[bill_id] = _Settled(
                    serial_number=_text(body.get("SerialNumber")),
                    bill_id=bill_id,
                    reg_no=_text(body.get("RegSerNo")),
                    receipt=answer.payload,
                    bill=self._bills.get(bill_id, {}),
                )


def secrets_of(exchange: Exchange, answer: Answer) -> tuple[list[str], list[str]]:
    """The bearer tokens and login passwords one recorded call holds: what its reports must hide."""
    tokens, passwords = [], []
    credentials = (exchange.request.header("Authorization") or "").partition(" ")[2].strip()
    if credentials and credentials != "***":
        tokens.append(credentials)
    if exchange.operation_id == LOGIN_OPERATION:
        password = request_json(exchange).get("password")
        if isinstance(password, str) and password:
            passwords.append(password)
        if isinstance(answer.payload, str) and answer.payload:
            tokens.append(answer.payload)
    return tokens, passwords


def _bill_operation(contract: Contract, operation_id: str) -> bool:
    """The bill fetch, under its canonical path or the alias (same payload)."""
    if operation_id == BILL_OPERATION:
        return True
    operation = contract.operations.get(operation_id)
    return operation is not None and operation.payload == contract.operation(BILL_OPERATION).payload


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
