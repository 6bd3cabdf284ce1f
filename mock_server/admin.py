"""The admin API under `/__admin/` (off the HIS spec): state, registrations, journal, faults, tokens.

Plain JSON, not envelopes: `{"error": "..."}` with HTTP 400 for a bad request (a body that is not
UTF-8 JSON, or nests deeper than `MAX_DEPTH`), 413 for a body over `MAX_ADMIN_BODY_BYTES`, 401 when
`--admin-token` is set and the request lacks `Authorization: Bearer <admin token>`.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from his_contract import MAX_DEPTH, JsonBoundsError, loads_bounded
from mock_server.client_report import (
    FORMATS,
    as_html,
    as_json,
    as_junit,
    build_report,
    calls_from_journal,
    scenarios_seen,
)
from mock_server.errors import FaultError, FixturesError, StoreError
from mock_server.faults import parse_fault
from mock_server.fixtures import parse_registrations
from mock_server.flavors import utf8
from mock_server.scenarios import SCENARIOS, arm, parse_arm_request
from mock_server.service import HisMock
from mock_server.validation import find_lone_surrogate

PREFIX = "/__admin"
# Registrations uploaded at once (the benchmark loads 1,000 per request, about 1 MiB).
MAX_ADMIN_BODY_BYTES = 8 * 1024 * 1024


def admin_blueprint(mock: HisMock) -> Blueprint:
    """The admin routes of one mock."""
    admin = Blueprint("admin", __name__, url_prefix=PREFIX)
    # Compared as UTF-8 bytes: the header's bytes as sent (WSGI hands them over as latin-1 text).
    expected = None if mock.settings.admin_token is None else f"Bearer {mock.settings.admin_token}".encode()

    admin.register_error_handler(HTTPException, admin_error)

    @admin.before_request
    def _authorize() -> Response | None:
        if expected is None:
            return None
        supplied = request.headers.get("Authorization", "").strip(" \t")
        if hmac.compare_digest(supplied.encode("latin-1", "replace"), expected):
            return None
        return _json(
            {"error": "the admin API needs `Authorization: Bearer <admin token>` (--admin-token)"}, 401
        )

    @admin.get("/")
    def index() -> Response:
        return _json(
            {
                "endpoints": [
                    "POST /__admin/reset",
                    "GET /__admin/registrations",
                    "PUT /__admin/registrations",
                    "GET /__admin/settlements",
                    "GET /__admin/requests?limit=N",
                    "DELETE /__admin/requests",
                    "GET /__admin/faults",
                    "POST /__admin/faults",
                    "DELETE /__admin/faults",
                    "POST /__admin/token",
                    "GET /__admin/scenarios",
                    "POST /__admin/scenarios",
                    "GET /__admin/report?format=json|junit|html",
                ]
            }
        )

    @admin.post("/reset")
    def reset() -> Response:
        mock.reset()
        return _json({"reset": True, "registrations": len(mock.fixtures.registrations)})

    @admin.get("/registrations")
    def list_registrations() -> Response:
        return _json(mock.store.registrations())

    @admin.put("/registrations")
    def put_registrations() -> Response:
        data = _body()
        if isinstance(data, Response):
            return data
        if isinstance(data, dict):
            data = [data]
        try:
            registrations = parse_registrations(data, mock.spec)
            mock.store.put_registrations(registrations)
        except (FixturesError, StoreError) as exc:
            return _json({"error": f"nothing stored: {exc}"}, 400)
        return _json({"stored": [r.reg_no for r in registrations]})

    @admin.get("/settlements")
    def list_settlements() -> Response:
        return _json(
            [
                {
                    "BILLID": s.bill_id,
                    "RegSerNo": s.reg_no,
                    "SerialNumber": s.serial_number,
                    "CheckOutNo": s.check_out_no,
                    "settledAt": s.created_at,
                    "receipt": json.loads(s.receipt_json),
                }
                for s in mock.store.settlements()
            ]
        )

    @admin.get("/requests")
    def list_requests() -> Response:
        limit = request.args.get("limit")
        if limit is not None and not (limit.isascii() and limit.isdigit()):
            return _json(
                {"error": f"`limit` must be an integer >= 0 (the newest N calls); got {limit!r}"}, 400
            )
        return _json(mock.journal.entries(limit=None if limit is None else int(limit)))

    @admin.delete("/requests")
    def clear_requests() -> Response:
        mock.journal.clear()
        return _json({"cleared": True})

    @admin.get("/faults")
    def list_faults() -> Response:
        return _json([fault.to_document() for fault in mock.faults.pending()])

    @admin.post("/faults")
    def add_fault() -> Response:
        data = _body()
        if isinstance(data, Response):
            return data
        try:
            fault = parse_fault(data, operations=mock.spec.operations, status_codes=mock.spec.status_codes)
            pending = mock.faults.add(fault)
        except FaultError as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"added": fault.to_document(), "pending": pending.to_document()}, 201)

    @admin.delete("/faults")
    def clear_faults() -> Response:
        mock.faults.clear()
        return _json({"cleared": True})

    @admin.get("/scenarios")
    def list_scenarios() -> Response:
        pending = sorted({fault.scenario for fault in mock.faults.pending() if fault.scenario})
        return _json({"scenarios": [s.as_dict() for s in SCENARIOS.values()], "armed": pending})

    @admin.post("/scenarios")
    def arm_scenario() -> Response:
        data = _body()
        if isinstance(data, Response):
            return data
        try:
            scenario, values = parse_arm_request(data)
            faults = arm(mock, scenario, values)
        except FaultError as exc:
            return _json({"error": str(exc)}, 400)
        return _json(
            {"armed": scenario.name, "values": values, "faults": [f.to_document() for f in faults]}, 201
        )

    @admin.get("/report")
    def client_report() -> Response:
        output = request.args.get("format", "json")
        if output not in FORMATS:
            return _json({"error": f"`format` must be one of {', '.join(FORMATS)}; got {output!r}"}, 400)
        entries = mock.journal.entries()
        pending = [fault.scenario for fault in mock.faults.pending()]
        report = build_report(
            calls_from_journal(entries), mock.spec, scenarios=scenarios_seen(entries, pending)
        )
        if output == "junit":
            return Response(as_junit(report), content_type="application/xml; charset=utf-8")
        if output == "html":
            return Response(utf8(as_html(report)), content_type="text/html; charset=utf-8")
        document = as_json(report)
        if mock.upstream is not None:
            from mock_server.proxy import with_server_side

            document = with_server_side(document, mock.upstream, [entry["id"] for entry in entries])
        return _json(document)

    @admin.post("/token")
    def mint_token() -> Response:
        data = _body()
        if isinstance(data, Response):
            return data
        if not isinstance(data, dict):
            return _json({"error": 'expected {"userId": "demo", "ttl": -60}'}, 400)
        user_id = data.get("userId", "demo")
        ttl = data.get("ttl", mock.tokens.ttl)
        if not isinstance(user_id, str) or not user_id:
            return _json({"error": "`userId` must be a non-empty string"}, 400)
        if not isinstance(ttl, int) or isinstance(ttl, bool):
            return _json(
                {"error": "`ttl` must be an integer number of seconds (negative: already expired)"}, 400
            )
        return _json({"token": mock.tokens.issue(user_id, ttl=ttl)})

    return admin


def is_admin_path(path: str) -> bool:
    return path == PREFIX or path.startswith(f"{PREFIX}/")


def admin_error(exc: HTTPException) -> Response:
    """An HTTP error of the admin API as its plain JSON `{"error": ...}`, with the HTTP code (and
    the allowed methods of a 405), never an HIS envelope."""
    code = exc.code or 500
    if code == 404:
        message = f"no such admin endpoint {request.method} {request.path}; GET {PREFIX}/ lists them"
    elif code == 405:
        message = f"{request.path} does not take {request.method}; use {', '.join(allowed_methods(exc))}"
    elif code >= 500:
        original = getattr(exc, "original_exception", None)
        message = f"internal error of his-mock: {original.__class__.__name__ if original else exc.name}"
    else:
        message = f"{exc.name}: {exc.description}"
    response = _json({"error": message}, code)
    if code == 405:
        response.headers["Allow"] = exc.get_response().headers.get("Allow", "")
    return response


def allowed_methods(exc: HTTPException) -> list[str]:
    """The methods a 405 names for people: those of the routes, without Flask's automatic HEAD/OPTIONS."""
    allowed = exc.get_response().headers.get("Allow", "")
    return sorted(
        m for m in (part.strip() for part in allowed.split(",")) if m and m not in ("HEAD", "OPTIONS")
    )


