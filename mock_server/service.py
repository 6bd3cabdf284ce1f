"""Everything one running mock is made of, built once at start-up from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from his_contract import Spec, load_spec
from mock_server.auth import TokenService
from mock_server.database import Database, database_url
from mock_server.errors import MockError
from mock_server.faults import FaultBoard
from mock_server.fixtures import Fixtures, load_fixtures
from mock_server.flavors import Flavor, flavor
from mock_server.journal import Journal
from mock_server.settlement import Cashier
from mock_server.store import Store
from mock_server.validation import RequestChecker

if TYPE_CHECKING:
    from mock_server.proxy import Upstream

DEFAULT_DB = "his-mock.db"
log = logging.getLogger("his_mock")


@dataclass(slots=True, frozen=True)
class Settings:
    """The command line's choices."""

    db: str = DEFAULT_DB
    fixtures: Path | None = None
    flavor: str = "doc"
    token_ttl: int = 3600
    admin_token: str | None = None
    validate: bool = True
    # `--proxy URL`: forward the HIS calls to the real HIS there instead of answering them.
    proxy: str | None = None
    proxy_timeout: float = 30.0


@dataclass(slots=True)
class HisMock:
    """The parts of a running mock, shared by the HIS routes, the admin API and the CLI."""

    settings: Settings
    spec: Spec
    fixtures: Fixtures
    database: Database
    store: Store
    faults: FaultBoard
    journal: Journal
    flavor: Flavor
    tokens: TokenService
    checker: RequestChecker
    cashier: Cashier
    upstream: Upstream | None = None

    @classmethod
    def create(cls, settings: Settings, *, seed: bool = True) -> HisMock:
        """Load and check the spec and the fixtures, open the database, and seed it.

        A server's worker process passes `seed=False`: the process that started it has checked the spec
        and seeded the database already, and a worker started again after a crash must not write the
        fixtures over registrations changed through the admin API since.
        """
        spec = load_spec()
        if seed:
            check_spec(spec)
        fixtures = load_fixtures(settings.fixtures, spec)
        url, temporary = database_url(settings.db)
        database = Database(url, temporary_folder=temporary)
        store = Store(database)
        try:
            # The fixtures' registrations are written over the database's (by RegNo); settlements
            # stay, so a restart keeps settled bills settled.
            if seed:
                store.put_registrations(fixtures.registrations)
            behaviour = flavor(settings.flavor)
            tokens = TokenService(
                store.jwt_secret(), ttl=settings.token_ttl, string_iat_skew=behaviour.string_iat_skew
            )
            upstream = None
            if settings.proxy is not None:
                # Imported here: the suite it judges with is loaded by proxy mode only.
                from mock_server.proxy import Upstream

                upstream = Upstream(settings.proxy, spec, timeout=settings.proxy_timeout)
        except MockError:
            database.close()
            raise
        return cls(
            settings=settings,
            spec=spec,
            fixtures=fixtures,
            database=database,
            store=store,
            faults=FaultBoard(database),
            journal=Journal(database),
            flavor=behaviour,
            tokens=tokens,
            checker=RequestChecker(spec, validate=settings.validate),
            cashier=Cashier(store, fixtures.hospital),
            upstream=upstream,
        )

    def reset(self) -> None:
        """Back to the fixtures' state for every host on the database, in one transaction:
        registrations as loaded, no settlements, no pending faults, an empty journal."""
        with self.database.engine.begin() as conn:
            self.store.reset(conn, self.fixtures.registrations)
            self.faults.clear(conn)
            self.journal.clear(conn)

    def close(self) -> None:
        self.database.close()


def check_spec(spec: Spec) -> None:
    """Let openapi-core load the spec (it validates the document); a broken spec stops the start-up."""
    from openapi_core import OpenAPI

    try:
        OpenAPI.from_dict(dict(spec.document))
    except Exception as exc:  # openapi-core raises several unrelated types for a bad document
        raise MockError(f"the spec {spec.source} does not load in openapi-core: {exc}") from exc
