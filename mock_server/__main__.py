"""`python -m mock_server` runs the his-mock command line."""

from __future__ import annotations

from mock_server.cli import run

run()
