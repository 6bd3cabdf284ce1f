"""The ceiling: a bare Flask app that answers the mock's bill envelope with no validation, auth or state.

It reads the JSON body (every real handler has to) and returns a dict that Flask encodes, the
idiomatic minimum for a Flask JSON endpoint. Under the same gunicorn settings as `his-mock` it is
the fastest a Python WSGI stack serves this response on the machine, so the mock's throughput is
reported as a fraction of it.

The answers come from the JSON file named by `HIS_BENCH_CEILING_ANSWERS`:
`{"bill": <envelope>, "login": <envelope>}`, captured from the running mock by the harness so the
two servers send the same bill. Run it as `gunicorn --chdir benchmarks flask_ceiling:app`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, request

ANSWERS: dict[str, Any] = json.loads(Path(os.environ["HIS_BENCH_CEILING_ANSWERS"]).read_text("utf-8"))

app = Flask(__name__)


@app.post("/api/MzSettle/GetUnSettleBillByDoctor")
def get_unsettled_bill() -> dict[str, Any]:
    request.get_json(silent=True)
    bill: dict[str, Any] = ANSWERS["bill"]
    return bill


@app.post("/api/Login/Token")
def login() -> dict[str, Any]:
    request.get_json(silent=True)
    token: dict[str, Any] = ANSWERS["login"]
    return token
