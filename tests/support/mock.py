"""Start his-mock as a real process for a test (`start_mock`), plus the demo data every test relies on."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests

from conformance.mockrun import MOCK_CARD_NO, MOCK_PASSWORD, MOCK_REG_NO, MOCK_USER_ID
from his_contract import Spec, check_bill, check_receipt
from tests.support.servers import RunningServer, free_port, python_module, serve

# The demo data of mock_server/fixtures/demo.yaml that tests of every package use: the login and
# registration are the ones `his-conformance --mock` uses (one source, checked against the
# fixtures file by tests/conformance/test_mockrun.py).
DEMO_USER = MOCK_USER_ID
DEMO_PASSWORD = MOCK_PASSWORD
DEMO_REG_NO = MOCK_REG_NO
DEMO_CARD_NO = MOCK_CARD_NO
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
        _wait_until_ready(server, timeout)
        yield server


# his-mock's line once every worker serves. The port accepts before that (the supervisor binds it
# and its backlog holds connections while the workers start), so a test waits for the line.
READY_LINE = "his-mock listening on "


def _wait_until_ready(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while READY_LINE not in server.log():
        if server.process.poll() is not None:
            raise AssertionError(f"his-mock exited with {server.process.returncode}:\n{server.log()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"his-mock was not ready within {timeout:g} s:\n{server.log()[-3000:]}")
        time.sleep(0.02)


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


def response_problems(spec: Spec, flavor: str, response: requests.Response) -> list[str]:
    """Why a response of a documented operation does not keep the spec (or the flavor's documented
    deviations for `aspnet`); empty when it does. Responses of other paths (admin, docs) are not judged.
    """
    path = urlsplit(response.request.url or "").path
    operation = spec.operation_for_path(path)
    if operation is None:
        return []
    content_type = response.headers.get("Content-Type", "")
    if flavor == "aspnet" and response.status_code == 400:
        if not content_type.startswith("application/problem+json"):
            return [f"aspnet 400 must be application/problem+json, got {content_type!r}"]
        problem = response.json()
        ok = problem.get("status") == 400 and isinstance(problem.get("title"), str) and problem.get("errors")
        return [] if ok else [f"aspnet 400 is not a ProblemDetails document: {problem}"]
    if response.status_code >= 500:
        return [f"HTTP {response.status_code} from a documented operation (ENV-5)"]
    expected_types = ("application/json", "text/plain") if flavor == "aspnet" else ("application/json",)
    if not content_type.startswith(expected_types):
        return [f"Content-Type {content_type!r} is not one of {expected_types} (ENV-1)"]
    try:
        envelope = json.loads(response.content)
    except ValueError as exc:
        return [f"body is not JSON ({exc}): {response.text[:200]!r} (ENV-1)"]
    if content_type.startswith("text/plain") or response.status_code in (401, 405):
        if response.status_code == 401 and flavor != "aspnet":
            return ["HTTP 401 from the doc flavor, which answers auth failures with HTTP 200"]
        validator = spec.schema_validator("ErrorEnvelope")
    elif response.status_code == 200:
        validator = spec.response_validator(operation.operation_id)
    else:
        return [f"unexpected HTTP {response.status_code}"]
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
        for e in validator.iter_errors(envelope)
    ]
    if not problems and envelope.get("status") == 0 and isinstance(envelope.get("response"), dict):
        check = check_receipt if operation.operation_id == "settleByDoctor" else check_bill
        problems = [f"{v.rule_id} at {v.location}: {v.message}" for v in check(envelope["response"])]
    return problems


class SpecCheckedSession(requests.Session):
    """A `requests.Session` that fails (AssertionError) on any response breaking the spec.

    Every test that talks to the mock through it asserts, on the side, that every response the mock
    sent validates against `openapi.yaml` (SCH-1, ENV-*) and keeps SEM-1..5.
    """

    def __init__(self, spec: Spec, flavor: str, *, timeout: float = 10) -> None:
        super().__init__()
        self.spec = spec
        self.flavor = flavor
        self.timeout = timeout
        self.checked = 0
        self.hooks["response"].append(self._check)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)

    def _check(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        problems = response_problems(self.spec, self.flavor, response)
        self.checked += 1
        if problems:
            request = response.request
            raise AssertionError(
                f"the mock ({self.flavor}) sent a response that breaks the spec:\n  "
                + "\n  ".join(problems)
                + f"\nrequest: {request.method} {request.url} body={request.body!r}"
                + f"\nresponse: HTTP {response.status_code} {response.headers.get('Content-Type')}"
                + f" {response.text[:500]}"
            )
