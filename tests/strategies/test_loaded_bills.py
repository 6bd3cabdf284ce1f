"""The client's view: bills loaded into his-mock come back identical and settle with Money = GRZFJE3."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import requests

from conformance.cases import draw_distinct, generate_registrations, load_registrations
from conformance.strategies import settle_requests
from his_contract import check_bill, check_receipt, load_spec
from tests.support.servers import RunningServer

SPEC = load_spec()


def post(mock: RunningServer, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        mock.base_url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    envelope: dict[str, Any] = response.json()
    return envelope


@pytest.mark.slow
def test_loaded_bills_come_back_identical_and_settle(mock: RunningServer, token: str) -> None:
    registrations = generate_registrations(count=20, seed_value=6)
    assert len(registrations) == 20
    stored = load_registrations(mock.base_url, registrations)
    assert stored == [r["RegNo"] for r in registrations]
    for number, registration in enumerate(registrations):
        bill = registration["bill"]
        fetched = post(mock, token, "/api/MzSettle/GetUnSettleBillByDoctor", {"RegNo": registration["RegNo"]})
        assert fetched["status"] == 0, fetched["msg"]
        assert fetched["response"] == bill, f"registration {registration['RegNo']} came back changed"

        [body] = draw_distinct(
            settle_requests(bill, card_no=registration["CardNo"], reg_no=registration["RegNo"]),
            count=1,
            seed_value=number,
        )
        body["SerialNumber"] = f"4200{number:028d}"  # one WeChat transaction per settlement
        assert body["Money"] == bill["GRZFJE3"]
        settled = post(mock, token, "/api/MzSettle/SettleByDoctor", body)
        assert settled["status"] == 0, (
            registration["RegNo"],
            bill["GRZFJE3"],
            settled["msg"],
            settled["msgDev"],
        )
        receipt = settled["response"]
        assert SPEC.schema_validator("Receipt").is_valid(receipt) and check_receipt(receipt) == []
        assert [receipt[k] for k in ("SumFund", "SBZFJE", "GRZFJE3")] == [
            bill[k] for k in ("SumFund", "SBZFJE", "GRZFJE3")
        ]
        assert (receipt["CardNo"], receipt["RegSerNo"]) == (registration["CardNo"], registration["RegNo"])


def test_his_cases_load_prints_what_it_stored(mock: RunningServer, token: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance.cases_cli",
            "load",
            "--mock-url",
            mock.base_url,
            "--count",
            "4",
            "--seed",
            "21",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4, result.stdout
    for line in lines:
        reg_no, card_no, money, why = line.split("\t")
        fetched = post(mock, token, "/api/MzSettle/GetUnSettleBillByDoctor", {"RegNo": reg_no})
        assert fetched["status"] == 0, fetched["msg"]
        bill = fetched["response"]
        assert SPEC.schema_validator("Bill").is_valid(bill) and check_bill(bill) == []
        assert money == f"Money={bill['GRZFJE3']}" and card_no.startswith("C") and why
    assert "loaded 4 registrations" in result.stderr


def test_his_cases_load_explains_an_unreachable_mock() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance.cases_cli",
            "load",
            "--mock-url",
            "http://127.0.0.1:9",
            "--count",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot reach his-mock at http://127.0.0.1:9" in result.stderr
    assert result.stdout == ""
