"""Probes of the doors a deployment must keep shut: passwords (AUTH-2) and forgeable tokens (AUTH-6).

AUTH-2 beyond the wrong password: no `password` field, an empty one, the real one in another
letter case. AUTH-6: the real token re-signed with each well-known weak key (and the vendor's
own, `--jwt-key-list`), `alg: none` in four letter cases with and without the trailing dot, and
HS256 with an empty signature, each on GetUnSettleBillByDoctor for --reg-no.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.contract import BILL_OPERATION, LOGIN_OPERATION
from conformance.edge import case_changed
from conformance.forgery import ForgedToken, forged_tokens
from conformance.results import Verdict
from conformance.rules import Answer, AnswerKind, expect_auth_failure, expect_login_refused
from conformance.session import Session

CASE_CHANGED_PLACEHOLDER = "${HIS_PASSWORD_CASE_CHANGED}"
FORGED_TOKEN_PLACEHOLDER = "${HIS_FORGED_TOKEN}"


def password_probes(session: Session) -> None:
    """AUTH-2: a login without the password, with an empty one, with the real one's case changed."""
    target = session.target
    attempts: list[tuple[str, dict[str, str]]] = [
        ("login without a password field", {"userId": target.user_id}),
        ("login with an empty password", {"userId": target.user_id, "password": ""}),
    ]
    swapped = case_changed(target.password)
    if swapped is None:
        session.recorder.note("AUTH-2: the password has no letters, so no case-changed login was sent")
    else:
        session.recorder.redactor.add(swapped, CASE_CHANGED_PLACEHOLDER)
        attempts.append(
            (
                "login with the real password in another letter case",
                {"userId": target.user_id, "password": swapped},
            )
        )
    for purpose, body in attempts:
        exchange, answer = session.call(LOGIN_OPERATION, body, purpose=purpose)
        session.record(exchange, [expect_login_refused(answer, session.profile)])


def forged_token_probes(session: Session, vendor_keys: Sequence[str] = ()) -> None:
    """AUTH-6: every forged variant of the login token is refused with status 1, never accepted."""
    if session.token is None:
        session.recorder.skip(["AUTH-6"], "no login token to forge from")
        return
    if len(session.token.split(".")) != 3:
        session.recorder.skip(["AUTH-6"], "the login token is not a three-part JWT (see AUTH-1)")
        return
    body = {"RegNo": session.target.reg_no}
    for forged in forged_tokens(session.token, vendor_keys):
        if forged.secret:
            session.recorder.redactor.add_token(forged.token, FORGED_TOKEN_PLACEHOLDER)
        exchange, answer = session.call(
            BILL_OPERATION,
            body,
            authorization=f"Bearer {forged.token}",
            purpose=f"a forged token: {forged.variant}",
        )
        session.record(exchange, [forged_token_verdict(forged, answer, session)])


def forged_token_verdict(forged: ForgedToken, answer: Answer, session: Session) -> Verdict | None:
    """AUTH-6 on one forged token: refused as AUTH-3 refuses a bad signature; accepted names the variant."""
    verdict = expect_auth_failure("AUTH-6", 1, answer, session.profile)
    if verdict is None or verdict.passed:
        return verdict
    if answer.kind is AnswerKind.ENVELOPE and answer.status == 0:
        return Verdict(
            "AUTH-6",
            False,
            f"a token forged as {forged.variant} was accepted ({answer.summary}): {forged.remedy}",
            verdict.expected,
        )
    return Verdict("AUTH-6", False, f"{forged.variant}: {answer.summary}", verdict.expected)
