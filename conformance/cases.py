"""Edge cases as data: seeded, deterministic draws from `conformance.strategies`, described for people.

`generate_cases` turns (operation, kind, side) into a strategy of case records, draws `count`
distinct ones under a fixed Hypothesis seed (same seed, same kit and Hypothesis version: the same
cases, byte for byte) and says for each what it is and why it is interesting. `load_registrations`
puts generated registrations with their bills into a running his-mock over its admin API, so a
client can be run against hundreds of edge-case bills. Only HTTP joins this module to the mock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import requests
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from conformance.errors import CasesError
from conformance.strategies import (
    InvalidRequest,
    InvalidResponse,
    bill_requests,
    envelopes,
    invalid_requests,
    invalid_responses,
    login_requests,
    registrations,
    settle_requests,
)
from conformance.strategies.text import LONG_TEXT_MIN
from his_contract.semantics import SELF_PAY_FEE_TYPE, iter_fee_items
from his_contract.spec import load_spec

KINDS = ("valid", "edge", "invalid")
SIDES = ("request", "response")
# Rounds of drawing before giving up on `count` distinct cases (small spaces, e.g. broken logins).
MAX_ROUNDS = 8
# A new seed per round, far enough apart that rounds do not overlap.
ROUND_STRIDE = 1_000_003
T = TypeVar("T")
Case = dict[str, Any]
Progress = Callable[[int, int], None]


def operations() -> tuple[str, ...]:
    """The operationIds his-cases knows: every operation of the spec."""
    return tuple(load_spec().operations)


def generate_cases(
    operation: str,
    kind: str,
    side: str,
    *,
    count: int,
    seed_value: int,
    progress: Progress | None = None,
) -> list[Case]:
    """`count` distinct cases (fewer only when fewer exist), the same for the same arguments."""
    if operation not in operations():
        raise CasesError(f"unknown operation {operation!r}; choose one of: {', '.join(operations())}")
    if kind not in KINDS or side not in SIDES:
        raise CasesError(f"kind must be one of {KINDS} and side one of {SIDES}")
    if count < 1:
        raise CasesError(f"count must be at least 1, not {count}")
    records = draw_distinct(
        _records(operation, kind, side), count=count, seed_value=seed_value, progress=progress
    )
    return [
        {"id": f"{operation}-{side}-{kind}-{seed_value}-{index:04d}", **record}
        for index, record in enumerate(records, start=1)
    ]


def draw_distinct(
    strategy: st.SearchStrategy[T],
    *,
    count: int,
    seed_value: int,
    progress: Progress | None = None,
) -> list[T]:
    """Draw `count` distinct values from `strategy`, deterministically for a given seed.

    Hypothesis runs a collecting test function under `@seed`, with no example database, only the
    generate phase and no health checks: what it draws then depends on the seed alone. Values are
    compared by their JSON form; a round that yields too few distinct ones is followed by another
    round with a derived seed.
    """
    collected: list[T] = []
    seen: set[str] = set()
    for round_number in range(MAX_ROUNDS):
        wanted = count - len(collected)
        if wanted <= 0:
            break

        @settings(
            database=None,
            # The first draws of every seed are the simplest values, the same for all seeds: ask
            # for a margin so a later round is not spent on duplicates only.
            max_examples=2 * wanted + 10,
            phases=[Phase.generate],
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            print_blob=False,
        )
        @seed(seed_value + round_number * ROUND_STRIDE)
        @given(strategy)
        def collect(value: T) -> None:
            if len(collected) >= count:
                return
            key = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
            if key in seen:
                return
            seen.add(key)
            collected.append(value)
            if progress is not None:
                progress(len(collected), count)

        collect()
    return collected


def jsonl_lines(cases: Sequence[Case]) -> Iterator[str]:
    """One JSON object per line, UTF-8 text as is (no \\u escapes), keys in a stable order."""
    for case in cases:
        yield json.dumps(case, ensure_ascii=False) + "\n"


# --- building records ---------------------------------------------------------------------------


def _records(operation: str, kind: str, side: str) -> st.SearchStrategy[Case]:
    spec_operation = load_spec().operation(operation)
    head = {
        "operation": operation,
        "method": spec_operation.method,
        "path": spec_operation.path,
        "side": side,
        "kind": kind,
    }
    if side == "request" and kind == "invalid":
        return invalid_requests(operation).map(
            lambda case: {**head, **_invalid_request(case, spec_operation.protected)}
        )
    if side == "response" and kind == "invalid":
        return invalid_responses(operation).map(lambda case: {**head, **_invalid_response(case)})
    adversarial = kind == "edge"
    if side == "request":
        return _valid_requests(operation, adversarial=adversarial).map(
            lambda body: {**head, **_valid_request(operation, body, spec_operation.protected)}
        )
    return envelopes(operation, adversarial=adversarial).map(
        lambda env: {**head, **_valid_response(operation, env)}
    )


def _valid_requests(operation: str, *, adversarial: bool) -> st.SearchStrategy[dict[str, Any]]:
    if operation == "login":
        return login_requests(adversarial=adversarial)
    if operation == "settleByDoctor":
        return settle_requests(adversarial=adversarial)
    return bill_requests(adversarial=adversarial)


def _valid_request(operation: str, body: dict[str, Any], protected: bool) -> Case:
    if operation == "login":
        what = f"login as {_quoted(body['userId'])}" + ("" if "password" in body else " without a password")
    elif operation == "settleByDoctor":
        what = f"settle bill {_quoted(body['BILLID'])} paying Money {body['Money']}"
    else:
        what = f"fetch the unsettled bill of RegNo {_quoted(body['RegNo'])}"
    reasons = _text_features(body)
    extras = sorted(set(body) - set(_request_properties(operation)))
    if extras:
        reasons.append(f"unknown extra fields {', '.join(extras)}, which the spec allows")
    if operation == "settleByDoctor":
        if body["Money"] == "0.00":
            reasons.append("Money 0.00: the patient owes nothing, the settlement must still go through")
        for optional in ("SERIAL_NO", "SocialSecurityCard"):
            if optional not in body:
                reasons.append(f"the optional {optional} is left out")
            elif body[optional] == "":
                reasons.append(f"the optional {optional} is an empty string")
    if operation == "login" and body.get("password") == "":
        reasons.append("an empty password (the field is optional and may be empty)")
    return {
        "what": what,
        "why": _why(reasons, "an everyday valid request"),
        "expect": {
            "not_status": 5,
            "note": "valid per openapi.yaml: never 入参参数错误; 0 or 6 depending on the server's data",
        },
        "needs_token": protected,
        "headers": {"Content-Type": "application/json"},
        "body": body,
    }


def _invalid_request(case: InvalidRequest, protected: bool) -> Case:
    record: Case = {
        "what": f"{case.breakage.value}" + (f" {case.field}" if case.field else ""),
        "why": case.reason,
        "breakage": case.breakage.value,
        "field": case.field,
        "expect": {"status": case.expected_status, "rule": "INP-1"},
        "needs_token": protected,
        "headers": dict(case.headers),
    }
    try:
        record["body"] = case.json()
    except ValueError:
        record["raw_body"] = case.text
    return record


def _valid_response(operation: str, envelope: dict[str, Any]) -> Case:
    document = envelope["response"]
    if operation == "login":
        what = "a login token"
        reasons = _token_features(document)
    elif operation == "settleByDoctor":
        lines = sum(len(item["ItemDetail"]) for detail in document["Detail"] for item in detail["Item"])
        lines_text = _plural(lines, "line", "lines")
        what = f"receipt {document['CheckOutNo']}: SumFund {document['SumFund']}, {lines_text}"
        reasons = _money_features(document) + _text_features(document)
    else:
        categories = sum(len(detail["FeeCat"]) for detail in document["FeeDetail"])
        lines = sum(len(item["PerItem"]) for _, item in iter_fee_items(document))
        what = (
            f"bill {_short(document['BILLID'])}: {_plural(categories, 'fee category', 'fee categories')},"
            f" {_plural(lines, 'line', 'lines')},"
            f" SumFund {document['SumFund']}, FeeType {_short(document['FeeType'])}"
        )
        reasons = bill_features(document)
    if envelope["msgDev"] is not None:
        reasons.append("msgDev is a string on success, not null")
    if envelope["msg"] == "":
        reasons.append("an empty msg on success (allowed: msg must be non-empty only on errors)")
    return {
        "what": what,
        "why": _why(reasons, "an everyday success envelope"),
        "expect": {"client": "accept", "rules_kept": _rules_kept(operation)},
        "body": envelope,
    }


def _invalid_response(case: InvalidResponse) -> Case:
    return {
        "what": f"{case.rule} broken" + (f" at {case.field}" if case.field else ""),
        "why": f"{case.reason}: a client must not act on it",
        "rule": case.rule,
        "field": case.field,
        "expect": {"client": "reject", "rule": case.rule},
        "body": case.envelope,
    }


def _rules_kept(operation: str) -> list[str]:
    if operation == "login":
        return ["ENV-1", "ENV-2", "ENV-3", "ENV-4", "SCH-1", "AUTH-1"]
    semantics = ["SEM-1", "SEM-5"] if operation == "settleByDoctor" else [f"SEM-{n}" for n in range(1, 6)]
    return ["ENV-1", "ENV-2", "ENV-3", "ENV-4", "SCH-1", "SCH-2", *semantics]


# --- why a case is interesting --------------------------------------------------------------------


def bill_features(bill: Mapping[str, Any]) -> list[str]:
    """What makes a bill worth a client's attention, read off the bill itself."""
    reasons: list[str] = []
    categories = sum(len(detail["FeeCat"]) for detail in bill["FeeDetail"])
    items = [item for _, item in iter_fee_items(bill)]
    lines = [line for item in items for line in item["PerItem"]]
    if categories >= 40:
        reasons.append(f"{categories} fee categories (every category of the catalogue)")
    elif categories >= 8:
        reasons.append(f"{categories} fee categories")
    if len(bill["FeeDetail"]) > 1:
        reasons.append(f"{len(bill['FeeDetail'])} FeeDetail groups")
    for item in items:
        if item["ZYTS"] not in ("", "0"):
            decoction = any(i["DeliveryFeeFlag"] == "1" for i in items)
            reasons.append(
                f"herbal prescription of {item['ZYTS']} 剂 (ZYTS)"
                + (", with its 代煎 fee as a separate line (DeliveryFeeFlag 1)" if decoction else "")
            )
            break
    if not lines:
        reasons.append("no fee lines at all (FeeDetail is empty or holds no items)")
    if len(lines) >= 60:
        reasons.append(f"{len(lines)} PerItem lines")
    if any(
        _amount(line["PerPrice"]) != _amount(line["Price"]) * _amount(line["PerItemCount"]) for line in lines
    ):
        reasons.append("a PerPrice rounded from a 4-decimal Price × PerItemCount (within 0.01, SEM-4)")
    if any("." in line["PerItemCount"] for line in lines):
        reasons.append("a fractional PerItemCount")
    if any(_amount(line["PerItemCount"]) == 0 for line in lines):
        reasons.append("a line with PerItemCount 0")
    return reasons + _money_features(bill) + _text_features(bill)


