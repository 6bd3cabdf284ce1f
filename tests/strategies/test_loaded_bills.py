"""The client's view: bills loaded into his-mock come back identical and settle with Money = GRZFJE3."""

from __future__ import annotations

import contextlib
import http.server
import json
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from conformance.cases import draw_distinct
from conformance.cases_load import generate_registrations, load_registrations
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


def his_cases_load(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cases_cli", "load", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def test_his_cases_load_prints_what_it_stored(mock: RunningServer, token: str) -> None:
    result = his_cases_load("--mock-url", mock.base_url, "--count", "4", "--seed", "21")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4, result.stdout
    for line in lines:
        reg_no, card_no, bill_id, money, why = line.split("\t")
        fetched = post(mock, token, "/api/MzSettle/GetUnSettleBillByDoctor", {"RegNo": reg_no})
        assert fetched["status"] == 0, fetched["msg"]
        bill = fetched["response"]
        assert SPEC.schema_validator("Bill").is_valid(bill) and check_bill(bill) == []
        assert bill_id == f"BILLID={bill['BILLID']}" and money == f"Money={bill['GRZFJE3']}"
        assert card_no.startswith("C") and why
    assert "loaded 4 registrations" in result.stderr


def test_his_cases_load_curl_lines_settle_each_bill(mock: RunningServer, token: str) -> None:
    """`--format json --curl`: each object has what the issue lists, and its curl command settles."""
    result = his_cases_load(
        "--mock-url", mock.base_url, "--count", "3", "--seed", "22", "--format", "json", "--curl"
    )
    assert result.returncode == 0, result.stderr
    assert "export HIS_TOKEN=" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    for record in records:
        assert set(record) == {"RegNo", "CardNo", "BILLID", "Money", "why", "features", "curl"}
        words = shlex.split(record["curl"])  # the shell's reading; ${HIS_TOKEN} is left to expand
        assert words[:2] == ["curl", "-sS"] and "Authorization: Bearer ${HIS_TOKEN}" in words
        url = next(word for word in words if word.startswith("http"))
        body = json.loads(words[words.index("--data-binary") + 1])
        assert (body["RegSerNo"], body["CardNo"], body["BILLID"], body["Money"]) == (
            record["RegNo"],
            record["CardNo"],
            record["BILLID"],
            record["Money"],
        )
        settled = requests.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ).json()
        assert settled["status"] == 0, (record["RegNo"], settled["msg"], settled["msgDev"])
        assert settled["response"]["GRZFJE3"] == record["Money"]


def test_his_cases_load_text_curl_is_a_shell_script(mock: RunningServer) -> None:
    result = his_cases_load("--mock-url", mock.base_url, "--count", "2", "--seed", "23", "--curl")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line[:2] for line in lines] == ["# ", "cu", "# ", "cu"]
    syntax = subprocess.run(["bash", "-n"], input=result.stdout, text=True, capture_output=True, check=False)
    assert syntax.returncode == 0, syntax.stderr


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert all(text in line for text in expected), line
    for raw in ("Traceback", "HTTPConnectionPool", "Max retries", "urllib3", "object at 0x"):
        assert raw not in line, line


def test_his_cases_load_explains_an_unreachable_mock() -> None:
    result = his_cases_load("--mock-url", "http://127.0.0.1:9", "--count", "3", timeout=60)
    assert_one_line_error(result, "cannot reach his-mock at http://127.0.0.1:9", "Connection refused")


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>Not Found</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(target: Callable[[socket.socket], None]) -> Iterator[str]:
    """A listening socket on 127.0.0.1 whose connections `target` handles; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)
    thread = threading.Thread(target=target, args=(listener,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        thread.join(timeout=5)


def _answer_404(listener: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection, address = listener.accept()
        _NotFound(connection, address, None)  # type: ignore[arg-type]
        connection.close()


def _answer_garbage(listener: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
        connection.close()


def test_his_cases_load_explains_a_server_that_is_not_the_mock() -> None:
    with serving(_answer_404) as url:
        result = his_cases_load("--mock-url", url, "--count", "2", timeout=60)
    assert_one_line_error(result, f"{url} is not his-mock", "HTTP 404", "text/html")


def test_his_cases_load_explains_a_server_that_does_not_speak_http() -> None:
    with serving(_answer_garbage) as url:
        result = his_cases_load("--mock-url", url, "--count", "2", timeout=60)
    assert_one_line_error(result, f"cannot reach his-mock at {url}", "does not speak HTTP")
