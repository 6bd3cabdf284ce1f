"""Settings every test package shares: Hypothesis profiles, an isolated environment, and one real
PostgreSQL server for the whole session (started on first use, a fresh database per test)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.postgres import PostgresServer, PostgresUnavailable, start_postgres

settings.register_profile(
    "default", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "nightly", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep a developer's HIS_* variables (credentials, URLs) out of every test."""
    for name in list(os.environ):
        if name.startswith("HIS_"):
            monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session. Without one: a failure in CI (`CI=true`), a skip elsewhere."""
    try:
        with start_postgres() as server:
            yield server
    except PostgresUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI and cannot be started: {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL server here: {exc}")


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> str:
    """A new, empty database on the session's server: `postgresql://...`."""
    return postgres.new_database()