def _money_features(document: Mapping[str, Any]) -> list[str]:
    reasons = []
    total, insured, own = (_amount(document[k]) for k in ("SumFund", "SBZFJE", "GRZFJE3"))
    if document["FeeType"] == SELF_PAY_FEE_TYPE:
        reasons.append("self-pay (自费): SBZFJE must be 0.00 (SEM-5)")
    elif insured == 0:
        reasons.append(f"insured ({_short(document['FeeType'])}) but insurance pays nothing")
    if total == 0:
        reasons.append("a zero-amount bill: SumFund 0.00, settled with Money 0.00")
    elif own == 0:
        reasons.append("the patient pays nothing: GRZFJE3 0.00, insurance covers it all")
    if own < total - insured:
        reasons.append(
            f"SumFund ≠ SBZFJE + GRZFJE3: {total - insured - own} paid outside both (account payment),"
            " which SEM-1 allows"
        )
    if total >= 100_000:
        reasons.append(f"a large amount: SumFund {document['SumFund']}")
    return reasons


def _token_features(token: str) -> list[str]:
    import jwt  # only needed to describe login responses

    claims = jwt.decode(token, options={"verify_signature": False})
    reasons = ["an HS256 JWT (verify it with the HIS's secret, or not at all on the client)"]
    if isinstance(claims.get("iat"), str):
        reasons.append(
            "iat written as a string, 8 hours ahead (ASP.NET local time): a client must not reject it"
        )
    return reasons


