"""One conformance run, phase by phase, against one base URL: the CLI and the pytest entry call this.

    login (AUTH-1) -> the bill of --reg-no (AUTH-5) -> auth probes (AUTH-2..4, AUTH-6)
      -> input probes (INP-1..3, boundary values) -> [settlement flow SET-1..7 and settlement input
      probes, only with --allow-settlement] -> Schemathesis fuzzing (positive and negative)

The suite's own errors (`ConformanceError`) propagate to the caller; a spent budget, a server
that stopped answering or the run's deadline (--max-time) ends the run early, with the unchecked
rules marked skipped and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.contract import BILL_OPERATION, LOGIN_OPERATION, SETTLEMENT_OPERATION, Contract
from conformance.edge_probes import accepted_request_probes, boundary_probes, lookalike_probes
from conformance.errors import RunStopped, UsageError
from conformance.flows import SETTLEMENT_GROUP, settlement_flow
from conformance.fuzz import fuzz_operation, fuzzable_operations
from conformance.http import Transport
from conformance.options import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_MAX_TIME,
    DEFAULT_RATE_LIMIT,
    DEFAULT_TIMEOUT,
)
from conformance.probes import auth_probes, fetch_bill, input_probes, login, probe_passwords
from conformance.profiles import Profile
from conformance.provenance import provenance
from conformance.race import DEFAULT_RACE, MAX_RACE
from conformance.redact import Redactor
from conformance.results import Recorder, RunInfo
from conformance.secret_forms import watched_secrets
from conformance.security_probes import forged_token_probes, password_probes
from conformance.session import Session
from conformance.target import Target
from his_contract import Basis, load_spec


@dataclass(slots=True, frozen=True, kw_only=True)
class Limits:
    """How much the run may ask of the deployment."""

    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout: float = DEFAULT_TIMEOUT
    max_time: float = DEFAULT_MAX_TIME
    max_requests: int = DEFAULT_MAX_REQUESTS
    rate_limit: float = DEFAULT_RATE_LIMIT
    seed: int = 0
    race: int = DEFAULT_RACE  # SET-7: settlements sent at the same time

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Limits:
        """The limits out of `conformance.options.option_values`."""
        return cls(
            max_examples=values["max_examples"],
            timeout=values["timeout"],
            max_time=values["max_time"],
            max_requests=values["max_requests"],
            rate_limit=values["rate_limit"],
            seed=values["seed"],
            race=values["race"],
        )

    def __post_init__(self) -> None:
        """Refuse limits no run can keep (the pytest entry's options are not range-checked by click)."""
        problems = [
            f"{name} must be {bound}, got {value:g}"
            for name, value, ok, bound in (
                ("max-examples", self.max_examples, self.max_examples >= 0, ">= 0"),
                ("timeout", self.timeout, self.timeout > 0, "> 0"),
                ("max-time", self.max_time, self.max_time > 0, "> 0"),
                ("max-requests", self.max_requests, self.max_requests >= 1, ">= 1"),
                ("rate-limit", self.rate_limit, self.rate_limit >= 0, ">= 0"),
                ("race", self.race, 2 <= self.race <= MAX_RACE, f"from 2 to {MAX_RACE}"),
            )
            if not ok
        ]
        if problems:
            raise UsageError("; ".join(problems))


def run_conformance(
    target: Target,
    profile: Profile,
    limits: Limits,
    *,
    progress: Callable[[str], None] = print,
    mock: bool = False,
    fail_on: Basis = Basis.DOCUMENT,
    jwt_keys: Sequence[str] = (),
    command_line: str = "",
) -> Recorder:
    """Check the deployment at `target.base_url`; returns the per-rule results."""
    session = open_session(
        target,
        profile,
        limits,
        progress=progress,
        mock=mock,
        fail_on=fail_on,
        command_line=command_line,
    )
    session.jwt_keys = tuple(jwt_keys)
    recorder, transport = session.recorder, session.transport
    try:
        _phases(session, limits)
    except RunStopped as stop:
        recorder.note(f"the run ended early: {stop}")
        for result in recorder.results.values():
            if not result.checks:
                result.skip_reasons.append(f"not reached: {stop}")
        progress(f"stopped early: {stop}")
    finally:
        hint = session.signs.hint(profile)
        if hint is not None:
            recorder.note(hint)
        recorder.requests_sent = transport.sent
        recorder.finish()
        transport.close()
    return recorder


def open_session(
    target: Target,
    profile: Profile,
    limits: Limits,
    *,
    progress: Callable[[str], None] = print,
    mock: bool = False,
    fail_on: Basis = Basis.DOCUMENT,
    command_line: str = "",
) -> Session:
    """The session of one run: its transport within the limits, its recorder, nothing sent yet."""
    run_deadline = time.monotonic() + limits.max_time
    contract = Contract(load_spec())
    settlement_path = contract.operation(SETTLEMENT_OPERATION).path
    transport = Transport(
        base_url=target.base_url,
        timeout=limits.timeout,
        max_requests=limits.max_requests,
        rate_limit=limits.rate_limit,
        forbidden_paths=frozenset() if target.allow_settlement else frozenset({settlement_path}),
        run_deadline=run_deadline,
    )
    redactor = Redactor()
    redactor.add_password(target.password)
    info = RunInfo(
        base_url=target.base_url,
        profile=profile.name,
        seed=limits.seed,
        max_examples=limits.max_examples,
        timeout=limits.timeout,
        allow_settlement=target.allow_settlement,
        mock=mock,
        max_time=limits.max_time,
        fail_on=fail_on,
        provenance=provenance(spec_version=_spec_version(contract), command_line=command_line),
    )
    recorder = Recorder(dict(contract.spec.rules), profile, redactor, info)
    session = Session(contract, profile, transport, recorder, target, progress, race_size=limits.race)
    session.secrets = watched_secrets(
        target.password,
        probes=probe_passwords(),
        ordinary=(target.user_id, target.reg_no, target.card_no or ""),
    )
    if session.secrets.unwatched_reason:
        recorder.note(
            f"SEC-1 looks for the echo of the kit's probe passwords only: {session.secrets.unwatched_reason},"
            " too easily found in ordinary data (it is still redacted from every report)"
        )
    return session


def _phases(session: Session, limits: Limits) -> None:
    progress = session.progress
    target = session.target
    progress(f"login as {target.user_id!r} and read the bill of registration {target.reg_no!r}")
    login(session)
    bill = fetch_bill(session)

    progress("auth probes: wrong, missing, empty and case-changed passwords, forged and expired tokens")
    auth_probes(session)
    password_probes(session)
    forged_token_probes(session, session.jwt_keys)

    progress("input probes: malformed, empty, non-object bodies, wrong types, missing fields, lookalikes")
    input_probes(session, [LOGIN_OPERATION, BILL_OPERATION])
    lookalike_probes(session)
    accepted_request_probes(session)
    progress("boundary values in every string field: long, outside the BMP, combining, RLM, NUL, full-width")
    for operation_id in (LOGIN_OPERATION, BILL_OPERATION):
        boundary_probes(session, operation_id)

    if target.allow_settlement:
        progress(
            f"settlement flow: wrong Money, someone else's card and bill, {limits.race} settlements at once,"
            " replay, settle again, bill gone"
        )
        settlement_flow(session, bill)
        input_probes(session, [SETTLEMENT_OPERATION])
        boundary_probes(session, SETTLEMENT_OPERATION)
    else:
        session.recorder.skip_group(
            SETTLEMENT_GROUP, "read-only run: pass --allow-settlement to check settlement"
        )

    if limits.max_examples == 0:
        progress("fuzzing off (--max-examples 0)")
        return
    progress(f"fuzzing with Schemathesis: {limits.max_examples} examples per operation and mode")
    for operation_id in fuzzable_operations(session):
        fuzz_operation(session, operation_id, max_examples=limits.max_examples, seed_value=limits.seed)


def _spec_version(contract: Contract) -> str:
    info = contract.spec.document.get("info")
    return str(info.get("version", "unknown")) if isinstance(info, Mapping) else "unknown"
