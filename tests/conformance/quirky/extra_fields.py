"""Undocumented extra fields in the envelope and in bill and receipt objects (a trace id, a URL ...).

The document lists the fields a client reads; it does not forbid more (SCH-1 checks the
documented ones are there with their types).
"""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()


class ExtraFields(CorrectHis):
    def envelope(
        self, status: int, msg: str, response: Any = None, msg_dev: str | None = None
    ) -> dict[str, Any]:
        document = super().envelope(status, msg, response, msg_dev)
        document["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00"
        document["timestamp"] = 1638497732
        return document

    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill = super().present_bill(bill)
        bill["HospitalCode"] = "440100001"
        bill["FeeDetail"][0]["FeeCat"][0]["DeptCode"] = "0301"
        bill["FeeDetail"][0]["FeeCat"][0]["items"][0]["PerItem"][0]["InsuranceCode"] = "XJ01CAA"
        return bill

    def receipt(self, body: dict[str, Any], bill: dict[str, Any]) -> dict[str, Any]:
        receipt = super().receipt(body, bill)
        receipt["InvoiceUrl"] = "https://einvoice.example.org/FP0001"
        receipt["Detail"][0]["Item"][0]["WindowOpens"] = "08:00"
        return receipt


if __name__ == "__main__":
    serve_forever(ExtraFields)
