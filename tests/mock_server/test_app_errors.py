"""An exception no view catches: Flask's own 500 becomes status 500 未知错误 (an envelope) on HIS
paths and `{"error": ...}` under /__admin/, over real HTTP to the app served in this process."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from mock_server.app import create_app
from mock_server.service import Settings


def _boom() -> str:
    raise RuntimeError("a bug no view caught")


@pytest.fixture(scope="module")
def buggy_app_url() -> Iterator[str]:
    app: Flask = create_app(Settings(db=":memory:"))
    # Routes that fail the way a bug would: the app's error handling is what is under test.
    app.add_url_rule("/api/Boom", "boom", _boom, methods=["POST"])
    app.add_url_rule("/__admin/boom", "admin_boom", _boom, methods=["POST"])
    app.logger.disabled = True  # the expected tracebacks would only clutter the test output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["his_mock"].close()


def test_an_uncaught_exception_on_a_his_path_is_status_500_not_status_5(buggy_app_url: str) -> None:
    response = requests.post(f"{buggy_app_url}/api/Boom", json={}, timeout=10)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/json")
    envelope = response.json()
    assert envelope["status"] == 500
    assert envelope["isSuccess"] is False
    assert envelope["msg"].startswith("未知错误")
    assert "入参参数错误" not in envelope["msg"]
    assert envelope["msgDev"] == "HTTP 500 Internal Server Error: RuntimeError"


def test_an_uncaught_exception_in_the_admin_api_is_plain_json(buggy_app_url: str) -> None:
    response = requests.post(f"{buggy_app_url}/__admin/boom", timeout=10)
    assert response.status_code == 500
    assert response.json() == {"error": "internal error of his-mock: RuntimeError"}


def test_a_wrong_method_on_a_his_path_names_the_allowed_one(buggy_app_url: str) -> None:
    response = requests.get(f"{buggy_app_url}/api/MzSettle/SettleByDoctor", timeout=10)
    assert response.status_code == 405
    assert response.json()["status"] == 5
    assert response.json()["msg"] == "入参参数错误：请求方式错误，接口只接受 POST"
