"""The client rules (CLI-1..6, group `client` of `x-his-rules`): what a client of the HIS did wrong.

Pure logic over the calls a client sent, in the order the HIS received them. his-mock judges its
journal with it (`/__admin/report`); a recording (HAR) can be judged the same way by building `Call`s
from its entries. No HTTP, Flask or database here. Every finding names the calls (journal ids) that
show it, so an integrator can look each one up in `/__admin/requests`.

What the judge can see is what the HIS saw: a client that times out and then sends nothing more looks
like one that got its answer. A timeout is inferred only when the client's next related call (the same
bill) arrived before the answer to the previous one was finished.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from his_contract.money import parse_amount
from his_contract.spec import Basis, Rule, Spec

LOGIN = "login"
BILL = "getUnSettleBillByDoctor"
SETTLE = "settleByDoctor"
# CLI-6: more than this many identical calls within `BURST_WINDOW` seconds do not back off.
BURST_LIMIT = 5
BURST_WINDOW = 1.0
# A finding lists at most this many journal ids (`count` says how many calls it covers).
MAX_CALLS_PER_FINDING = 50
# Statuses after which a settlement may or may not have been committed (CLI-3).
UNCERTAIN_STATUSES = frozenset({2, 500})
_MAX_TOKEN_CHARS = 8192
# Fault kinds of his-mock's scenarios that change what comes later (the bill, the token's life) but
# leave the answer of the call that took them as it was: the client got a real answer. Here, because
# the mock's report and the suite's `--har --side client` both read journals that name them.
EXPIRE_TOKEN_FAULT = "expire-token"
CHANGE_BILL_FAULT = "change-bill"
_ANSWER_KEEPING_FAULTS = frozenset({EXPIRE_TOKEN_FAULT, CHANGE_BILL_FAULT})


def answer_injected(fault_kind: object) -> bool:
    """Whether a fault of this kind replaced the call's answer (not only armed a later effect)."""
    return fault_kind is not None and fault_kind not in _ANSWER_KEEPING_FAULTS


@dataclass(slots=True, frozen=True)
class Call:
    """One HIS call as the client sent it and as far as the client got an answer.

    `operation` is the canonical operationId (the alias path's calls are `getUnSettleBillByDoctor`),
    None for an undocumented path. `body` is the decoded JSON object, None when it is not one (or was
    cut for the journal). `answered` is False when no answer reached the client (the connection was
    dropped). `status` is the envelope's, None when the answer was no envelope. `injected` marks an
    answer replaced by a test fault (so a status 5 there is not the client's). `answer` holds a few
    facts of a status-0 answer: `BILLID` and `GRZFJE3` of a fetched bill.
    """

    id: int
    started: float
    finished: float
    operation: str | None
    body: Mapping[str, Any] | None
    user: str | None = None
    answered: bool = True
    http_status: int | None = 200
    status: int | None = None
    msg: str | None = None
    injected: bool = False
    answer: Mapping[str, Any] = field(default_factory=dict)

    @property
    def protected(self) -> bool:
        return self.operation in (BILL, SETTLE)

    def text(self, name: str) -> str | None:
        """A string field of the request body, None when absent or not a string."""
        value = None if self.body is None else self.body.get(name)
        return value if isinstance(value, str) else None

    @property
    def reg_no(self) -> str | None:
        return self.text("RegNo" if self.operation == BILL else "RegSerNo")


@dataclass(slots=True, frozen=True)
class ClientFinding:
    """One thing the client did wrong: the rule, its basis, what happened, and the calls that show it."""

    rule: str
    basis: Basis
    title: str
    message: str
    calls: tuple[int, ...]
    user: str | None = None
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "basis": self.basis.value,
            "title": self.title,
            "message": self.message,
            "calls": list(self.calls),
            "count": self.count,
            "user": self.user,
        }


def verdict(findings: Iterable[ClientFinding]) -> str:
    """ "fail" when any finding breaks the document; advice alone passes."""
    return "fail" if any(f.basis is Basis.DOCUMENT for f in findings) else "pass"