def _body() -> Any:
    """The JSON body, or a 400/413 response saying why it is not one."""
    declared = request.content_length
    if declared is not None and declared > MAX_ADMIN_BODY_BYTES:
        return _too_large(declared)
    raw = request.get_data(cache=False)
    try:
        data = loads_bounded(raw or b"null", max_depth=MAX_DEPTH, max_bytes=MAX_ADMIN_BODY_BYTES)
    except JsonBoundsError as exc:
        if exc.kind == "size":
            return _too_large(len(raw))
        return _json(
            {"error": f"the body is not JSON (UTF-8, at most {MAX_DEPTH} levels deep): {exc.reason}"}, 400
        )
    field = find_lone_surrogate(data)
    if field is not None:
        return _json(
            {"error": f"{field or 'the body'}: a lone UTF-16 surrogate (\\ud800-\\udfff) is not text"}, 400
        )
    return data


def _too_large(size: int) -> Response:
    return _json({"error": f"the body of {size} bytes exceeds the admin API's {MAX_ADMIN_BODY_BYTES}"}, 413)


def _json(document: Any, status: int = 200) -> Response:
    return Response(
        utf8(json.dumps(document, ensure_ascii=False, indent=1)),
        status=status,
        content_type="application/json; charset=utf-8",
    )
