"""Fast in-process tests of the state layer's parts: fault parsing, the fault board's atomic take,
the journal's bounds and redaction, the schema version check. No server process; the board and the
journal run on a real database of each kind (`db_url`)."""

from __future__ import annotations

import json
import sqlite3
import struct
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import bindparam, select, update

from mock_server.app import create_app
from mock_server.database import Database, database_url
from mock_server.errors import FaultError, SchemaMismatch, StoreError
from mock_server.faults import MAX_PENDING, Fault, FaultBoard, parse_fault
from mock_server.journal import (
    CUT,
    LIMITS,
    Entry,
    Journal,
    bound_text,
    journal_row,
    redact_body,
    token_fingerprint,
)
from mock_server.schema import SCHEMA_VERSION_KEY, meta_table
from mock_server.service import HisMock, Settings
from tests.support.mock import demo_settle_body

LOGIN = "/api/Login/Token"
SETTLE = "/api/MzSettle/SettleByDoctor"
BILL = "/api/MzSettle/GetUnSettleBillByDoctor"
OPERATIONS = ("login", "getUnSettleBillByDoctor", "getUnpayBillByDoctorAlias", "settleByDoctor")
STATUS_CODES = (0, 1, 2, 3, 5, 6, 500)


def _parse(data: object) -> Fault:
    return parse_fault(data, operations=OPERATIONS, status_codes=STATUS_CODES)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    url, temporary = database_url(db_url)
    db = Database(url, temporary_folder=temporary)
    yield db
    db.close()


# --- parsing ------------------------------------------------------------------------------------


def test_a_fault_request_is_parsed_with_its_defaults() -> None:
    fault = _parse({"operation": "getUnpayBillByDoctorAlias", "kind": "http500"})
    assert fault == Fault("getUnSettleBillByDoctor", "http500", 1, None, 0, "before")
    assert fault.to_document()["delayMs"] == 0


@pytest.mark.parametrize("key", ["delayMs", "delay_ms"])
def test_delay_is_accepted_in_either_spelling(key: str) -> None:
    assert _parse({"operation": "login", "kind": "delay", key: 250}).delay_ms == 250


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"operation": "login", "kind": "delay", "delayMs": 5, "delay_ms": 5}, "`delayMs` only"),
        ({"operation": "login", "kind": "delay", "delayMs": 120_001}, "`delayMs` must be"),
        ({"operation": "login", "kind": "delay", "delayMs": True}, "`delayMs` must be"),
        ({"operation": "login", "kind": "drop", "times": 10**9}, "`times` must be"),
        ({"operation": "login", "kind": "drop", "when": "sometime"}, "`when` must be"),
        ({"operation": "login", "kind": "http500", "status": 2}, "only applies to kind `status`"),
    ],
    ids=["both-spellings", "delay-too-long", "delay-bool", "times-huge", "when-unknown", "status-on-http500"],
)
def test_bad_fault_requests_say_why(data: object, reason: str) -> None:
    with pytest.raises(FaultError, match=reason):
        _parse(data)


# --- the board, on each database ---------------------------------------------------------------


def test_a_fault_for_n_calls_is_taken_exactly_n_times_by_racing_threads(database: Database) -> None:
    board = FaultBoard(database)
    board.add(_parse({"operation": "login", "kind": "status", "status": 2, "times": 40}))
    barrier = threading.Barrier(8)

    def take_all(_: int) -> int:
        barrier.wait(timeout=30)
        return sum(board.take("login") is not None for _ in range(10))

    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = sum(pool.map(take_all, range(8)))
    assert taken == 40
    assert board.pending() == []
    assert board.take("login") is None


def test_faults_of_an_operation_fire_in_order_and_identical_ones_merge(database: Database) -> None:
    board = FaultBoard(database)
    two = _parse({"operation": "settleByDoctor", "kind": "status", "status": 2, "times": 2})
    board.add(two)
    assert board.add(two).remaining == 4  # merged into the last pending one
    board.add(_parse({"operation": "settleByDoctor", "kind": "drop"}))
    board.add(_parse({"operation": "login", "kind": "http500"}))
    kinds = [board.take("settleByDoctor") for _ in range(6)]
    assert [f and (f.kind, f.remaining) for f in kinds] == [
        ("status", 4),
        ("status", 3),
        ("status", 2),
        ("status", 1),
        ("drop", 1),
        None,
    ]
    assert [f.operation for f in board.pending()] == ["login"]


def test_the_board_is_bounded(database: Database) -> None:
    board = FaultBoard(database)
    for number in range(MAX_PENDING):
        board.add(Fault("login", "status", 1, status=2 + number % 2))
    with pytest.raises(FaultError, match="too many pending faults"):
        board.add(Fault("login", "status", 1, status=3 if MAX_PENDING % 2 else 2))
    assert len(board.pending()) == MAX_PENDING


# --- the journal ---------------------------------------------------------------------------------