def judge_client(calls: Sequence[Call], spec: Spec) -> list[ClientFinding]:
    """Every finding of CLI-1..6 over `calls` (any order: they are judged by arrival time)."""
    ordered = sorted(calls, key=lambda call: (call.started, call.id))
    judge = _Judge(spec)
    findings = [
        *judge.valid_requests(ordered),
        *judge.settles_fetched_bill(ordered),
        *judge.same_serial_after_uncertain_answer(ordered),
        *judge.token_reused(ordered),
        *judge.login_after_expiry(ordered),
        *judge.retries_back_off(ordered),
    ]
    return sorted(findings, key=lambda f: (f.calls[0] if f.calls else 0, f.rule))


def token_subject(authorization: str | None) -> str | None:
    """The `sub` claim of a bearer JWT, read without verifying it (to group a client's calls only)."""
    if not authorization or len(authorization) > _MAX_TOKEN_CHARS:
        return None
    scheme, _, token = authorization.partition(" ")
    parts = token.strip().split(".")
    if scheme != "Bearer" or len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, binascii.Error, RecursionError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and subject else None


class _Judge:
    def __init__(self, spec: Spec) -> None:
        self._spec = spec
        self._rules = spec.client_rules

    def _finding(self, rule_id: str, message: str, calls: Sequence[Call]) -> ClientFinding:
        rule = self._rules.get(rule_id) or Rule(rule_id, "client", rule_id)
        basis = rule.basis
        ids = tuple(call.id for call in calls)
        return ClientFinding(
            rule=rule_id,
            basis=basis,
            title=rule.title,
            message=message,
            calls=ids[:MAX_CALLS_PER_FINDING],
            user=calls[0].user if calls else None,
            count=len(ids),
        )

    # --- CLI-1 --------------------------------------------------------------------------------

    def valid_requests(self, calls: Sequence[Call]) -> list[ClientFinding]:
        """CLI-1: requests the spec allows; the HIS's status 5 (or 1, or an HTTP 400) is the client's."""
        groups: dict[tuple[str | None, str, str], list[Call]] = defaultdict(list)
        for call in calls:
            if call.operation is None:
                continue
            reason = self._invalid_reason(call)
            if reason is not None:
                groups[(call.user, call.operation, reason)].append(call)
        findings = []
        for (_user, operation, reason), group in groups.items():
            times = f" ({len(group)} calls)" if len(group) > 1 else ""
            findings.append(self._finding("CLI-1", f"{operation}: {reason}{times}", group))
        return findings

    def _invalid_reason(self, call: Call) -> str | None:
        if call.body is not None and call.operation in self._spec.operations:
            validator = self._spec.request_validator(call.operation)
            error = next(iter(validator.iter_errors(dict(call.body))), None)
            if error is not None:
                where = ".".join(str(part) for part in error.absolute_path) or "body"
                return f"the request does not match the spec: {where}: {error.message}"
        if call.injected or not call.answered:
            return None
        if call.status == 5:
            return f"the HIS answered status 5 (invalid input): {call.msg or ''}".rstrip(": ")
        if call.status == 1 and call.protected:
            return f"the HIS refused the token with status 1: {call.msg or ''}".rstrip(": ")
        if call.status is None and call.http_status == 400:
            return "the HIS could not read the request (HTTP 400)"
        return None

    # --- CLI-2 --------------------------------------------------------------------------------

    def settles_fetched_bill(self, calls: Sequence[Call]) -> list[ClientFinding]:
        """CLI-2: a settlement names the bill the client fetched last (since any refusal), and its Money."""
        fetched: dict[tuple[str | None, str], Call] = {}
        settled: dict[tuple[str | None, str], Call] = {}
        findings = []
        for call in calls:
            reg_no = call.reg_no
            if reg_no is None:
                continue
            key = (call.user, reg_no)
            if call.operation == BILL and call.answered:
                if call.status == 0 and "BILLID" in call.answer:
                    fetched[key] = call
                elif call.status == 6:
                    fetched.pop(key, None)
                continue
            if call.operation != SETTLE:
                continue
            message = self._settle_problem(call, fetched.get(key), settled.get(key))
            if message is not None:
                shown = settled.get(key) or fetched.get(key)
                before = [] if shown is None else [shown]
                findings.append(self._finding("CLI-2", message, sorted([*before, call], key=_by_id)))
            if call.answered and call.status == 0:
                settled.setdefault(key, call)
            elif call.answered and call.status == 6:
                # The HIS refused it: the bill may have changed; the client must fetch it again.
                fetched.pop(key, None)
        return findings

    @staticmethod
    def _settle_problem(call: Call, bill: Call | None, settled: Call | None) -> str | None:
        reg_no, bill_id, money = call.reg_no, call.text("BILLID"), call.text("Money")
        serial = call.text("SerialNumber")
        if settled is not None:
            if serial is not None and serial != settled.text("SerialNumber"):
                return (
                    f"call {call.id} settles registration {reg_no} again with a new SerialNumber {serial};"
                    f" call {settled.id} already settled it: a second payment for one bill"
                )
            return None
        if bill is None:
            return (
                f"call {call.id} settles registration {reg_no} without a bill fetched for it"
                " (none fetched, or the HIS refused the last settlement: fetch the bill again first)"
            )
        expected_id, expected_money = bill.answer.get("BILLID"), bill.answer.get("GRZFJE3")
        if bill_id is not None and bill_id != expected_id:
            return (
                f"call {call.id} settles BILLID {bill_id}, but the bill fetched (call {bill.id})"
                f" is {expected_id}"
            )
        own_share = parse_amount(expected_money)
        paid = parse_amount(money)
        if paid is not None and own_share is not None and paid != own_share:
            return (
                f"call {call.id} pays Money {money}, but the bill fetched (call {bill.id}) has"
                f" GRZFJE3 {expected_money} (the patient's share)"
            )
        return None

    # --- CLI-3 --------------------------------------------------------------------------------

    def same_serial_after_uncertain_answer(self, calls: Sequence[Call]) -> list[ClientFinding]:
        """CLI-3: after an uncertain settlement answer: the same SerialNumber or a fetch, never a new one."""
        pending: dict[tuple[str | None, str], tuple[Call, str]] = {}
        related: dict[tuple[str | None, str], list[Call]] = defaultdict(list)
        for call in calls:
            if call.operation in (BILL, SETTLE) and call.reg_no is not None:
                related[(call.user, call.reg_no)].append(call)
        seen: dict[tuple[str | None, str], int] = defaultdict(int)
        findings = []
        for call in calls:
            reg_no = call.reg_no
            if reg_no is None or call.operation not in (BILL, SETTLE):
                continue
            key = (call.user, reg_no)
            seen[key] += 1
            if call.operation == BILL:
                uncertain = pending.get(key)
                if uncertain is not None and call.started >= uncertain[0].started:
                    del pending[key]  # the client asks the HIS what happened: that is the careful way
                continue
            if call.operation != SETTLE:
                continue
            serial = call.text("SerialNumber")
            earlier = pending.pop(key, None)
            if earlier is not None and serial is not None:
                first, reason = earlier
                first_serial = first.text("SerialNumber")
                if serial != first_serial:
                    findings.append(
                        self._finding(
                            "CLI-3",
                            f"call {first.id} settled registration {reg_no} with SerialNumber"
                            f" {first_serial} and {reason}; call {call.id} then settles it with a new"
                            f" SerialNumber {serial}: a second payment for one bill (double-charge risk)",
                            [first, call],
                        )
                    )
                    continue
            why = _uncertain(call, itertools.islice(related[key], seen[key], None))
            if why is not None and serial is not None:
                pending[key] = (call, why)
        for first, reason in pending.values():
            findings.append(
                self._finding(
                    "CLI-3",
                    f"call {first.id} settled registration {first.reg_no} and {reason}; the client"
                    f" neither repeated it with SerialNumber {first.text('SerialNumber')} nor fetched the"
                    " bill: it may report a failed payment on a settled bill",
                    [first],
                )
            )
        return findings

    # --- CLI-4 --------------------------------------------------------------------------------

    def token_reused(self, calls: Sequence[Call]) -> list[ClientFinding]:
        """CLI-4 (advice): not a login before every call while the token is still good."""
        findings = []
        for user, own in _by_user(calls).items():
            needless: list[Call] = []
            since_login: list[Call] | None = None
            for call in own:
                if call.operation == LOGIN and call.answered and call.status == 0:
                    if since_login is not None and len(since_login) <= 1:
                        if not any(c.status in (1, 3) for c in since_login):
                            needless.append(call)
                    since_login = []
                elif call.protected and since_login is not None:
                    since_login.append(call)
            if len(needless) >= 2:
                findings.append(
                    self._finding(
                        "CLI-4",
                        f"user {user} logged in again {len(needless)} times while the previous token"
                        " was still good, after at most one call each: reuse the token until status 3",
                        needless,
                    )
                )
        return findings

    # --- CLI-5 --------------------------------------------------------------------------------

    def login_after_expiry(self, calls: Sequence[Call]) -> list[ClientFinding]:
        """CLI-5: after status 3, a login, then the call once more."""
        findings = []
        for _user, own in _by_user(calls).items():
            index = 0
            while index < len(own):
                call = own[index]
                if not (call.protected and call.answered and call.status == 3):
                    index += 1
                    continue
                # The episode: this status 3 and every protected call sent after it before a login.
                episode = [call]
                index += 1
                while index < len(own) and own[index].operation != LOGIN:
                    if own[index].protected:
                        episode.append(own[index])
                    index += 1
                message = self._after_expiry(episode, own[index:])
                if message is not None:
                    findings.append(self._finding("CLI-5", message, episode))
        return findings

    @staticmethod
    def _after_expiry(episode: list[Call], rest: Sequence[Call]) -> str | None:
        first = episode[0]
        if len(episode) > 1:
            return (
                f"call {first.id} ({first.operation}) answered status 3 (token expired); the client sent"
                f" {len(episode) - 1} more call(s) with the expired token instead of logging in again"
            )
        logins = [c for c in rest if c.operation == LOGIN and c.status == 0]
        if not logins:
            return (
                f"call {first.id} ({first.operation}) answered status 3 (token expired); the client"
                " did not log in again"
            )
        repeated = any(
            c.operation == first.operation and c.reg_no == first.reg_no and c.started > logins[0].started
            for c in rest
        )
        if not repeated:
            return (
                f"call {first.id} ({first.operation}) answered status 3 (token expired); the client"
                f" logged in again (call {logins[0].id}) but did not repeat the call"
            )
        return None

    # --- CLI-6 --------------------------------------------------------------------------------

    def retries_back_off(self, calls: Sequence[Call]) -> list[ClientFinding]:
        """CLI-6 (advice): no more than `BURST_LIMIT` identical calls within `BURST_WINDOW` seconds."""
        identical: dict[tuple[str | None, str, str], list[Call]] = defaultdict(list)
        for call in calls:
            if call.operation is None or call.body is None:
                continue
            try:
                body = json.dumps(call.body, sort_keys=True, ensure_ascii=False, default=str)
            except (RecursionError, ValueError, TypeError):
                continue  # a body nested beyond what json can write (a hostile recording) is not keyed
            identical[(call.user, call.operation, body)].append(call)
        findings = []
        for (_user, operation, _body), group in identical.items():
            burst = _largest_burst(group)
            if len(burst) > BURST_LIMIT:
                findings.append(
                    self._finding(
                        "CLI-6",
                        f"{len(burst)} identical {operation} calls within {BURST_WINDOW:g} s: retries"
                        " should wait longer each time (back off)",
                        burst,
                    )
                )
        return findings


