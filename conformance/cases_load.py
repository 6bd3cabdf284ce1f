"""Edge-case registrations into a running his-mock, and what a QA engineer needs to settle each.

`generate_registrations` draws registrations with edge-case bills (the same for a seed),
`existing_registrations` and `load_registrations` talk to the mock's admin API
(`/__admin/registrations`), and `registration_line`, `registration_json` and `settle_curl` say what
was loaded: RegNo, CardNo, BILLID, the Money to settle with and why the bill is interesting, or a
ready SettleByDoctor curl command with the token left as `${HIS_TOKEN}`. Only HTTP joins this
module to the mock; a server that is down, or is not his-mock, is a one-line `CasesError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import requests

from conformance.case_features import bill_features, why
from conformance.cases import Progress, draw_covering
from conformance.errors import CasesError
from conformance.http import HttpRequest
from conformance.redact import TOKEN_PLACEHOLDER, Redactor
from conformance.strategies import EDGE_SHAPES, registrations
from conformance.strategies.requests import paid_at, settle_body
from conformance.strategies.vocabulary import PAY_WAYS
from his_contract.spec import load_spec

ADMIN_PATH = "/__admin/registrations"
# How long after the visit the generated payment happened (ten minutes: a patient paying at once).
PAYMENT_DELAY_SECONDS = 600
_OPENID_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def generate_registrations(
    *,
    count: int,
    seed_value: int,
    avoid: Sequence[Mapping[str, Any]] = (),
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """`count` registrations with edge-case bills, unique in RegNo and BILLID, the same for a seed.

    The bills' edge shapes (`EDGE_SHAPES`) take turns (`draw_covering`): each is about one in
    twelve of the bills, so no edge crowds out the others.

    Hypothesis's first draws are its simplest values, so RegNo and BILLID repeat; a repeated one,
    or one already used by a registration in `avoid` (what the mock holds), is moved to the next
    free number, which leaves the bill's arithmetic untouched and never replaces a registration.
    """
    shaped = [registrations(adversarial=True, shape=shape) for shape in EDGE_SHAPES]
    drawn = draw_covering(shaped, count=count, seed_value=seed_value, progress=progress)
    reg_nos = {str(r.get("RegNo")) for r in avoid}
    bill_ids = {str(r.get("bill", {}).get("BILLID")) for r in avoid if isinstance(r.get("bill"), Mapping)}
    for registration in drawn:
        registration["RegNo"] = _next_free(registration["RegNo"], reg_nos)
        registration["bill"]["BILLID"] = _next_free(registration["bill"]["BILLID"], bill_ids)
    return drawn


def _next_free(value: str, taken: set[str]) -> str:
    """`value`, or the nearest one after it (counting in its trailing digits) that is not taken."""
    digits = len(value) - len(value.rstrip("0123456789"))
    candidate = value
    step = 0
    while candidate in taken:
        step += 1
        if digits:
            width = max(digits, len(str(int(value[-digits:]) + step)))
            candidate = f"{value[:-digits]}{int(value[-digits:]) + step:0{width}d}"
        else:
            candidate = f"{value}{step}"
    taken.add(candidate)
    return candidate


# --- what was loaded ------------------------------------------------------------------------------


def registration_record(registration: Mapping[str, Any]) -> dict[str, Any]:
    """RegNo, CardNo, BILLID, Money (GRZFJE3, what SettleByDoctor must pay), why and feature keys."""
    bill = registration["bill"]
    features = bill_features(bill)
    return {
        "RegNo": registration["RegNo"],
        "CardNo": registration["CardNo"],
        "BILLID": bill["BILLID"],
        "Money": bill["GRZFJE3"],
        "why": why(features, "an everyday bill"),
        "features": [feature.key for feature in features],
    }


def registration_line(registration: Mapping[str, Any]) -> str:
    """One tab-separated line: RegNo, CardNo, BILLID=…, Money=… and why (tabs and newlines of the
    why flattened, so each registration stays one line)."""
    record = registration_record(registration)
    reason = " ".join(str(record["why"]).split())
    return (
        f"{record['RegNo']}\t{record['CardNo']}\tBILLID={record['BILLID']}\tMoney={record['Money']}\t{reason}"
    )


def registration_json(registration: Mapping[str, Any], **extra: str) -> str:
    """The record (and `extra` fields, e.g. its curl command) as one line of JSON, UTF-8 text as is."""
    return json.dumps({**registration_record(registration), **extra}, ensure_ascii=False)


def settle_request_body(registration: Mapping[str, Any]) -> dict[str, Any]:
    """A SettleByDoctor body that settles this registration's bill exactly, the same every time.

    PayNo (an openid) and SerialNumber (a WeChat transaction id) are derived from RegNo and BILLID,
    so two registrations never share a transaction and a repeated command replays the same one (SET-3).
    """
    bill = registration["bill"]
    digest = hashlib.sha256(f"{registration['RegNo']}|{bill['BILLID']}".encode()).digest()
    number = int.from_bytes(digest, "big")
    openid = "".join(_OPENID_CHARACTERS[b % len(_OPENID_CHARACTERS)] for b in digest[:22])
    body = settle_body(
        bill,
        card_no=registration["CardNo"],
        reg_no=registration["RegNo"],
        pay_way=PAY_WAYS[0],
        pay_no="oUpF8u" + openid,
        serial_number=f"4200{number % 10**28:028d}",
        paid=paid_at(bill.get("Date"), PAYMENT_DELAY_SECONDS),
    )
    if bill.get("SERIAL_NO"):
        body["SERIAL_NO"] = bill["SERIAL_NO"]
    if registration.get("SocialSecurityCard"):
        body["SocialSecurityCard"] = registration["SocialSecurityCard"]
    return body


def settle_curl(mock_url: str, registration: Mapping[str, Any]) -> str:
    """A curl command that settles the registration's bill; export HIS_TOKEN (a login token) first."""
    url = mock_url.rstrip("/") + load_spec().operation("settleByDoctor").path
    body = json.dumps(settle_request_body(registration), ensure_ascii=False).encode("utf-8")
    headers = (("Content-Type", "application/json"), ("Authorization", f"Bearer {TOKEN_PLACEHOLDER}"))
    return Redactor().curl(HttpRequest("POST", url, headers, body))


