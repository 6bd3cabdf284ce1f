"""The his-mock app for the other servers of the serving comparison (benchmarks/harness/serving.py).

Every contender serves this same Flask app (HIS operations, validation, JWT, SQLite state), each
worker process building its own from the database named by `HIS_BENCH_DB`, as his-mock's own
workers do. Run it as e.g. `gunicorn --chdir benchmarks contender_app:app`.
"""

from __future__ import annotations

import os

from mock_server.app import create_app
from mock_server.service import Settings

app = create_app(Settings(db=os.environ["HIS_BENCH_DB"]))
