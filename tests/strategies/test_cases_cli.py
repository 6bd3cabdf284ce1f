"""The real `his-cases` command: what and why per line, byte-identical for a seed, exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from his_contract import check_bill, check_receipt, load_spec
from tests.support.mock import start_mock

SPEC = load_spec()


def his_cases(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cases_cli", *args],
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def cases_of(output: bytes) -> list[dict[str, Any]]:
    text = output.decode("utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("operation", "kind", "side"),
    [
        ("getUnSettleBillByDoctor", "edge", "response"),
        ("settleByDoctor", "invalid", "request"),
    ],
)
def test_the_same_seed_gives_byte_identical_output(
    tmp_path: Path, operation: str, kind: str, side: str
) -> None:
    args = ["--operation", operation, "--kind", kind, "--side", side, "--count", "12", "--seed", "42"]
    first = his_cases(*args)
    second = his_cases(*args, "--out", str(tmp_path / "cases.jsonl"))
    other_seed = his_cases(*args[:-1], "43")
    assert first.returncode == second.returncode == other_seed.returncode == 0, first.stderr
    assert first.stdout == (tmp_path / "cases.jsonl").read_bytes()
    assert first.stdout != other_seed.stdout
    assert len(cases_of(first.stdout)) == 12
    assert not list(tmp_path.glob(".cases.jsonl.*")), "the temporary file is renamed into place"


@pytest.mark.slow
def test_every_line_says_what_it_is_and_why(tmp_path: Path) -> None:
    result = his_cases(
        "--operation",
        "getUnSettleBillByDoctor",
        "--kind",
        "edge",
        "--side",
        "response",
        "--count",
        "8",
        "--seed",
        "5",
        "--out",
        str(tmp_path / "bills.jsonl"),
    )
    assert result.returncode == 0, result.stderr
    cases = cases_of((tmp_path / "bills.jsonl").read_bytes())
    assert len({case["id"] for case in cases}) == 8
    for case in cases:
        assert case["what"] and case["why"] and case["expect"]["client"] == "accept"
        envelope = case["body"]
        assert SPEC.response_validator("getUnSettleBillByDoctor").is_valid(envelope)
        assert check_bill(envelope["response"]) == []


def test_invalid_cases_name_their_breakage_and_are_invalid() -> None:
    result = his_cases("--operation", "login", "--kind", "invalid", "--side", "request", "--count", "15")
    assert result.returncode == 0, result.stderr
    cases = cases_of(result.stdout)
    assert "empty-string" in {case["breakage"] for case in cases}
    for case in cases:
        assert case["breakage"] and case["why"]
        if case["breakage"] == "empty-string":
            # INP-1 as CONTRACT.md reads it: edge input, any non-zero status; 5 is advice.
            assert {k: case["expect"][k] for k in ("not_status", "recommended_status", "rule")} == {
                "not_status": 0,
                "recommended_status": 5,
                "rule": "INP-1",
            }
            assert "status" not in case["expect"]
        else:
            assert case["expect"] == {"status": 5, "rule": "INP-1"}
        if "body" in case:
            assert not SPEC.request_validator("login").is_valid(case["body"])
        else:
            with pytest.raises(ValueError):
                json.loads(case["raw_body"], parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


def test_invalid_response_cases_break_the_named_rule() -> None:
    result = his_cases(
        "--operation", "settleByDoctor", "--kind", "invalid", "--side", "response", "--count", "10"
    )
    assert result.returncode == 0, result.stderr
    for case in cases_of(result.stdout):
        assert case["expect"] == {"client": "reject", "rule": case["rule"]}
        if case["rule"].startswith("SEM-"):
            assert {v.rule_id for v in check_receipt(case["body"]["response"])} == {case["rule"]}
        else:
            assert not SPEC.response_validator("settleByDoctor").is_valid(case["body"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--operation", "payBill"], "Invalid value for '--operation'"),
        (["--kind", "valid"], "Missing option '--operation'"),
        (["--operation", "login", "--kind", "weird"], "Invalid value for '--kind'"),
        (["--operation", "login", "--count", "0"], "Invalid value for '--count'"),
        (["--operation", "login", "--seed", "abc"], "Invalid value for '--seed'"),
        (["--operation", "login", "--out", "/no/such/dir/x.jsonl"], "does not exist"),
        (["load", "--count", "3"], "Missing option '--mock-url'"),
        (["load", "--mock-url", "127.0.0.1:8080"], "is not an http(s) URL"),
        (["--mock-url", "http://127.0.0.1:8080"], "It is an option of `his-cases load`"),
        (
            ["load", "--mock-url", "http://x", "--operation", "login"],
            "It is an option of `his-cases generate`",
        ),
        (["load", "--mock-url", "http://x", "--format", "xml"], "Invalid value for '--format'"),
    ],
    ids=[
        "unknown-operation",
        "no-operation",
        "bad-kind",
        "zero-count",
        "bad-seed",
        "bad-out",
        "no-url",
        "bad-url",
        "mock-url-without-load",
        "operation-with-load",
        "bad-format",
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = his_cases(*args)
    assert result.returncode == 2
    assert message in result.stderr.decode("utf-8")
    assert result.stdout == b""


def test_the_command_list_and_every_option_are_explained() -> None:
    from conformance.cases_cli import cli

    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help, f"his-cases {name} {param.opts[0]} has no help text"
    result = his_cases("--help")
    assert result.returncode == 0
    listing = result.stdout.decode("utf-8")
    assert "generate" in listing and "load" in listing
    load_help = his_cases("load", "--help").stdout.decode("utf-8")
    assert all(option in load_help for option in ("--count", "--seed", "--format", "--curl", "--timeout"))


def test_generate_is_the_default_command() -> None:
    args = ["--operation", "login", "--kind", "invalid", "--count", "3", "--seed", "4"]
    implicit, explicit = his_cases(*args), his_cases("generate", *args)
    assert implicit.returncode == explicit.returncode == 0, implicit.stderr
    assert implicit.stdout == explicit.stdout and len(cases_of(implicit.stdout)) == 3


def test_a_failed_run_leaves_an_existing_out_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "cases.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    result = his_cases("--operation", "login", "--count", "0", "--out", str(out))
    assert result.returncode == 2
    assert out.read_text(encoding="utf-8") == "precious\n"


def test_an_unwritable_out_file_is_a_clear_error() -> None:
    # /proc exists and is a directory, but nothing can be created in it, not even by root.
    result = his_cases("--operation", "login", "--count", "1", "--out", "/proc/his-cases.jsonl")
    assert result.returncode == 2
    stderr = result.stderr.decode("utf-8")
    assert "cannot write /proc/his-cases.jsonl" in stderr and "Traceback" not in stderr


@pytest.mark.slow
def test_load_needs_the_admin_token_when_the_mock_has_one() -> None:
    with start_mock(extra_args=["--admin-token", "s3cret"]) as mock:
        refused = his_cases("load", "--mock-url", mock.base_url, "--count", "2")
        accepted = his_cases("load", "--mock-url", mock.base_url, "--count", "2", "--admin-token", "s3cret")
    assert refused.returncode == 2 and b"--admin-token" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr
    assert len(accepted.stdout.decode("utf-8").splitlines()) == 2
