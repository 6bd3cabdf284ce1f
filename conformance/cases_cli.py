"""his-cases: seeded edge cases as JSON lines, and edge-case registrations loaded into his-mock.

    his-cases --operation settleByDoctor --kind invalid --side request --count 50 --seed 7
    his-cases load --mock-url http://127.0.0.1:8080 --count 200 --seed 7

Exit codes: 0 done; 2 bad arguments or the mock could not be used (click's usage errors and
`CasesError`, a `ConformanceError`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from hypothesis.configuration import set_hypothesis_home_dir

from conformance.cases import (
    KINDS,
    SIDES,
    bill_features,
    existing_registrations,
    generate_cases,
    generate_registrations,
    jsonl_lines,
    load_registrations,
    operations,
)
from conformance.errors import CasesError

# Registrations per PUT: an edge-case bill can be ~100 kB, so hundreds go in several requests.
LOAD_BATCH = 25
# Below this many cases a run is quick and progress lines would only be noise.
PROGRESS_FROM = 50


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `his-cases` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="his-cases-") as home:
        # Hypothesis keeps caches under ./.hypothesis; a command run from anywhere must not litter.
        set_hypothesis_home_dir(home)
        try:
            if args and args[0] == "load":
                load_command.main(args[1:], prog_name="his-cases load")
            else:
                generate_command.main(args, prog_name="his-cases")
        finally:
            set_hypothesis_home_dir(None)


def _progress(label: str, count: int) -> Any:
    if count < PROGRESS_FROM:
        return None
    step = max(1, count // 10)

    def report(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            click.echo(f"his-cases: {label} {done}/{total}", err=True)

    return report


@click.command(
    context_settings={"help_option_names": ["-h", "--help"]},
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
@click.option("--count", type=click.IntRange(min=1, max=100_000), default=20, show_default=True)
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON lines here (replaced only once all cases are written); default: stdout.",
)
def generate_command(
    operation: str, kind: str, side: str, count: int, seed_value: int, out: Path | None
) -> None:
    """Write COUNT cases of OPERATION as JSON lines, each saying what it is and why it is interesting.

    The same --seed gives byte-identical output (with the same kit and Hypothesis versions).
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


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--mock-url", required=True, help="Base URL of a running his-mock, e.g. http://127.0.0.1:8080.")
@click.option("--count", type=click.IntRange(min=1, max=10_000), default=20, show_default=True)
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--admin-token",
    envvar="HIS_MOCK_ADMIN_TOKEN",
    default=None,
    help="The mock's --admin-token, if it was started with one (or set HIS_MOCK_ADMIN_TOKEN).",
)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True)
def load_command(mock_url: str, count: int, seed_value: int, admin_token: str | None, timeout: float) -> None:
    """Generate COUNT registrations with edge-case bills and PUT them into a running his-mock.

    Prints one line per registration: RegNo, CardNo, the Money to settle with (GRZFJE3) and why
    the bill is interesting. RegNos and BILLIDs the mock already holds are skipped, never replaced.
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
    for registration in registrations:
        bill = registration["bill"]
        why = "; ".join(bill_features(bill)) or "an everyday bill"
        click.echo(f"{registration['RegNo']}\t{registration['CardNo']}\tMoney={bill['GRZFJE3']}\t{why}")
    click.echo(f"his-cases: loaded {len(stored)} registrations into {mock_url}", err=True)


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
