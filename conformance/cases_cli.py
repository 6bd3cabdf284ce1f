"""his-cases: seeded edge cases as JSON lines, and edge-case registrations loaded into his-mock.

    his-cases --operation settleByDoctor --kind invalid --side request --count 50 --seed 7
    his-cases generate --operation settleByDoctor ...          (the same: generate is the default)
    his-cases load --mock-url http://127.0.0.1:8080 --count 200 --seed 7 [--format json] [--curl]

Exit codes: 0 done; 2 bad arguments or the mock could not be used (click's usage errors and
`CasesError`, a `ConformanceError`), always with a one-line reason.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from hypothesis.configuration import set_hypothesis_home_dir

from conformance.cases import KINDS, SIDES, generate_cases, jsonl_lines, operations
from conformance.cases_load import (
    existing_registrations,
    generate_registrations,
    load_registrations,
    login_hint,
    registration_json,
    registration_line,
    settle_curl,
)
from conformance.errors import CasesError

# Registrations per PUT: an edge-case bill can be ~100 kB, so hundreds go in several requests.
LOAD_BATCH = 25
# Below this many cases a run is quick and progress lines would only be noise.
PROGRESS_FROM = 50
DEFAULT_COMMAND = "generate"
CONTEXT = {"help_option_names": ["-h", "--help"]}
F = TypeVar("F", bound=Callable[..., Any])


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `his-cases` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="his-cases-") as home:
        # Hypothesis keeps caches under ./.hypothesis; a command run from anywhere must not litter.
        set_hypothesis_home_dir(home)
        try:
            cli.main(args, prog_name="his-cases")
        finally:
            set_hypothesis_home_dir(None)


class _DefaultGroup(click.Group):
    """A group whose first argument may be left out: `his-cases --operation …` runs `generate`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


