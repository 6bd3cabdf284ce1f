"""The spec at `/openapi.yaml`, and Swagger UI at `/docs` served from the swagger-ui-bundle package."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from his_contract import Spec

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>his-mock · {title}</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "/docs/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      displayOperationId: true,
      tryItOutEnabled: true,
      persistAuthorization: true
    }});
  </script>
</body>
</html>
"""


def docs_blueprint(spec: Spec) -> Blueprint:
    """Routes for the spec and its interactive documentation (no internet needed)."""
    blueprint = Blueprint("docs", __name__)
    assets = Path(str(swagger_ui_path))
    page = _PAGE.format(title=spec.document["info"]["title"]).encode()
    display = json.dumps(for_swagger_ui(spec.document), ensure_ascii=False).encode()
    yaml_text = spec.text.encode()

    @blueprint.get("/openapi.yaml")
    def openapi_yaml() -> Response:
        return Response(yaml_text, content_type="application/yaml; charset=utf-8")

    @blueprint.get("/docs")
    @blueprint.get("/docs/")
    def docs_page() -> Response:
        return Response(page, content_type="text/html; charset=utf-8")

    @blueprint.get("/docs/openapi.json")
    def docs_spec() -> Response:
        return Response(display, content_type="application/json; charset=utf-8")

    @blueprint.get("/docs/<path:name>")
    def docs_asset(name: str) -> Response:
        if name.endswith(".map"):
            abort(404)
        return send_from_directory(assets, name, max_age=3600)

    return blueprint


def for_swagger_ui(document: Mapping[str, Any]) -> Any:
    """A copy of the spec labelled OpenAPI 3.0 for display.

    The packaged Swagger UI (4.x) refuses to render an `openapi: 3.1.x` document; the 3.1 keywords the
    spec uses (`type: [x, 'null']`, `const`, schema `examples`) are rewritten to their 3.0 forms. The
    served `/openapi.yaml` stays the real, unchanged contract.
    """
    converted = _to_30(document)
    converted["openapi"] = "3.0.3"
    converted["info"].pop("summary", None)
    converted["info"].get("license", {}).pop("identifier", None)
    return converted


def _to_30(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_30(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {key: _to_30(value) for key, value in node.items()}
    kind = out.get("type")
    if isinstance(kind, list):
        others = [k for k in kind if k != "null"]
        if len(others) == 1:
            out["type"] = others[0]
            if "null" in kind:
                out["nullable"] = True
        elif not others:
            del out["type"]
            out["nullable"] = True
    elif kind == "null":
        del out["type"]
        out["nullable"] = True
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list) and "type" in out:
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    return out
