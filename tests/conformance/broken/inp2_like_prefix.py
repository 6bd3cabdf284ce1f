"""INP-2: the registration is looked up with `LIKE ? || '%'`: a prefix (or `%`) finds someone's bill."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.conformance.broken.base import REG_NO, CorrectHis, serve_forever

EXPECTED = "INP-2"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule


class LikePrefix(CorrectHis):
    def __init__(self) -> None:
        super().__init__()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("CREATE TABLE registrations (RegNo TEXT)")
        self.db.execute("INSERT INTO registrations VALUES (?)", (REG_NO,))

    def unsettled_bill(self, reg_no: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT RegNo FROM registrations WHERE RegNo LIKE ? || '%'", (reg_no,)
            ).fetchone()
        return super().unsettled_bill(row[0]) if row else None


if __name__ == "__main__":
    serve_forever(LikePrefix)
