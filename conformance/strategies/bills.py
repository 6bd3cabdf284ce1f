"""Bills (试算信息) and registrations, built bottom-up so SEM-1..5 hold by construction.

A bill is assembled from its lines upwards: a line's `PerPrice` is `Price * PerItemCount` rounded
to the cent, an item's `SumPrice` is the exact sum of its lines, `SumFund` the exact sum of the
items, and the insured and personal shares are cut out of `SumFund` in whole cents. Nothing is
computed top-down, so there is no rounding residue to hide and no filter to reject examples,
and every draw is an integer, a choice from a list or a list length, which Hypothesis shrinks well
(towards one category, one item, one line, the first drug in the catalogue, the smallest count).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from hypothesis import strategies as st

from conformance.strategies.text import TextStyle, digits, odd_texts, person_names, styled_texts
from conformance.strategies.vocabulary import (
    BILL_STATUSES,
    BILLABLES,
    DECOCTION_FEE,
    DEPARTMENTS,
    FEE_CATEGORIES,
    HERBAL_CATEGORY,
    INSURED_FEE_TYPES,
    INSURED_TREATMENTS,
    ODD_SEXES,
    RECIPE_PREFIXES,
    REMARKS,
    SELF_PAY_FEE_TYPE,
    SELF_PAY_TREATMENTS,
    SEXES,
    Billable,
    Pool,
)
from his_contract.money import format_amount

CENT = Decimal("0.01")
# Shares of SumFund that medical insurance (统筹) typically pays in Guangzhou outpatient care.
INSURED_RATES = (
    Decimal("0.70"),
    Decimal("0.80"),
    Decimal("0.60"),
    Decimal("0.90"),
    Decimal("0.50"),
    Decimal(0),
)
USUAL_RATES = INSURED_RATES[:-1]
# Doses (剂数, ZYTS) of a herbal prescription; 7 first, so a shrunk example is the classic week.
HERBAL_DOSES = (7, 3, 5, 14, 1, 10)
GRAMS_PER_DOSE = (10, 15, 6, 9, 12, 3, 20, 30)
MANY_LINES = 60
FORTY = len(FEE_CATEGORIES)
VISIT_FROM = datetime(2021, 1, 1)
VISIT_TO = datetime(2030, 12, 31, 23, 59, 59)
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

Bill = dict[str, Any]


@functools.cache
def bills(
    *, self_pay: bool | None = None, adversarial: bool = False, shape: str | None = None
) -> st.SearchStrategy[Bill]:
    """Unsettled bills that validate against the spec's `Bill` schema and keep SEM-1..5.

    `self_pay` fixes the payer (True: FeeType 自费 and SBZFJE 0.00; False: insured; None: either).
    `adversarial` switches from everyday bills to the edge cases that break clients, one per bill
    so that none of them crowds out the others (`EDGE_SHAPES`, drawn uniformly): all forty fee
    categories, a 7-dose herbal prescription with its 代煎 fee line, sixty to 180 lines in one item,
    an account payment, 4-decimal unit prices, rare characters, very long strings, quotes and
    control characters, odd counts and ages, many fee groups, insurance extremes and zero-amount
    bills. Everything else about such a bill is everyday, and self-pay is a minority payer.
    `shape` (one of `EDGE_SHAPES`) draws edge bills of that shape only.
    """
    if shape is not None:
        if shape not in EDGE_SHAPES:
            raise ValueError(f"unknown edge shape {shape!r}; choose one of {', '.join(EDGE_SHAPES)}")
        return _edge_shape(shape, self_pay)
    if not adversarial:
        return _bills(payer=_payer(self_pay, edge=False), fee_detail=_fee_details())
    shapes = [_edge_shape(shape, self_pay) for shape in EDGE_SHAPES]
    # One shape first, uniformly, then its details: one_of would favour its first branch.
    return st.sampled_from(shapes).flatmap(lambda shape: shape)


# The edge shapes of `bills(adversarial=True)`, each an everyday bill but for one thing.
# Hypothesis draws the first shape more often than the others: a small, cheap one comes first.
EDGE_SHAPES = (
    "account-payment",
    "four-decimal-prices",
    "forty-categories",
    "herbal-decoction",
    "many-lines",
    "rare-characters",
    "long-strings",
    "nasty-strings",
    "odd-counts",
    "many-groups",
    "insurance-extremes",
    "zero-amount",
)


def _payer(self_pay: bool | None, *, edge: bool) -> st.SearchStrategy[bool]:
    """Whether the patient pays everything (自费): given, or drawn (one in ten on edge bills)."""
    if self_pay is not None:
        return st.just(self_pay)
    # True last: Hypothesis draws the first element of a sampled_from more often than the others.
    return st.sampled_from((*[False] * 9, True)) if edge else st.booleans()


def _edge_shape(shape: str, self_pay: bool | None) -> st.SearchStrategy[Bill]:
    payer = _payer(self_pay, edge=True)

    def edge_bill(fee_detail: st.SearchStrategy[list[Bill]], **knobs: Any) -> st.SearchStrategy[Bill]:
        # "Insurance pays nothing" is the insurance-extremes shape's, not every shape's.
        return _bills(payer=knobs.pop("payer", payer), fee_detail=fee_detail, rates=USUAL_RATES, **knobs)

    one_group = _fee_details(lines=LineStyle.PLAIN, groups=(1, 1))
    if shape == "forty-categories":
        return edge_bill(_forty_categories())
    if shape == "herbal-decoction":
        return edge_bill(_herbal_with_decoction())
    if shape == "many-lines":
        return edge_bill(_many_lines())
    if shape == "account-payment":
        return edge_bill(one_group, shares="account")
    if shape == "four-decimal-prices":
        return edge_bill(_fee_details(lines=LineStyle.FOUR_DECIMAL_PRICES, groups=(1, 1)))
    if shape in ("rare-characters", "long-strings", "nasty-strings"):
        style = TextStyle(shape.split("-")[0])
        return edge_bill(_fee_details(lines=LineStyle.PLAIN, text=style, groups=(1, 1)), text=style)
    if shape == "odd-counts":
        return edge_bill(_fee_details(lines=LineStyle.ODD_COUNTS, groups=(1, 1)), odd_people=True)
    if shape == "many-groups":
        return edge_bill(_fee_details(lines=LineStyle.PLAIN, groups=(2, 3), categories=8))
    if shape == "insurance-extremes":
        return edge_bill(one_group, shares="extreme", payer=st.just(False) if self_pay is None else payer)
    # Zero-amount bills: a free registration, self-pay or insured alike.
    return _zero_amount_bills(st.booleans() if self_pay is None else payer)


@functools.cache
def registrations(
    *, self_pay: bool | None = None, adversarial: bool = False, shape: str | None = None
) -> st.SearchStrategy[Bill]:
    """Registrations in his-mock's fixtures format: RegNo, CardNo, PatientName, optional
    SocialSecurityCard, and the unsettled `bill` (of one edge `shape`, if given)."""
    return st.fixed_dictionaries(
        {
            "RegNo": registration_numbers(),
            "CardNo": card_numbers(),
            "PatientName": person_names(adversarial=adversarial),
            "bill": bills(self_pay=self_pay, adversarial=adversarial, shape=shape),
        },
        optional={"SocialSecurityCard": social_security_cards()},
    )


@functools.cache
def registration_numbers() -> st.SearchStrategy[str]:
    """挂号号: ten digits, as in the document's example 1628214442."""
    return st.integers(min_value=10**9, max_value=10**10 - 1).map(str)


