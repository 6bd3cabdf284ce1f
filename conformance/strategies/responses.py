"""Response envelopes for client-side tests: valid ones, and ones broken against exactly one rule.

A client (an app, a payment kiosk, an EMR plug-in) must accept every valid envelope, however odd
its values, and must refuse to act on a broken one: a bill whose items do not add up to SumFund
must not be charged. Broken envelopes are proven broken by the suite's rule code: the spec's
response validator for ENV and SCH rules, `his_contract.semantics` for SEM rules.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import jwt
from hypothesis import strategies as st

from conformance.strategies.bills import bills
from conformance.strategies.receipts import receipts
from conformance.strategies.text import long_texts
from his_contract.money import format_amount
from his_contract.semantics import SELF_PAY_FEE_TYPE, check_bill, check_receipt, iter_fee_items
from his_contract.spec import load_spec

Envelope = dict[str, Any]
_SUCCESS_MESSAGES = {"login": "获取成功", "settleByDoctor": "结算成功"}
_BILL_OPERATIONS = ("getUnSettleBillByDoctor", "getUnpayBillByDoctorAlias")
ONE_YUAN = Decimal("1.00")


def tokens(*, adversarial: bool = False, string_iat: bool | None = None) -> st.SearchStrategy[str]:
    """HS256 JWTs as the HIS issues them; adversarial ones (one in four, or all with `string_iat`)
    carry a string `iat` hours in the future, as ASP.NET Core deployments that compute it from
    local time do (DOMAIN.md)."""
    if string_iat is not None:
        local_time_iat: st.SearchStrategy[bool] = st.just(string_iat)
    else:
        local_time_iat = st.sampled_from((False, False, False, True)) if adversarial else st.just(False)
    return st.builds(
        _token,
        st.sampled_from(("demo", "his_client", "收费员01")),
        st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime(2030, 12, 31)),
        st.sampled_from((3600, 1000)),
        local_time_iat,
        st.binary(min_size=32, max_size=32),
    )


# What a success envelope's msg and msgDev can be besides (message, null).
ENVELOPE_ODDITIES = ("empty-msg", "other-msg", "empty-msgdev", "stack-trace")
# The edge shapes of a login success: plain, a token with a string iat, or one envelope oddity
# (another wording of msg is left out: nothing tells it from the usual one).
LOGIN_SHAPES = ("plain", "string-iat", "empty-msg", "empty-msgdev", "stack-trace")


def envelopes(
    operation: str, *, adversarial: bool = False, shape: str | None = None
) -> st.SearchStrategy[Envelope]:
    """Success envelopes `{status: 0, isSuccess: true, msg, msgDev, response}` of `operation`.

    `shape` fixes the edge shape: of the bill or receipt payload (`bills(shape=...)`), or for
    login one of `LOGIN_SHAPES`.
    """
    load_spec().operation(operation)  # a clear SpecError for an unknown operationId
    message = _SUCCESS_MESSAGES.get(operation, "获取成功")
    texts = _texts(message, None)
    if adversarial and not (operation == "login" and shape is not None):
        # Two envelopes in three are plain, so the payload's own edge cases are not crowded out.
        plain = [texts] * 8
        texts = st.sampled_from([*plain, *(_texts(message, o) for o in ENVELOPE_ODDITIES)]).flatmap(
            lambda t: t
        )
    if operation == "login":
        if shape is not None and shape not in LOGIN_SHAPES:
            raise ValueError(f"unknown login shape {shape!r}; choose one of {', '.join(LOGIN_SHAPES)}")
        if shape in ENVELOPE_ODDITIES:
            texts = _texts(message, shape)
        payload: st.SearchStrategy[Any] = tokens(
            adversarial=adversarial, string_iat=None if shape is None else shape == "string-iat"
        )
    elif operation == "settleByDoctor":
        payload = receipts(adversarial=adversarial, shape=shape)
    else:
        payload = bills(adversarial=adversarial, shape=shape)
    return st.builds(
        lambda response, msg_texts: {
            "status": 0,
            "isSuccess": True,
            "msg": msg_texts[0],
            "msgDev": msg_texts[1],
            "response": response,
        },
        payload,
        texts,
    )


def _texts(message: str, oddity: str | None) -> st.SearchStrategy[tuple[str, str | None]]:
    """(msg, msgDev) of a success envelope: plain, or with one of `ENVELOPE_ODDITIES`."""
    if oddity == "empty-msg":
        return st.just(("", None))
    if oddity == "other-msg":
        return st.just(("调用成功", None))
    if oddity == "empty-msgdev":
        return st.just((message, ""))
    if oddity == "stack-trace":
        return long_texts(("堆栈信息",)).map(lambda trace: (message, trace))
    return st.just((message, None))


@dataclasses.dataclass(slots=True, frozen=True)
class InvalidResponse:
    """A success envelope broken against exactly one rule (`rule`), at `field`, for `reason`."""

    operation: str
    envelope: Any
    rule: str
    field: str | None
    reason: str


def invalid_responses(operation: str) -> st.SearchStrategy[InvalidResponse]:
    """Envelopes of `operation` that break one rule a client must not trust (ENV, SCH or SEM)."""
    return envelopes(operation).flatmap(lambda envelope: st.sampled_from(_breakages(operation, envelope)))


Breaker = Callable[[Envelope], tuple[str, str | None, str]]


def _breakages(operation: str, envelope: Envelope) -> list[InvalidResponse]:
    """Every applicable breakage of this envelope, each applied to its own copy and proven."""
    breakers: list[Breaker] = [_status_as_string, _is_success_as_string, _missing_msg_dev]
    if operation == "login":
        breakers += [_token_not_jwt, _token_null]
    else:
        breakers += [_missing_field, _amount_as_number, _three_decimals, _negative, _fullwidth]
        breakers += [_sem1_insured_exceeds_total]
        document = envelope["response"]
        if Decimal(document["SBZFJE"]) > 0:
            breakers.append(_sem5_self_pay_insured)
    if operation in _BILL_OPERATIONS:
        breakers += [_null_doctor, _sem2_total_off]
        if any(True for _ in iter_fee_items(envelope["response"])):
            breakers += [_items_capitalised, _sem3_item_off]
        if any(line for _, i in iter_fee_items(envelope["response"]) for line in i["PerItem"]):
            breakers.append(_sem4_line_off)
    out = []
    for breaker in breakers:
        broken = copy.deepcopy(envelope)
        rule, field, reason = breaker(broken)
        _prove(operation, broken, rule)
        out.append(InvalidResponse(operation, broken, rule, field, reason))
    return out


def _prove(operation: str, envelope: Envelope, rule: str) -> None:
    """Refuse a 'broken' envelope that the suite's rule code would accept (a defect of this module)."""
    if load_spec().rules[rule].group == "semantics":  # arithmetic: the schema cannot see it
        check = check_receipt if operation == "settleByDoctor" else check_bill
        found = {violation.rule_id for violation in check(envelope["response"])}
        if found != {rule}:
            raise AssertionError(f"{operation}: breaking {rule} gave violations {sorted(found)}")
    elif load_spec().response_validator(operation).is_valid(envelope):
        raise AssertionError(f"{operation}: breaking {rule} left the envelope valid per the spec")


