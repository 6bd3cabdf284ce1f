"""Scenarios: named, scripted adversities a client of the HIS must survive, armed as faults.

Each scenario is data: the faults it arms (`mock_server.faults`) and the client rules it is about.
`POST /__admin/scenarios {"name": ...}` or `his-mock --scenario NAME` arms one; the client runs its
flow; `/__admin/report` says whether it coped. Timings (`delayMs`, `seconds`) can be shortened per
arm request, so a CI job does not wait 30 s for a slow answer.

Two effects need more than a replaced answer, and live here: `change_bill` (the bill gains a line,
so GRZFJE3 changes) and the expiry of the token a call carried (an `expire-token` fault arms a
`status 3` fault for that token only).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from his_contract import format_amount, parse_amount
from mock_server.errors import FaultError, ScenarioError
from mock_server.faults import (
    ANY_OPERATION,
    CHANGE_BILL,
    EXPIRE_TOKEN,
    HTTP503,
    MAX_DELAY_MS,
    Fault,
)

if TYPE_CHECKING:
    from mock_server.service import HisMock

# The line a changed bill gains (a lab test the doctor added after the patient saw the bill).
EXTRA_LINE_PRICE = Decimal("12.00")
MAX_UNAVAILABLE_SECONDS = 600
# How long an expired token stays refused: longer than any test, shorter than forever.
EXPIRED_TOKEN_SECONDS = 24 * 3600


@dataclass(slots=True, frozen=True)
class Parameter:
    """A number an arm request may set (`{"name": ..., "delayMs": 500}`)."""

    name: str
    default: float
    minimum: float
    maximum: float
    description: str


@dataclass(slots=True, frozen=True)
class Scenario:
    """One named adversity: what it does, the client rules it tests, and the faults it arms."""

    name: str
    summary: str
    rules: tuple[str, ...]
    parameters: tuple[Parameter, ...] = ()

    def faults(self, values: Mapping[str, float], *, now: float) -> list[Fault]:
        """The faults this scenario arms, with `values` for its parameters."""
        return _FAULTS[self.name](values, now)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "rules": list(self.rules),
            "parameters": {
                p.name: {
                    "default": p.default,
                    "minimum": p.minimum,
                    "maximum": p.maximum,
                    "description": p.description,
                }
                for p in self.parameters
            },
        }


SETTLE = "settleByDoctor"
BILL = "getUnSettleBillByDoctor"

SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "lost-settle-answer",
            "The next settlement that succeeds is committed, then its connection is dropped: the client"
            " gets no answer for a paid bill. Careful: repeat it with the same SerialNumber (the receipt"
            " comes back) or fetch the bill.",
            ("CLI-3",),
        ),
        Scenario(
            "slow-settle-answer",
            "The next settlement that succeeds is committed, then answered only after `delayMs` (30 s):"
            " longer than most clients wait. Careful: on a timeout, repeat it with the same SerialNumber.",
            ("CLI-3",),
            (
                Parameter(
                    "delayMs", 30_000, 1, MAX_DELAY_MS, "how long the committed answer is held back, ms"
                ),
            ),
        ),
        Scenario(
            "settle-his-error-then-ok",
            "The next settlement answers status 2 (His内部错误) without settling; the one after succeeds."
            " Careful: repeat it with the same SerialNumber, never a new payment.",
            ("CLI-3",),
        ),
        Scenario(
            "token-expires-mid-flow",
            "The token of the next bill fetch expires right after it: the settlement that follows"
            " answers status 3. Careful: log in again and repeat the settlement once.",
            ("CLI-5",),
        ),
        Scenario(
            "bill-changes-before-settle",
            "After the next bill fetch the bill gains a line (GRZFJE3 grows by 12.00): a settlement with"
            " the old Money answers status 6. Careful: fetch the bill again and pay the new GRZFJE3.",
            ("CLI-2",),
        ),
        Scenario(
            "his-unavailable",
            "For `seconds` (10 s) every call answers an HTML 503 page, as a restarting IIS does."
            " Careful: back off and retry; after a 503 on a settlement, the same SerialNumber.",
            ("CLI-3", "CLI-6"),
            (Parameter("seconds", 10, 0.1, MAX_UNAVAILABLE_SECONDS, "how long the HIS is unavailable, s"),),
        ),
    )
}


def parse_arm_request(data: object) -> tuple[Scenario, dict[str, float]]:
    """The scenario and parameter values an admin request asks for; `FaultError` saying why not."""
    if not isinstance(data, Mapping):
        raise FaultError('expected a JSON object like {"name": "lost-settle-answer"}')
    name = data.get("name")
    scenario = SCENARIOS.get(name) if isinstance(name, str) else None
    if scenario is None:
        raise FaultError(f"`name` must be one of {', '.join(SCENARIOS)}; got {name!r}")
    known = {p.name: p for p in scenario.parameters}
    unknown = sorted(str(key) for key in data if key != "name" and key not in known)
    if unknown:
        allowed = ", ".join(known) or "no parameters"
        raise FaultError(f"scenario {scenario.name} takes {allowed}; got {', '.join(unknown)}")
    values: dict[str, float] = {}
    for parameter in scenario.parameters:
        value = data.get(parameter.name, parameter.default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FaultError(f"`{parameter.name}` must be a number; got {value!r}")
        if not parameter.minimum <= value <= parameter.maximum:
            bounds = f"from {parameter.minimum:g} to {parameter.maximum:g}"
            raise FaultError(f"`{parameter.name}` must be {bounds}; got {value!r}")
        values[parameter.name] = float(value)
    return scenario, values


def scenario_by_name(name: str) -> Scenario:
    """For `--scenario NAME`: a `ScenarioError` listing the names when there is no such scenario."""
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise ScenarioError(f"no scenario {name!r}; one of {', '.join(SCENARIOS)}")
    return scenario


def expired_token_fault(token: str, *, scenario: str | None, now: float | None = None) -> Fault:
    """The fault that makes every call with this token (fingerprint) answer status 3 from now on."""
    return Fault(
        operation=ANY_OPERATION,
        kind="status",
        remaining=1,
        status=3,
        until=(now or time.time()) + EXPIRED_TOKEN_SECONDS,
        token=token,
        scenario=scenario,
    )


def apply_effect(mock: HisMock, fault: Fault, *, body: Mapping[str, Any], token: str | None) -> None:
    """Carry out a scenario's effect after a successful bill fetch: expire its token, or change its bill."""
    if fault.kind == EXPIRE_TOKEN and token is not None:
        mock.faults.add(expired_token_fault(token, scenario=fault.scenario))
    elif fault.kind == CHANGE_BILL:
        change_bill(mock, str(body.get("RegNo", "")))


