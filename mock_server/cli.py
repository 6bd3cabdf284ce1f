"""The `his-mock` command line (also `python -m mock_server`)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from mock_server.app import create_app
from mock_server.errors import MockError
from mock_server.flavors import FLAVORS
from mock_server.report_cli import report
from mock_server.scenarios import SCENARIOS
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
    "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Processes (gunicorn if > 1)."
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
    no_validate: bool,
) -> None:
    """Run his-mock, a stateful mock of the hospital's HIS outpatient-settlement API."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    settings = Settings(
        db=db,
        fixtures=fixtures,
        flavor=flavor,
        token_ttl=token_ttl,
        admin_token=admin_token,
        validate=not no_validate,
        scenarios=scenarios,
    )
    try:
        mock = HisMock.create(settings)
    except MockError as exc:
        _fail(exc)
    try:
        from mock_server.serving import serve

        app = create_app(mock=mock)
        _banner(mock, workers=workers)
        serve(
            app,
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
    return token


def _banner(mock: HisMock, *, workers: int) -> None:
    """Every demo credential and registration, so a developer can start at once."""
    echo = click.echo
    echo(
        f"his-mock: flavor {mock.settings.flavor}, {workers} worker{'s' if workers > 1 else ''},"
        f" database {mock.store.display_url}, fixtures {mock.fixtures.source}"
    )
    echo("users (userId / password):")
    for user in mock.fixtures.users:
        echo(f"  {user.user_id} / {user.password}")
    echo("registrations (RegNo, CardNo, patient, BILLID, FeeType, SumFund, GRZFJE3 to pay, state):")
    for document, settled in mock.store.registration_summaries():
        bill = document["bill"]
        echo(
            f"  {document['RegNo']}  {document['CardNo']}  {document['PatientName']}  {bill['BILLID']}"
            f"  {bill['FeeType']}  {bill['SumFund']}  {bill['GRZFJE3']}  {_state(settled)}"
        )
    echo("spec /openapi.yaml, Swagger UI /docs, admin API /__admin/")


def _state(settled: bool) -> str:
    return "settled" if settled else "unsettled"


def _fail(exc: MockError) -> None:
    click.echo(f"his-mock: error: {exc}", err=True)
    sys.exit(2)
