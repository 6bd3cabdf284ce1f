"""`python -m conformance` runs the his-conformance command line."""

from __future__ import annotations

from conformance.cli import main

main()
