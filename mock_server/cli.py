"""Command line entry point (placeholder until its issue lands)."""

from __future__ import annotations

import sys


def main() -> None:
    print("not yet implemented", file=sys.stderr)
    raise SystemExit(2)
