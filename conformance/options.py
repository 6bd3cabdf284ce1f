"""The run's options, in one table for both front ends: `his-conformance --X` and `pytest --his-X`.

Each option is declared once (name, kind, default, help); `conformance.cli` turns the table into
click options and `conformance.pytest_plugin` into pytest options, so the two can never drift
apart. Range checks that click does itself are repeated by `conformance.runner.Limits` for the
pytest side. This module imports nothing heavy: pytest loads it in every session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance.profiles import PROFILES

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_TIME = 900.0
DEFAULT_MAX_REQUESTS = 2000
DEFAULT_RATE_LIMIT = 0.0
# SET-7: how many settlements are sent at the same instant.
DEFAULT_RACE = 8
MAX_RACE = 64

# The values of his_contract.Basis (not imported: this module must stay light; a test compares them).
FAIL_ON_CHOICES = ("document", "advice")

Kind = Literal["text", "flag", "int", "float", "choice"]


@dataclass(slots=True, frozen=True, kw_only=True)
class OptionSpec:
    """One option of the run, as both front ends offer it."""

    name: str  # without dashes: "base-url" is --base-url and --his-base-url
    kind: Kind
    help: str
    default: Any = None
    metavar: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_open: bool = False  # the minimum itself is not allowed (a timeout of 0)
    choices: tuple[str, ...] = ()

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


# HIS_USER_ID / HIS_PASSWORD / HIS_EXPIRED_TOKEN are read by `conformance.target`, not by the front
# ends: they apply to --base-url only, never to --mock (whose demo data has its own credentials).
RUN_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        name="base-url",
        kind="text",
        metavar="URL",
        help="Root URL of the HIS deployment, e.g. http://10.0.0.5:8080 (no query, no operation path).",
    ),
    OptionSpec(
        name="mock",
        kind="flag",
        help="Start his-mock on a free port and check it (demo data, settlement on).",
    ),
    OptionSpec(
        name="user-id", kind="text", metavar="ID", help="Login user id [env HIS_USER_ID; --mock: demo]."
    ),
    OptionSpec(
        name="password", kind="text", metavar="PW", help="Login password [env HIS_PASSWORD; --mock: demo]."
    ),
    OptionSpec(
        name="reg-no", kind="text", metavar="REGNO", help="A registration (挂号号) with an unsettled bill."
    ),
    OptionSpec(
        name="card-no",
        kind="text",
        metavar="CARD",
        help="The patient card of --reg-no (needed for settlement).",
    ),
    OptionSpec(
        name="allow-settlement",
        kind="flag",
        help="Run the settlement flow SET-1..5 (creates a real settlement!). Without it nothing is settled.",
    ),
    OptionSpec(
        name="profile",
        kind="choice",
        default="strict",
        choices=tuple(sorted(PROFILES)),
        help="strict: the document to the letter; lenient: what stock ASP.NET Core deployments do.",
    ),
    OptionSpec(
        name="max-examples",
        kind="int",
        default=DEFAULT_MAX_EXAMPLES,
        minimum=0,
        help="Fuzzed requests per operation and mode (positive, negative); 0 turns fuzzing off.",
    ),
    OptionSpec(
        name="timeout",
        kind="float",
        default=DEFAULT_TIMEOUT,
        minimum=0,
        min_open=True,
        metavar="SECONDS",
        help="Total deadline of each request (connect, headers and body); a timeout is a TRN-1 finding.",
    ),
    OptionSpec(
        name="max-time",
        kind="float",
        default=DEFAULT_MAX_TIME,
        minimum=0,
        min_open=True,
        metavar="SECONDS",
        help="Deadline of the whole run: it then stops and reports what it checked.",
    ),
    OptionSpec(
        name="expired-token",
        kind="text",
        metavar="JWT",
        help="An expired token of the deployment, for AUTH-4 [env HIS_EXPIRED_TOKEN].",
    ),
    OptionSpec(name="seed", kind="int", default=0, help="Seed of the fuzzer: same seed, same requests."),
    OptionSpec(
        name="max-requests",
        kind="int",
        default=DEFAULT_MAX_REQUESTS,
        minimum=1,
        help="Request budget: the run stops sending after this many requests.",
    ),
    OptionSpec(
        name="race",
        kind="int",
        default=DEFAULT_RACE,
        minimum=2,
        maximum=MAX_RACE,
        metavar="N",
        help="SET-7: send the settlement N times at once (half one SerialNumber, half distinct).",
    ),
    OptionSpec(
        name="jwt-key-list",
        kind="text",
        metavar="FILE",
        help="AUTH-6: more HS256 keys to forge tokens with (one a line), e.g. your installers' defaults.",
    ),
    OptionSpec(
        name="fail-on",
        kind="choice",
        default="document",
        choices=FAIL_ON_CHOICES,
        help="document: exit 1 only where the deployment breaks the document; advice: the kit's advice too.",
    ),
    OptionSpec(
        name="rate-limit",
        kind="float",
        default=DEFAULT_RATE_LIMIT,
        minimum=0,
        metavar="PER_SECOND",
        help="At most this many requests per second (0: no limit).",
    ),
)


def option_values(read: Mapping[str, Any]) -> dict[str, Any]:
    """Every run option by `dest`, a value the front end left unset replaced by its default."""
    values = {}
    for spec in RUN_OPTIONS:
        value = read.get(spec.dest)
        if spec.kind == "flag":
            value = bool(value)
        elif value is None:
            value = spec.default
        values[spec.dest] = value
    return values