def _uncertain(call: Call, later_related: Iterable[Call]) -> str | None:
    """Why the client cannot know whether this settlement was committed; None when it can.

    `later_related` are the same client's later calls about the same registration, in arrival order.
    """
    if not call.answered:
        return "its answer never arrived (the connection closed)"
    if call.status in UNCERTAIN_STATUSES:
        return f"its answer was status {call.status}"
    if call.status is None and call.http_status is not None and call.http_status >= 500:
        return f"its answer was an HTTP {call.http_status} page, not an envelope"
    for later in later_related:
        if later.started >= call.finished:
            break
        if later.started > call.started:
            return f"the client did not wait for its answer (call {later.id} came before it)"
    return None


def _largest_burst(group: Sequence[Call]) -> list[Call]:
    """The most calls of `group` (sorted by start) that fit in one `BURST_WINDOW`."""
    best: list[Call] = []
    start = 0
    for end in range(len(group)):
        while group[end].started - group[start].started > BURST_WINDOW:
            start += 1
        if end - start + 1 > len(best):
            best = list(group[start : end + 1])
    return best


def _by_user(calls: Sequence[Call]) -> dict[str | None, list[Call]]:
    users: dict[str | None, list[Call]] = defaultdict(list)
    for call in calls:
        users[call.user].append(call)
    return users


def _by_id(call: Call) -> int:
    return call.id