@functools.cache
def card_numbers() -> st.SearchStrategy[str]:
    """病人卡号 (the hospital's patient card): C and nine digits, as in the demo's C000123456."""
    return digits(9, prefix="C")


@functools.cache
def social_security_cards() -> st.SearchStrategy[str]:
    """社保卡号: an 18-character resident id with a correct check character (X included)."""
    return st.builds(
        _resident_id,
        st.sampled_from(("440101", "440103", "440104", "440106", "440111", "445122", "110105")),
        st.dates(min_value=datetime(1930, 1, 1).date(), max_value=datetime(2024, 12, 31).date()),
        st.integers(min_value=0, max_value=999),
    )


def split_total(total: Decimal, insured: Decimal, own: Decimal | None = None) -> tuple[str, str, str]:
    """SumFund, SBZFJE, GRZFJE3 as the bill writes them; the patient pays the rest unless `own` says."""
    if own is None:
        own = total - insured
    return format_amount(total), format_amount(insured), format_amount(own)


def line(billable: Billable, count: Decimal, price: Decimal | None = None, *, style: int = 0) -> Bill:
    """One PerItem: PerPrice is Price * PerItemCount rounded half up to the cent (SEM-4 by construction)."""
    unit_price = billable.price if price is None else price
    return {
        "PerItemName": billable.name,
        "DrugFlag": "1" if billable.drug else "0",
        "Specification": billable.specification,
        "PerItemCount": _plain(count),
        "PerPrice": format_amount(unit_price * count),
        "Price": _price_text(unit_price, style),
        "PerUnit": billable.unit,
    }


