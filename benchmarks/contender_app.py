"""The his-mock app for the other servers of the serving comparison (benchmarks/harness/serving.py).

Every contender serves this same Flask app (HIS operations, validation, JWT, SQLite state), each
worker process building its own from the database named by `HIS_BENCH_DB`, as his-mock's own
workers do. Run it as e.g. `gunicorn --chdir benchmarks contender_app:app`, or `asgi_app` under an
ASGI server.
"""

from __future__ import annotations

import os

from mock_server.app import create_app
from mock_server.bridge import AsgiBridge
from mock_server.service import Settings
from mock_server.serving import BODY_READ_TIMEOUT_S, MAX_BODY_BYTES, THREADS_PER_WORKER

app = create_app(Settings(db=os.environ["HIS_BENCH_DB"]))
# The same app through his-mock's bridge, for an ASGI server other than his-mock's own.
asgi_app = AsgiBridge(
    app,
    threads=THREADS_PER_WORKER,
    max_body=MAX_BODY_BYTES,
    body_timeout=BODY_READ_TIMEOUT_S,
    multiprocess=True,
    inline=app.extensions["his_api"].is_short,
)
