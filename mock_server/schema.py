"""The tables of his-mock's database, and the schema version stored in it.

Everything more than one process sees lives here: registrations and their bills, settlements, the
signing key of tokens (`his_mock_meta`), pending faults, and the request journal. Several worker
processes or several independent `his-mock` hosts on one database behave as one mock because they
share nothing else.

`SCHEMA_VERSION` changes whenever a table changes; a mock that finds another version in its
database refuses to start (`database.Database` checks it) instead of migrating someone's data.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, String, Table, Text

SCHEMA_VERSION = 3
SCHEMA_VERSION_KEY = "schema_version"
JWT_SECRET_KEY = "jwt_secret"

# SQLite's rowid alias must be INTEGER exactly; PostgreSQL gets a 64-bit identity for the journal.
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

meta_table = Table(
    "his_mock_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

registrations_table = Table(
    "registrations",
    metadata,
    Column("reg_no", String(128), primary_key=True),
    Column("card_no", String(128), nullable=False),
    Column("bill_id", String(128), nullable=False, unique=True),
    # The registration in the fixtures format, and its bill as the exact JSON text the API serves.
    Column("document", Text, nullable=False),
    Column("bill", Text, nullable=False),
    Column("position", Integer, nullable=False),
)

settlements_table = Table(
    "settlements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The one guarantee that must hold across processes and hosts: a bill is settled at most once ...
    Column("bill_id", String(128), nullable=False, unique=True),
    # ... and one payment (WeChat transaction) settles at most one bill.
    Column("serial_number", Text, nullable=False, unique=True),
    Column("reg_no", String(128), nullable=False),
    Column("check_out_no", String(64), nullable=False, unique=True),
    Column("receipt", Text, nullable=False),
    Column("request", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

faults_table = Table(
    "pending_faults",
    metadata,
    # Faults of one operation fire in the order they were added: by id.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("operation", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("remaining", Integer, nullable=False),
    Column("status", Integer, nullable=True),
    Column("delay_ms", Integer, nullable=False),
    # "before": instead of the operation; "after": the operation runs, then its answer is replaced.
    Column("applied", String(8), nullable=False),
    # A fault bounded by time (epoch seconds) answers every matching call until then, uncounted.
    Column("until", Float, nullable=True),
    # Only calls carrying this bearer token (its journal fingerprint) take the fault.
    Column("token", String(16), nullable=True),
    # The scenario that armed the fault (mock_server.scenarios), for the journal and the report.
    Column("scenario", String(64), nullable=True),
    Index("pending_faults_by_operation", "operation", "id"),
)

journal_table = Table(
    "journal",
    metadata,
    Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    Column("time_ms", BigInteger, nullable=False),
    Column("host", String(255), nullable=False),
    Column("worker", Integer, nullable=False),
    Column("operation", String(64), nullable=True),
    Column("method", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("http_status", Integer, nullable=False),
    Column("status", Integer, nullable=True),
    Column("msg", Text, nullable=True),
    Column("latency_ms", Float, nullable=False),
    Column("authorization_scheme", String(32), nullable=True),
    Column("token_fingerprint", String(16), nullable=True),
    Column("user_id", Text, nullable=True),
    Column("content_type", Text, nullable=True),
    Column("body", Text, nullable=False),
    Column("body_bytes", Integer, nullable=False),
    # Names of the fields shortened to fit (comma-separated), empty when nothing was cut.
    Column("truncated", String(128), nullable=False),
    Column("fault_kind", String(16), nullable=True),
    Column("fault_applied", String(8), nullable=True),
    Column("fault_status", Integer, nullable=True),
    Column("fault_delay_ms", Integer, nullable=True),
    Column("fault_scenario", String(64), nullable=True),
    # A few facts of a status-0 answer as JSON (a fetched bill's BILLID and GRZFJE3): what the
    # client report judges a settlement against.
    Column("answer", Text, nullable=True),
)