class _Command(click.Command):
    """A subcommand that, given an option of a sibling command, names the command it belongs to."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            owner = _owner_of(ctx, exc.option_name)
            if owner is None:
                raise
            raise click.UsageError(
                f"No such option: {exc.option_name}. It is an option of `his-cases {owner}`:"
                f" his-cases {owner} {exc.option_name} … (see his-cases {owner} --help)",
                ctx,
            ) from exc


def _owner_of(ctx: click.Context, option: str) -> str | None:
    group = ctx.parent.command if ctx.parent is not None else None
    if not isinstance(group, click.Group):
        return None
    for name, command in group.commands.items():
        if command is not ctx.command and any(option in param.opts for param in command.params):
            return name
    return None


def _count_option(maximum: int, help_text: str) -> Callable[[F], F]:
    return click.option(
        "--count", type=click.IntRange(min=1, max=maximum), default=20, show_default=True, help=help_text
    )


def _seed_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--seed", "seed_value", type=click.IntRange(min=0), default=0, show_default=True, help=help_text
    )


@click.group(
    cls=_DefaultGroup,
    context_settings=CONTEXT,
    epilog="Without a command name, his-cases runs `generate`: his-cases --operation login --kind invalid",
)
def cli() -> None:
    """Seeded edge cases of the HIS contract for QA engineers, and edge-case bills for his-mock."""


def _progress(label: str, count: int) -> Any:
    if count < PROGRESS_FROM:
        return None
    step = max(1, count // 10)

    def report(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            click.echo(f"his-cases: {label} {done}/{total}", err=True)

    return report


@cli.command(
    "generate",
    cls=_Command,
    short_help="(the default) Seeded cases of one operation as JSON lines, each with what, why, expect.",
    context_settings=CONTEXT,
    epilog="Load edge-case registrations into a running his-mock: his-cases load --help",
)
@click.option(
    "--operation",
    required=True,
    type=click.Choice(operations()),
    help="The operationId of openapi.yaml whose cases to write.",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="edge",
    show_default=True,
    help="valid: everyday data; edge: valid but adversarial; invalid: broken in exactly one way.",
)
@click.option(
    "--side",
    type=click.Choice(SIDES),
    default="request",
    show_default=True,
    help="request: what a client sends (for servers); response: what a server answers (for clients).",
)
@_count_option(
    100_000,
    "How many distinct cases to write (fewer only when fewer exist). Invalid requests cover every"
    " (breakage, field) pair once before any repeats.",
)
@_seed_option("The seed: the same seed gives byte-identical output.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON lines here (replaced only once all cases are written); default: stdout.",
)
def generate_command(
    operation: str, kind: str, side: str, count: int, seed_value: int, out: Path | None
) -> None:
    """Write cases of an operation as JSON lines, each saying what it is and why it is interesting.

    The same --seed gives byte-identical output (with the same kit and Hypothesis versions).
    The default command: `his-cases --operation ...` runs it.
    """
    if out is not None and not out.parent.is_dir():
        raise click.BadParameter(f"the directory {out.parent} does not exist", param_hint="--out")
    try:
        cases = generate_cases(
            operation, kind, side, count=count, seed_value=seed_value, progress=_progress("cases", count)
        )
    except CasesError as exc:
        raise click.UsageError(str(exc)) from exc
    if len(cases) < count:
        click.echo(
            f"his-cases: only {len(cases)} distinct {kind} {side} cases of {operation} exist; wrote them all",
            err=True,
        )
    if out is None:
        # Bytes, not text: the output must not depend on the locale's encoding or newline style.
        for line in jsonl_lines(cases):
            sys.stdout.buffer.write(line.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    try:
        _write_atomically(out, cases)
    except OSError as exc:
        raise click.BadParameter(f"cannot write {out}: {exc.strerror or exc}", param_hint="--out") from exc
    click.echo(f"his-cases: wrote {len(cases)} cases to {out}", err=True)


@cli.command(
    "load",
    cls=_Command,
    context_settings=CONTEXT,
    short_help="Load edge-case registrations into a running his-mock; print what to settle.",
)
@click.option(
    "--mock-url",
    required=True,
    help="Base URL of a running his-mock, e.g. http://127.0.0.1:8080.",
)
@_count_option(10_000, "How many registrations to generate and load.")
@_seed_option("The seed: the same seed gives the same registrations and bills.")
@click.option(
    "--admin-token",
    envvar="HIS_MOCK_ADMIN_TOKEN",
    default=None,
    help="The mock's --admin-token, if it was started with one (or set HIS_MOCK_ADMIN_TOKEN).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for each admin request (the first, which checks that his-mock is there:"
    " at most 10).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text: tab-separated RegNo, CardNo, BILLID=, Money=, why; json: one object a line"
    " (RegNo, CardNo, BILLID, Money, why, features).",
)
@click.option(
    "--curl",
    is_flag=True,
    help="Add a ready SettleByDoctor curl command per registration (token as ${HIS_TOKEN}): in text,"
    " a '#' line then the command, a shell script; in json, a \"curl\" field.",
)
def load_command(
    mock_url: str,
    count: int,
    seed_value: int,
    admin_token: str | None,
    timeout: float,
    output_format: str,
    curl: bool,
) -> None:
    """Generate registrations with edge-case bills and PUT them into a running his-mock.

    Prints one line per registration: RegNo, CardNo, BILLID, the Money to settle with (GRZFJE3)
    and why the bill is interesting. RegNos and BILLIDs the mock already holds are skipped, never
    replaced.
    """
    if not mock_url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{mock_url!r} is not an http(s) URL", param_hint="--mock-url")
    stored: list[str] = []
    try:
        held = existing_registrations(mock_url, admin_token=admin_token, timeout=min(timeout, 10.0))
        registrations = generate_registrations(
            count=count, seed_value=seed_value, avoid=held, progress=_progress("registrations", count)
        )
        for start in range(0, len(registrations), LOAD_BATCH):
            batch = registrations[start : start + LOAD_BATCH]
            stored += load_registrations(mock_url, batch, admin_token=admin_token, timeout=timeout)
    except CasesError as exc:
        click.echo(f"his-cases: error: {exc}", err=True)
        if stored:
            click.echo(
                f"his-cases: {len(stored)} registrations were stored before: {' '.join(stored)}", err=True
            )
        sys.exit(exc.exit_code)
    lines = []
    for registration in registrations:
        if output_format == "json":
            extra = {"curl": settle_curl(mock_url, registration)} if curl else {}
            lines.append(registration_json(registration, **extra))
        elif curl:
            lines += [
                "# " + registration_line(registration).replace("\t", "  "),
                settle_curl(mock_url, registration),
            ]
        else:
            lines.append(registration_line(registration))
    _write_stdout(lines)
    click.echo(f"his-cases: loaded {len(stored)} registrations into {mock_url}", err=True)
    if curl:
        click.echo(f"his-cases: get a token first: {login_hint(mock_url)}", err=True)


def _write_stdout(lines: Sequence[str]) -> None:
    """UTF-8 bytes, one line each: the output must not depend on the locale's encoding."""
    for line in lines:
        sys.stdout.buffer.write(line.encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def _write_atomically(path: Path, cases: Sequence[dict[str, Any]]) -> None:
    """Write to a sibling temporary file, then rename: an interrupted run never truncates `path`."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it 0600; the result is an ordinary file
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.writelines(jsonl_lines(cases))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    main()
