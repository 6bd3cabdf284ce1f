"""The pytest entry: `pytest --pyargs conformance --his-base-url URL ...` checks a deployment.

Registered as a `pytest11` plugin, so it loads in every pytest session of an environment that
has the kit installed: it only adds `--his-*` options and one session fixture, importing the
suite lazily. `conformance/test_contract.py` then turns each rule of the contract into one
test (passed, failed with the findings, or skipped with the reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

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
    group.addoption("--his-max-requests", type=int, default=None, help="Request budget of the run.")
    group.addoption("--his-rate-limit", type=float, default=None, help="At most this many requests/s.")
    group.addoption(
        "--his-fail-on", default="document", choices=("document", "advice"), help="What fails a rule test."
    )


@pytest.fixture(scope="session")
def his_conformance(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    """One his-conformance run for the whole session; skips when no deployment was named."""
    from conformance.errors import ConformanceError
    from conformance.profiles import get_profile
    from conformance.runner import (
        DEFAULT_MAX_EXAMPLES,
        DEFAULT_MAX_REQUESTS,
        DEFAULT_RATE_LIMIT,
        DEFAULT_TIMEOUT,
        Limits,
        run_conformance,
    )
    from conformance.target import Options, open_target
    from his_contract import Basis

    option = request.config.getoption
    options = Options(
        base_url=option("--his-base-url"),
        mock=bool(option("--his-mock")),
        user_id=option("--his-user-id"),
        password=option("--his-password"),
        reg_no=option("--his-reg-no"),
        card_no=option("--his-card-no"),
        expired_token=option("--his-expired-token"),
        allow_settlement=bool(option("--his-allow-settlement")),
        flag="--his-",
    )
    if not options.base_url and not options.mock:
        pytest.skip("name a deployment with --his-base-url URL (or --his-mock) to check it")

    def given(name: str, default: Any) -> Any:
        value = option(name)
        return default if value is None else value

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

    try:
        limits = Limits(
            max_examples=given("--his-max-examples", DEFAULT_MAX_EXAMPLES),
            timeout=given("--his-timeout", DEFAULT_TIMEOUT),
            max_requests=given("--his-max-requests", DEFAULT_MAX_REQUESTS),
            rate_limit=given("--his-rate-limit", DEFAULT_RATE_LIMIT),
            seed=option("--his-seed"),
        )
        profile = get_profile(option("--his-profile"))
        with open_target(options, profile.name, progress) as target:
            fail_on = Basis(option("--his-fail-on"))
            yield run_conformance(
                target, profile, limits, progress=progress, mock=options.mock, fail_on=fail_on
            )
    except ConformanceError as error:
        pytest.exit(f"his-conformance: error: {error}", returncode=2)
