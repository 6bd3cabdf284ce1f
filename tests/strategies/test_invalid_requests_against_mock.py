"""Every generated invalid request is refused by a running his-mock with status 5, changing nothing."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.strategies import Breakage, InvalidRequest, invalid_requests
from his_contract import load_spec
from tests.strategies.conftest import snapshot
from tests.support.mock import DEMO_PASSWORD, DEMO_REG_NO, DEMO_USER, demo_settle_body
from tests.support.servers import RunningServer

# Bodies the mock would accept if it ignored the breakage: the demo user, bill and settlement.
# A mock that let a breakage through would answer 0 (and, for the settlement, settle the bill).
REAL_BASES: dict[str, dict[str, Any]] = {
    "login": {"userId": DEMO_USER, "password": DEMO_PASSWORD},
    "getUnSettleBillByDoctor": {"RegNo": DEMO_REG_NO},
    "getUnpayBillByDoctorAlias": {"RegNo": DEMO_REG_NO},
    "settleByDoctor": demo_settle_body(),
}
NAN_LITERAL = "the body is not JSON: a NaN literal"


def send(mock: RunningServer, token: str, case: InvalidRequest) -> requests.Response:
    headers = {**case.headers, "Authorization": f"Bearer {token}"}
    return requests.post(mock.base_url + case.path, data=case.body, headers=headers, timeout=10)


def assert_refused(mock: RunningServer, token: str, case: InvalidRequest) -> None:
    before = snapshot(mock.base_url, token)
    response = send(mock, token, case)
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
    envelope = response.json()
    assert envelope["status"] == case.expected_status, (
        f"{case.operation}: {case.breakage} {case.field}: {case.reason}\nbody: {case.body[:300]!r}\n"
        f"answer: {envelope}"
    )
    assert envelope["isSuccess"] is False and envelope["response"] is None
    assert snapshot(mock.base_url, token) == before, f"the store changed after {case.reason}"


@pytest.mark.parametrize("operation", sorted(REAL_BASES))
def test_mock_refuses_every_breakage_of_a_real_request(
    mock: RunningServer, token: str, operation: str
) -> None:
    @settings(max_examples=40, database=None)
    @given(invalid_requests(operation, base=REAL_BASES[operation]))
    def refused(case: InvalidRequest) -> None:
        assert_refused(mock, token, case)

    refused()


@settings(max_examples=30)
@given(st.sampled_from(("login", "getUnSettleBillByDoctor", "settleByDoctor")).flatmap(invalid_requests))
def test_mock_refuses_breakages_of_generated_requests(
    mock: RunningServer, token: str, case: InvalidRequest
) -> None:
    assert_refused(mock, token, case)


def test_mock_refuses_a_nan_literal(mock: RunningServer, token: str) -> None:
    cases: list[InvalidRequest] = []

    @settings(max_examples=200, database=None, derandomize=True)
    @given(invalid_requests("getUnSettleBillByDoctor", base=REAL_BASES["getUnSettleBillByDoctor"]))
    def collect(case: InvalidRequest) -> None:
        if case.reason == NAN_LITERAL and not cases:
            cases.append(case)

    collect()
    assert cases and cases[0].breakage is Breakage.MALFORMED_JSON
    assert_refused(mock, token, cases[0])


def test_every_breakage_kind_is_generated_for_settlement() -> None:
    kinds: set[Breakage] = set()
    fields: set[str | None] = set()

    @settings(max_examples=150, database=None, derandomize=True)
    @given(invalid_requests("settleByDoctor", base=REAL_BASES["settleByDoctor"]))
    def look(case: InvalidRequest) -> None:
        kinds.add(case.breakage)
        fields.add(case.field)
        if case.breakage not in (Breakage.MALFORMED_JSON, Breakage.EMPTY_BODY):
            assert not load_spec().request_validator("settleByDoctor").is_valid(case.json())

    look()
    assert kinds == set(Breakage)
    assert "Money" in fields
