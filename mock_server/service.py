"""Everything one running mock is made of, built once at start-up from the settings."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from his_contract import Spec, load_spec
from mock_server.auth import TokenService
from mock_server.errors import MockError
from mock_server.faults import Fault, FaultBoard
from mock_server.fixtures import Fixtures, load_fixtures
from mock_server.flavors import Flavor, flavor
from mock_server.journal import Journal
from mock_server.scenarios import Scenario, scenario_by_name
from mock_server.settlement import Cashier
from mock_server.store import Store, database_url
from mock_server.validation import RequestChecker

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
    # Scenarios armed at start-up (`--scenario NAME`), with their default timings.
    scenarios: tuple[str, ...] = ()


@dataclass(slots=True)
class HisMock:
    """The parts of a running mock, shared by the HIS routes, the admin API and the CLI."""

    settings: Settings
    spec: Spec
    fixtures: Fixtures
    store: Store
    flavor: Flavor
    tokens: TokenService
    checker: RequestChecker
    cashier: Cashier
    journal: Journal = field(default_factory=Journal)
    faults: FaultBoard = field(default_factory=FaultBoard)

    @classmethod
    def create(cls, settings: Settings) -> HisMock:
        """Load and check the spec and the fixtures, open the database, and seed it."""
        spec = load_spec()
        check_spec(spec)
        fixtures = load_fixtures(settings.fixtures, spec)
        url, temporary = database_url(settings.db)
        store = Store(url, temporary_folder=temporary)
        try:
            # The fixtures' registrations are written over the database's (by RegNo); settlements
            # stay, so a restart keeps settled bills settled.
            store.put_registrations(fixtures.registrations)
            behaviour = flavor(settings.flavor)
            tokens = TokenService(
                store.jwt_secret(), ttl=settings.token_ttl, string_iat_skew=behaviour.string_iat_skew
            )
            scenarios = [scenario_by_name(name) for name in settings.scenarios]
        except MockError:
            store.close()
            raise
        mock = cls(
            settings=settings,
            spec=spec,
            fixtures=fixtures,
            store=store,
            flavor=behaviour,
            tokens=tokens,
            checker=RequestChecker(spec, validate=settings.validate),
            cashier=Cashier(store, fixtures.hospital),
        )
        for scenario in scenarios:
            arm(mock, scenario, {p.name: p.default for p in scenario.parameters})
        return mock

    def reset(self) -> None:
        """Back to the fixtures' state: registrations as loaded, no settlements, no pending faults, and
        an empty journal (so the client report starts over)."""
        self.store.reset(self.fixtures.registrations)
        self.faults.clear()
        self.journal.clear()

    def close(self) -> None:
        self.store.close()


def arm(mock: HisMock, scenario: Scenario, values: Mapping[str, float]) -> list[Fault]:
    """Queue the faults of `scenario`; the faults queued (`FaultError` when the board is full)."""
    faults = scenario.faults(values, now=time.time())
    for fault in faults:
        mock.faults.add(fault)
    return faults


def check_spec(spec: Spec) -> None:
    """Let openapi-core load the spec (it validates the document); a broken spec stops the start-up."""
    from openapi_core import OpenAPI

    try:
        OpenAPI.from_dict(dict(spec.document))
    except Exception as exc:  # openapi-core raises several unrelated types for a bad document
        raise MockError(f"the spec {spec.source} does not load in openapi-core: {exc}") from exc
