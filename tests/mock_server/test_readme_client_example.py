"""The README's "Test your client" example runs as written (extracted from README.md, not copied)
against a mock with `lost-settle-answer`: it gets the receipt and the report passes. The same code
with a new SerialNumber on every retry fails the report with CLI-3."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.mock import DEMO_BILL_ID, DEMO_CARD_NO, DEMO_REG_NO, start_mock
from tests.support.readme import load_module, python_example
from tests.support.servers import RunningServer

SECTION = "## Test your client"
ONE_SERIAL = '"SerialNumber": uuid.uuid4().hex}'
RETRY = "        try:\n"


def readme_example() -> str:
    return python_example(SECTION)


def load_pay(tmp_path: Path, source: str) -> Callable[..., Any]:
    pay: Callable[..., Any] = load_module(tmp_path, source, "kiosk_example").pay
    return pay


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_mock() as running:
        yield running


def arm_lost_settle_answer(base: str) -> None:
    assert requests.post(f"{base}/__admin/reset", timeout=10).status_code == 200
    armed = requests.post(f"{base}/__admin/scenarios", json={"name": "lost-settle-answer"}, timeout=10)
    assert armed.status_code == 201


def test_the_example_is_fifteen_lines() -> None:
    assert len([line for line in readme_example().splitlines() if line.strip()]) <= 15


def test_the_readme_client_handles_a_lost_settlement_answer(server: RunningServer, tmp_path: Path) -> None:
    base = server.base_url
    arm_lost_settle_answer(base)
    answer = load_pay(tmp_path, readme_example())(base, DEMO_REG_NO, DEMO_CARD_NO)
    assert answer["status"] == 0
    [settlement] = requests.get(f"{base}/__admin/settlements", timeout=10).json()
    assert settlement["BILLID"] == DEMO_BILL_ID
    assert answer["response"]["CheckOutNo"] == settlement["CheckOutNo"]
    journal = requests.get(f"{base}/__admin/requests", timeout=10).json()
    faults = [entry["fault"] for entry in journal if entry["fault"]]
    assert [(fault["kind"], fault["when"], fault["scenario"]) for fault in faults] == [
        ("drop", "after", "lost-settle-answer")
    ]
    report = requests.get(f"{base}/__admin/report", timeout=10).json()
    assert report["verdict"] == "pass" and report["findings"] == []


def test_the_same_client_with_a_new_serial_per_retry_fails(server: RunningServer, tmp_path: Path) -> None:
    base = server.base_url
    arm_lost_settle_answer(base)
    example = readme_example()
    assert ONE_SERIAL in example and RETRY in example
    careless = example.replace(RETRY, '        body["SerialNumber"] = uuid.uuid4().hex\n' + RETRY, 1)
    answer = load_pay(tmp_path, careless)(base, DEMO_REG_NO, DEMO_CARD_NO)
    assert answer["status"] == 6  # "already settled": the patient was about to be charged twice
    report = requests.get(f"{base}/__admin/report", timeout=10).json()
    assert report["verdict"] == "fail"
    assert [finding["rule"] for finding in report["findings"]] == ["CLI-3"]
