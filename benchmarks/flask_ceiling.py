"""The ceiling: a bare Flask app that answers the mock's exact bytes with no validation, auth or state.

It reads the JSON body (every real handler has to) and returns the bytes his-mock sent for the
same request, so both put the same body on the wire. Served the way `his-mock` is (Granian's
RSGI interface through `mock_server.bridge`, calls run on the event loop's thread, the same
workers) it is the fastest a Flask app serves this response on the machine; the mock's throughput
is reported as a fraction of it.

The answers are the files `bill.json` and `login.json` in the folder named by
`HIS_BENCH_CEILING_ANSWERS`, captured from the running mock by the harness. Run it as
`granian --interface rsgi --working-dir benchmarks flask_ceiling:rsgi_app`.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request

from mock_server.bridge import RsgiBridge
from mock_server.serving import BODY_READ_TIMEOUT_S, MAX_BODY_BYTES, THREADS_PER_WORKER

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


rsgi_app = RsgiBridge(
    app,
    threads=THREADS_PER_WORKER,
    max_body=MAX_BODY_BYTES,
    body_timeout=BODY_READ_TIMEOUT_S,
    multiprocess=True,
    inline=lambda _environ: True,
)