def _entry(**overrides: object) -> Entry:
    fields: dict[str, object] = {
        "method": "POST",
        "path": "/api/Login/Token",
        "operation_id": "login",
        "http_status": 200,
        "status": 0,
        "msg": "获取成功",
        "latency_ms": 1.5,
        "authorization": None,
        "content_type": "application/json",
        "body": b'{"userId": "demo", "password": "hunter2"}',
    }
    fields.update(overrides)
    return Entry(**fields)  # type: ignore[arg-type]


def test_a_60_kb_field_is_cut_and_the_cut_is_noted() -> None:
    huge = json.dumps({"RegNo": "1", "extra": "x" * 60_000, "password": "hunter2"}).encode()
    row = journal_row(_entry(body=huge, msg="m" * 60_000, path="/" + "p" * 60_000), host="h")
    assert sorted(row["truncated"].split(",")) == ["body", "msg", "path"]
    for name, column in (("body", "body"), ("msg", "msg"), ("path", "path")):
        assert len(row[column]) == LIMITS[name] and row[column].endswith(CUT)
    assert "hunter2" not in row["body"] and row["body_bytes"] == len(huge)


def test_a_body_cut_inside_a_password_never_shows_it() -> None:
    # Not JSON (cut by the client), the password runs past the limit: the key's value is hidden.
    raw = b'{"userId": "demo", "password": "' + b"s3cr3t" * 2000
    text, _cut = redact_body(raw, limit=100)
    assert "s3cr3t" not in text and text.endswith('"password":***')
    # Redacted first, cut second: a long password before the limit is hidden too.
    text, cut = redact_body(
        b'{"password": "' + b"s3cr3t" * 50 + b'", "RegNo": "' + b"1" * 300 + b'"}', limit=100
    )
    assert cut and "s3cr3t" not in text and '"***"' in text


def test_texts_are_made_storable() -> None:
    text, cut = bound_text("a\x00b\ud800c", 10)
    assert (text, cut) == ("a\ufffdb?c", False)
    row = journal_row(_entry(user_id="\ud800" * 500, authorization="Bearer \udfff"), host="h")
    assert row["user_id"] == "?" * (LIMITS["userId"] - 1) + CUT
    assert row["authorization_scheme"] == "Bearer ***"


def test_the_token_fingerprint_is_short_stable_and_not_the_token() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl"
    fingerprint = token_fingerprint(f"Bearer {token}")
    assert fingerprint == token_fingerprint(f"Bearer {token}") != token_fingerprint("Bearer other")
    assert fingerprint is not None and len(fingerprint) == 12 and fingerprint not in token
    assert token_fingerprint(None) is None


def test_the_journal_keeps_the_newest_entries_only(database: Database) -> None:
    journal = Journal(database, capacity=20)
    ids = [journal.append(_entry(msg=f"call {n}")) for n in range(100)]
    assert all(ids) and ids == sorted(ids)
    entries = journal.entries()
    assert [e["msg"] for e in entries] == [f"call {n}" for n in range(99, 79, -1)]
    assert [e["request"]["body"] for e in entries[:1]] == ['{"userId": "demo", "password": "***"}']
    assert journal.entries(limit=3) == entries[:3]
    with database.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT count(*) FROM journal").scalar_one()
    assert stored <= 20 + 32  # pruned as it goes
    assert [e["id"] for e in entries] == ids[:-21:-1]


