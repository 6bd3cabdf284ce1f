"""The pytest entry: `pytest --pyargs conformance --his-base-url URL ...` checks a deployment.

Registered as a `pytest11` plugin, so it loads in every pytest session of an environment that
has the kit installed: it only adds `--his-*` options and one session fixture, importing the
suite lazily. `conformance/test_contract.py` then turns each rule of the contract into one
test (passed, failed with the findings, or skipped with the reason).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conformance.results import Recorder


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("his-conformance", "HIS contract conformance (pytest --pyargs conformance)")
    group.addoption("--his-base-url", metavar="URL", help="Root URL of the HIS deployment to check.")
    group.addoption("--his-mock", action="store_true", help="Start his-mock and check it.")
    group.addoption("--his-user-id", metavar="ID", help="Login user id (default: env HIS_USER_ID).")
    group.addoption("--his-password", metavar="PW", help="Login password (default: env HIS_PASSWORD).")
    group.addoption("--his-reg-no", metavar="REGNO", help="A registration with an unsettled bill.")
    group.addoption("--his-card-no", metavar="CARD", help="The patient card of --his-reg-no.")
    group.addoption("--his-allow-settlement", action="store_true", help="Run the settlement flow SET-1..5.")
    group.addoption("--his-profile", default="strict", choices=("strict", "lenient"), help="Judging profile.")
    group.addoption("--his-max-examples", type=int, default=None, help="Fuzzed requests per operation, mode.")
    group.addoption("--his-timeout", type=float, default=None, help="Per-request timeout in seconds.")
    group.addoption("--his-expired-token", metavar="JWT", help="An expired token, for AUTH-4.")
    group.addoption("--his-seed", type=int, default=0, help="Seed of the fuzzer.")


@pytest.fixture(scope="session")
def his_conformance(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    """One his-conformance run for the whole session; skips when no deployment was named."""
    from conformance.errors import ConformanceError, UsageError
    from conformance.mockrun import MOCK_CARD_NO, MOCK_PASSWORD, MOCK_REG_NO, MOCK_USER_ID, running_mock
    from conformance.profiles import get_profile
    from conformance.runner import DEFAULT_MAX_EXAMPLES, DEFAULT_TIMEOUT, Limits, run_conformance
    from conformance.session import Target

    option = request.config.getoption
    base_url = option("--his-base-url")
    mock = bool(option("--his-mock"))
    if not base_url and not mock:
        pytest.skip("name a deployment with --his-base-url URL (or --his-mock) to check it")
    max_examples = option("--his-max-examples")
    timeout = option("--his-timeout")
    limits = Limits(
        max_examples=DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        seed=option("--his-seed"),
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def progress(line: str) -> None:
        # The fixture runs under output capture: lift it, or the progress of a long run never shows.
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(f"his-conformance: {line}")
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"his-conformance: {line}")

    user_id = option("--his-user-id") or os.environ.get("HIS_USER_ID")
    password = option("--his-password") or os.environ.get("HIS_PASSWORD")
    try:
        profile = get_profile(option("--his-profile"))
        if mock:
            with running_mock(profile.name) as server:
                target = Target(
                    server.base_url,
                    user_id or MOCK_USER_ID,
                    password or MOCK_PASSWORD,
                    option("--his-reg-no") or MOCK_REG_NO,
                    option("--his-card-no") or MOCK_CARD_NO,
                    option("--his-expired-token") or server.expired_token,
                    True,
                )
                yield run_conformance(target, profile, limits, progress=progress, mock=True)
                return
        if not (user_id and password and option("--his-reg-no")):
            raise UsageError("--his-base-url needs --his-user-id, --his-password (or HIS_*) and --his-reg-no")
        if option("--his-allow-settlement") and not option("--his-card-no"):
            raise UsageError("--his-allow-settlement needs --his-card-no")
        target = Target(
            str(base_url).rstrip("/"),
            user_id,
            password,
            option("--his-reg-no"),
            option("--his-card-no"),
            option("--his-expired-token") or os.environ.get("HIS_EXPIRED_TOKEN"),
            bool(option("--his-allow-settlement")),
        )
        yield run_conformance(target, profile, limits, progress=progress)
    except ConformanceError as error:
        pytest.exit(f"his-conformance: error: {error}", returncode=2)
