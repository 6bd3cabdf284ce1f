"""Why a case is interesting: the features of a bill, a receipt, a token or a request, read off it.

Each `Feature` has a stable `key` (what tests count and `his-cases load --format json` prints)
and a `text` for people (the `why` of every case, its texts joined by "; "). Nothing here draws or
generates: the features are found in the document itself, so they describe any bill, not only
generated ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from conformance.strategies.text import LONG_TEXT_MIN
from his_contract.semantics import SELF_PAY_FEE_TYPE, iter_fee_items

# Fields whose empty value is everyday, not an edge: a self-pay bill has no insurance serial
# (SERIAL_NO) and often no MedicalTreatment, most items carry no Remark, services no Specification,
# only dispensed prescriptions have a receipt Queue number; optional request fields are described
# on their own (`cases.request_features`).
EVERYDAY_EMPTY = frozenset(
    {"SERIAL_NO", "SocialSecurityCard", "MedicalTreatment", "Remark", "Specification", "Queue"}
)
ORDINARY_SEXES = ("男", "女")


@dataclass(slots=True, frozen=True)
class Feature:
    """One reason a case is worth a client's or a server's attention."""

    key: str
    text: str


def why(features: Sequence[Feature], default: str) -> str:
    """The features' texts joined by "; ", or `default` when there are none."""
    return "; ".join(feature.text for feature in features) or default


def bill_features(bill: Mapping[str, Any]) -> list[Feature]:
    """What makes a bill worth a client's attention, read off the bill itself."""
    found: list[Feature] = []
    categories = sum(len(detail["FeeCat"]) for detail in bill["FeeDetail"])
    items = [item for _, item in iter_fee_items(bill)]
    lines = [line for item in items for line in item["PerItem"]]
    if categories >= 40:
        found.append(
            Feature("forty-categories", f"{categories} fee categories (every category of the catalogue)")
        )
    elif categories >= 8:
        found.append(Feature("many-categories", f"{categories} fee categories"))
    if len(bill["FeeDetail"]) > 1:
        found.append(Feature("fee-detail-groups", f"{len(bill['FeeDetail'])} FeeDetail groups"))
    for item in items:
        if item["ZYTS"] not in ("", "0"):
            decoction = any(i["DeliveryFeeFlag"] == "1" for i in items)
            found.append(
                Feature(
                    "herbal-decoction" if decoction else "herbal",
                    f"herbal prescription of {item['ZYTS']} 剂 (ZYTS)"
                    + (", with its 代煎 fee as a separate line (DeliveryFeeFlag 1)" if decoction else ""),
                )
            )
            break
    if not lines:
        found.append(Feature("no-fee-lines", "no fee lines at all (FeeDetail is empty or holds no items)"))
    if len(lines) >= 60:
        found.append(Feature("many-lines", f"{len(lines)} PerItem lines"))
    if any(
        _amount(line["PerPrice"]) != _amount(line["Price"]) * _amount(line["PerItemCount"]) for line in lines
    ):
        found.append(
            Feature(
                "rounded-price",
                "a PerPrice rounded from a 4-decimal Price × PerItemCount (within 0.01, SEM-4)",
            )
        )
    if any("." in line["PerItemCount"] for line in lines):
        found.append(Feature("fractional-count", "a fractional PerItemCount"))
    if any(_amount(line["PerItemCount"]) == 0 for line in lines):
        found.append(Feature("zero-count", "a line with PerItemCount 0"))
    if bill["Sex"] not in ORDINARY_SEXES or not _is_age_in_years(bill["Age"]):
        found.append(
            Feature(
                "odd-person", f"Sex {quoted(bill['Sex'])} and Age {quoted(bill['Age'])}: not 男/女 and N岁"
            )
        )
    return found + money_features(bill) + text_features(bill)