def item(
    lines: Sequence[Mapping[str, Any]],
    *,
    delivery: tuple[str, str, str, str] = ("0", "0", "0", "0"),
    doses: int = 0,
    decoction_fee: bool = False,
    remark: str = "",
) -> Bill:
    """One fee item: SumPrice is the exact sum of its lines' PerPrice (SEM-3 by construction).

    `delivery` is (Delivery, Decoction, IsDelivery, IsDecoction): offered, offered, chosen, chosen.
    """
    return {
        "SumPrice": format_amount(sum((Decimal(str(p["PerPrice"])) for p in lines), Decimal(0))),
        "Delivery": delivery[0],
        "Decoction": delivery[1],
        "IsDelivery": delivery[2],
        "IsDecoction": delivery[3],
        "ZYTS": str(doses),
        "DeliveryFeeFlag": "1" if decoction_fee else "0",
        "Remark": remark,
        "PerItem": list(lines),
    }


def bill_total(fee_detail: Sequence[Mapping[str, Any]]) -> Decimal:
    """The exact sum of every item's SumPrice (what SumFund must be, SEM-2)."""
    return sum(
        (Decimal(i["SumPrice"]) for detail in fee_detail for cat in detail["FeeCat"] for i in cat["items"]),
        Decimal(0),
    )


# --- lines and items -------------------------------------------------------------------------


class LineStyle(StrEnum):
    """How a bill's lines stray from the everyday (one edge shape each)."""

    EVERYDAY = "everyday"  # the catalogue as it is (some unit prices have 4 decimals)
    PLAIN = "plain"  # catalogue entries priced in whole cents only: the baseline of edge shapes
    FOUR_DECIMAL_PRICES = "four-decimal-prices"  # unit prices with sub-cent digits: PerPrice is rounded
    ODD_COUNTS = "odd-counts"  # fractional or zero PerItemCount


@functools.cache
def _billables(pool: Pool, style: LineStyle) -> tuple[Billable, ...]:
    """The catalogue of `pool`; for edge shapes only what is priced in whole cents (so a rounded
    PerPrice is the four-decimal shape's feature, not every bill's), unless nothing is."""
    if style is LineStyle.EVERYDAY:
        return BILLABLES[pool]
    whole_cents = tuple(b for b in BILLABLES[pool] if b.price == b.price.quantize(CENT))
    return whole_cents if len(whole_cents) >= 3 else BILLABLES[pool]


@functools.cache
def _four_decimal_prices() -> st.SearchStrategy[Decimal]:
    # 0.0001 .. 999.9999 yuan, never a whole number of cents: Price × PerItemCount needs rounding.
    return st.tuples(st.integers(min_value=0, max_value=99_999), st.integers(min_value=1, max_value=99)).map(
        lambda parts: Decimal(parts[0] * 100 + parts[1]).scaleb(-4)
    )


@functools.cache
def _counts(style: LineStyle) -> st.SearchStrategy[Decimal]:
    if style is not LineStyle.ODD_COUNTS:
        return st.integers(min_value=1, max_value=6).map(Decimal)
    return st.one_of(
        st.integers(min_value=1, max_value=9999)
        .filter(lambda n: n % 100)
        .map(lambda n: Decimal(n).scaleb(-2)),  # 0.01 .. 99.99, never whole
        st.just(Decimal(0)),
    )


@functools.cache
@st.composite
def _lines(
    draw: st.DrawFn,
    pool: Pool,
    *,
    style: LineStyle = LineStyle.EVERYDAY,
    text: TextStyle | None = None,
    min_size: int = 1,
    max_size: int = 5,
) -> list[Bill]:
    """A list of PerItem lines from one pool."""
    out = []
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    for _ in range(size):
        billable = draw(st.sampled_from(_billables(pool, style)))
        count = draw(_counts(style))
        price = draw(_four_decimal_prices()) if style is LineStyle.FOUR_DECIMAL_PRICES else billable.price
        if text is not None:
            billable = Billable(
                draw(styled_texts((billable.name,), text)),
                draw(styled_texts((billable.specification,), text)),
                draw(styled_texts((billable.unit,), text)),
                billable.price,
                billable.drug,
            )
        out.append(line(billable, count, price, style=draw(st.integers(min_value=0, max_value=2))))
    return out


@functools.cache
@st.composite
def _plain_items(
    draw: st.DrawFn, pool: Pool, *, style: LineStyle, text: TextStyle | None, lines: int = 5
) -> list[Bill]:
    items = []
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        drawn = draw(_lines(pool, style=style, text=text, max_size=lines))
        deliverable = pool in (Pool.WESTERN, Pool.PATENT) and draw(st.booleans())
        delivered = deliverable and draw(st.booleans())
        delivery = ("1" if deliverable else "0", "0", "1" if delivered else "0", "0")
        remark = draw(styled_texts(REMARKS, text))
        items.append(item(drawn, delivery=delivery, remark=remark))
    return items


