"""One error-to-response table: a bug inside a HIS operation and a bug no view caught answer alike
(HTTP 500, status 500 未知错误, the exception's class in msgDev), in both flavors; the admin API
answers its own plain JSON. In process, through `create_app` and Flask's test client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_server.app import create_app
from mock_server.errors import HTTP_STATUS, ApiError, InternalError, http_status
from mock_server.service import HisMock, Settings
from tests.support.mock import DEMO_REG_NO

BILL = "/api/MzSettle/GetUnSettleBillByDoctor"


def _boom(*_args: Any) -> Any:
    raise RuntimeError("a bug no view caught")


@pytest.fixture(scope="module", params=["doc", "aspnet"])
def buggy_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    app = create_app(Settings(db=":memory:", flavor=request.param))
    # Routes that fail the way a bug would: the app's error handling is what is under test.
    app.add_url_rule("/api/Boom", "boom", _boom, methods=["POST"])
    app.add_url_rule("/__admin/boom", "admin_boom", _boom, methods=["POST"])
    app.logger.disabled = True  # the expected tracebacks would only clutter the test output
    yield app
    app.extensions["his_mock"].close()


@pytest.fixture
def client(buggy_app: Flask) -> FlaskClient:
    return buggy_app.test_client()


def _token(app: Flask) -> str:
    mock: HisMock = app.extensions["his_mock"]
    return mock.tokens.issue("demo")


def _envelope(body: bytes) -> dict[str, Any]:
    document = json.loads(body)
    assert isinstance(document, dict)
    return document


def test_a_bug_inside_and_outside_a_his_operation_answer_alike(
    buggy_app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = client.post("/api/Boom", json={})
    mock: HisMock = buggy_app.extensions["his_mock"]
    monkeypatch.setattr(mock.store, "bill_state", _boom)
    inside = client.post(
        BILL, json={"RegNo": DEMO_REG_NO}, headers={"Authorization": f"Bearer {_token(buggy_app)}"}
    )
    for response in (outside, inside):
        assert response.status_code == 500
        envelope = _envelope(response.data)
        assert envelope["status"] == 500
        assert envelope["isSuccess"] is False
        assert envelope["msg"] == "未知错误：HIS 模拟服务内部异常"
        assert envelope["msgDev"] == "internal error: RuntimeError"
    assert outside.headers["Content-Type"] == inside.headers["Content-Type"]
    assert outside.data == inside.data


def test_an_uncaught_exception_in_the_admin_api_is_plain_json(client: FlaskClient) -> None:
    response = client.post("/__admin/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal error of his-mock: RuntimeError"}


def test_a_wrong_method_on_a_his_path_names_the_allowed_one(client: FlaskClient) -> None:
    response = client.get("/api/MzSettle/SettleByDoctor")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert _envelope(response.data)["status"] == 5
    assert _envelope(response.data)["msg"] == "入参参数错误：请求方式错误，接口只接受 POST"


def test_an_unknown_path_is_a_404_envelope(client: FlaskClient) -> None:
    response = client.post("/api/Nowhere", json={})
    assert response.status_code == 404
    assert _envelope(response.data)["status"] == 5


def test_the_table_gives_every_api_error_an_http_status() -> None:
    assert http_status(InternalError.of(ValueError())) == 500
    assert http_status(ApiError("x", status=7)) == 200
    assert set(HTTP_STATUS) >= {InternalError, ApiError}
