"""A run that cannot start says why in one line, with the likely fix; ASP.NET Core defaults get a hint."""

from __future__ import annotations

import json
import socket
import struct
from pathlib import Path

import pytest

from conformance.diagnosis import no_api_reason, unreachable_reason
from conformance.http import Exchange, HttpRequest, HttpResponse, Problem
from tests.conformance.broken import base
from tests.conformance.conftest import reference_args, run_in_process
from tests.support.rawserver import Handler, answer, raw_server
from tests.support.servers import RunningServer, free_port, python_module, serve

FAST = ["--max-examples", "0", "--timeout", "2"]
CREDENTIALS = ["--user-id", "u", "--password", "p", "--reg-no", "1"]


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def _reset(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (_reset, "the connection was closed or reset before any response"),
        (
            lambda c: c.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
            "answered with something that is not HTTP/1.x ('SSH",
        ),
        (
            lambda c: c.sendall(b"\x15\x03\x01\x00\x02\x02\x46"),
            "answered with TLS, not plain HTTP: use https://",
        ),
        (answer(b"404 Not Found", {"Content-Length": "9"}, b"Not Found"), "no HIS API at http://127.0.0.1:"),
        (
            answer(
                b"200 OK", {"Content-Type": "text/html", "Content-Length": "15"}, b"<html>SPA</html>"[:15]
            ),
            "/api/Login/Token (HTTP 200, text/html): check --base-url",
        ),
        (
            answer(b"302 Found", {"Location": "https://his.example/", "Content-Length": "0"}, b""),
            "redirects to 'https://his.example/'",
        ),
    ],
    ids=["reset", "not-http", "tls-under-http", "404", "html-page", "redirect"],
)
def test_a_login_that_reaches_no_his_is_one_line_with_the_fix(
    tmp_path: Path, handler: Handler, expected: str
) -> None:
    with raw_server(handler) as (url, _):
        run = run_in_process(["--base-url", url, *CREDENTIALS, *FAST], tmp_path)

    assert run.exit_code == 2, run.output
    assert last_line(run.output).startswith("his-conformance: error: ")
    assert expected in last_line(run.output)


def test_one_path_segment_too_many_is_no_his_api_not_a_refused_login(
    reference_server: RunningServer, tmp_path: Path
) -> None:
    run = run_in_process([*reference_args(f"{reference_server.base_url}/api"), *FAST], tmp_path)

    assert run.exit_code == 2, run.output
    assert last_line(run.output) == (
        f"his-conformance: error: no HIS API at {reference_server.base_url}/api/api/Login/Token"
        " (HTTP 404, application/json): check --base-url,"
        " the root the operations' paths /api/... are appended to"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:{port}", "the connection to 127.0.0.1:{port} was refused"),
        ("http://no-such-host.invalid:8080", "the host name 'no-such-host.invalid' does not resolve"),
    ],
    ids=["refused", "dns"],
)
def test_no_server_is_named_precisely(tmp_path: Path, url: str, expected: str) -> None:
    port = free_port()
    run = run_in_process(["--base-url", url.format(port=port), *CREDENTIALS, *FAST], tmp_path)

    assert run.exit_code == 2, run.output
    assert expected.format(port=port) in last_line(run.output)


def test_tls_against_plain_http_says_use_http(reference_server: RunningServer, tmp_path: Path) -> None:
    url = reference_server.base_url.replace("http://", "https://")
    run = run_in_process(["--base-url", url, *CREDENTIALS, *FAST], tmp_path)

    assert run.exit_code == 2, run.output
    assert "the TLS handshake with 127.0.0.1:" in last_line(run.output)
    assert last_line(run.output).endswith("if the server speaks plain HTTP, use http:// in --base-url")


@pytest.mark.parametrize(("profile", "hinted"), [("strict", True), ("lenient", False)])
def test_stock_aspnet_answers_under_strict_get_the_lenient_hint(
    tmp_path: Path, profile: str, hinted: bool
) -> None:
    port = free_port()
    module = "tests.conformance.quirky.aspnet_problem_details"
    with serve(python_module(module, "--port", str(port)), port=port) as server:
        json_path = tmp_path / "r.json"
        args = [*reference_args(server.base_url), *FAST, "--profile", profile, "--json", str(json_path)]
        run = run_in_process(args, tmp_path)

    notes = json.loads(json_path.read_text(encoding="utf-8"))["notes"]
    hint = [note for note in notes if "this looks like ASP.NET Core defaults" in note]
    assert bool(hint) is hinted, notes
    assert run.exit_code == (1 if hinted else 0), run.output
    if hinted:
        assert hint[0].endswith("see --profile lenient") and "ProblemDetails" in hint[0]
        assert f"note: {hint[0]}" in run.output
    assert base.PASSWORD not in run.output


def test_an_untrusted_certificate_is_named_with_its_fix() -> None:
    request = HttpRequest("POST", "https://his.test:8443/api/Login/Token", (), b"{}")
    detail = (
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)"
    )
    exchange = Exchange("login", request, None, Problem.TLS, 0.1, detail=detail)

    reason = unreachable_reason(exchange, "https://his.test:8443")

    assert reason is not None and "the certificate of his.test:8443 is not trusted here" in reason
    assert reason.endswith("point SSL_CERT_FILE at the CA bundle that signed it")


@pytest.mark.parametrize(
    "body",
    [b'{"status": 0, "isSuccess": true, "msg": NaN}', '{"msg": "调用成功"}'.encode("gbk")],
    ids=["nan", "gbk-under-utf-8"],
)
def test_a_broken_envelope_at_the_login_is_a_finding_not_a_wrong_url(body: bytes) -> None:
    """JSON labelled as such that is no readable envelope is the deployment's defect (ENV-1, exit 1)."""
    url = "http://127.0.0.1:9/api/Login/Token"
    headers = (("Content-Type", "application/json; charset=utf-8"),)
    response = HttpResponse(200, "OK", headers, body)
    exchange = Exchange("login", HttpRequest("POST", url, (), b"{}"), response, None, 0.01)

    assert no_api_reason(exchange, is_envelope=False) is None
