"""One conformance run, phase by phase, against one base URL: the CLI and the pytest entry call this.

    login (AUTH-1) -> the bill of --reg-no (AUTH-5) -> auth probes (AUTH-2..4)
      -> input probes (INP-1, INP-2) -> [settlement flow SET-1..5 and settlement input probes,
      only with --allow-settlement] -> Schemathesis fuzzing (positive and negative)

The suite's own errors (`ConformanceError`) propagate to the caller; a spent budget or a server
that stopped answering ends the run early, with the unchecked rules marked skipped and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.contract import BILL_OPERATION, LOGIN_OPERATION, SETTLEMENT_OPERATION, Contract
from conformance.errors import RunStopped, UsageError
from conformance.flows import SETTLEMENT_GROUP, settlement_flow
from conformance.fuzz import fuzz_operation, fuzzable_operations
from conformance.http import Transport
from conformance.probes import auth_probes, fetch_bill, input_probes, login
from conformance.profiles import Profile
from conformance.redact import Redactor
from conformance.results import Recorder, RunInfo
from conformance.session import Session
from conformance.target import Target
from his_contract import Basis, load_spec

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_REQUESTS = 2000
DEFAULT_RATE_LIMIT = 0.0


@dataclass(slots=True, frozen=True)
class Limits:
    """How much the run may ask of the deployment."""

    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout: float = DEFAULT_TIMEOUT
    max_requests: int = DEFAULT_MAX_REQUESTS
    rate_limit: float = DEFAULT_RATE_LIMIT
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse limits no run can keep (the pytest entry's options are not range-checked by click)."""
        problems = [
            f"{name} must be {bound}, got {value:g}"
            for name, value, ok, bound in (
                ("max-examples", self.max_examples, self.max_examples >= 0, ">= 0"),
                ("timeout", self.timeout, self.timeout > 0, "> 0"),
                ("max-requests", self.max_requests, self.max_requests >= 1, ">= 1"),
                ("rate-limit", self.rate_limit, self.rate_limit >= 0, ">= 0"),
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
) -> Recorder:
    """Check the deployment at `target.base_url`; returns the per-rule results."""
    contract = Contract(load_spec())
    settlement_path = contract.operation(SETTLEMENT_OPERATION).path
    transport = Transport(
        base_url=target.base_url,
        timeout=limits.timeout,
        max_requests=limits.max_requests,
        rate_limit=limits.rate_limit,
        forbidden_paths=frozenset() if target.allow_settlement else frozenset({settlement_path}),
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
        fail_on=fail_on,
    )
    recorder = Recorder(dict(contract.spec.rules), profile, redactor, info)
    session = Session(contract, profile, transport, recorder, target, progress)
    try:
        _phases(session, limits)
    except RunStopped as stop:
        recorder.note(f"the run ended early: {stop}")
        for result in recorder.results.values():
            if not result.checks:
                result.skip_reasons.append(f"not reached: {stop}")
        progress(f"stopped early: {stop}")
    finally:
        recorder.requests_sent = transport.sent
        recorder.finish()
        transport.close()
    return recorder


def _phases(session: Session, limits: Limits) -> None:
    progress = session.progress
    target = session.target
    progress(f"login as {target.user_id!r} and read the bill of registration {target.reg_no!r}")
    login(session)
    bill = fetch_bill(session)

    progress("auth probes: wrong password, forged and expired tokens")
    auth_probes(session)

    progress("input probes: malformed, empty, non-object bodies, wrong types, missing fields")
    input_probes(session, [LOGIN_OPERATION, BILL_OPERATION])

    if target.allow_settlement:
        progress("settlement flow: wrong Money, settle, replay, settle again, bill gone")
        settlement_flow(session, bill)
        input_probes(session, [SETTLEMENT_OPERATION])
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