def _status_as_string(e: Envelope) -> tuple[str, str | None, str]:
    e["status"] = "0"
    return "ENV-2", "status", 'status is the string "0", not the integer 0'


def _is_success_as_string(e: Envelope) -> tuple[str, str | None, str]:
    e["isSuccess"] = "true"
    return "ENV-3", "isSuccess", 'isSuccess is the string "true", not a boolean'


def _missing_msg_dev(e: Envelope) -> tuple[str, str | None, str]:
    del e["msgDev"]
    return "ENV-4", "msgDev", "the envelope has no msgDev (it must be a string or null)"


def _token_not_jwt(e: Envelope) -> tuple[str, str | None, str]:
    e["response"] = "Bearer " + e["response"]
    return "AUTH-1", "response", "the token carries a 'Bearer ' prefix: not a bare JWT"


def _token_null(e: Envelope) -> tuple[str, str | None, str]:
    e["response"] = None
    return "SCH-1", "response", "status 0 but no token"


def _missing_field(e: Envelope) -> tuple[str, str | None, str]:
    del e["response"]["GRZFJE3"]
    return "SCH-1", "response.GRZFJE3", "the patient's share GRZFJE3 is missing"


def _amount_as_number(e: Envelope) -> tuple[str, str | None, str]:
    e["response"]["SumFund"] = float(e["response"]["SumFund"])
    return "SCH-1", "response.SumFund", "SumFund is a JSON number, not a decimal string"