def money_features(document: Mapping[str, Any]) -> list[Feature]:
    """The shares of a bill or a receipt: self-pay, zero amounts, account payments, large sums."""
    found = []
    total, insured, own = (_amount(document[k]) for k in ("SumFund", "SBZFJE", "GRZFJE3"))
    if document["FeeType"] == SELF_PAY_FEE_TYPE:
        found.append(Feature("self-pay", "self-pay (自费): SBZFJE must be 0.00 (SEM-5)"))
    elif insured == 0:
        found.append(
            Feature(
                "insurance-pays-nothing", f"insured ({short(document['FeeType'])}) but insurance pays nothing"
            )
        )
    if total == 0:
        found.append(Feature("zero-amount", "a zero-amount bill: SumFund 0.00, settled with Money 0.00"))
    elif own == 0:
        found.append(
            Feature("patient-pays-nothing", "the patient pays nothing: GRZFJE3 0.00, insurance covers it all")
        )
    if own < total - insured:
        found.append(
            Feature(
                "account-payment",
                f"SumFund ≠ SBZFJE + GRZFJE3: {total - insured - own} paid outside both (account payment),"
                " which SEM-1 allows",
            )
        )
    if total >= 100_000:
        found.append(Feature("large-amount", f"a large amount: SumFund {document['SumFund']}"))
    return found


# What every login token is; the `why` of a token with nothing odd about it.
PLAIN_TOKEN = "an HS256 JWT (verify it with the HIS's secret, or not at all on the client)"


def token_features(token: str) -> list[Feature]:
    """What a client must expect of this JWT beyond being one (`PLAIN_TOKEN`)."""
    import jwt  # only needed to describe login responses

    claims = jwt.decode(token, options={"verify_signature": False})
    found = []
    if isinstance(claims.get("iat"), str):
        found.append(
            Feature(
                "string-iat",
                "iat written as a string, 8 hours ahead (ASP.NET local time): a client must not reject it",
            )
        )
    return found


# Each text feature: its key, what it says, and which strings have it.
_TEXT_CHECKS: tuple[tuple[str, str, Any], ...] = (
    (
        "outside-bmp",
        "characters outside the BMP (UTF-16 surrogate pairs, MySQL utf8mb4)",
        lambda text: any(ord(char) > 0xFFFF for char in text),
    ),
    (
        "rare-cjk",
        "rare CJK characters (Extension A or 龘)",
        lambda text: (
            all(ord(char) <= 0xFFFF for char in text)
            and any(0x3400 <= ord(char) <= 0x4DBF or char in "龘" for char in text)
        ),
    ),
    (
        "long-strings",
        f"very long strings (≥ {LONG_TEXT_MIN} characters)",
        lambda text: len(text) >= LONG_TEXT_MIN,
    ),
    (
        "control-characters",
        "control characters (NUL, newline, tab) inside strings",
        lambda text: any(ord(char) < 0x20 for char in text),
    ),
    (
        "invisible-characters",
        "invisible or combining characters (zero-width space, RTL override, ideographic space)",
        lambda text: any(char in "\u200b\u202e\u0301\u3000" for char in text),
    ),
    ("markup", "quotes, backslashes or markup inside strings", lambda text: any(c in "\"\\<'" for c in text)),
    ("middle-dot-name", "a name with a middle dot (ethnic minority names)", lambda text: "·" in text),
    (
        "blank",
        "a value of only spaces (not empty, but blank once trimmed)",
        lambda text: text and not text.strip(),
    ),
)


def text_features(document: Any) -> list[Feature]:
    """Strings that break clients: outside the BMP, very long, empty, invisible or control characters."""
    strings = list(_strings(document))
    found = []
    for key, text, has in _TEXT_CHECKS:
        places: list[str] = []
        for where, value in strings:
            if has(value) and where not in places:
                places.append(where)
        if places:
            found.append(Feature(key, f"{text}: {', '.join(places[:4])}"))
    empty = sorted({where for where, value in strings if value == "" and where not in EVERYDAY_EMPTY})
    if empty:
        found.append(
            Feature(
                "empty-strings", f"empty strings in {', '.join(empty[:6])}" + (" …" if len(empty) > 6 else "")
            )
        )
    return found


def _strings(document: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(field name, value) for every string in a JSON document; list indexes are left out of names."""
    if isinstance(document, str):
        yield where, document
    elif isinstance(document, Mapping):
        for key, value in document.items():
            yield from _strings(value, str(key))
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value, where)


def _is_age_in_years(age: str) -> bool:
    return age.endswith("岁") and age[:-1].isdigit() and 0 < int(age[:-1]) < 120


def _amount(text: str) -> Decimal:
    return Decimal(text)


def quoted(text: str) -> str:
    return json.dumps(short(text), ensure_ascii=False)


def short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[:limit] + f"…({len(text)} characters)"
