"""What a request was sent for: the declared intent that tells the registry which checks judge it.

Probes, flows and the fuzzer build each request with an intent; the session then runs every
check that applies to it (`conformance.registry`). Checks that name no intent (ENV-*, SCH-*,
SEM-*, TRN-1) judge every exchange; the others name the intent classes they judge, and
`isinstance` decides, so an intent subclass is judged by its base's checks too.

To add an intent, subclass `Intent` anywhere (a probe module, a HAR reader): a frozen, keyword-only
dataclass with the data its checks need (the first receipt of a replay, the settled bill ...).
Nothing here needs to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(slots=True, frozen=True, kw_only=True)
class Intent:
    """Base of every intent; `purpose` says it in a few words for a finding ("an empty body")."""

    purpose: str = ""

    def describe(self) -> str:
        return self.purpose or type(self).__name__


@dataclass(slots=True, frozen=True, kw_only=True)
class Plain(Intent):
    """A request meant to work with the run's data: the login with the given credentials (AUTH-1),
    a protected call with the login's token (AUTH-5)."""


@dataclass(slots=True, frozen=True, kw_only=True)
class Fuzzed(Intent):
    """A generated request that keeps the request schema: only the rules every answer keeps apply."""


@dataclass(slots=True, frozen=True, kw_only=True)
class Recorded(Intent):
    """A recorded exchange (a HAR file): no declared purpose, so only the rules that need no intent,
    plus INP-1 when the recorded request breaks the request schema."""


class InputKind(StrEnum):
    """The kinds of invalid input INP-1 knows; `edge` ones the document does not settle (CONTRACT.md)."""

    MALFORMED_JSON = "malformed-json"
    EMPTY_BODY = "empty-body"
    NON_OBJECT = "non-object"
    MISSING_FIELD = "missing-field"
    WRONG_TYPE = "wrong-type"
    NAN_LITERAL = "nan-literal"
    # A body that breaks the request schema otherwise (a fuzzed negative case, a recorded request).
    SCHEMA_VIOLATION = "schema-violation"
    # Edge input: status 5 is what the kit recommends; another non-zero status is at most advice.
    EMPTY_STRING = "empty-string"
    LONE_SURROGATE = "lone-surrogate"
    LONG_STRING = "long-string"
    # A string of the wrong format (an amount that is no decimal): the document types it only `string`.
    INVALID_FORMAT = "invalid-format"

    @property
    def edge(self) -> bool:
        return self in EDGE_KINDS


EDGE_KINDS = frozenset(
    {InputKind.EMPTY_STRING, InputKind.LONE_SURROGATE, InputKind.LONG_STRING, InputKind.INVALID_FORMAT}
)


@dataclass(slots=True, frozen=True, kw_only=True)
class InvalidInput(Intent):
    """A body that breaks the request schema in one named way (INP-1); `field` names the field, if any."""

    kind: InputKind
    field: str = ""


@dataclass(slots=True, frozen=True, kw_only=True)
class WrongPassword(Intent):
    """The login of the given user with a wrong password (AUTH-2)."""


@dataclass(slots=True, frozen=True, kw_only=True)
class ForgedToken(Intent):
    """A protected call with a token that must be refused with status 1 (AUTH-3); `variant` names it."""

    variant: str


@dataclass(slots=True, frozen=True, kw_only=True)
class ExpiredToken(Intent):
    """A protected call with an expired token of the deployment (AUTH-4)."""


@dataclass(slots=True, frozen=True, kw_only=True)
class UnknownRegistration(Intent):
    """A bill request for a registration number that does not exist (INP-2); `variant` names it."""

    variant: str = "no such number"


# --- Settlement (SET-*): each step carries the bill it works on -------------------------------


@dataclass(slots=True, frozen=True, kw_only=True)
class SettlementStep(Intent):
    """Base of the settlement steps: the unsettled bill of --reg-no, as read before the flow."""

    bill: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True, kw_only=True)
class WrongMoney(SettlementStep):
    """A settlement whose Money is not the bill's GRZFJE3 (SET-1)."""


@dataclass(slots=True, frozen=True, kw_only=True)
class BillAfterWrongMoney(SettlementStep):
    """The bill read again after the wrong-money settlement: still unsettled (SET-1)."""


@dataclass(slots=True, frozen=True, kw_only=True)
class Settle(SettlementStep):
    """The correct settlement of the bill (SET-2)."""


@dataclass(slots=True, frozen=True, kw_only=True)
class ReplayOf(SettlementStep):
    """The identical settlement sent again (SET-3); `receipt` is the first one's."""

    receipt: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True, kw_only=True)
class SettleAgain(SettlementStep):
    """The settled bill settled again with a new SerialNumber (SET-4)."""


@dataclass(slots=True, frozen=True, kw_only=True)
class BillAfterSettle(SettlementStep):
    """The bill read after its settlement (SET-5): `bill` is the settled one."""