def _three_decimals(e: Envelope) -> tuple[str, str | None, str]:
    e["response"]["GRZFJE3"] += "0"
    return "SCH-2", "response.GRZFJE3", "GRZFJE3 has three decimals"


def _negative(e: Envelope) -> tuple[str, str | None, str]:
    e["response"]["SBZFJE"] = "-" + e["response"]["SBZFJE"]
    return "SCH-2", "response.SBZFJE", "SBZFJE is negative"


def _fullwidth(e: Envelope) -> tuple[str, str | None, str]:
    e["response"]["SumFund"] = e["response"]["SumFund"].translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    return "SCH-2", "response.SumFund", "SumFund is written in full-width digits"


def _null_doctor(e: Envelope) -> tuple[str, str | None, str]:
    e["response"]["DoctName"] = None
    return "SCH-1", "response.DoctName", "DoctName is null, not a string"


def _items_capitalised(e: Envelope) -> tuple[str, str | None, str]:
    for detail in e["response"]["FeeDetail"]:
        for category in detail["FeeCat"]:
            if category["items"]:
                category["Items"] = category.pop("items")
                return (
                    "SCH-1",
                    "FeeCat.Items",
                    "a FeeCat spells its list Items (the table's spelling), not items",
                )
    raise AssertionError("no FeeCat with items")


def _sem1_insured_exceeds_total(e: Envelope) -> tuple[str, str | None, str]:
    document = e["response"]
    document["FeeType"] = "医保"
    document["SBZFJE"] = format_amount(Decimal(document["SumFund"]) + ONE_YUAN)
    document["GRZFJE3"] = "0.00"
    return "SEM-1", "response.SBZFJE", "insurance pays SBZFJE more than the whole bill SumFund"


def _sem5_self_pay_insured(e: Envelope) -> tuple[str, str | None, str]:
    e["response"]["FeeType"] = SELF_PAY_FEE_TYPE
    return "SEM-5", "response.FeeType", "a self-pay (自费) bill with a non-zero insured share SBZFJE"


def _sem2_total_off(e: Envelope) -> tuple[str, str | None, str]:
    document = e["response"]
    document["SumFund"] = format_amount(Decimal(document["SumFund"]) + ONE_YUAN)
    return "SEM-2", "response.SumFund", "SumFund is one yuan more than the items add up to"


def _first_item(e: Envelope) -> Any:
    return next(fee_item for _, fee_item in iter_fee_items(e["response"]))


def _sem3_item_off(e: Envelope) -> tuple[str, str | None, str]:
    # SumFund moves with the item, so only SEM-3 breaks, not SEM-2.
    fee_item = _first_item(e)
    fee_item["SumPrice"] = format_amount(Decimal(fee_item["SumPrice"]) + ONE_YUAN)
    e["response"]["SumFund"] = format_amount(Decimal(e["response"]["SumFund"]) + ONE_YUAN)
    return "SEM-3", "items[0].SumPrice", "an item's SumPrice is one yuan more than its lines add up to"


def _sem4_line_off(e: Envelope) -> tuple[str, str | None, str]:
    for _, found in iter_fee_items(e["response"]):
        fee_item: Any = found  # a dict of the envelope, mutated in place
        if fee_item["PerItem"]:
            line = fee_item["PerItem"][0]
            line["PerPrice"] = format_amount(Decimal(line["PerPrice"]) + ONE_YUAN)
            fee_item["SumPrice"] = format_amount(Decimal(fee_item["SumPrice"]) + ONE_YUAN)
            e["response"]["SumFund"] = format_amount(Decimal(e["response"]["SumFund"]) + ONE_YUAN)
            return (
                "SEM-4",
                "PerItem[0].PerPrice",
                "a line's PerPrice is one yuan more than Price * PerItemCount",
            )
    raise AssertionError("no line")


def _token(user: str, issued: datetime, lifetime: int, local_time_iat: bool, secret: bytes) -> str:
    epoch = int((issued - datetime(1970, 1, 1)).total_seconds())
    claims: dict[str, Any] = {"sub": user, "iss": "his", "exp": epoch + lifetime}
    # ASP.NET deployments write iat as a string computed from local time: 8 hours ahead of UTC.
    claims["iat"] = str(epoch + int(timedelta(hours=8).total_seconds())) if local_time_iat else epoch
    return jwt.encode(claims, secret, algorithm="HS256")
