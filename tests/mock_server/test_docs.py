"""The spec at /openapi.yaml and Swagger UI at /docs, rendered by a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from his_contract import Spec, spec_path
from tests.mock_server.conftest import MockClient
from tests.support.devtools_har import CHROMIUM_FLAGS

# The docs touch no state: the embedded database is enough (the suite's other tests run on both).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def test_openapi_yaml_is_the_contract_itself(doc: MockClient) -> None:
    response = requests.get(f"{doc.base_url}/openapi.yaml", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/yaml")
    assert response.content == spec_path().read_bytes()


def test_docs_page_and_assets_come_from_the_package(doc: MockClient) -> None:
    page = requests.get(f"{doc.base_url}/docs", timeout=10)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="(/docs/[^"]+)"', page.text)
    assert "/docs/swagger-ui-bundle.js" in assets
    for asset in assets:
        assert requests.get(doc.base_url + asset, timeout=10).status_code == 200, asset
    # Nothing is fetched from the internet: every script and stylesheet is served by the mock.
    assert "http://" not in page.text and "https://" not in page.text


@pytest.mark.slow
def test_swagger_ui_in_headless_chromium_shows_the_operations(
    doc: MockClient, spec: Spec, tmp_path: Path
) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (scripts/test does it)")
    result = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            f"{doc.base_url}/docs",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rendered_ids = re.findall(r'opblock-summary-operation-id">([^<]+)<', result.stdout)
    assert set(rendered_ids) == set(spec.operations), result.stdout[-2000:]
    for operation_id in ("login", "getUnSettleBillByDoctor", "settleByDoctor"):
        assert spec.operation(operation_id).path in result.stdout
