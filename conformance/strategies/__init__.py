"""Hypothesis strategies for the HIS contract: valid, adversarial and broken-in-one-way cases.

Schema-only generators cannot keep a bill's arithmetic; these build bills bottom-up so that every
generated bill and receipt validates against `openapi.yaml` and keeps SEM-1..5, with exact
`Decimal` money. Use them in your own property-based tests::

    from hypothesis import given
    from conformance.strategies import bills, settle_requests

    @given(bills(adversarial=True).flatmap(lambda bill: settle_requests(bill)))
    def test_my_client_pays_the_patients_share(request):
        ...

`invalid_requests(operation)` breaks a valid request in exactly one way and says which
(`InvalidRequest.breakage`, `.field`, `.reason`); a server must answer each with status 5 (an
empty required string is edge input, `.edge_input`: any non-zero status, 5 recommended).
`breakage_pairs(operation)` lists every (breakage, field) there is and `break_request` applies one.
`invalid_responses(operation)` breaks a success envelope against exactly one rule, for clients.
"""

from __future__ import annotations

from conformance.strategies.bills import (
    EDGE_SHAPES,
    bills,
    card_numbers,
    registration_numbers,
    registrations,
    social_security_cards,
)
from conformance.strategies.invalid import (
    Breakage,
    InvalidRequest,
    break_request,
    breakage_pairs,
    invalid_requests,
    valid_bodies,
    variant_count,
)
from conformance.strategies.receipts import receipts
from conformance.strategies.requests import (
    bill_requests,
    edge_requests,
    login_requests,
    request_shapes,
    settle_requests,
)
from conformance.strategies.responses import (
    LOGIN_SHAPES,
    InvalidResponse,
    envelopes,
    invalid_responses,
    tokens,
)
from conformance.strategies.text import person_names

__all__ = [
    "EDGE_SHAPES",
    "Breakage",
    "InvalidRequest",
    "InvalidResponse",
    "LOGIN_SHAPES",
    "bill_requests",
    "bills",
    "break_request",
    "breakage_pairs",
    "card_numbers",
    "edge_requests",
    "envelopes",
    "invalid_requests",
    "invalid_responses",
    "login_requests",
    "person_names",
    "receipts",
    "registration_numbers",
    "registrations",
    "request_shapes",
    "settle_requests",
    "social_security_cards",
    "tokens",
    "valid_bodies",
    "variant_count",
]
