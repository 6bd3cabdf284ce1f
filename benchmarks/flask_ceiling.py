"""The ceiling: a bare Flask app that answers the mock's exact bytes with no validation, auth or state.

It reads the JSON body (every real handler has to) and returns the bytes his-mock sent for the
same request, so both put the same body on the wire. Under the same gunicorn settings as
`his-mock` it is the fastest a Python WSGI stack serves this response on the machine; the mock's
throughput is reported as a fraction of it.

The answers are the files `bill.json` and `login.json` in the folder named by
`HIS_BENCH_CEILING_ANSWERS`, captured from the running mock by the harness. Run it as
`gunicorn --chdir benchmarks flask_ceiling:app`.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request

_ANSWERS = Path(os.environ["HIS_BENCH_CEILING_ANSWERS"])
BILL = (_ANSWERS / "bill.json").read_bytes()
LOGIN = (_ANSWERS / "login.json").read_bytes()

app = Flask(__name__)


@app.post("/api/MzSettle/GetUnSettleBillByDoctor")
def get_unsettled_bill() -> Response:
    request.get_json(silent=True)
    return Response(BILL, content_type="application/json")


@app.post("/api/Login/Token")
def login() -> Response:
    request.get_json(silent=True)
    return Response(LOGIN, content_type="application/json")