def login_hint(mock_url: str) -> str:
    """How to get HIS_TOKEN for the curl lines (the demo user of his-mock's fixtures)."""
    url = mock_url.rstrip("/") + load_spec().operation("login").path
    return (
        f"export HIS_TOKEN=$(curl -sS -X POST '{url}' -H 'Content-Type: application/json'"
        ' --data-binary \'{"userId":"demo","password":"demo"}\''
        " | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"response\"])')"
    )


# --- the mock's admin API ---------------------------------------------------------------------------


def existing_registrations(
    mock_url: str, *, admin_token: str | None = None, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The registrations his-mock holds; fails early, before generating anything, when there is no mock."""
    url = mock_url.rstrip("/") + ADMIN_PATH
    response = _send("GET", url, mock_url, admin_token=admin_token, timeout=timeout)
    if response.status_code == 401:
        raise CasesError(f"his-mock at {mock_url} wants its admin token: pass --admin-token")
    held = _json_or_none(response)
    if response.status_code != 200 or not isinstance(held, list):
        raise CasesError(
            f"{mock_url} is not his-mock: GET {ADMIN_PATH} answered HTTP {response.status_code}"
            f" with {_content_type(response)}, not the admin API's list of registrations"
        )
    return [r for r in held if isinstance(r, dict)]


def load_registrations(
    mock_url: str,
    registrations_to_load: Sequence[Mapping[str, Any]],
    *,
    admin_token: str | None = None,
    timeout: float = 60.0,
) -> list[str]:
    """PUT the registrations into his-mock (`/__admin/registrations`); the RegNos it stored."""
    url = mock_url.rstrip("/") + ADMIN_PATH
    response = _send(
        "PUT", url, mock_url, admin_token=admin_token, timeout=timeout, payload=list(registrations_to_load)
    )
    answer = _json_or_none(response)
    stored = answer.get("stored") if isinstance(answer, dict) else None
    if response.status_code != 200 or not isinstance(stored, list):
        detail = answer.get("error") if isinstance(answer, dict) else None
        raise CasesError(
            f"his-mock refused the registrations (HTTP {response.status_code} from PUT {url}):"
            f" {_one_line(str(detail or response.text[:300]))}"
            + (
                " — pass --admin-token if the mock was started with one"
                if response.status_code == 401
                else ""
            )
        )
    return [str(reg_no) for reg_no in stored]


def _send(
    method: str,
    url: str,
    mock_url: str,
    *,
    admin_token: str | None,
    timeout: float,
    payload: Any = None,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    try:
        return requests.request(method, url, json=payload, headers=headers, timeout=timeout)
    except requests.Timeout as exc:
        raise CasesError(
            f"his-mock at {mock_url} did not answer {method} {ADMIN_PATH} within {timeout:g} s"
        ) from exc
    except requests.RequestException as exc:
        raise CasesError(f"cannot reach his-mock at {mock_url}: {describe_request_error(exc)}") from exc


def describe_request_error(exc: BaseException) -> str:
    """What went wrong under a requests/urllib3 exception, in a few words (never its repr chain).

    The innermost operating-system error wins ("Connection refused", "Name or service not known");
    a server that answered something other than HTTP is said so.
    """
    causes = list(_causes(exc))
    for cause in causes:
        if type(cause).__module__ in ("builtins", "socket") and isinstance(cause, OSError) and cause.strerror:
            return f"{cause.strerror} (is his-mock running there?)"
        if type(cause).__name__ in ("BadStatusLine", "RemoteDisconnected", "LineTooLong", "ProtocolError"):
            return "the server there does not speak HTTP (or closed the connection without an answer)"
        if type(cause).__name__ in ("SSLError", "SSLCertVerificationError"):
            return "TLS failed (an http:// mock behind an https:// URL, or an untrusted certificate)"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "not a usable URL"
    return f"the connection failed ({type(exc).__name__})"


def _causes(exc: BaseException, depth: int = 0) -> Iterator[BaseException]:
    """What `exc` wraps (args, `reason`, causes and contexts), innermost first, then `exc`; bounded."""
    if depth > 8:
        return
    wrapped: list[BaseException] = [a for a in exc.args if isinstance(a, BaseException)]
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        wrapped.append(reason)
    for link in (exc.__cause__, exc.__context__):
        if link is not None:
            wrapped.append(link)
    for inner in wrapped:
        yield from _causes(inner, depth + 1)
    yield exc


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "no Content-Type").split(";")[0].strip() or "no Content-Type"


def _one_line(text: str) -> str:
    return " ".join(text.split())
