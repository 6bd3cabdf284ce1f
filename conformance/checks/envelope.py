"""ENV-1..5: every response of a documented operation is a well-formed JSON envelope."""

from __future__ import annotations

from conformance.answer import AnswerKind
from conformance.checks._support import dumps, is_envelope, timed_out
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.registry import CheckContext, check

ENVELOPE_KEYS = ("status", "isSuccess", "msg", "msgDev", "response")
# The answers the lenient profile accepts as they are: no envelope to judge.
_HTTP_LEVEL = (AnswerKind.HTTP_AUTH_FAILURE, AnswerKind.HTTP_INVALID_INPUT)


def _judged_by_env_1(ctx: CheckContext, exchange: Exchange) -> bool:
    kind = ctx.answer.kind
    if kind is AnswerKind.NO_RESPONSE:
        return not timed_out(exchange)  # a timeout is TRN-1's
    if kind is AnswerKind.NOT_AN_ENVELOPE:
        return not ctx.answer.server_error  # a 5xx page is ENV-5's
    return kind not in _HTTP_LEVEL


@check("ENV-1", when=_judged_by_env_1)
def json_envelope(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """A JSON envelope with all five keys, served as application/json (text/plain errors: lenient)."""
    answer = ctx.answer
    if answer.kind is AnswerKind.NO_RESPONSE:
        return ctx.finding(exchange, kind="no-response")
    if answer.kind is AnswerKind.NOT_AN_ENVELOPE or answer.envelope is None:
        return ctx.finding(
            exchange, kind="not-an-envelope", received=f"not a JSON envelope: {answer.summary}"
        )
    response = exchange.response
    assert response is not None
    problems, kinds = [], []
    text_plain_ok = ctx.profile.accepts_text_plain_error_envelope and answer.status not in (None, 0)
    if response.media_type != "application/json" and not (
        text_plain_ok and response.media_type == "text/plain"
    ):
        problems.append(f"Content-Type {response.header('Content-Type') or '(none)'}")
        kinds.append("content-type")
    missing = [key for key in ENVELOPE_KEYS if key not in answer.envelope.document]
    if missing:
        problems.append(f"missing key(s) {', '.join(missing)}")
        kinds.append("missing-" + ",".join(missing))
    if not problems:
        return None
    return ctx.finding(exchange, kind="+".join(kinds), received="; ".join(problems))


@check("ENV-2", when=is_envelope)
def status_from_the_catalogue(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """`status` is an integer of `x-his-error-codes` (a numeric string too, in lenient)."""
    envelope = ctx.answer.envelope
    assert envelope is not None
    if envelope.status is not None:
        return None
    return ctx.finding(exchange, kind="status", received=f"status {dumps(envelope.document.get('status'))}")


def _env_3_judgeable(ctx: CheckContext, exchange: Exchange) -> bool:
    envelope = ctx.answer.envelope
    if not is_envelope(ctx, exchange) or envelope is None:
        return False
    return not isinstance(envelope.document.get("isSuccess"), bool) or envelope.status is not None


@check("ENV-3", when=_env_3_judgeable)
def is_success_matches_status(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """`isSuccess` is a boolean, and true exactly when status is 0."""
    envelope = ctx.answer.envelope
    assert envelope is not None
    is_success = envelope.document.get("isSuccess")
    if not isinstance(is_success, bool):
        return ctx.finding(
            exchange, kind="not-a-boolean", received=f"isSuccess {dumps(is_success)} is not a boolean"
        )
    if is_success == (envelope.status == 0):
        return None
    return ctx.finding(
        exchange,
        kind=f"isSuccess-{str(is_success).lower()}",
        received=f"isSuccess {dumps(is_success)} with status {envelope.status}",
    )


@check("ENV-4", when=is_envelope)
def messages(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """`msg` a string (non-empty on errors); `msgDev` a string or null."""
    envelope = ctx.answer.envelope
    assert envelope is not None
    document, status = envelope.document, envelope.status
    msg, msg_dev = document.get("msg"), document.get("msgDev")
    problems, kinds = [], []
    if not isinstance(msg, str):
        problems.append(f"msg {dumps(msg)} is not a string")
        kinds.append("msg-type")
    elif status not in (None, 0) and not msg.strip():
        problems.append(f"msg is empty with status {status}")
        kinds.append("msg-empty")
    if "msgDev" in document and msg_dev is not None and not isinstance(msg_dev, str):
        problems.append(f"msgDev {dumps(msg_dev)} is neither a string nor null")
        kinds.append("msgDev-type")
    if not problems:
        return None
    return ctx.finding(exchange, kind="+".join(kinds), received="; ".join(problems))


def _env_5_judgeable(ctx: CheckContext, exchange: Exchange) -> bool:
    del exchange
    kind = ctx.answer.kind
    return kind is AnswerKind.ENVELOPE or (kind is AnswerKind.NOT_AN_ENVELOPE and ctx.answer.server_error)


@check("ENV-5", when=_env_5_judgeable)
def no_bare_server_error(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """No 5xx page that is not an envelope."""
    if ctx.answer.kind is AnswerKind.ENVELOPE:
        return None
    return ctx.finding(exchange, kind=f"http-{ctx.answer.http_status}")