def _text_features(document: Any) -> list[str]:
    """Strings that break clients: outside the BMP, very long, empty, invisible or control characters."""
    found: dict[str, list[str]] = {}

    def note(reason: str, where: str) -> None:
        places = found.setdefault(reason, [])
        if where not in places:
            places.append(where)

    for where, text in _strings(document):
        if any(ord(char) > 0xFFFF for char in text):
            note("characters outside the BMP (UTF-16 surrogate pairs, MySQL utf8mb4)", where)
        elif any(0x3400 <= ord(char) <= 0x4DBF or char in "龘" for char in text):
            note("rare CJK characters (Extension A or 龘)", where)
        if len(text) >= LONG_TEXT_MIN:
            note(f"very long strings (≥ {LONG_TEXT_MIN} characters)", where)
        if any(ord(char) < 0x20 for char in text):
            note("control characters (NUL, newline, tab) inside strings", where)
        if any(char in "\u200b\u202e\u0301\u3000" for char in text):
            note(
                "invisible or combining characters (zero-width space, RTL override, ideographic space)", where
            )
        if any(char in "\"\\<'" for char in text):
            note("quotes, backslashes or markup inside strings", where)
        if "·" in text:
            note("a name with a middle dot (ethnic minority names)", where)
    reasons = [f"{reason}: {', '.join(places[:4])}" for reason, places in found.items()]
    empty = sorted({where for where, text in _strings(document) if text == ""})
    if empty:
        reasons.append(f"empty strings in {', '.join(empty[:6])}" + (" …" if len(empty) > 6 else ""))
    return reasons