def test_a_journal_that_cannot_write_changes_nothing_else(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(database)
    with database.journal_engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE journal")
    assert journal.append(_entry()) is None  # logged, not raised
    assert "the journal could not record POST /api/Login/Token" in caplog.text


def _sqlite_database(tmp_path: Path) -> Database:
    return Database(f"sqlite:///{tmp_path / 'his-mock.db'}")


def test_a_journal_insert_waits_out_another_process_holding_the_sqlite_write_lock(tmp_path: Path) -> None:
    database = _sqlite_database(tmp_path)
    journal = Journal(database)
    holder = sqlite3.connect(tmp_path / "his-mock.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as another worker's transaction holds it
    released = threading.Timer(0.3, holder.execute, args=("COMMIT",))
    released.start()
    started = time.monotonic()
    try:
        entry_id = journal.append(_entry(msg="after the lock"))
    finally:
        released.join()
        holder.close()
    assert entry_id is not None and time.monotonic() - started >= 0.25
    assert journal.entries(limit=1)[0]["msg"] == "after the lock"
    database.close()


def test_a_failing_sqlite_statement_is_raised_and_its_connection_replaced(tmp_path: Path) -> None:
    database = _sqlite_database(tmp_path)
    statement = database.statement(select(meta_table.c.value).where(meta_table.c.key == bindparam("key")))
    assert statement.first(key=SCHEMA_VERSION_KEY) is not None
    with database.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE his_mock_meta RENAME TO gone")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        statement.first(key=SCHEMA_VERSION_KEY)
    with database.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE gone RENAME TO his_mock_meta")
    assert statement.first(key=SCHEMA_VERSION_KEY) is not None
    database.close()


def _wal_frames(db: Path) -> tuple[int, int]:
    """Frames in SQLite's write-ahead log and frames already copied into the database file, read from
    its shared-memory index (the WAL-index header's mxFrame, the checkpoint info's nBackfill) without
    taking part in any transaction or checkpoint."""
    data = Path(f"{db}-shm").read_bytes()
    return struct.unpack_from("=I", data, 16)[0], struct.unpack_from("=I", data, 96)[0]


def test_the_write_ahead_log_is_checkpointed_off_the_request_path(tmp_path: Path) -> None:
    database = _sqlite_database(tmp_path)
    journal = Journal(database)
    for n in range(300):
        journal.append(_entry(msg=f"call {n}"))
    probe = sqlite3.connect(tmp_path / "his-mock.db", isolation_level=None)
    try:
        assert probe.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)  # a fresh connection's
        deadline = time.monotonic() + 10
        while True:  # nobody but the mock's own thread checkpoints here
            frames, done = _wal_frames(tmp_path / "his-mock.db")
            if frames > 0 and frames == done:
                break
            assert time.monotonic() < deadline, f"{done} of {frames} frames checkpointed"
            time.sleep(0.05)
    finally:
        probe.close()
    database.close()


# --- the schema version --------------------------------------------------------------------------


def test_a_database_of_another_schema_version_is_refused(db_url: str) -> None:
    url, temporary = database_url(db_url)
    first = Database(url)
    with first.engine.begin() as conn:
        conn.execute(update(meta_table).where(meta_table.c.key == SCHEMA_VERSION_KEY).values(value="1"))
    first.close()
    with pytest.raises(SchemaMismatch, match="schema version 1, this his-mock uses version"):
        Database(url, temporary_folder=temporary)


@pytest.mark.parametrize(
    "db",
    ["/etc/passwd/x.db", "postgresql://u:s3cr3t@127.0.0.1:1/x", "nosuchdriver://x/y"],
    ids=["under-a-file", "unreachable-server", "unknown-dialect"],
)
def test_a_database_that_cannot_be_opened_is_one_line(db: str) -> None:
    with pytest.raises(StoreError) as caught:
        url, temporary = database_url(db)
        Database(url, temporary_folder=temporary)
    message = str(caught.value)
    assert "\n" not in message and "s3cr3t" not in message and "--db" in message


def test_a_settlement_answers_its_receipt_when_the_journal_cannot_be_written(db_url: str) -> None:
    app = create_app(Settings(db=db_url))
    mock: HisMock = app.extensions["his_mock"]
    try:
        client = app.test_client()
        token = client.post(LOGIN, json={"userId": "demo", "password": "demo"}).json["response"]
        with mock.database.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE journal")
        answer = client.post(SETTLE, json=demo_settle_body(), headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json["status"] == 0
        settled = mock.store.settlements()
        assert [s.check_out_no for s in settled] == [answer.json["response"]["CheckOutNo"]]
    finally:
        mock.close()


def test_a_nul_character_gets_the_same_answer_on_every_database(db_url: str) -> None:
    # PostgreSQL text cannot hold NUL; SQLite can. The mock answers alike on both.
    app = create_app(Settings(db=db_url))
    mock: HisMock = app.extensions["his_mock"]
    try:
        client = app.test_client()
        token = client.post(LOGIN, json={"userId": "demo", "password": "demo"}).json["response"]
        headers = {"Authorization": f"Bearer {token}"}
        unknown = client.post(BILL, json={"RegNo": "16282\u000044"}, headers=headers).json
        assert unknown["status"] == 6 and "未找到挂号号" in unknown["msg"]
        body = demo_settle_body(SerialNumber="4200\u00001")
        first = client.post(SETTLE, json=body, headers=headers).json
        replay = client.post(SETTLE, json=body, headers=headers).json
        assert first["status"] == replay["status"] == 0 and first["response"] == replay["response"]
        other = client.post(SETTLE, json=demo_settle_body(SerialNumber="4200\\u00001"), headers=headers).json
        assert other["status"] == 6  # only one payment settles the bill
    finally:
        mock.close()


def test_hosts_starting_at_once_on_one_database_all_start(db_url: str) -> None:
    # Each creates the schema or finds it, then writes the fixtures' registrations over the others'.
    barrier = threading.Barrier(4)

    def start(_: int) -> HisMock:
        barrier.wait(timeout=30)
        return HisMock.create(Settings(db=db_url))

    with ThreadPoolExecutor(max_workers=4) as pool:
        mocks = list(pool.map(start, range(4)))
    try:
        assert len({len(m.store.registrations()) for m in mocks}) == 1
        assert len({m.tokens.issue("demo", ttl=60) != "" for m in mocks}) == 1
        assert len({m.store.jwt_secret() for m in mocks}) == 1  # one signing key for all of them
    finally:
        for m in mocks:
            m.close()
