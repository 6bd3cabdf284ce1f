"""The pytest entry: `pytest --pyargs conformance --his-base-url URL ...` checks a deployment.

Registered as a `pytest11` plugin, so it loads in every pytest session of an environment that
has the kit installed: it only adds `--his-*` options (the same table as the command line's,
`conformance.options`) and one session fixture, importing the suite lazily.
`conformance/test_contract.py` then turns each rule of the contract into one test (passed,
failed with the findings, or skipped with the reason).

A session that collects those tests without naming a deployment (no `--his-base-url`, or an
empty one as an unset CI variable gives, and no `--his-mock`) ends as a usage error, exit 4:
a gate must never pass with nothing checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from conformance.options import RUN_OPTIONS, OptionSpec

if TYPE_CHECKING:
    from conformance.results import Recorder

FLAG = "--his-"
_TYPES: dict[str, type] = {"int": int, "float": float}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("his-conformance", "HIS contract conformance (pytest --pyargs conformance)")
    for spec in RUN_OPTIONS:
        group.addoption(f"{FLAG}{spec.name}", dest=f"his_{spec.dest}", **_argparse_kwargs(spec))


def _argparse_kwargs(spec: OptionSpec) -> dict[str, Any]:
    """argparse's spelling of one option; defaults stay None so the table's defaults apply once."""
    help_text = spec.help.replace("[env ", "[default: env ").replace("--", FLAG)
    kwargs: dict[str, Any] = {"help": help_text}
    if spec.kind == "flag":
        kwargs["action"] = "store_true"
        return kwargs
    if spec.metavar:
        kwargs["metavar"] = spec.metavar
    if spec.kind in _TYPES:
        kwargs["type"] = _TYPES[spec.kind]
    if spec.kind == "choice":
        kwargs["choices"] = spec.choices
    return kwargs


def _usage_error(message: str) -> None:
    pytest.exit(f"his-conformance: error: {message}", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def his_conformance(
    request: pytest.FixtureRequest, record_testsuite_property: Callable[[str, object], None]
) -> Iterator[Recorder]:
    """One his-conformance run for the whole session."""
    from conformance.errors import ConformanceError, UsageError
    from conformance.escape import visible
    from conformance.forgery import listed_keys
    from conformance.options import option_values
    from conformance.profiles import get_profile
    from conformance.provenance import command_line
    from conformance.runner import Limits, run_conformance
    from conformance.target import Options, open_target
    from his_contract import Basis

    config = request.config
    values = option_values({spec.dest: config.getoption(f"his_{spec.dest}") for spec in RUN_OPTIONS})
    options = Options.from_values(values, flag=FLAG)
    if not options.base_url and not options.mock:
        given = "an empty --his-base-url" if options.base_url is not None else "no --his-base-url"
        _usage_error(
            f"{given} and no --his-mock: name the deployment to check with --his-base-url URL"
            " (or --his-mock to check his-mock); nothing was checked"
        )

    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def progress(line: str) -> None:
        # The fixture runs under output capture: lift it, or the progress of a long run never shows.
        if reporter is None:
            return
        shown = f"his-conformance: {visible(line)}"
        if capture is None:
            reporter.write_line(shown)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(shown)

    try:
        limits = Limits.from_values(values)
        profile = get_profile(values["profile"])
        with open_target(options, profile.name, progress) as target:
            recorder = run_conformance(
                target,
                profile,
                limits,
                progress=progress,
                mock=options.mock,
                fail_on=Basis(values["fail_on"]),
                jwt_keys=listed_keys(values),
                command_line=command_line("pytest --pyargs conformance", values, flag=FLAG),
            )
        if recorder.info.provenance is not None:
            # Into pytest's own --junitxml, as the command line's reports carry them.
            for name, value in recorder.info.provenance.as_dict().items():
                record_testsuite_property(f"his_{name}", value)
        yield recorder
    except UsageError as error:
        _usage_error(str(error))
    except ConformanceError as error:
        pytest.exit(f"his-conformance: error: {error}", returncode=2)
