"""Settlement receipts (结算凭条) derived from a bill, as SettleByDoctor returns them (SET-2, SEM-1/5)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from conformance.strategies.bills import bills, card_numbers, registration_numbers
from conformance.strategies.text import digits, person_names
from conformance.strategies.vocabulary import FEE_CATEGORIES, HOSPITALS, RECEIPT_PLACES, Pool
from his_contract.receipts import Hospital, Place, fee_categories, receipt_from_bill

Receipt = dict[str, Any]
_POOLS = dict(FEE_CATEGORIES)


def receipts(
    bill: Mapping[str, Any] | None = None,
    *,
    card_no: str | None = None,
    reg_no: str | None = None,
    adversarial: bool = False,
    shape: str | None = None,
) -> st.SearchStrategy[Receipt]:
    """Receipts that validate against the spec's `Receipt` schema and keep SEM-1 and SEM-5.

    The receipt repeats the bill's amounts and visit (SET-2) and lists every PerItem of the bill,
    one receipt Item per prescription (FeeCat); without `bill`, one is drawn from `bills()`.
    `card_no` and `reg_no` fix what the receipt echoes from the settlement request; `shape` draws
    the bill of one edge shape (`bills(shape=...)`), with an odd patient name only where the shape
    is about strings.
    """
    bill_strategy = st.just(dict(bill)) if bill is not None else bills(adversarial=adversarial, shape=shape)
    odd_names = adversarial if shape is None else shape in ("rare-characters", "long-strings")
    return _receipts(
        bill_strategy,
        st.just(card_no) if card_no is not None else card_numbers(),
        st.just(reg_no) if reg_no is not None else registration_numbers(),
        odd_names=odd_names,
    )


@st.composite
def _receipts(
    draw: st.DrawFn,
    bill_strategy: st.SearchStrategy[dict[str, Any]],
    card_numbers: st.SearchStrategy[str],
    reg_numbers: st.SearchStrategy[str],
    *,
    odd_names: bool,
) -> Receipt:
    bill = draw(bill_strategy)
    name, address, tel = draw(st.sampled_from(HOSPITALS))
    # The places are drawn first, FeeCat by FeeCat, then the numbers and names: the order of draws
    # (so the bytes generated for a seed) stays what it was before the receipt moved to his_contract.
    places = iter([draw(_place(category)) for category in fee_categories(bill)])
    return receipt_from_bill(
        bill,
        check_out_no=draw(digits(15, prefix="JS")),
        ser_no=draw(digits(8, prefix="FP")),
        hospital=Hospital(name=name, address=address, tel=tel),
        card_no=draw(card_numbers),
        reg_no=draw(reg_numbers),
        patient_name=draw(person_names(adversarial=odd_names)),
        place_for=lambda _category: next(places),
    )


@st.composite
def _place(draw: st.DrawFn, category: Mapping[str, Any]) -> Place:
    """Where the patient goes for a FeeCat (PhaWin) and the queue number, for its fee category."""
    pool = _POOLS.get(str(category.get("FeeCatName")), Pool.MATERIAL)
    kind, windows = RECEIPT_PLACES[pool]
    dispensed = pool in (Pool.WESTERN, Pool.PATENT, Pool.HERBAL)
    queue = draw(digits(3, prefix=draw(st.sampled_from("ABC")))) if dispensed else ""
    return Place(type=kind, window=draw(st.sampled_from(windows)), queue=queue)
