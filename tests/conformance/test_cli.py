"""The command line's contract with vendors' CI: exit codes, env vars, redaction, limits, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from schemathesis import GenerationMode

from conformance.fuzz import draw_cases
from conformance.probes import PROBE_PASSWORD
from tests.conformance.broken import base
from tests.conformance.conftest import reference_args, run_console_script, run_in_process, serve
from tests.support.servers import RunningServer, free_port, python_module

FAST = ["--max-examples", "2"]


def _url_args(url: str) -> list[str]:
    return ["--base-url", url, "--user-id", "u", "--password", "p", "--reg-no", "1"]


SIGNED_JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}")


def test_an_unreachable_server_exits_2_with_one_line(tmp_path: Path) -> None:
    port = free_port()
    args = ["--base-url", f"http://127.0.0.1:{port}", "--user-id", "u", "--password", "p", "--reg-no", "1"]
    run = run_console_script(args, tmp_path, timeout=60)

    assert run.exit_code == 2
    assert (
        run.output.strip()
        .splitlines()[-1]
        .startswith("his-conformance: error: cannot reach http://127.0.0.1:")
    )
    assert "Traceback" not in run.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (
            ["--user-id", base.USER_ID, "--password", "wrong", "--reg-no", base.REG_NO],
            "login as 'demo' refused",
        ),
        (
            ["--user-id", base.USER_ID, "--password", base.PASSWORD, "--reg-no", "404"],
            "has no unsettled bill",
        ),
    ],
    ids=["wrong-password", "unknown-registration"],
)
def test_impossible_login_or_registration_exits_2(
    reference_server: RunningServer, tmp_path: Path, args: list[str], reason: str
) -> None:
    run = run_in_process(["--base-url", reference_server.base_url, *args, *FAST], tmp_path)

    assert run.exit_code == 2, run.output
    assert reason in run.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--user-id", "u"], "missing --base-url"),
        (
            ["--base-url", "ftp://x", "--user-id", "u", "--password", "p", "--reg-no", "1"],
            "must start with http",
        ),
        (["--mock", "--base-url", "http://127.0.0.1:1"], "exclude each other"),
        (
            [
                "--base-url",
                "http://x",
                "--user-id",
                "u",
                "--password",
                "p",
                "--reg-no",
                "1",
                "--allow-settlement",
            ],
            "--card-no",
        ),
        (["--profile", "loose"], "'loose' is not one of"),
        (["--timeout", "0"], "--timeout"),
        (_url_args("http://[::1"), "--base-url 'http://[::1' is not a valid URL: Invalid IPv6 URL"),
        (_url_args("http://127.0.0.1:99999"), "is not a valid URL: Port out of range 0-65535"),
        (_url_args("http://127.0.0.1:http"), "is not a valid URL: Port could not be cast"),
        (_url_args("http://"), "--base-url 'http://' names no host"),
        (_url_args("http://:8080/"), "--base-url 'http://:8080/' names no host"),
    ],
    ids=[
        "missing",
        "scheme",
        "mock-and-url",
        "settlement-without-card",
        "profile",
        "timeout",
        "unclosed-ipv6",
        "port-out-of-range",
        "port-not-a-number",
        "no-host",
        "port-without-host",
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], reason: str) -> None:
    run = run_in_process(args, tmp_path)

    assert run.exit_code == 2
    assert reason in run.output
    assert "Traceback" not in run.output and "internal error" not in run.output


def test_a_malformed_base_url_is_one_line_from_the_console_script(tmp_path: Path) -> None:
    run = run_console_script(_url_args("http://[::1"), tmp_path, timeout=60)

    assert run.exit_code == 2
    assert run.output.strip().splitlines() == [
        "his-conformance: error: --base-url 'http://[::1' is not a valid URL: Invalid IPv6 URL"
    ]


def test_mock_ignores_credentials_meant_for_a_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HIS_USER_ID/HIS_PASSWORD are a CI job's kiosk account: --mock keeps its demo/demo."""
    monkeypatch.setenv("HIS_USER_ID", "kiosk")
    monkeypatch.setenv("HIS_PASSWORD", "prod-secret")
    monkeypatch.setenv("HIS_EXPIRED_TOKEN", "not-a-token-of-the-mock")
    run = run_in_process(["--mock", "--max-examples", "0"], tmp_path)

    assert run.exit_code == 0, run.output
    assert "login as 'demo'" in run.output
    assert run.outcomes()["AUTH-4"] == "passed"


def test_mock_uses_credentials_given_on_the_command_line(tmp_path: Path) -> None:
    run = run_in_process(["--mock", "--user-id", "kiosk", "--password", "x", "--max-examples", "0"], tmp_path)

    assert run.exit_code == 2
    assert "login as 'kiosk' refused" in run.output


