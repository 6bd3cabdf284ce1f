"""`his-conformance`: check an HIS deployment against the contract, or `--mock` to check his-mock.

Exit codes: 0 conformant; 1 one or more rules broken (document findings; advice too with
`--fail-on advice`); 2 could not run (bad arguments, server
unreachable, login impossible, unusable registration), with a one-line reason on stderr.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from conformance.errors import ConformanceError, UsageError
from conformance.html_report import write_html
from conformance.profiles import PROFILES, Profile, get_profile
from conformance.recorded import Side, judge_recording_file
from conformance.report import console_summary, write_json, write_junit
from conformance.results import Recorder
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

EXIT_CONFORMANT, EXIT_VIOLATIONS, EXIT_CANNOT_RUN = 0, 1, 2


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 conformant, 1 violations found, 2 could not run.",
)
@click.option("--base-url", metavar="URL", help="Root URL of the HIS deployment, e.g. http://10.0.0.5:8080.")
@click.option(
    "--mock", is_flag=True, help="Start his-mock on a free port and check it (demo data, settlement on)."
)
# HIS_USER_ID / HIS_PASSWORD / HIS_EXPIRED_TOKEN are read by `conformance.target`, not by click:
# they apply to --base-url only, never to --mock (whose demo data has its own credentials).
@click.option("--user-id", metavar="ID", help="Login user id [env HIS_USER_ID; --mock: demo].")
@click.option("--password", metavar="PW", help="Login password [env HIS_PASSWORD; --mock: demo].")
@click.option("--reg-no", metavar="REGNO", help="A registration (挂号号) with an unsettled bill.")
@click.option("--card-no", metavar="CARD", help="The patient card of --reg-no (needed for settlement).")
@click.option(
    "--allow-settlement",
    is_flag=True,
    help="Run the settlement flow SET-1..5 (creates a real settlement!). Without it nothing is settled.",
)
@click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    default="strict",
    show_default=True,
    help="strict: the document to the letter; lenient: what stock ASP.NET Core deployments do.",
)
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_EXAMPLES,
    show_default=True,
    help="Fuzzed requests per operation and mode (positive, negative); 0 turns fuzzing off.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Per-request timeout; a timeout is a TRN-1 violation.",
)
@click.option(
    "--expired-token",
    metavar="JWT",
    help="An expired token of the deployment, for AUTH-4 [env HIS_EXPIRED_TOKEN].",
)
@click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write JUnit XML (one case per rule).",
)
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="Write a self-contained HTML report."
)
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON report."
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the fuzzer: same seed, same requests."
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_REQUESTS,
    show_default=True,
    help="Request budget: the run stops sending after this many requests.",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0),
    default=DEFAULT_RATE_LIMIT,
    show_default=True,
    metavar="PER_SECOND",
    help="At most this many requests per second (0: no limit).",
)
@click.option(
    "--fail-on",
    type=click.Choice([basis.value for basis in Basis]),
    default=Basis.DOCUMENT.value,
    show_default=True,
    help="document: exit 1 only where the deployment breaks the document; advice: the kit's advice too.",
)
@click.option(
    "--har",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Judge recorded traffic instead (HAR 1.2, or his-mock's /__admin/requests export); sends nothing.",
)
@click.option(
    "--side",
    type=click.Choice([side.value for side in Side]),
    default=Side.SERVER.value,
    show_default=True,
    help="With --har: judge the server's answers, the client's requests (CLI-* rules), or both.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines, only the summary.")
def cli(
    base_url: str | None,
    mock: bool,
    user_id: str | None,
    password: str | None,
    reg_no: str | None,
    card_no: str | None,
    allow_settlement: bool,
    profile: str,
    max_examples: int,
    timeout: float,
    expired_token: str | None,
    junit_xml: Path | None,
    report: Path | None,
    json_path: Path | None,
    seed: int,
    max_requests: int,
    rate_limit: float,
    fail_on: str,
    har: Path | None,
    side: str,
    quiet: bool,
) -> None:
    """Check that an HIS deployment keeps the contract of openapi.yaml (CONTRACT.md's rules)."""
    progress = _silent if quiet else _echo
    options = Options(base_url, mock, user_id, password, reg_no, card_no, expired_token, allow_settlement)
    try:
        limits = Limits(
            max_examples=max_examples,
            timeout=timeout,
            max_requests=max_requests,
            rate_limit=rate_limit,
            seed=seed,
        )
        chosen = get_profile(profile)
        if har is not None or side != Side.SERVER.value:
            recorder = _judge_har(har, options, chosen, Side(side), timeout, Basis(fail_on), progress)
        else:
            with open_target(options, chosen.name, progress) as target:
                if not mock:
                    progress(f"his-conformance: {target.base_url} (profile {profile}, seed {seed})")
                recorder = run_conformance(
                    target, chosen, limits, progress=progress, mock=mock, fail_on=Basis(fail_on)
                )
        _write_reports(recorder, junit_xml, report, json_path)
    except ConformanceError as error:
        click.echo(f"his-conformance: error: {error}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except OSError as error:
        click.echo(f"his-conformance: error: cannot write a report: {error}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    click.echo(console_summary(recorder))
    sys.exit(recorder.exit_code)


def _judge_har(
    har: Path | None,
    options: Options,
    profile: Profile,
    side: Side,
    timeout: float,
    fail_on: Basis,
    progress: Callable[[str], None],
) -> Recorder:
    if har is None:
        raise UsageError("--side judges a recording: give it with --har FILE")
    if options.base_url or options.mock:
        raise UsageError("--har judges a recording and sends nothing: it excludes --base-url and --mock")
    return judge_recording_file(har, profile, timeout=timeout, side=side, fail_on=fail_on, progress=progress)


def _echo(line: str) -> None:
    click.echo(line, err=True)


def _silent(line: str) -> None:
    del line


def _write_reports(recorder: Recorder, junit: Path | None, html: Path | None, json_path: Path | None) -> None:
    if junit is not None:
        write_junit(recorder, junit)
    if html is not None:
        write_html(recorder, html)
    if json_path is not None:
        write_json(recorder, json_path)


def main() -> None:
    """Console-script entry point; unexpected crashes also exit 2, with the traceback for a bug report."""
    try:
        cli.main(prog_name="his-conformance", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # the suite itself broke: still "could not run", never a verdict
        traceback.print_exc()
        click.echo(f"his-conformance: internal error: {exc!r} (please report it)", err=True)
        sys.exit(EXIT_CANNOT_RUN)