def _strings(document: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(field name, value) for every string in a JSON document; list indexes are left out of names."""
    if isinstance(document, str):
        yield where, document
    elif isinstance(document, Mapping):
        for key, value in document.items():
            yield from _strings(value, str(key))
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value, where)


def _request_properties(operation: str) -> list[str]:
    from conformance.contract import request_schema

    return list(request_schema(load_spec(), operation).get("properties", {}))


def _why(reasons: list[str], default: str) -> str:
    return "; ".join(reasons) if reasons else default


def _amount(text: str) -> Decimal:
    return Decimal(text)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _quoted(text: str) -> str:
    return json.dumps(_short(text), ensure_ascii=False)


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[:limit] + f"…({len(text)} characters)"


# --- into the mock ------------------------------------------------------------------------------


def generate_registrations(
    *,
    count: int,
    seed_value: int,
    avoid: Sequence[Mapping[str, Any]] = (),
    progress: Progress | None = None,
) -> list[Case]:
    """`count` registrations with edge-case bills, unique in RegNo and BILLID, the same for a seed.

    Hypothesis's first draws are its simplest values, so RegNo and BILLID repeat; a repeated one,
    or one already used by a registration in `avoid` (what the mock holds), is moved to the next
    free number, which leaves the bill's arithmetic untouched and never replaces a registration.
    """
    drawn = draw_distinct(
        registrations(adversarial=True), count=count, seed_value=seed_value, progress=progress
    )
    reg_nos = {str(r.get("RegNo")) for r in avoid}
    bill_ids = {str(r.get("bill", {}).get("BILLID")) for r in avoid}
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


def existing_registrations(
    mock_url: str, *, admin_token: str | None = None, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The registrations his-mock holds; fails early, before generating anything, when there is no mock."""
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    url = mock_url.rstrip("/") + "/__admin/registrations"
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise CasesError(f"cannot reach his-mock at {mock_url}: {exc}") from exc
    if response.status_code == 401:
        raise CasesError(f"his-mock at {mock_url} wants its admin token: pass --admin-token")
    try:
        held = response.json()
    except ValueError:
        held = None
    if response.status_code != 200 or not isinstance(held, list):
        raise CasesError(f"no his-mock admin API at {url} (HTTP {response.status_code})")
    return [r for r in held if isinstance(r, dict)]


def load_registrations(
    mock_url: str,
    registrations_to_load: Sequence[Mapping[str, Any]],
    *,
    admin_token: str | None = None,
    timeout: float = 60.0,
) -> list[str]:
    """PUT the registrations into his-mock (`/__admin/registrations`); the RegNos it stored."""
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    url = mock_url.rstrip("/") + "/__admin/registrations"
    try:
        response = requests.put(url, json=list(registrations_to_load), headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise CasesError(f"cannot reach his-mock at {mock_url}: {exc}") from exc
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code != 200 or not isinstance(answer, dict) or "stored" not in answer:
        detail = answer.get("error") if isinstance(answer, dict) else None
        raise CasesError(
            f"his-mock refused the registrations (HTTP {response.status_code} from PUT {url}):"
            f" {detail or response.text[:300]}"
            + (
                " — pass --admin-token if the mock was started with one"
                if response.status_code == 401
                else ""
            )
        )
    return [str(reg_no) for reg_no in answer["stored"]]
