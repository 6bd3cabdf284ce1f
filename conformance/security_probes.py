"""Probes of the doors a deployment must keep shut: passwords (AUTH-2) and forgeable tokens (AUTH-6).

AUTH-2 beyond the wrong password: no `password` field, an empty one, the real one in another
letter case. AUTH-6: the real token re-signed with each well-known weak key (and the vendor's
own, `--jwt-key-list`), `alg: none` in four letter cases with and without the trailing dot, and
HS256 with an empty signature, each on GetUnSettleBillByDoctor for --reg-no. The checks are
`conformance.checks.auth`'s; these functions only send, tagged with the intent.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.contract import BILL_OPERATION, LOGIN_OPERATION
from conformance.edge import case_changed
from conformance.forgery import forged_tokens
from conformance.intents import WeakToken, WrongPassword
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
        session.call(LOGIN_OPERATION, body, intent=WrongPassword(purpose=purpose))


def forged_token_probes(session: Session, vendor_keys: Sequence[str] = ()) -> None:
    """AUTH-6: every forgeable variant of the login token, on the bill of --reg-no."""
    token = session.token
    if token is None or len(token.split(".")) != 3:
        session.recorder.skip(
            ["AUTH-6"], "the login token is not a three-part JWT to forge from (see AUTH-1)"
        )
        return
    body = {"RegNo": session.target.reg_no}
    for forged in forged_tokens(token, vendor_keys):
        # Every forged token is redacted, not only those of a vendor's keys: one the server accepts
        # is a working credential for as long as the real one (the finding names its key instead).
        session.recorder.redactor.add_token(forged.token, FORGED_TOKEN_PLACEHOLDER)
        intent = WeakToken(
            variant=forged.variant, remedy=forged.remedy, purpose=f"a forged token: {forged.variant}"
        )
        session.call(BILL_OPERATION, body, authorization=f"Bearer {forged.token}", intent=intent)
