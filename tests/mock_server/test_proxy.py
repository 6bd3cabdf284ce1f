"""`his-mock --proxy URL` over real HTTP: in front of broken HIS servers, of a real his-mock, of nothing.

The proxy is a real `python -m mock_server --proxy URL` process; the upstreams are the catalogue's
broken servers (`tests/conformance/broken/`) and a second his-mock. The server side of the report
names the upstream's broken rule; the client side a careless kiosk's; the bytes a client receives
are the upstream's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from mock_server.app import create_app
from mock_server.cli import main
from mock_server.proxy import HOP_BY_HOP, end_to_end
from mock_server.report_cli import summary
from mock_server.service import Settings
from tests.support.kiosks import BILL, LOGIN, Kiosk, careless_new_payment_until_paid, careless_start
from tests.support.mock import DEMO_PASSWORD, DEMO_REG_NO, DEMO_USER, login, start_mock
from tests.support.servers import RunningServer, free_port, python_module, serve


@contextlib.contextmanager
def proxy_to(upstream: str) -> Iterator[RunningServer]:
    with start_mock(extra_args=["--proxy", upstream, "--proxy-timeout", "5"]) as server:
        yield server


@contextlib.contextmanager
def broken(module: str) -> Iterator[RunningServer]:
    port = free_port()
    with serve(python_module(f"tests.conformance.broken.{module}", "--port", str(port)), port=port) as server:
        yield server


def report(base_url: str) -> dict[str, Any]:
    response = requests.get(f"{base_url}/__admin/report", timeout=30)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def side(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [finding for finding in document["findings"] if finding["side"] == name]


def _wrong_password(proxy: str) -> None:
    answer = requests.post(f"{proxy}{LOGIN}", json={"userId": "demo", "password": "wrong"}, timeout=10)
    assert answer.json()["status"] == 6


def _fetch_bill(proxy: str) -> None:
    answer = requests.post(
        f"{proxy}{LOGIN}", json={"userId": "demo", "password": "demo-password"}, timeout=10
    )
    token = answer.json()["response"]
    bill = requests.post(
        f"{proxy}{BILL}",
        json={"RegNo": "1628214442"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert bill.json()["status"] == 0


@pytest.mark.parametrize(
    ("module", "rule", "calls"),
    [
        ("env_issuccess_always_true", "ENV-3", _wrong_password),
        ("sem5_self_pay_insured", "SEM-5", _fetch_bill),
    ],
    ids=["ENV-3", "SEM-5"],
)
def test_proxy_reports_the_broken_servers_rule_on_the_server_side(module: str, rule: str, calls: Any) -> None:
    with broken(module) as upstream, proxy_to(upstream.base_url) as proxy:
        calls(proxy.base_url)
        document = report(proxy.base_url)
    server = side(document, "server")
    assert rule in {finding["rule"] for finding in server if finding["basis"] == "document"}, server
    assert document["verdict"] == "fail"
    assert document["server"]["verdict"] == "fail"
    assert not [f for f in side(document, "client") if f["basis"] == "document"]
    # The finding cites the journal entry of the call, and hides the password the login sent.
    text = repr(server)
    assert "journal id " in text
    assert "demo-password" not in text and '"wrong"' not in text
    # `his-mock report` prints the server's finding beside the client's.
    assert f"{rule} [document] server: " in summary(document)


@pytest.fixture(scope="module")
def upstream_mock() -> Iterator[RunningServer]:
    with start_mock() as server:
        yield server


@pytest.fixture(scope="module")
def proxied(upstream_mock: RunningServer) -> Iterator[RunningServer]:
    with proxy_to(upstream_mock.base_url) as server:
        yield server


def test_careless_client_through_the_proxy_breaks_cli_3_on_the_client_side(
    upstream_mock: RunningServer, proxied: RunningServer
) -> None:
    for base in (upstream_mock.base_url, proxied.base_url):
        assert requests.post(f"{base}/__admin/reset", timeout=10).status_code == 200
    # The proxy's own fault: the real HIS commits the settlement, the proxy drops its answer.
    armed = requests.post(
        f"{proxied.base_url}/__admin/scenarios", json={"name": "lost-settle-answer"}, timeout=10
    )
    assert armed.status_code == 201, armed.text
    kiosk = Kiosk(proxied.base_url)
    bill = careless_start(kiosk)
    assert kiosk.settle(bill, "4200PROXY0001").problem == "connection"
    assert careless_new_payment_until_paid(kiosk, bill).status == 6  # the real HIS: settled already

    settlements = requests.get(f"{upstream_mock.base_url}/__admin/settlements", timeout=10).json()
    assert [s["SerialNumber"] for s in settlements] == ["4200PROXY0001"]  # committed upstream
    document = report(proxied.base_url)
    client = side(document, "client")
    assert {f["rule"] for f in client if f["basis"] == "document"} == {"CLI-3"}, client
    assert document["verdict"] == "fail"
    # his-mock keeps every rule: the server side of the same calls passes.
    assert document["server"]["verdict"] == "pass", side(document, "server")
    journal = requests.get(f"{proxied.base_url}/__admin/requests", timeout=10).json()
    dropped = [entry for entry in journal if entry["fault"] and entry["fault"]["kind"] == "drop"]
    assert len(dropped) == 1 and dropped[0]["fault"]["when"] == "after"
    assert all(entry["request"]["headers"]["Authorization"] in (None, "Bearer ***") for entry in journal)


def test_the_client_receives_the_upstreams_bytes(
    upstream_mock: RunningServer, proxied: RunningServer
) -> None:
    requests.post(f"{upstream_mock.base_url}/__admin/reset", timeout=10)
    token = login(upstream_mock.base_url, user_id=DEMO_USER, password=DEMO_PASSWORD)
    headers = {"Authorization": f"Bearer {token}"}
    bases = (upstream_mock.base_url, proxied.base_url)
    answers = [
        requests.post(f"{base}{BILL}", json={"RegNo": DEMO_REG_NO}, headers=headers, timeout=10)
        for base in bases
    ]
    direct, proxied_answer = answers
    assert direct.json()["status"] == 0
    assert proxied_answer.content == direct.content
    assert proxied_answer.status_code == direct.status_code
    assert _relayed_headers(proxied_answer) == _relayed_headers(direct)
    # A refusal too (no token): the upstream's status and envelope, byte for byte.
    refusals = [requests.post(f"{base}{BILL}", json={"RegNo": DEMO_REG_NO}, timeout=10) for base in bases]
    assert refusals[0].content == refusals[1].content and refusals[0].json()["status"] == 1


def test_an_unreachable_upstream_answers_status_2_with_http_502_and_is_journaled() -> None:
    nothing = f"http://127.0.0.1:{free_port()}"
    app = create_app(Settings(db=":memory:", proxy=nothing, proxy_timeout=2))
    client = app.test_client()
    answer = client.post(LOGIN, json={"userId": "demo", "password": "demo-password"})
    assert answer.status_code == 502
    envelope = answer.get_json()
    assert envelope["status"] == 2 and envelope["isSuccess"] is False and envelope["msg"]
    assert "refused" in envelope["msgDev"].lower()
    journal = client.get("/__admin/requests").get_json()
    assert [(e["httpStatus"], e["status"]) for e in journal] == [(502, 2)]
    assert "demo-password" not in repr(journal)
    document = client.get("/__admin/report").get_json()
    assert document["server"]["upstream"] == nothing
    assert "demo-password" not in repr(document)
    app.extensions["his_mock"].close()


def _relayed_headers(response: requests.Response) -> dict[str, str]:
    """The headers a proxied answer keeps (each server writes its own Date, Server and framing)."""
    own = {"date", "server", "connection", "keep-alive", "transfer-encoding"}
    return {name.lower(): value for name, value in response.headers.items() if name.lower() not in own}


def test_proxy_mode_refuses_several_workers() -> None:
    result = CliRunner().invoke(main, ["--proxy", "http://127.0.0.1:9", "--workers", "2"])
    assert result.exit_code == 2
    assert "--proxy runs with one worker" in result.output


def test_a_fault_before_the_call_answers_without_asking_the_upstream(
    upstream_mock: RunningServer, proxied: RunningServer
) -> None:
    for base in (upstream_mock.base_url, proxied.base_url):
        assert requests.post(f"{base}/__admin/reset", timeout=10).status_code == 200
    fault = {"operation": "login", "kind": "status", "status": 2}
    assert requests.post(f"{proxied.base_url}/__admin/faults", json=fault, timeout=10).status_code == 201
    body = {"userId": DEMO_USER, "password": DEMO_PASSWORD}
    first, second = (requests.post(f"{proxied.base_url}{LOGIN}", json=body, timeout=10) for _ in range(2))
    assert first.json()["status"] == 2 and second.json()["status"] == 0
    upstream_calls = requests.get(f"{upstream_mock.base_url}/__admin/requests", timeout=10).json()
    assert len(upstream_calls) == 1  # only the second login reached the real HIS
    # The injected answer is the proxy's doing, not the upstream's: no server finding for it.
    assert report(proxied.base_url)["server"]["verdict"] == "pass"


def test_hop_by_hop_headers_and_those_connection_names_are_not_passed_on() -> None:
    headers = [
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "1"),
        ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"),
        ("Authorization", "Bearer t"),
        ("Token-Expired", "true"),
    ]
    kept = end_to_end(headers, HOP_BY_HOP)
    assert kept == (("Authorization", "Bearer t"), ("Token-Expired", "true"))
