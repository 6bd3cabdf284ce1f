"""One his-mock per session for the strategies' tests, and a bearer token for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.mock import DEMO_REG_NO, login, start_mock
from tests.support.servers import RunningServer


@pytest.fixture(scope="session")
def mock() -> Iterator[RunningServer]:
    with start_mock() as server:
        yield server


@pytest.fixture(scope="session")
def token(mock: RunningServer) -> str:
    return login(mock.base_url)


def snapshot(base_url: str, token: str) -> dict[str, Any]:
    """Everything a wrongly accepted request could change: registrations, settlements, the demo bill."""
    bill = requests.post(
        f"{base_url}/api/MzSettle/GetUnSettleBillByDoctor",
        json={"RegNo": DEMO_REG_NO},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    return {
        "registrations": requests.get(f"{base_url}/__admin/registrations", timeout=10).json(),
        "settlements": requests.get(f"{base_url}/__admin/settlements", timeout=10).json(),
        "demo bill": bill,
    }
