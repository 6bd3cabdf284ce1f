"""The his-mock command line: start-up banner, custom fixtures, and one-line errors with exit 2."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mock_server.fixtures import demo_fixtures_path
from tests.support.mock import login, start_mock
from tests.support.servers import HOST, free_port


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mock_server", *args], capture_output=True, text=True, timeout=60, check=False
    )


def demo_with(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the demo fixtures with one edit."""
    text = demo_fixtures_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "fixtures.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("his-mock: error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def test_banner_lists_every_demo_credential_and_registration(doc_server_log: str) -> None:
    for line in ("demo / demo", "kiosk01 / kiosk-2021", "emr / emr-plugin"):
        assert line in doc_server_log
    for reg_no in ("1628214442", "1628214443", "1628214444", "1628214445", "1628214446"):
        assert reg_no in doc_server_log
    assert "his-mock listening on http://127.0.0.1:" in doc_server_log


@pytest.fixture
def doc_server_log(doc_server: object) -> str:
    from tests.support.servers import RunningServer

    assert isinstance(doc_server, RunningServer)
    return doc_server.log()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_taken_port_is_one_clear_error(workers: str) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = _one_line_error(_run("--port", str(port), "--db", ":memory:", "--workers", workers))
    assert f"port {port} on 127.0.0.1 is already in use" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('SumFund: "136.40"', 'SumFund: "136.50"', ["registration 1628214442", "SEM-2", "136.50"]),
        (
            'SumFund: "136.40"',
            "SumFund: 136.40",
            ["registration 1628214442", "SCH-1", 'quote it in YAML, e.g. "136.4"'],
        ),
    ],
    ids=["sem-2", "unquoted-amount"],
)
def test_a_bad_fixtures_file_names_the_registration_and_the_rule(
    tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    path = demo_with(tmp_path, old, new)
    message = _one_line_error(_run("--fixtures", str(path), "--db", ":memory:", "--port", str(free_port())))
    assert str(path) in message
    for part in expected:
        assert part in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read the fixtures file"),
        ("users: [demo\n  - x: : :", "is not valid YAML at line"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
    ids=["missing-file", "broken-yaml", "not-a-mapping"],
)
def test_an_unreadable_fixtures_file_is_one_clear_error(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "fixtures.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    message = _one_line_error(_run("--fixtures", str(path), "--db", ":memory:"))
    assert expected in message


def test_a_bad_database_url_is_one_clear_error() -> None:
    assert "--db" in _one_line_error(_run("--db", "nosuchdriver://x/y", "--port", str(free_port())))


def test_a_missing_database_driver_is_one_clear_error_without_the_password() -> None:
    # MySQL's driver is not a dependency of the kit (psycopg is, in the extras), so the dialect cannot load.
    message = _one_line_error(_run("--db", "mysql://u:s3cr3t-pw@127.0.0.1:1/db", "--port", str(free_port())))
    assert "install a driver: pip install" in message
    assert "mysql://u:***@127.0.0.1:1/db" in message
    assert "s3cr3t-pw" not in message


@pytest.mark.parametrize(
    ("db", "expected"),
    [
        ("/etc/passwd/x.db", "/etc/passwd is a file, not a folder"),
        ("postgresql://u:s3cr3t-pw@127.0.0.1:1/db", "Connection refused"),
        ("postgresql://u@[::1", "is not a database URL"),
    ],
    ids=["folder-is-a-file", "unreachable-server", "malformed-url"],
)
def test_a_database_that_cannot_be_opened_is_one_line(db: str, expected: str) -> None:
    message = _one_line_error(_run("--db", db, "--port", str(free_port())))
    assert expected in message and "s3cr3t-pw" not in message


def test_a_database_error_is_its_first_line_only(tmp_path: Path) -> None:
    # A folder where the SQLite file should be: SQLite cannot open it.
    message = _one_line_error(_run("--db", str(tmp_path), "--port", str(free_port())))
    assert "unable to open database file" in message
    assert "Background on this error" not in message
    assert "sqlalche.me" not in message


def test_an_empty_admin_token_is_a_usage_error() -> None:
    result = _run("--admin-token", "", "--db", ":memory:", "--port", str(free_port()))
    assert result.returncode == 2
    assert "--admin-token" in result.stderr
    assert "empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_custom_fixtures_file_replaces_the_demo(tmp_path: Path) -> None:
    path = demo_with(
        tmp_path, "  - {userId: demo, password: demo}", "  - {userId: 收费员01, password: s3cret}"
    )
    with start_mock(extra_args=("--fixtures", str(path))) as server:
        assert "收费员01 / s3cret" in server.log()
        token = login(server.base_url, user_id="收费员01", password="s3cret")
        bill = requests.post(
            f"{server.base_url}/api/MzSettle/GetUnSettleBillByDoctor",
            json={"RegNo": "1628214444"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        assert bill["status"] == 0
        assert (
            requests.post(
                f"{server.base_url}/api/Login/Token", json={"userId": "demo", "password": "demo"}, timeout=10
            ).json()["status"]
            == 6
        )


def test_help_lists_the_agreed_options() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for option in (
        "--host",
        "--port",
        "--db",
        "--fixtures",
        "--flavor",
        "--token-ttl",
        "--workers",
        "--admin-token",
    ):
        assert option in result.stdout
    assert "--no-validate" not in result.stdout


def test_a_non_loopback_host_without_admin_token_warns(tmp_path: Path) -> None:
    # The port is taken on 127.0.0.1, so binding 0.0.0.0 fails after the warning: nothing listens.
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        open_ = _run("--host", "0.0.0.0", "--port", port, "--db", ":memory:")
        guarded = _run("--host", "0.0.0.0", "--port", port, "--db", ":memory:", "--admin-token", "s3cret")
    assert "WARNING: listening on 0.0.0.0 without --admin-token" in open_.stderr
    assert "in use" in open_.stderr
    assert "WARNING" not in guarded.stderr
    assert "in use" in guarded.stderr


@pytest.mark.parametrize("token", ["sécret", "two words\t", " padded"])
def test_an_admin_token_outside_printable_ascii_is_a_usage_error(token: str) -> None:
    result = _run("--admin-token", token, "--db", ":memory:", "--port", str(free_port()))
    assert result.returncode == 2
    assert "printable ASCII" in result.stderr


def test_a_database_of_another_schema_version_is_refused_in_one_line(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    with sqlite3.connect(database) as conn:  # the tables of his-mock before schema versions
        conn.execute("CREATE TABLE his_mock_meta (key VARCHAR(64) PRIMARY KEY, value TEXT NOT NULL)")
    message = _one_line_error(_run("--db", str(database), "--port", str(free_port())))
    assert "holds his-mock schema version 1" in message and "nothing was changed" in message
    with sqlite3.connect(database) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == [("his_mock_meta",)]  # no table created, nothing migrated
