"""The settlement receipt (结算凭条) a bill produces, as SettleByDoctor returns it (SET-2, SEM-1/5).

The deterministic part lives here, shared by the mock (which settles bills) and the strategies
(which generate receipts): the bill's amounts and visit repeated (SET-2), and one receipt Item per
prescription (FeeCat) listing every PerItem of it (SEM-5). What a HIS decides on its own (the
receipt numbers, where the patient goes, the queue number) comes from the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from his_contract.semantics import fee_items


@dataclass(slots=True, frozen=True)
class Hospital:
    """The hospital printed on the receipt."""

    name: str
    address: str
    tel: str


@dataclass(slots=True, frozen=True)
class Place:
    """Where the patient goes for one prescription: its type (项目大类), window (PhaWin), queue number."""

    type: str
    window: str
    queue: str


def receipt_from_bill(
    bill: Mapping[str, Any],
    *,
    card_no: str,
    reg_no: str,
    patient_name: str,
    hospital: Hospital,
    check_out_no: str,
    ser_no: str,
    place_for: Callable[[Mapping[str, Any]], Place],
) -> dict[str, Any]:
    """The receipt of `bill` once settled; `place_for(fee_cat)` is asked once per FeeCat, in order."""
    return {
        # SET-2: the amounts settled are the bill's, as the bill wrote them.
        "SumFund": bill["SumFund"],
        "SBZFJE": bill["SBZFJE"],
        "GRZFJE3": bill["GRZFJE3"],
        "CheckOutNo": check_out_no,
        "SerNo": ser_no,
        "HospitalName": hospital.name,
        "HospitalAdd": hospital.address,
        "HospitalTel": hospital.tel,
        "Date": bill["Date"],
        "CardNo": card_no,
        "RegSerNo": reg_no,
        "DepDesc": bill["DepDesc"],
        "DoctName": bill["DoctName"],
        "PatientName": patient_name,
        "Sex": bill["Sex"],
        "Age": bill["Age"],
        "FeeType": bill["FeeType"],
        "Detail": [
            {
                "Item": [
                    receipt_item(category, place_for(category))
                    for category in _mappings(detail.get("FeeCat"))
                ]
            }
            for detail in _mappings(bill.get("FeeDetail"))
        ],
    }


def receipt_item(category: Mapping[str, Any], place: Place) -> dict[str, Any]:
    """One receipt Item for a FeeCat: the place, the delivery flag, the prescription number, the lines."""
    items = _mappings(fee_items(category))
    return {
        "PhaWin": place.window,
        "Queue": place.queue,
        "Type": place.type,
        "Flag": "1" if any(item.get("IsDelivery") == "1" for item in items) else "0",
        "OrderNumber": str(category.get("Recipe", "")),
        "ItemDetail": [
            {
                "PerItemName": line["PerItemName"],
                "Specification": line["Specification"],
                "PerItemCount": line["PerItemCount"],
                "PerUnit": line["PerUnit"],
            }
            for item in items
            for line in _mappings(item.get("PerItem"))
        ],
    }


def fee_categories(bill: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every FeeCat of the bill, in the order `receipt_from_bill` asks `place_for` about them."""
    return [
        category
        for detail in _mappings(bill.get("FeeDetail"))
        for category in _mappings(detail.get("FeeCat"))
    ]


def dispenses_drugs(category: Mapping[str, Any]) -> bool:
    """True when a FeeCat has a drug line (DrugFlag "1"): the patient queues at a pharmacy window."""
    return any(
        line.get("DrugFlag") == "1"
        for item in _mappings(fee_items(category))
        for line in _mappings(item.get("PerItem"))
    )


def _mappings(value: object) -> list[Mapping[str, Any]]:
    """The objects of a JSON list (generated adversarial bills may hold other values, or no list)."""
    return [entry for entry in value if isinstance(entry, Mapping)] if isinstance(value, list) else []
