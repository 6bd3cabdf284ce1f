"""The spec is a valid OpenAPI 3.1 document and an independent linter finds nothing to say."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openapi_core import OpenAPI
from openapi_spec_validator import validate

from his_contract import Spec, load_spec, spec_path

ROOT = Path(__file__).resolve().parents[2]
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"


def test_spec_is_valid_openapi_3_1(spec: Spec) -> None:
    assert spec.document["openapi"].startswith("3.1")
    validate(dict(spec.document))


def test_openapi_core_loads_the_spec(spec: Spec) -> None:
    OpenAPI.from_dict(dict(spec.document))


def test_loader_finds_the_checkout_spec() -> None:
    assert spec_path().read_text(encoding="utf-8") == (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert load_spec() is load_spec()


def test_spec_lints_clean_with_redocly() -> None:
    redocly = str(REDOCLY) if REDOCLY.exists() else shutil.which("redocly")
    if redocly is None:
        if os.environ.get("CI"):
            pytest.fail("Redocly CLI is not installed: run `npm ci` (scripts/test does)")
        pytest.skip("Redocly CLI not installed (npm ci)")
    result = subprocess.run(
        [redocly, "lint", "--format", "json", "openapi.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    problems = [f"{p['ruleId']}: {p['message']}" for p in report["problems"]]
    assert report["totals"]["errors"] == report["totals"]["warnings"] == 0, problems


def test_every_operation_of_the_document_is_there(spec: Spec) -> None:
    ops = spec.operations
    assert ops["login"].path == "/api/Login/Token" and not ops["login"].protected
    assert ops["getUnSettleBillByDoctor"].path == "/api/MzSettle/GetUnSettleBillByDoctor"
    assert ops["settleByDoctor"].path == "/api/MzSettle/SettleByDoctor"
    alias = ops["getUnpayBillByDoctorAlias"]
    assert alias.path == "/api/MzSettle/GetUnpayBillByDoctor" and alias.deprecated
    assert all(op.method == "POST" for op in ops.values())
    assert all(op.protected for name, op in ops.items() if name != "login")


def test_error_catalogue_matches_the_document(spec: Spec) -> None:
    assert {code: entry.zh for code, entry in spec.error_codes.items()} == {
        0: "调用成功",
        1: "签名错误",
        2: "His内部错误",
        3: "时间过期",
        5: "入参参数错误",
        6: "His内部验证错误",
        500: "未知错误",
    }
    status_enum = spec.document["components"]["schemas"]["ErrorCode"]["enum"]
    assert sorted(status_enum) == sorted(spec.error_codes)


def test_rule_catalogue_has_every_contract_rule(spec: Spec) -> None:
    expected = (
        [f"ENV-{n}" for n in range(1, 6)]
        + ["SCH-1", "SCH-2", "INP-1", "INP-2", "INP-3"]
        + [f"AUTH-{n}" for n in range(1, 7)]
        + [f"SEM-{n}" for n in range(1, 6)]
        + [f"SET-{n}" for n in range(1, 8)]
        + ["SEC-1", "TRN-1"]
    )
    assert list(spec.rules) == expected