@functools.cache
@st.composite
def _herbal_items(
    draw: st.DrawFn,
    *,
    style: LineStyle = LineStyle.EVERYDAY,
    decoction: bool | None = None,
    doses: int | None = None,
) -> list[Bill]:
    """A herbal prescription (中草药) of ZYTS doses; with 代煎 its decoction fee is a separate line
    flagged DeliveryFeeFlag 1 (DOMAIN.md)."""
    if doses is None:
        doses = draw(st.sampled_from(HERBAL_DOSES))
    herbs = draw(
        st.lists(
            st.sampled_from(_billables(Pool.HERBAL, style)),
            min_size=3,
            max_size=12,
            unique_by=lambda b: b.name,
        )
    )
    lines = [
        line(herb, Decimal(draw(st.sampled_from(GRAMS_PER_DOSE)) * doses), style=draw(st.integers(0, 2)))
        for herb in herbs
    ]
    decocted = draw(st.booleans()) if decoction is None else decoction
    delivered = draw(st.booleans())
    flags = ("1", "1", "1" if delivered else "0", "1" if decocted else "0")
    remark = f"每日一剂，水煎分两次温服，共{doses}剂"
    items = [item(lines, delivery=flags, doses=doses, remark=remark)]
    if decocted:
        fee = line(DECOCTION_FEE, Decimal(doses))
        items.append(item([fee], delivery=flags, doses=doses, decoction_fee=True, remark="代煎费"))
    return items


@functools.cache
@st.composite
def _category(
    draw: st.DrawFn,
    name: str,
    pool: Pool,
    *,
    style: LineStyle = LineStyle.EVERYDAY,
    text: TextStyle | None = None,
    decoction: bool | None = None,
    doses: int | None = None,
    lines: int = 5,
) -> Bill:
    if pool is Pool.HERBAL:
        items = draw(_herbal_items(style=style, decoction=decoction, doses=doses))
    else:
        items = draw(_plain_items(pool, style=style, text=text, lines=lines))
    recipe = draw(digits(12, prefix=RECIPE_PREFIXES[pool]))
    if text is TextStyle.NASTY:
        recipe = draw(st.one_of(st.just(recipe), st.just("")))
    return {"Recipe": recipe, "FeeCatName": name, "items": items}


@functools.cache
@st.composite
def _fee_details(
    draw: st.DrawFn,
    *,
    lines: LineStyle = LineStyle.EVERYDAY,
    text: TextStyle | None = None,
    groups: tuple[int, int] = (1, 2),
    categories: int = 5,
) -> list[Bill]:
    """FeeDetail groups (`groups`: how many, at least and at most) of up to `categories` categories."""
    drawn_categories = st.lists(
        st.sampled_from(FEE_CATEGORIES), min_size=1, max_size=categories, unique_by=lambda c: c[0]
    )
    details = []
    for _ in range(draw(st.integers(min_value=groups[0], max_value=groups[1]))):
        drawn = [draw(_category(name, pool, style=lines, text=text)) for name, pool in draw(drawn_categories)]
        details.append({"FeeCat": drawn})
    return details


@functools.cache
def _forty_categories() -> st.SearchStrategy[list[Bill]]:
    """One FeeDetail with every one of the forty fee categories, one short item each."""
    return st.tuples(*(_category(n, p, style=LineStyle.PLAIN, lines=2) for n, p in FEE_CATEGORIES)).map(
        lambda cats: [{"FeeCat": list(cats)}]
    )


@functools.cache
def _herbal_with_decoction() -> st.SearchStrategy[list[Bill]]:
    pool = dict(FEE_CATEGORIES)[HERBAL_CATEGORY]
    # The issue's own example: a 7-dose (7剂) prescription with its 代煎 fee line.
    herbal = _category(HERBAL_CATEGORY, pool, style=LineStyle.PLAIN, decoction=True, doses=7)
    return herbal.map(lambda cat: [{"FeeCat": [cat]}])


@functools.cache
@st.composite
def _many_lines(draw: st.DrawFn) -> list[Bill]:
    drawn = draw(_lines(Pool.WESTERN, style=LineStyle.PLAIN, min_size=MANY_LINES, max_size=MANY_LINES * 3))
    recipe = draw(digits(12, prefix="R"))
    return [{"FeeCat": [{"Recipe": recipe, "FeeCatName": "西药费", "items": [item(drawn)]}]}]


