"""The Flask application of his-mock: the HIS operations, the admin API, the docs."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from mock_server.accesslog import log_every_request
from mock_server.admin import admin_blueprint, admin_error, allowed_methods, is_admin_path
from mock_server.api import HisApi
from mock_server.docs import docs_blueprint
from mock_server.errors import InternalError, RoutingError
from mock_server.flavors import Flavor, Reply
from mock_server.service import HisMock, Settings

log = logging.getLogger("his_mock")


def create_app(settings: Settings | None = None, *, mock: HisMock | None = None) -> Flask:
    """Build the app; the `HisMock` behind it is `app.extensions["his_mock"]`."""
    mock = mock or HisMock.create(settings or Settings())
    app = Flask(__name__)
    app.extensions["his_mock"] = mock
    api = HisApi(mock)
    app.extensions["his_api"] = api
    api.register(app, mock.spec)
    for blueprint in (admin_blueprint(mock), docs_blueprint(mock.spec)):
        log_every_request(blueprint, api.access_log)
        app.register_blueprint(blueprint)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        # Routing fails before a blueprint is chosen, so the admin API's 404/405 land here too.
        if is_admin_path(request.path):
            return admin_error(exc)
        return envelope_for_http_error(exc, mock.flavor).as_response()

    return app


def envelope_for_http_error(exc: HTTPException, flavor: Flavor) -> Reply:
    """An HTTP error outside the admin API: an envelope, never an HTML page (ENV-5). A bug (Flask's own
    500) answers as one inside a HIS operation does: `InternalError` through the same table."""
    code = exc.code or 500
    if code >= 500:
        original = getattr(exc, "original_exception", None)
        return flavor.error(InternalError.of(original or exc))
    allowed = exc.get_response().headers.get("Allow", "") if code == 405 else ""
    only = ", ".join(allowed_methods(exc))
    description = {404: "接口不存在", 405: f"请求方式错误，接口只接受 {only}"}.get(code, exc.name)
    error = RoutingError(f"入参参数错误：{description}", f"HTTP {code} {exc.name}", http=code, allow=allowed)
    return flavor.error(error)
