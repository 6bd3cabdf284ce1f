"""Start his-mock as a real process for a test (`start_mock`), plus the demo data every test relies on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence

import requests

from tests.support.servers import RunningServer, free_port, python_module, serve

# The demo data of mock_server/fixtures/demo.yaml that tests of every package use.
DEMO_USER = "demo"
DEMO_PASSWORD = "demo"
DEMO_REG_NO = "1628214442"
DEMO_CARD_NO = "C000123456"
DEMO_BILL_ID = "B202112030001"
DEMO_MONEY = "40.92"
SELF_PAY_REG_NO = "1628214443"
HERBAL_REG_NO = "1628214444"


@contextlib.contextmanager
def start_mock(
    *,
    flavor: str = "doc",
    db: str = ":memory:",
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    timeout: float = 30.0,
) -> Iterator[RunningServer]:
    """Run `python -m mock_server` on a free port (or `port`) for the duration of the block."""
    port = port or free_port()
    argv = python_module("mock_server", "--port", str(port), "--db", db, "--flavor", flavor, *extra_args)
    with serve(argv, port=port, env=env, timeout=timeout) as server:
        yield server


def login(
    base_url: str, *, user_id: str = DEMO_USER, password: str = DEMO_PASSWORD, timeout: float = 10
) -> str:
    """A bearer token from the mock's login operation."""
    response = requests.post(
        f"{base_url}/api/Login/Token", json={"userId": user_id, "password": password}, timeout=timeout
    )
    envelope = response.json()
    assert envelope["status"] == 0, envelope
    token = envelope["response"]
    assert isinstance(token, str)
    return token


def demo_settle_body(**overrides: str) -> dict[str, str]:
    """The spec's SettleByDoctor example request (it settles the demo registration), with overrides."""
    body = {
        "CardNo": DEMO_CARD_NO,
        "RegSerNo": DEMO_REG_NO,
        "PayWay": "微信支付",
        "PayNo": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "SerialNumber": "4200001234202112031234567890",
        "Paydate": "2021-12-03",
        "Paytime": "10:15:32",
        "SERIAL_NO": "GZ2021120300123",
        "Money": DEMO_MONEY,
        "SocialSecurityCard": "440101198001011234",
        "BILLID": DEMO_BILL_ID,
    }
    body.update(overrides)
    return body
