"""The independent `schemathesis run` CLI against a running mock reports no failures.

The checks are the built-in ones that fit an envelope API; those that assume REST status codes are
left out (TOOLING-NOTES): `negative_data_rejection` (expects 4xx for invalid input, the mock answers
HTTP 200 with status 5), `positive_data_acceptance`, `missing_required_header` and `ignored_auth`
(hard-coded 401/403, the doc flavor answers HTTP 200 with status 1).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.mock import login, start_mock

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
]


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the schemathesis CLI is not installed next to this Python (pip install schemathesis)")
    return found


@pytest.mark.slow
def test_schemathesis_cli_finds_no_failures(tmp_path: Path) -> None:
    with start_mock() as server:
        token = login(server.base_url)
        result = subprocess.run(
            [
                _schemathesis(),
                "run",
                f"{server.base_url}/openapi.yaml",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                ",".join(CHECKS),
                "--generation-database",
                "none",
                "--seed",
                "20211203",
                "--max-examples",
                "60",
                "--request-timeout",
                "10",
                "--report",
                "junit",
                "--report-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
            cwd=tmp_path,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-6000:]
        assert "No issues found" in output, output[-3000:]
        # It really exercised every operation, with many requests.
        assert "4 selected / 4 total" in output
        assert len(server.log().splitlines()) > 200
