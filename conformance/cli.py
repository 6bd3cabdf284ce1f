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
from typing import Any, TypeVar

import click

from conformance.errors import ConformanceError, UsageError
from conformance.escape import one_line, visible
from conformance.forgery import listed_keys
from conformance.html_report import write_html
from conformance.options import RUN_OPTIONS, OptionSpec, option_values
from conformance.profiles import Profile, get_profile
from conformance.provenance import command_line
from conformance.recorded import Side, judge_recording_file
from conformance.report import console_summary, write_json, write_junit
from conformance.results import Recorder
from conformance.runner import Limits, run_conformance
from conformance.target import Options, open_target
from his_contract import Basis

EXIT_CONFORMANT, EXIT_VIOLATIONS, EXIT_CANNOT_RUN = 0, 1, 2
FC = TypeVar("FC", bound=Callable[..., Any])


def _run_option(spec: OptionSpec) -> Callable[[FC], FC]:
    """The click option of one entry of the shared option table."""
    kwargs: dict[str, Any] = {"help": spec.help}
    if spec.metavar:
        kwargs["metavar"] = spec.metavar
    if spec.kind == "flag":
        kwargs["is_flag"] = True
    elif spec.kind == "int":
        kwargs["type"] = (
            int
            if spec.minimum is None and spec.maximum is None
            else click.IntRange(
                min=None if spec.minimum is None else int(spec.minimum),
                max=None if spec.maximum is None else int(spec.maximum),
            )
        )
    elif spec.kind == "float":
        kwargs["type"] = click.FloatRange(min=spec.minimum, min_open=spec.min_open)
    elif spec.kind == "choice":
        kwargs["type"] = click.Choice(spec.choices)
    if spec.default is not None and spec.kind != "flag":
        kwargs["default"] = spec.default
        kwargs["show_default"] = True
    return click.option(f"--{spec.name}", spec.dest, **kwargs)


def _run_options(command: FC) -> FC:
    for spec in reversed(RUN_OPTIONS):
        command = _run_option(spec)(command)
    return command


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 conformant, 1 violations found, 2 could not run.",
)
@_run_options
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
    junit_xml: Path | None,
    report: Path | None,
    json_path: Path | None,
    har: Path | None,
    side: str,
    quiet: bool,
    **given: Any,
) -> None:
    """Check that an HIS deployment keeps the contract of openapi.yaml (CONTRACT.md's rules)."""
    progress = _silent if quiet else _echo
    values = option_values(given)
    try:
        options = Options.from_values(values, flag="--")
        limits = Limits.from_values(values)
        chosen = get_profile(values["profile"])
        fail_on = Basis(values["fail_on"])
        if har is not None or side != Side.SERVER.value:
            recorder = _judge_har(har, options, chosen, Side(side), limits.timeout, fail_on, progress)
        else:
            with open_target(options, chosen.name, progress) as target:
                if not options.mock:
                    progress(
                        f"his-conformance: {target.base_url} (profile {chosen.name}, seed {limits.seed})"
                    )
                recorder = run_conformance(
                    target,
                    chosen,
                    limits,
                    progress=progress,
                    mock=options.mock,
                    fail_on=fail_on,
                    jwt_keys=listed_keys(values),
                    command_line=command_line("his-conformance", values),
                )
        written = _write_reports(recorder, junit_xml, report, json_path)
    except ConformanceError as error:
        click.echo(f"his-conformance: error: {one_line(str(error))}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except OSError as error:
        click.echo(f"his-conformance: error: cannot write a report: {one_line(str(error))}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    click.echo(console_summary(recorder))
    for kind, path in written:
        click.echo(f"{kind} report written to {one_line(str(path.resolve()))}")
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
    click.echo(visible(line), err=True)


def _silent(line: str) -> None:
    del line


def _write_reports(
    recorder: Recorder, junit: Path | None, html: Path | None, json_path: Path | None
) -> list[tuple[str, Path]]:
    """Write the reports asked for; (kind, path) of each, for the console's last lines."""
    written = []
    for kind, path, write in (
        ("JUnit XML", junit, write_junit),
        ("HTML", html, write_html),
        ("JSON", json_path, write_json),
    ):
        if path is not None:
            write(recorder, path)
            written.append((kind, path))
    return written


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