@functools.cache
def _zero_amount_bills(payer: st.SearchStrategy[bool]) -> st.SearchStrategy[Bill]:
    """A bill whose every line is free (挂号费 0.00), or that has no lines at all; self-pay or not."""
    free = Billable("挂号费（免收）", "", "次", Decimal(0), False)
    with_lines = [
        {"FeeCat": [{"Recipe": "", "FeeCatName": "挂号费", "items": [item([line(free, Decimal(1))])]}]}
    ]
    fee_detail = st.sampled_from((with_lines, [])).map(copy.deepcopy)
    return _bills(payer=payer, fee_detail=fee_detail)


# --- the bill ----------------------------------------------------------------------------------


@functools.cache
@st.composite
def _bills(
    draw: st.DrawFn,
    *,
    payer: st.SearchStrategy[bool],
    fee_detail: st.SearchStrategy[list[Bill]],
    shares: str = "everyday",
    rates: tuple[Decimal, ...] = INSURED_RATES,
    text: TextStyle | None = None,
    odd_people: bool = False,
) -> Bill:
    """A bill around `fee_detail`. `shares`: everyday (insurance pays a usual rate), `account` (part
    paid from a personal account: GRZFJE3 < SumFund - SBZFJE) or `extreme` (insurance pays nothing,
    or everything); `text` gives the header's strings one style of trouble; `odd_people` odd ages
    and sexes."""
    paying_self = draw(payer)
    details = draw(fee_detail)
    total = bill_total(details)
    cents = int(total / CENT)
    if paying_self:
        insured = Decimal(0)
    elif shares == "extreme":
        insured = draw(st.sampled_from((Decimal(0), total)))
    else:
        insured = (total * draw(st.sampled_from(rates))).quantize(CENT, rounding=ROUND_HALF_UP)
    own = None
    remaining = cents - int(insured / CENT)
    if shares == "account" and remaining >= 2:
        # Part of the bill paid from a personal account or borne by the hospital: GRZFJE3 is then
        # less than SumFund - SBZFJE, which SEM-1 allows and naive clients do not expect.
        own = Decimal(draw(st.integers(min_value=1, max_value=remaining - 1))) * CENT
    sum_fund, sbzfje, grzfje3 = split_total(total, insured, own)
    visit = draw(st.datetimes(min_value=VISIT_FROM, max_value=VISIT_TO))
    serial = "" if paying_self else "GZ" + visit.strftime("%Y%m%d") + draw(digits(5))
    department = draw(styled_texts(DEPARTMENTS, text))
    doctor = draw(person_names())
    if text is not None:
        doctor = draw(odd_texts(doctor, text))  # the shape's trouble, always somewhere in the bill
    return {
        "SumFund": sum_fund,
        "SBZFJE": sbzfje,
        "GRZFJE3": grzfje3,
        "SERIAL_NO": serial,
        "Date": visit.strftime(DATE_FORMAT),
        "DepDesc": department,
        "DoctName": doctor,
        "Sex": draw(st.sampled_from(SEXES + ODD_SEXES) if odd_people else st.sampled_from(SEXES)),
        "Age": draw(_ages(odd=odd_people)),
        "FeeType": SELF_PAY_FEE_TYPE if paying_self else draw(st.sampled_from(INSURED_FEE_TYPES)),
        "MedicalTreatment": draw(st.sampled_from(SELF_PAY_TREATMENTS if paying_self else INSURED_TREATMENTS)),
        "BILLID": "B" + visit.strftime("%Y%m%d") + draw(digits(4)),
        "BILLSTATUS": draw(st.sampled_from(BILL_STATUSES)),
        "FeeDetail": details,
    }


@functools.cache
def _ages(*, odd: bool) -> st.SearchStrategy[str]:
    years = st.integers(min_value=1, max_value=99).map(lambda n: f"{n}岁")
    if not odd:
        return years
    return st.one_of(
        st.integers(min_value=0, max_value=30).map(lambda n: f"{n}天"),
        st.integers(min_value=1, max_value=11).map(lambda n: f"{n}月"),
        st.sampled_from(("2岁3月", "120岁", "45", "")),
    )


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 2, 12.5, 0.01."""
    return format(value.normalize(), "f") if value else "0"


def _price_text(price: Decimal, style: int) -> str:
    """The same price written as HIS systems do: 18.5000, 18.50 or 18.5 (always exact)."""
    if style == 0:
        return f"{price:.4f}"
    if style == 1 and price == price.quantize(CENT):
        return f"{price:.2f}"
    return _plain(price)


def _resident_id(region: str, birth: Any, sequence: int) -> str:
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
