"""The fields of the hospital's document, transcribed table by table (seed document, 2021-12-03).

This is the independent record the field-inventory test compares `openapi.yaml` against: when a
field is renamed or dropped in the spec, the inventory says which one and where.
`True` means required (是否必须 是, or a response field, which the contract requires), `False`
optional.
"""

from __future__ import annotations

LOGIN_REQUEST = {"userId": True, "password": False}
ENVELOPE = {"status": True, "isSuccess": True, "msg": True, "msgDev": True, "response": True}

BILL_REQUEST = {"RegNo": True}
BILL = {
    name: True
    for name in (
        "SumFund SBZFJE GRZFJE3 SERIAL_NO Date DepDesc DoctName Sex Age FeeType "
        "MedicalTreatment BILLID BILLSTATUS FeeDetail"
    ).split()
}
FEE_DETAIL = {"FeeCat": True}
FEE_CAT = {"Recipe": True, "FeeCatName": True, "items": True}
FEE_ITEM = {
    name: True
    for name in (
        "SumPrice Delivery Decoction IsDelivery IsDecoction ZYTS DeliveryFeeFlag Remark PerItem"
    ).split()
}
PER_ITEM = {
    name: True for name in "PerItemName DrugFlag Specification PerItemCount PerPrice Price PerUnit".split()
}

SETTLE_REQUEST = {
    "CardNo": True,
    "RegSerNo": True,
    "PayWay": True,
    "PayNo": True,
    "SerialNumber": True,
    "Paydate": True,
    "Paytime": True,
    "SERIAL_NO": False,
    "Money": True,
    "SocialSecurityCard": False,
    "BILLID": True,
}
RECEIPT = {
    name: True
    for name in (
        "SumFund SBZFJE GRZFJE3 CheckOutNo SerNo HospitalName HospitalAdd HospitalTel Date CardNo "
        "RegSerNo DepDesc DoctName PatientName Sex Age FeeType Detail"
    ).split()
}
RECEIPT_DETAIL = {"Item": True}
RECEIPT_ITEM = {name: True for name in "PhaWin Queue Type Flag OrderNumber ItemDetail".split()}
RECEIPT_ITEM_DETAIL = {name: True for name in "PerItemName Specification PerItemCount PerUnit".split()}
