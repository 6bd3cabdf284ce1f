"""`his-conformance --har FILE`: judge recorded traffic with the suite's registry, sending nothing.

Each recorded call of a documented operation is read (`read_answer`), given the intent the
recording shows (`recorded_intents`), and judged by every applicable check of the registry,
exactly as a live call is: no rule is written twice. What a recording cannot show is not judged:

- TRN-1 only where the file has timings (a call slower than `--timeout` breaks it);
- a call whose response body the tool did not keep: TRN-1 only;
- a call into which his-mock injected a fault (journal): nothing on the server side.

`--side client` judges the client's requests with the client rules (CLI-*) instead, `--side both`
both; the server side is the default. Paths the contract does not document are listed, not judged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path

from conformance.answer import Answer, read_answer
from conformance.checks._support import request_json
from conformance.client_side import client_rules, judge_client_side
from conformance.contract import Contract
from conformance.har import read_recording
from conformance.http import Exchange, Problem
from conformance.intents import Intent
from conformance.profiles import Profile
from conformance.recorded_intents import IntentReader, secrets_of
from conformance.recording import MAX_ENTRIES, RecordedExchange, Recording, SkippedEntry
from conformance.redact import Redactor
from conformance.registry import NO_SECRETS, Judgement, judge_exchange
from conformance.results import Recorder, RunInfo
from conformance.secret_forms import WatchedSecrets, watched_secrets
from his_contract import Basis, load_spec

TRANSPORT_RULE = "TRN-1"
_LISTED = 20  # entries named per note; the rest are counted


class Side(StrEnum):
    """Whose behaviour a recording is judged for."""

    SERVER = "server"
    CLIENT = "client"
    BOTH = "both"

    @property
    def server(self) -> bool:
        return self is not Side.CLIENT

    @property
    def client(self) -> bool:
        return self is not Side.SERVER


def judge_recording_file(
    path: Path,
    profile: Profile,
    *,
    timeout: float,
    side: Side = Side.SERVER,
    fail_on: Basis = Basis.DOCUMENT,
    progress: Callable[[str], None] = print,
) -> Recorder:
    """Read `path` (HAR 1.2 or a his-mock journal export) and judge it; `RecordingUnreadable` if it cannot."""
    contract = Contract(load_spec())
    recording = read_recording(path, contract)
    progress(
        f"{path.name}: {recording.source}, {len(recording.exchanges)} call(s) of documented operations,"
        f" {len(recording.unknown)} to other paths"
    )
    return judge_recording(
        recording, contract, profile, timeout=timeout, side=side, fail_on=fail_on, label=str(path)
    )


def judge_recording(
    recording: Recording,
    contract: Contract,
    profile: Profile,
    *,
    timeout: float,
    side: Side = Side.SERVER,
    fail_on: Basis = Basis.DOCUMENT,
    label: str = "recording",
) -> Recorder:
    """Every recorded call judged by the registry (server side) and the client rules (client side)."""
    info = RunInfo(
        base_url=f"{label} ({recording.source})",
        profile=profile.name,
        seed=0,
        max_examples=0,
        timeout=timeout,
        allow_settlement=False,
        fail_on=fail_on,
    )
    rules = dict(contract.spec.rules) if side.server else {}
    if side.client:
        rules.update(client_rules(contract))
    recorder = Recorder(rules, profile, Redactor(), info)
    recorder.requests_sent = 0
    answers = [read_answer(item.exchange, contract, profile) for item in recording.exchanges]
    all_tokens: list[str] = []
    all_passwords: list[str] = []
    for item, answer in zip(recording.exchanges, answers, strict=True):
        tokens, passwords = secrets_of(item.exchange, answer)
        for token in tokens:
            recorder.redactor.add_token(token)
        for password in passwords:
            recorder.redactor.add_password(password)
        all_tokens += tokens
        all_passwords += passwords
    if side.server:
        secrets = _recorded_secrets(recording.exchanges, all_passwords, all_tokens)
        if secrets.unwatched_reason:
            recorder.note(f"SEC-1 does not look for the recorded password: {secrets.unwatched_reason}")
        _judge_server_side(recorder, recording.exchanges, answers, contract, profile, timeout, secrets)
    if side.client:
        judge_client_side(recorder, recording.exchanges, answers, contract)
    recorder.note(
        f"judged {len(recording.exchanges)} recorded call(s) of {label} ({recording.source}),"
        f" {'both sides' if side is Side.BOTH else f'the {side.value} side'}; nothing was sent"
    )
    _note_left_out(recorder, recording)
    skipped = "the recording holds no call this rule applies to"
    for result in recorder.results.values():
        if not result.checks:
            result.skip_reasons.append(skipped)
    recorder.finish()
    return recorder


def _judge_server_side(
    recorder: Recorder,
    recorded: Sequence[RecordedExchange],
    answers: Sequence[Answer],
    contract: Contract,
    profile: Profile,
    timeout: float,
    secrets: WatchedSecrets,
) -> None:
    reader = IntentReader.for_recording(contract, recorded)
    for item, answer in zip(recorded, answers, strict=True):
        intent = reader.intent(item, answer)
        if item.fault is not None:
            continue  # his-mock answered as the admin API told it to: not the server's doing
        # The finding shows what the call was read as, and that it is about the server's answer.
        exchange = dataclasses.replace(item.exchange, purpose=f"{intent.describe()}, the server's answer")
        judgements = []
        try:
            if item.response_body_recorded:
                judgements = [
                    j
                    for j in judge_exchange(contract, profile, exchange, answer, intent, secrets=secrets)
                    if j.rule_id != TRANSPORT_RULE
                ]
            judgements += _transport(item.timed, exchange, contract, profile, timeout, intent)
        except RecursionError:
            # A body nested deeper than a check can walk: the recording's fault, never a crash.
            recorder.note(f"{item.citation}: a body nested too deep to judge; left out")
            continue
        recorder.record([_cited(judgement, item) for judgement in judgements])


def _recorded_secrets(
    recorded: Sequence[RecordedExchange], passwords: Sequence[str], tokens: Sequence[str]
) -> WatchedSecrets:
    """What SEC-1 watches in a recording: the passwords its logins submitted (the first as the
    run's own, under the same rule of telling it from ordinary data), and the first token."""
    if not passwords:
        return NO_SECRETS
    ordinary = tuple(
        value
        for item in recorded
        for key, value in request_json(item.exchange).items()
        if key != "password" and isinstance(value, str)
    )
    unique = list(dict.fromkeys(passwords))
    secrets = watched_secrets(unique[0], probes=tuple(unique[1:]), ordinary=ordinary)
    return secrets.with_token(tokens[0]) if tokens else secrets


def _cited(judgement: Judgement, item: RecordedExchange) -> Judgement:
    """The finding names the recorded call in what it received: copies beyond the first few of one
    defect keep no exchange, yet each still says where in the file it is."""
    finding = judgement.finding
    if finding is None:
        return judgement
    received = f"{finding.received} [recorded {item.citation}]"
    return Judgement(judgement.rule_id, dataclasses.replace(finding, received=received))


def _transport(
    timed: bool, exchange: Exchange, contract: Contract, profile: Profile, timeout: float, intent: Intent
) -> list[Judgement]:
    """TRN-1 by the recorded time: a call slower than the timeout is judged as one that timed out."""
    if not timed:
        return []
    if exchange.elapsed > timeout and exchange.problem is None:
        exchange = dataclasses.replace(exchange, problem=Problem.TIMEOUT)
    elif exchange.problem is Problem.TIMEOUT and exchange.elapsed <= timeout:
        return []  # the recording tool gave up sooner than the deployment was allowed to take
    answer = read_answer(exchange, contract, profile)
    judgements = judge_exchange(contract, profile, exchange, answer, intent)
    return [j for j in judgements if j.rule_id == TRANSPORT_RULE]


def _note_left_out(recorder: Recorder, recording: Recording) -> None:
    if recording.unknown:
        recorder.note(
            f"{len(recording.unknown)} recorded call(s) to paths the contract does not document,"
            f" not judged: {_listing(recording.unknown)}"
        )
    if recording.unjudged:
        recorder.note(
            f"{len(recording.unjudged)} recorded call(s) of documented paths not judged:"
            f" {_listing(recording.unjudged, reasons=True)}"
        )
    bodiless = [item for item in recording.exchanges if not item.response_body_recorded]
    if bodiless:
        recorder.note(
            f"{len(bodiless)} recorded call(s) without a response body (the tool did not keep it):"
            " only TRN-1 judged their answers"
        )
    if recording.beyond_cap:
        recorder.note(f"{recording.beyond_cap} entries after the first {MAX_ENTRIES} were not read")


def _listing(entries: Sequence[SkippedEntry], *, reasons: bool = False) -> str:
    shown = []
    for entry in entries[:_LISTED]:
        text = f"#{entry.index} {entry.method} {entry.url}"
        shown.append(f"{text} ({entry.reason})" if reasons and entry.reason else text)
    more = f", and {len(entries) - _LISTED} more" if len(entries) > _LISTED else ""
    return "; ".join(shown) + more
