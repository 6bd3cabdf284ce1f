"""The Flask application of his-mock: the HIS operations, the admin API, the docs."""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from mock_server.accesslog import log_every_request
from mock_server.admin import admin_blueprint
from mock_server.api import HisApi
from mock_server.docs import docs_blueprint
from mock_server.flavors import JSON, envelope_json
from mock_server.service import HisMock, Settings

log = logging.getLogger("his_mock")


def create_app(settings: Settings | None = None, *, mock: HisMock | None = None) -> Flask:
    """Build the app; the `HisMock` behind it is `app.extensions["his_mock"]`."""
    mock = mock or HisMock.create(settings or Settings())
    app = Flask(__name__)
    app.extensions["his_mock"] = mock
    api = HisApi(mock)
    api.register(app, mock.spec)
    for blueprint in (admin_blueprint(mock), docs_blueprint(mock.spec)):
        log_every_request(blueprint, api.access_log)
        app.register_blueprint(blueprint)

    @app.errorhandler(HTTPException)
    def _routing_error(exc: HTTPException) -> Response:
        # An unknown path or a wrong method still gets an envelope, never an HTML page.
        code = exc.code or 500
        description = {404: "接口不存在", 405: "请求方式错误，接口只接受 POST"}.get(code, exc.name)
        response = Response(envelope_json(5, f"入参参数错误：{description}", f"HTTP {code} {exc.name}"), code)
        response.content_type = JSON
        if code == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    return app
