"""Settlement receipts (结算凭条) derived from a bill, as SettleByDoctor returns them (SET-2, SEM-1/5)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from conformance.strategies.bills import bills, card_numbers, registration_numbers
from conformance.strategies.text import digits, person_names
from conformance.strategies.vocabulary import FEE_CATEGORIES, HOSPITALS, RECEIPT_PLACES, Pool
from his_contract.semantics import fee_items

Receipt = dict[str, Any]
_POOLS = dict(FEE_CATEGORIES)


def receipts(
    bill: Mapping[str, Any] | None = None,
    *,
    card_no: str | None = None,
    reg_no: str | None = None,
    adversarial: bool = False,
) -> st.SearchStrategy[Receipt]:
    """Receipts that validate against the spec's `Receipt` schema and keep SEM-1 and SEM-5.

    The receipt repeats the bill's amounts and visit (SET-2) and lists every PerItem of the bill,
    one receipt Item per prescription (FeeCat); without `bill`, one is drawn from `bills()`.
    `card_no` and `reg_no` fix what the receipt echoes from the settlement request.
    """
    bill_strategy = st.just(dict(bill)) if bill is not None else bills(adversarial=adversarial)
    return _receipts(
        bill_strategy,
        st.just(card_no) if card_no is not None else card_numbers(),
        st.just(reg_no) if reg_no is not None else registration_numbers(),
        adversarial=adversarial,
    )


@st.composite
def _receipts(
    draw: st.DrawFn,
    bill_strategy: st.SearchStrategy[dict[str, Any]],
    card_numbers: st.SearchStrategy[str],
    reg_numbers: st.SearchStrategy[str],
    *,
    adversarial: bool,
) -> Receipt:
    bill = draw(bill_strategy)
    name, address, tel = draw(st.sampled_from(HOSPITALS))
    details = []
    for fee_detail in bill.get("FeeDetail", []):
        receipt_items = [draw(_receipt_item(category)) for category in fee_detail.get("FeeCat", [])]
        details.append({"Item": receipt_items})
    return {
        "SumFund": bill["SumFund"],
        "SBZFJE": bill["SBZFJE"],
        "GRZFJE3": bill["GRZFJE3"],
        "CheckOutNo": draw(digits(15, prefix="JS")),
        "SerNo": draw(digits(8, prefix="FP")),
        "HospitalName": name,
        "HospitalAdd": address,
        "HospitalTel": tel,
        "Date": bill["Date"],
        "CardNo": draw(card_numbers),
        "RegSerNo": draw(reg_numbers),
        "DepDesc": bill["DepDesc"],
        "DoctName": bill["DoctName"],
        "PatientName": draw(person_names(adversarial=adversarial)),
        "Sex": bill["Sex"],
        "Age": bill["Age"],
        "FeeType": bill["FeeType"],
        "Detail": details,
    }


@st.composite
def _receipt_item(draw: st.DrawFn, category: Mapping[str, Any]) -> dict[str, Any]:
    """One receipt Item for a FeeCat: where to go (PhaWin), the queue number and the lines."""
    pool = _POOLS.get(str(category.get("FeeCatName")), Pool.MATERIAL)
    kind, windows = RECEIPT_PLACES[pool]
    items = [i for i in fee_items(category) if isinstance(i, Mapping)]
    dispensed = pool in (Pool.WESTERN, Pool.PATENT, Pool.HERBAL)
    queue = draw(digits(3, prefix=draw(st.sampled_from("ABC")))) if dispensed else ""
    return {
        "PhaWin": draw(st.sampled_from(windows)),
        "Queue": queue,
        "Type": kind,
        "Flag": "1" if any(i.get("IsDelivery") == "1" for i in items) else "0",
        "OrderNumber": str(category.get("Recipe", "")),
        "ItemDetail": [
            {
                "PerItemName": line["PerItemName"],
                "Specification": line["Specification"],
                "PerItemCount": line["PerItemCount"],
                "PerUnit": line["PerUnit"],
            }
            for i in items
            for line in i.get("PerItem", [])
        ],
    }
