"""A running his-mock per flavor and database for the whole session, and a client that checks every response.

The servers are real processes on 127.0.0.1 (`tests.support.mock.start_mock`); each test gets a
client whose mock was reset to the fixtures' state (admin API), so tests do not leak state. Every
HIS response a test receives is validated against the spec by `SpecCheckedSession`.

Every test that uses a session mock runs on both databases (`backend`): SQLite, the embedded
default, and PostgreSQL (a real server, `tests.support.postgres`). `db_url` gives a test that starts
its own mock a fresh database of each kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from his_contract import Spec, load_spec
from tests.support.mock import DEMO_PASSWORD, DEMO_USER, SpecCheckedSession, start_mock
from tests.support.postgres import PostgresServer
from tests.support.servers import RunningServer

LOGIN = "/api/Login/Token"
BILL = "/api/MzSettle/GetUnSettleBillByDoctor"
BILL_ALIAS = "/api/MzSettle/GetUnpayBillByDoctor"
SETTLE = "/api/MzSettle/SettleByDoctor"


@dataclass
class MockClient:
    """Talks to one running mock: HIS calls through a spec-checked session, admin calls plainly."""

    server: RunningServer
    flavor: str
    spec: Spec
    http: SpecCheckedSession
    _token: str | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def token(self) -> str:
        if self._token is None:
            token = self.envelope(LOGIN, {"userId": DEMO_USER, "password": DEMO_PASSWORD}, auth=False)[
                "response"
            ]
            assert isinstance(token, str)
            self._token = token
        return self._token

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        data: bytes | str | None = None,
    ) -> requests.Response:
        """POST to a HIS path: JSON `body`, or raw `data`; the demo token unless `auth=False`."""
        sent = dict(headers or {})
        if auth and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {token or self.token}"
        if data is not None:
            return self.http.post(self.base_url + path, data=data, headers=sent)
        return self.http.post(self.base_url + path, json=body, headers=sent)

    def envelope(self, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        """The envelope a HIS call answers with (text/plain ones included)."""
        response = self.post(path, body, **kwargs)
        document = response.json()
        assert isinstance(document, dict)
        return document

    def bill(self, reg_no: str, **kwargs: Any) -> dict[str, Any]:
        return self.envelope(BILL, {"RegNo": reg_no}, **kwargs)

    def settle(self, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self.envelope(SETTLE, body, **kwargs)

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.base_url}/__admin{path}", timeout=10, **kwargs)

    def expired_token(self) -> str:
        response = self.admin("POST", "/token", json={"userId": "demo", "ttl": -60})
        token = response.json()["token"]
        assert isinstance(token, str)
        return token

    def snapshot(self) -> tuple[Any, Any]:
        """The store as the admin API shows it: registrations and settlements."""
        return self.admin("GET", "/registrations").json(), self.admin("GET", "/settlements").json()

    def reset(self) -> None:
        assert self.admin("POST", "/reset").status_code == 200  # the journal too


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_spec()


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database the session's mocks use: each test runs once per backend."""
    return str(request.param)


def _database_for(request: pytest.FixtureRequest, backend: str, *, sqlite: str = ":memory:") -> str:
    if backend == "sqlite":
        return sqlite
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database("mock")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """`--db` for a test that starts its own mocks: a new SQLite file, or a new PostgreSQL database
    (either may be shared by several his-mock processes)."""
    return _database_for(request, str(request.param), sqlite=str(tmp_path / "his-mock.db"))


@pytest.fixture(scope="session")
def doc_server(request: pytest.FixtureRequest, backend: str) -> Iterator[RunningServer]:
    with start_mock(flavor="doc", db=_database_for(request, backend)) as server:
        yield server


@pytest.fixture(scope="session")
def aspnet_server(request: pytest.FixtureRequest, backend: str) -> Iterator[RunningServer]:
    with start_mock(flavor="aspnet", db=_database_for(request, backend)) as server:
        yield server


def _client(server: RunningServer, flavor: str, spec: Spec) -> Iterator[MockClient]:
    client = MockClient(server, flavor, spec, SpecCheckedSession(spec, flavor))
    client.reset()
    with client.http:
        yield client


@pytest.fixture
def doc(doc_server: RunningServer, spec: Spec) -> Iterator[MockClient]:
    """The mock in the document's flavor, reset to the demo data."""
    yield from _client(doc_server, "doc", spec)


@pytest.fixture
def aspnet(aspnet_server: RunningServer, spec: Spec) -> Iterator[MockClient]:
    """The mock in the ASP.NET Core flavor, reset to the demo data."""
    yield from _client(aspnet_server, "aspnet", spec)


@pytest.fixture(params=["doc", "aspnet"])
def mock(request: pytest.FixtureRequest, spec: Spec, backend: str) -> Iterator[MockClient]:
    """Each flavor in turn, for rules that hold the same way in both (on each `backend`)."""
    server = request.getfixturevalue(f"{request.param}_server")
    yield from _client(server, request.param, spec)
