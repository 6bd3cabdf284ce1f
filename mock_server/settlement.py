"""The settlement rules (SET-1..5) and the receipt (结算凭条) a settled bill produces.

`Cashier.settle` is the only writer of settlements. The rules run on data read in one query; the
database's unique constraints decide races between concurrent calls (see `store`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from his_contract import format_amount, parse_amount
from his_contract.receipts import Hospital, Place, dispenses_drugs, receipt_from_bill
from mock_server.errors import BusinessError, InvalidInput, SettlementConflict
from mock_server.store import Settlement, SettleState, Store

# Where the patient goes after paying, by fee category (项目大类): the receipt's PhaWin.
_WINDOWS = {
    "西药": "西药房3号窗口",
    "中成药": "西药房3号窗口",
    "中草药": "中药房1号窗口",
    "检验": "检验科",
    "检查": "功能检查科",
    "治疗": "门诊治疗室",
}


def check_settle_request(request: Mapping[str, Any], state: SettleState) -> None:
    """The business rules a settlement must pass before it is recorded (status 6 otherwise)."""
    document = state.document
    bill = document["bill"]
    reg_no = document["RegNo"]
    if request["BILLID"] != bill["BILLID"]:
        raise BusinessError(
            f"账单 {request['BILLID']} 不是挂号号 {reg_no} 的待结算账单",
            f"RegSerNo={reg_no}: BILLID {request['BILLID']} != {bill['BILLID']}",
        )
    if request["CardNo"] != document["CardNo"]:
        raise BusinessError(
            f"病人卡号 {request['CardNo']} 与挂号号 {reg_no} 的病人不符",
            f"RegSerNo={reg_no}: CardNo {request['CardNo']} does not belong to this registration",
        )
    money = parse_amount(request["Money"])
    if money is None:
        raise InvalidInput(
            f"入参参数错误：Money 格式不正确，实际为 {request['Money']!r}",
            "body.Money: not an amount",
            field="$.Money",
        )
    own_share = parse_amount(bill["GRZFJE3"])
    if money != own_share:
        raise BusinessError(
            f"结算金额 {format_amount(money)} 与个人自付金额 {bill['GRZFJE3']} 不符",
            f"BILLID={bill['BILLID']}: Money {request['Money']} != GRZFJE3 {bill['GRZFJE3']}",
        )


def already_settled(bill_id: str, serial: str) -> BusinessError:
    return BusinessError(
        f"账单 {bill_id} 已结算，请勿重复缴费", f"BILLID={bill_id} settled by SerialNumber {serial}"
    )


def build_receipt(
    document: Mapping[str, Any], hospital: Hospital, *, check_out_no: str, ser_no: str
) -> dict[str, Any]:
    """The receipt of a settled registration: the bill's amounts and visit, the hospital, the dispensing."""
    return receipt_from_bill(
        document["bill"],
        card_no=document["CardNo"],
        reg_no=document["RegNo"],
        patient_name=document["PatientName"],
        hospital=hospital,
        check_out_no=check_out_no,
        ser_no=ser_no,
        place_for=_place,
    )


def _place(category: Mapping[str, Any]) -> Place:
    """The mock's dispensing: a window by fee category, a random queue number when drugs are handed out."""
    kind = category["FeeCatName"].removesuffix("费") or category["FeeCatName"]
    queue = f"A{secrets.randbelow(1000):03d}" if dispenses_drugs(category) else ""
    return Place(type=kind, window=_WINDOWS.get(kind, "门诊收费处"), queue=queue)


class Cashier:
    """Settles bills: checks the rules, records the settlement once, answers replays with the same receipt."""

    def __init__(
        self, store: Store, hospital: Hospital, *, now: Callable[[], datetime] = datetime.now
    ) -> None:
        self._store = store
        self._hospital = hospital
        self._now = now

    def settle(self, request: Mapping[str, Any]) -> str:
        """Settle the bill named by a (schema-valid) SettleByDoctor body; the receipt as JSON text."""
        reg_no = request["RegSerNo"]
        state = self._store.settle_state(reg_no)
        if state is None:
            raise BusinessError(f"未找到挂号号 {reg_no} 的挂号信息", f"RegSerNo={reg_no}: no registration")
        check_settle_request(request, state)
        serial = request["SerialNumber"]
        if state.settled_serial is not None:
            return self._replay(state, serial)
        now = self._now()
        check_out_no = f"JS{now:%Y%m%d}{secrets.randbelow(10**10):010d}"
        receipt = build_receipt(
            state.document,
            self._hospital,
            check_out_no=check_out_no,
            ser_no=f"FP{secrets.randbelow(10**10):010d}",
        )
        receipt_json = json.dumps(receipt, ensure_ascii=False, separators=(",", ":"))
        settlement = Settlement(
            bill_id=state.document["bill"]["BILLID"],
            serial_number=serial,
            reg_no=reg_no,
            check_out_no=check_out_no,
            receipt_json=receipt_json,
            created_at=f"{now:%Y-%m-%d %H:%M:%S}",
        )
        try:
            self._store.record_settlement(settlement, json.dumps(request, ensure_ascii=False))
        except SettlementConflict:
            return self._after_conflict(reg_no, serial)
        return receipt_json

    def _replay(self, state: SettleState, serial: str) -> str:
        """SET-3 / SET-4: the same payment gets the same receipt; another payment is refused."""
        if state.settled_serial == serial and state.settled_receipt is not None:
            return state.settled_receipt
        raise already_settled(state.document["bill"]["BILLID"], str(state.settled_serial))

    def _after_conflict(self, reg_no: str, serial: str) -> str:
        """Another call won the race for this bill, or the payment already settled another bill."""
        state = self._store.settle_state(reg_no)
        if state is not None and state.settled_serial is not None:
            return self._replay(state, serial)
        other = self._store.settlement_by_serial(serial)
        bill = other.bill_id if other is not None else "另一张账单"
        raise BusinessError(
            f"交易流水号 {serial} 已用于结算账单 {bill}，不能重复使用",
            f"SerialNumber={serial} already settled BILLID {bill}",
        )
