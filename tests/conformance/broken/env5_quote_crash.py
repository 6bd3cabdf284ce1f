"""ENV-5: every lookup is logged with SQL built by concatenation: a quote in RegNo is an HTML 500."""

from __future__ import annotations

import sqlite3

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-5"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
ERROR_PAGE = b"<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1></body></html>"


class QuoteCrash(CorrectHis):
    def __init__(self) -> None:
        super().__init__()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("CREATE TABLE lookups (RegNo TEXT)")

    def get_bill(self, raw: bytes, authorization: str | None) -> Reply:
        body = self.parse("getUnSettleBillByDoctor", raw)
        if isinstance(body, dict):
            try:
                with self.lock:
                    self.db.execute(f"INSERT INTO lookups VALUES ('{body['RegNo']}')")  # noqa: S608 (the defect)
            except (sqlite3.Error, ValueError):
                return Reply(ERROR_PAGE, 500, "text/html; charset=utf-8")
        return super().get_bill(raw, authorization)


if __name__ == "__main__":
    serve_forever(QuoteCrash)