def test_credentials_from_the_environment(
    reference_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIS_USER_ID", base.USER_ID)
    monkeypatch.setenv("HIS_PASSWORD", base.PASSWORD)
    run = run_in_process(["--base-url", reference_server.base_url, "--reg-no", base.REG_NO, *FAST], tmp_path)

    assert run.exit_code == 0, run.output


@pytest.mark.slow
def test_no_secret_in_any_report(tmp_path: Path) -> None:
    """A server whose every answer breaks ENV-1 puts the login request in the findings: still no secret."""
    port = free_port()
    with serve(
        python_module("tests.conformance.broken.env_missing_msgdev", "--port", str(port)), port=port
    ) as server:
        reports = ["--report", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")]
        run = run_in_process(
            [*reference_args(server.base_url), *FAST, *reports, "--allow-settlement"], tmp_path
        )

    assert run.exit_code == 1
    texts = [run.output, *(p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if p.is_file())]
    assert any("${HIS_PASSWORD}" in text for text in texts)  # the login finding is there, redacted
    for text in texts:
        assert base.PASSWORD not in text
        assert base.expired_token() not in text
        assert not SIGNED_JWT.search(text), SIGNED_JWT.search(text)


def test_a_short_password_appears_in_no_output(tmp_path: Path) -> None:
    """A 3-character password is redacted by structure (password fields, nested bodies), not by length."""
    password = "Qz7"
    port = free_port()
    # Every INP-1 answer is wrong, so the login probes (an array holding the body, the body as a
    # JSON string ...) are findings, shown with their request in every format.
    argv = python_module("tests.conformance.broken.inp1_bad_json_internal_error", "--port", str(port))
    with serve([*argv, "--password", password], port=port) as server:
        args = reference_args(server.base_url)
        args[args.index(base.PASSWORD)] = password
        reports = ["--report", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")]
        run = run_in_process([*args, *FAST, *reports], tmp_path)

    assert run.exit_code == 1, run.output
    texts = {"console": run.output}
    texts |= {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if p.is_file()}
    assert set(texts) == {"console", "r.html", "r.json", "junit.xml"}
    # The login probes are among the findings shown, with the probes' own password.
    assert "Reproduce: curl -sS -i -X POST http://127.0.0.1" in run.output
    assert f'"password": "{PROBE_PASSWORD}"' in run.output
    for name, text in texts.items():
        assert password not in text, f"{name}: ...{text[max(0, text.find(password) - 200) :][:300]}..."
    # Redaction by structure leaves the user id alone: findings stay readable.
    assert f'"userId": "{base.USER_ID}"' in run.output


def test_reports_name_rule_expectation_received_and_curl(tmp_path: Path) -> None:
    port = free_port()
    with serve(
        python_module("tests.conformance.broken.sem4_line_not_price_times_count", "--port", str(port)),
        port=port,
    ) as server:
        reports = ["--report", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")]
        run = run_in_process([*reference_args(server.base_url), *FAST, *reports], tmp_path)

    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    rule = next(r for r in document["rules"] if r["id"] == "SEM-4")
    finding = rule["findings"][0]
    assert (document["verdict"], rule["outcome"]) == ("fail", "failed")
    assert finding["expected"].startswith("Each PerItem PerPrice equals Price * PerItemCount")
    assert "PerPrice 37.00 != Price 18.5000 * PerItemCount 3" in finding["received"]
    assert finding["curl"].startswith("curl -sS -i -X POST") and '"${HIS_TOKEN}"' in finding["curl"]
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "SEM-4" in html
    assert "Expected: Each PerItem PerPrice" in run.output


def test_max_examples_0_turns_fuzzing_off(reference_server: RunningServer, tmp_path: Path) -> None:
    run = run_in_process([*reference_args(reference_server.base_url), "--max-examples", "0"], tmp_path)

    assert run.exit_code == 0, run.output
    assert "fuzzing off (--max-examples 0)" in run.output
    assert "fuzzing getUnSettleBillByDoctor" not in run.output


def test_the_request_budget_stops_the_run(reference_server: RunningServer, tmp_path: Path) -> None:
    run = run_in_process([*reference_args(reference_server.base_url), "--max-requests", "6"], tmp_path)

    assert run.exit_code == 0, run.output
    report = run.report()
    assert "the request budget of 6 requests is spent" in " ".join(report["notes"])
    assert report["requests"] == 6
    assert run.outcomes()["INP-2"] == "skipped"


def test_the_same_seed_draws_the_same_cases() -> None:
    path = "/api/MzSettle/GetUnSettleBillByDoctor"
    draw_cases.cache_clear()
    first = draw_cases(path, GenerationMode.NEGATIVE, protected=True, count=10, seed_value=7)
    draw_cases.cache_clear()
    again = draw_cases(path, GenerationMode.NEGATIVE, protected=True, count=10, seed_value=7)
    other = draw_cases(path, GenerationMode.NEGATIVE, protected=True, count=10, seed_value=8)

    assert first == again
    assert first != other
    assert all(case.negative for case in first)
