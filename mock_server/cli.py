"""The `his-mock` command line (also `python -m mock_server`)."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from pathlib import Path

import click

from mock_server.errors import MockError
from mock_server.flavors import FLAVORS
from mock_server.report_cli import report
from mock_server.scenarios import SCENARIOS, arm
from mock_server.service import DEFAULT_DB, HisMock, Settings


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="`his-mock report --url URL` prints the client report of a running mock (see --help there).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0 picks a free port."
)
@click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    help="SQLite file path or a SQLAlchemy URL (postgresql://...); ':memory:' for a throwaway database.",
)
@click.option(
    "--fixtures",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="YAML file with users, hospital and registrations (default: the bundled demo data).",
)
@click.option(
    "--flavor",
    type=click.Choice(FLAVORS),
    default="doc",
    show_default=True,
    help="doc: the document to the letter; aspnet: what a stock ASP.NET Core deployment does.",
)
@click.option(
    "--token-ttl", type=click.IntRange(min=1), default=3600, show_default=True, help="JWT lifetime, seconds."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes; one already resists slow clients.",
)
@click.option(
    "--admin-token",
    default=None,
    callback=lambda _ctx, _param, value: _non_empty(value),
    help="Require `Authorization: Bearer T` on /__admin/.",
)
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Choice(list(SCENARIOS)),
    help="Arm a scenario at start-up, with its default timings (repeatable); see GET /__admin/scenarios.",
)
@click.option(
    "--proxy",
    default=None,
    metavar="URL",
    help="Forward every HIS call to the real HIS at URL and judge both sides (GET /__admin/report).",
)
@click.option(
    "--proxy-timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds one forwarded call may take in all (no retry); then status 2, HTTP 502.",
)
@click.option(
    "--no-validate", is_flag=True, hidden=True, help="Skip request schema validation (benchmarks only)."
)
def main(
    host: str,
    port: int,
    db: str,
    fixtures: Path | None,
    flavor: str,
    token_ttl: int,
    workers: int,
    admin_token: str | None,
    scenarios: tuple[str, ...],
    proxy: str | None,
    proxy_timeout: float,
    no_validate: bool,
) -> None:
    """Run his-mock, a stateful mock of the hospital's HIS outpatient-settlement API."""
    if proxy is not None and workers > 1:
        # The forwarded answers the server side is judged on live in the worker's memory.
        raise click.BadParameter("--proxy runs with one worker", param_hint="--workers")
    configure_logging()
    settings = Settings(
        db=db,
        fixtures=fixtures,
        flavor=flavor,
        token_ttl=token_ttl,
        admin_token=admin_token,
        validate=not no_validate,
        proxy=proxy,
        proxy_timeout=proxy_timeout,
    )
    try:
        mock = HisMock.create(settings)
    except MockError as exc:
        _fail(exc)
    try:
        # Armed once here, not by each worker: a scenario's faults live in the shared database.
        for name in scenarios:
            arm(mock, SCENARIOS[name])
    except MockError as exc:
        mock.close()
        _fail(exc)
    try:
        from mock_server.serving import serve

        _banner(mock, workers=workers)
        if admin_token is None and not is_loopback(host):
            click.echo(open_admin_warning(host), err=True)
        serve(
            mock,
            host=host,
            port=port,
            workers=workers,
            on_ready=lambda url: click.echo(f"his-mock listening on {url}"),
        )
    except MockError as exc:
        _fail(exc)
    finally:
        mock.close()


def configure_logging() -> None:
    """The mock's log lines on stderr; the same in the CLI and in every worker it spawns."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)


def run() -> None:
    """The `his-mock` command: `his-mock report ...` fetches a running mock's client verdict; anything
    else runs the mock (kept apart so the mock's own options and arguments stay as they are)."""
    if sys.argv[1:2] == ["report"]:
        report.main(sys.argv[2:], prog_name="his-mock report")
    else:
        main()


def _non_empty(token: str | None) -> str | None:
    # An empty token would make "Authorization: Bearer " the admin password: refuse it.
    if token is not None and not token.strip():
        raise click.BadParameter("must not be empty (leave the option out for an open admin API)")
    # Header values are ASCII (RFC 9110); the server drops a header with other bytes, so a token
    # outside printable ASCII could never be presented.
    if token is not None and not (token.isascii() and token.isprintable() and token == token.strip()):
        raise click.BadParameter(
            "must be printable ASCII without surrounding blanks (it travels in a header)"
        )
    return token


# The banner names this many registrations; `GET /__admin/registrations` lists them all.
BANNER_REGISTRATIONS = 5
BANNER_USERS = 10
# A banner line longer than this (a fixture with a long patient name) is cut, with "…".
BANNER_LINE = 160


def _banner(mock: HisMock, *, workers: int) -> None:
    """A summary a developer can start from at once: the first credentials and registrations, the counts."""
    echo = click.echo
    echo(
        f"his-mock: flavor {mock.settings.flavor}, {workers} worker{'s' if workers > 1 else ''},"
        f" database {mock.database.display_url}, fixtures {mock.fixtures.source}"
    )
    if mock.upstream is not None:
        echo(f"proxy mode: every HIS call goes to {mock.upstream.url}; GET /__admin/report judges both sides")
    users = mock.fixtures.users
    echo(f"users (userId / password): {len(users)}")
    for user in users[:BANNER_USERS]:
        echo(_cut(f"  {user.user_id} / {user.password}"))
    if len(users) > BANNER_USERS:
        echo(f"  ... and {len(users) - BANNER_USERS} more (see the fixtures file)")
    summaries = mock.store.registration_summaries()
    settled = sum(1 for _document, is_settled in summaries if is_settled)
    echo(
        f"registrations: {len(summaries)} ({len(summaries) - settled} unsettled, {settled} settled);"
        " RegNo, CardNo, patient, BILLID, FeeType, SumFund, GRZFJE3 to pay, state:"
    )
    for document, is_settled in summaries[:BANNER_REGISTRATIONS]:
        bill = document["bill"]
        echo(
            _cut(
                f"  {document['RegNo']}  {document['CardNo']}  {document['PatientName']}  {bill['BILLID']}"
                f"  {bill['FeeType']}  {bill['SumFund']}  {bill['GRZFJE3']}  {_state(is_settled)}"
            )
        )
    if len(summaries) > BANNER_REGISTRATIONS:
        echo(
            f"  ... and {len(summaries) - BANNER_REGISTRATIONS} more:"
            " GET /__admin/registrations lists them all"
        )
    echo("spec /openapi.yaml, Swagger UI /docs, admin API /__admin/")


def _cut(line: str) -> str:
    return line if len(line) <= BANNER_LINE else line[: BANNER_LINE - 1] + "…"


def is_loopback(host: str) -> bool:
    """True when every address `host` stands for is a loopback address (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def open_admin_warning(host: str) -> str:
    return (
        f"his-mock: WARNING: listening on {host} without --admin-token: anyone who can reach this port"
        " can mint tokens for any userId, reset the state and inject faults through /__admin/."
        " Start with --admin-token SECRET (or --host 127.0.0.1)."
    )


def _state(settled: bool) -> str:
    return "settled" if settled else "unsettled"


def _fail(exc: MockError) -> None:
    click.echo(f"his-mock: error: {exc}", err=True)
    sys.exit(2)
