"""`--mock` logs in and reads the bill with the demo data his-mock really loads (one source, kept honest)."""

from __future__ import annotations

from pathlib import Path

import yaml

import mock_server
from conformance.mockrun import MOCK_CARD_NO, MOCK_PASSWORD, MOCK_REG_NO, MOCK_USER_ID


def test_the_mock_run_uses_the_first_user_and_registration_of_the_demo_fixtures() -> None:
    demo = yaml.safe_load((Path(mock_server.__file__).parent / "fixtures" / "demo.yaml").read_text("utf-8"))
    user, registration = demo["users"][0], demo["registrations"][0]

    assert (user["userId"], user["password"]) == (MOCK_USER_ID, MOCK_PASSWORD)
    assert (registration["RegNo"], registration["CardNo"]) == (MOCK_REG_NO, MOCK_CARD_NO)
