"""Valid request bodies of the three operations, realistic or adversarial (still valid per the spec)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from conformance.strategies.bills import bills, card_numbers, registration_numbers, social_security_cards
from conformance.strategies.text import NASTY_TEXTS, digits, long_texts
from conformance.strategies.vocabulary import PAY_WAYS, RARE_NAME_CHARACTERS

Body = dict[str, Any]

USER_IDS = ("demo", "his_client", "wx_pay", "emr01", "收费员01")
# Extra fields real clients send; the spec allows unknown fields, so they must not be refused.
EXTRA_FIELDS = {"HospitalCode": "440100001", "Channel": "WeChat", "Remark": "患者自助缴费"}


def _non_empty(realistic: tuple[str, ...], *, adversarial: bool) -> st.SearchStrategy[str]:
    """A value for a required field: the spec says `minLength: 1`, anything else goes."""
    values = st.sampled_from(realistic)
    if not adversarial:
        return values
    return st.one_of(
        values,
        long_texts((realistic[0], "𠀀䶮龘")),
        st.sampled_from(NASTY_TEXTS),
        st.sampled_from(RARE_NAME_CHARACTERS),
        st.just(" "),
    )


def _with_extras(
    body: st.SearchStrategy[Body], *, adversarial: bool, at_least: int = 0
) -> st.SearchStrategy[Body]:
    """`body` with some of the extra fields real clients add (`at_least` of them), when adversarial."""
    if not adversarial:
        return body
    extras = st.dictionaries(
        st.sampled_from(sorted(EXTRA_FIELDS)),
        st.sampled_from(sorted(EXTRA_FIELDS.values())),
        min_size=at_least,
    )
    return st.builds(lambda b, e: {**b, **e}, body, extras)


def login_requests(*, adversarial: bool = False) -> st.SearchStrategy[Body]:
    """Login bodies: a non-empty `userId` and, optionally, a `password` (which may be empty)."""
    passwords = st.sampled_from(("demo", "Passw0rd!", "123456"))
    if adversarial:
        passwords = st.one_of(passwords, st.just(""), long_texts(("密码",)), st.sampled_from(NASTY_TEXTS))
    body = st.fixed_dictionaries(
        {"userId": _non_empty(USER_IDS, adversarial=adversarial)}, optional={"password": passwords}
    )
    return _with_extras(body, adversarial=adversarial)


def bill_requests(reg_no: str | None = None, *, adversarial: bool = False) -> st.SearchStrategy[Body]:
    """GetUnSettleBillByDoctor bodies: `{"RegNo": ...}` (10 digits; adversarial: any non-empty string)."""
    numbers: st.SearchStrategy[str] = st.just(reg_no) if reg_no is not None else registration_numbers()
    if adversarial and reg_no is None:
        numbers = st.one_of(
            numbers, digits(10, prefix="000"), long_texts(("1628214442",)), st.sampled_from(NASTY_TEXTS)
        )
    return _with_extras(st.fixed_dictionaries({"RegNo": numbers}), adversarial=adversarial)


def settle_requests(
    bill: Mapping[str, Any] | None = None,
    *,
    card_no: str | None = None,
    reg_no: str | None = None,
    adversarial: bool = False,
) -> st.SearchStrategy[Body]:
    """SettleByDoctor bodies that pay `bill` exactly: Money is its GRZFJE3, BILLID its BILLID.

    Pass the registration's `card_no` and `reg_no` to settle a bill a server knows; without
    `bill`, one is drawn from `bills()`. The WeChat fields look like WeChat's: a 28-character
    openid as PayNo and a transaction id starting 420 as SerialNumber, paid after the visit.
    """
    bill_strategy = st.just(dict(bill)) if bill is not None else bills(adversarial=adversarial)
    return _with_extras(
        _settle_requests(
            bill_strategy,
            st.just(card_no) if card_no is not None else card_numbers(),
            st.just(reg_no) if reg_no is not None else registration_numbers(),
            adversarial=adversarial,
        ),
        adversarial=adversarial,
    )


@st.composite
def _settle_requests(
    draw: st.DrawFn,
    bill_strategy: st.SearchStrategy[dict[str, Any]],
    card_strategy: st.SearchStrategy[str],
    reg_strategy: st.SearchStrategy[str],
    *,
    adversarial: bool = False,
    pay_ways: st.SearchStrategy[str] | None = None,
    optionals: str = "drawn",
) -> Body:
    """`optionals`: SERIAL_NO and SocialSecurityCard each present or not (`drawn`), or all
    `present`, `absent`, or `empty` strings."""
    bill = draw(bill_strategy)
    paid = paid_at(bill.get("Date"), draw(st.integers(min_value=0, max_value=3 * 24 * 3600)))
    body = settle_body(
        bill,
        card_no=draw(card_strategy),
        reg_no=draw(reg_strategy),
        pay_way=draw(pay_ways if pay_ways is not None else _non_empty(PAY_WAYS, adversarial=adversarial)),
        pay_no=draw(st.text(alphabet=_OPENID_ALPHABET, min_size=22, max_size=22).map(lambda s: "oUpF8u" + s)),
        serial_number=draw(digits(28, prefix="4200")),
        paid=paid,
    )
    if optionals == "drawn":
        if draw(st.booleans()):
            body["SERIAL_NO"] = bill.get("SERIAL_NO", "")
        if draw(st.booleans()):
            body["SocialSecurityCard"] = draw(st.one_of(social_security_cards(), st.just("")))
    elif optionals != "absent":
        empty = optionals == "empty"
        body["SERIAL_NO"] = "" if empty else bill.get("SERIAL_NO", "")
        body["SocialSecurityCard"] = "" if empty else draw(social_security_cards())
    return body


def settle_body(
    bill: Mapping[str, Any],
    *,
    card_no: str,
    reg_no: str,
    pay_way: str,
    pay_no: str,
    serial_number: str,
    paid: datetime,
) -> Body:
    """The required fields of a SettleByDoctor body that pays `bill` exactly (Money = GRZFJE3)."""
    return {
        "CardNo": card_no,
        "RegSerNo": reg_no,
        "PayWay": pay_way,
        "PayNo": pay_no,
        "SerialNumber": serial_number,
        "Paydate": paid.strftime("%Y-%m-%d"),
        "Paytime": paid.strftime("%H:%M:%S"),
        "Money": bill["GRZFJE3"],
        "BILLID": bill["BILLID"],
    }


_OPENID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def paid_at(visit: object, delay_seconds: int) -> datetime:
    """When the patient paid: `delay_seconds` after the visit written in the bill (or after 2021-12-03)."""
    try:
        start = datetime.strptime(str(visit), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        start = datetime(2021, 12, 3, 9, 30)
    return start + timedelta(seconds=delay_seconds)


# --- edge requests, one trouble each ---------------------------------------------------------

# What a required string can be besides its everyday value (each valid: `minLength: 1` only).
FIELD_TROUBLES = ("long", "nasty", "rare", "blank")
_LOGIN_SHAPES = (
    *(f"userId:{trouble}" for trouble in FIELD_TROUBLES),
    "password:absent",
    "password:empty",
    "password:nasty",
    "extra-fields",
)
_BILL_SHAPES = (*(f"RegNo:{trouble}" for trouble in FIELD_TROUBLES), "RegNo:zero-padded", "extra-fields")
_SETTLE_SHAPES = (
    *(f"PayWay:{trouble}" for trouble in FIELD_TROUBLES),
    "optionals:absent",
    "optionals:empty",
    "money:zero",
    "extra-fields",
)
_PASSWORDS = ("demo", "Passw0rd!", "123456")


def request_shapes(operation: str) -> tuple[str, ...]:
    """The edge shapes of `operation`'s requests: an everyday body but for one thing each."""
    if operation == "login":
        return _LOGIN_SHAPES
    if operation == "settleByDoctor":
        return _SETTLE_SHAPES
    return _BILL_SHAPES