def change_bill(mock: HisMock, reg_no: str) -> None:
    """Give the registration's unsettled bill one more line (the store's cache sees it at once)."""
    from mock_server.fixtures import parse_registration

    state = mock.store.settle_state(reg_no)
    if state is None or state.settled_serial is not None:
        return
    document = {**state.document, "bill": bill_with_extra_line(state.document["bill"])}
    mock.store.put_registrations([parse_registration(document, mock.spec, where=f"registration {reg_no}")])


def bill_with_extra_line(bill: Mapping[str, Any]) -> dict[str, Any]:
    """`bill` with one more item in its first FeeCat, paid by the patient: SumFund and GRZFJE3 grow by
    `EXTRA_LINE_PRICE`, and the bill arithmetic (SEM-1..5) still holds."""
    changed: dict[str, Any] = dict(bill)
    details = [dict(detail) for detail in bill["FeeDetail"]]
    categories = [dict(category) for category in details[0]["FeeCat"]]
    category = categories[0]
    key = "items" if "items" in category else "Items"
    items = list(category[key])
    price = format_amount(EXTRA_LINE_PRICE)
    line = {
        "PerItemName": "静脉采血（医生追加）",
        "DrugFlag": "0",
        "Specification": "次",
        "PerItemCount": "1",
        "PerPrice": price,
        "Price": f"{EXTRA_LINE_PRICE:.4f}",
        "PerUnit": "次",
    }
    items.append({**items[0], "SumPrice": price, "Remark": "医生追加", "PerItem": [line]})
    category[key] = items
    details[0] = {**details[0], "FeeCat": categories}
    changed["FeeDetail"] = details
    for field in ("SumFund", "GRZFJE3"):
        amount = parse_amount(bill[field])
        if amount is None:
            raise FaultError(f"the bill's {field} {bill[field]!r} is not an amount")
        changed[field] = format_amount(amount + EXTRA_LINE_PRICE)
    return changed


def _settle_fault(kind: str, **fields: Any) -> Fault:
    return Fault(operation=SETTLE, kind=kind, remaining=1, **fields)


def _lost(_values: Mapping[str, float], _now: float) -> list[Fault]:
    return [_settle_fault("drop", when="after", scenario="lost-settle-answer")]


def _slow(values: Mapping[str, float], _now: float) -> list[Fault]:
    delay = int(values["delayMs"])
    return [_settle_fault("delay", delay_ms=delay, when="after", scenario="slow-settle-answer")]


def _his_error(_values: Mapping[str, float], _now: float) -> list[Fault]:
    return [_settle_fault("status", status=2, scenario="settle-his-error-then-ok")]


def _token_expires(_values: Mapping[str, float], _now: float) -> list[Fault]:
    return [
        Fault(operation=BILL, kind=EXPIRE_TOKEN, remaining=1, when="after", scenario="token-expires-mid-flow")
    ]


def _bill_changes(_values: Mapping[str, float], _now: float) -> list[Fault]:
    return [
        Fault(
            operation=BILL, kind=CHANGE_BILL, remaining=1, when="after", scenario="bill-changes-before-settle"
        )
    ]


def _unavailable(values: Mapping[str, float], now: float) -> list[Fault]:
    return [
        Fault(
            operation=ANY_OPERATION,
            kind=HTTP503,
            remaining=1,
            until=now + values["seconds"],
            scenario="his-unavailable",
        )
    ]


_FAULTS = {
    "lost-settle-answer": _lost,
    "slow-settle-answer": _slow,
    "settle-his-error-then-ok": _his_error,
    "token-expires-mid-flow": _token_expires,
    "bill-changes-before-settle": _bill_changes,
    "his-unavailable": _unavailable,
}
