"""The ceiling: a bare Flask app that answers the mock's exact bytes with no validation, auth or state.

It reads the JSON body (every real handler has to) and returns the bytes his-mock sent for the
same request, so both put the same body on the wire. Served the way `his-mock` is
(`mock_server.serving.serve_asgi`: uvicorn's httptools protocol with his-mock's limits, the bridge,
calls run on the event loop's thread, the same workers) it is the fastest a Flask app serves this
response on the machine; the mock's throughput is reported as a fraction of it.

The answers are the files `bill.json` and `login.json` in the folder named by
`HIS_BENCH_CEILING_ANSWERS`, captured from the running mock by the harness. Run it as
`python benchmarks/flask_ceiling.py HOST PORT WORKERS`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask, Response, request

from mock_server.bridge import AsgiBridge
from mock_server.serving import BODY_READ_TIMEOUT_S, MAX_BODY_BYTES, THREADS_PER_WORKER, bind, serve_asgi


def create_app() -> Flask:
    answers = Path(os.environ["HIS_BENCH_CEILING_ANSWERS"])
    bill = (answers / "bill.json").read_bytes()
    login_answer = (answers / "login.json").read_bytes()
    app = Flask(__name__)

    @app.post("/api/MzSettle/GetUnSettleBillByDoctor")
    def get_unsettled_bill() -> Response:
        request.get_json(silent=True)
        return Response(bill, content_type="application/json")

    @app.post("/api/Login/Token")
    def login() -> Response:
        request.get_json(silent=True)
        return Response(login_answer, content_type="application/json")

    return app


def asgi_app() -> AsgiBridge:
    """The ceiling of one worker (module level, so a spawned worker can build it)."""
    return AsgiBridge(
        create_app(),
        threads=THREADS_PER_WORKER,
        max_body=MAX_BODY_BYTES,
        body_timeout=BODY_READ_TIMEOUT_S,
        multiprocess=True,
        inline=lambda _environ: True,
    )


if __name__ == "__main__":
    host, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    serve_asgi(
        asgi_app, bind(host, port), workers=workers, on_ready=lambda: print("ceiling ready", flush=True)
    )