def edge_requests(operation: str, shape: str) -> st.SearchStrategy[Body]:
    """Valid bodies of `operation` of one edge `shape` (`request_shapes`); everything else everyday,
    the optional fields present, so each shape's trouble is the only one."""
    if shape not in request_shapes(operation):
        raise ValueError(f"unknown request shape {shape!r} of {operation}")
    field, _, trouble = shape.partition(":")
    if operation == "login":
        user = st.sampled_from(USER_IDS)
        if field == "userId":
            user = user.flatmap(lambda value: _troubled(value, trouble))
        password: st.SearchStrategy[str] = st.sampled_from(_PASSWORDS)
        if shape == "password:empty":
            password = st.just("")
        elif shape == "password:nasty":
            password = st.sampled_from(NASTY_TEXTS)
        if shape == "password:absent":
            body = st.fixed_dictionaries({"userId": user})
        else:
            body = st.fixed_dictionaries({"userId": user, "password": password})
    elif operation == "settleByDoctor":
        body = _edge_settle_requests(shape)
    else:
        numbers = registration_numbers()
        if shape == "RegNo:zero-padded":
            numbers = digits(7, prefix="000")
        elif field == "RegNo":
            numbers = numbers.flatmap(lambda value: _troubled(value, trouble))
        body = st.fixed_dictionaries({"RegNo": numbers})
    return _with_extras(body, adversarial=True, at_least=1) if shape == "extra-fields" else body


def _edge_settle_requests(shape: str) -> st.SearchStrategy[Body]:
    field, _, trouble = shape.partition(":")
    # Insured bills: their SERIAL_NO is not empty, so an empty optional field is the shape's alone.
    bill = bills(shape="zero-amount", self_pay=False) if shape == "money:zero" else bills(self_pay=False)
    pay_ways = st.sampled_from(PAY_WAYS)
    if field == "PayWay":
        pay_ways = pay_ways.flatmap(lambda value: _troubled(value, trouble))
    optionals = trouble if field == "optionals" else "present"
    return _settle_requests(
        bill, card_numbers(), registration_numbers(), pay_ways=pay_ways, optionals=optionals
    )


def _troubled(value: str, trouble: str) -> st.SearchStrategy[str]:
    """`value` of a required field turned into one kind of trouble, still a non-empty string."""
    if trouble == "long":
        return long_texts((value,))
    if trouble == "nasty":
        return st.sampled_from(NASTY_TEXTS)
    if trouble == "rare":
        return st.sampled_from(RARE_NAME_CHARACTERS).map(lambda char: f"{value}{char}")
    return st.sampled_from((" ", "　"))  # a space, an ideographic space: blank but not empty
