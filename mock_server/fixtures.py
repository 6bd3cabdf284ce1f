"""Read and check the fixtures: the users, the hospital and the registrations with their bills.

The same checks serve a fixtures file at start-up and registrations sent to the admin API: every bill
must match the spec's `Bill` schema and keep the bill arithmetic (SEM-1..5, `his_contract.semantics`),
so the mock never serves a bill the conformance suite would reject.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from his_contract import Spec, check_bill
from his_contract.receipts import Hospital
from mock_server.errors import FixturesError

DEMO_FIXTURES = "demo.yaml"
_REGISTRATION_KEYS = {"RegNo", "CardNo", "PatientName", "SocialSecurityCard", "bill"}
_TOP_LEVEL_KEYS = {"users", "hospital", "registrations"}
_HOSPITAL_KEYS = ("name", "address", "tel")


@dataclass(slots=True, frozen=True)
class User:
    """A login of the mock HIS."""

    user_id: str
    password: str


@dataclass(slots=True, frozen=True)
class Registration:
    """A registration (挂号) with its patient and the unsettled bill the HIS offers for it."""

    reg_no: str
    card_no: str
    patient_name: str
    social_security_card: str | None
    bill: Mapping[str, Any]

    @property
    def bill_id(self) -> str:
        return str(self.bill["BILLID"])

    def to_document(self) -> dict[str, Any]:
        """The registration in the fixtures-file format (what the admin API lists and accepts)."""
        document: dict[str, Any] = {
            "RegNo": self.reg_no,
            "CardNo": self.card_no,
            "PatientName": self.patient_name,
        }
        if self.social_security_card is not None:
            document["SocialSecurityCard"] = self.social_security_card
        document["bill"] = self.bill
        return document


@dataclass(slots=True, frozen=True)
class Fixtures:
    """Everything a fixtures file provides."""

    source: str
    hospital: Hospital
    users: tuple[User, ...]
    registrations: tuple[Registration, ...]


def demo_fixtures_path() -> Path:
    """The demo fixtures shipped inside the package."""
    return Path(str(resources.files("mock_server").joinpath("fixtures", DEMO_FIXTURES)))


def load_fixtures(path: Path | None, spec: Spec) -> Fixtures:
    """Read a fixtures file (the demo when `path` is None); a `FixturesError` says what is wrong and where."""
    path = path or demo_fixtures_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixturesError(f"cannot read the fixtures file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise FixturesError(f"the fixtures file {path} is not UTF-8 text: {exc.reason}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FixturesError(f"the fixtures file {path} is not valid YAML{line}: {problem}") from exc
    try:
        return parse_fixtures(data, spec, source=str(path))
    except FixturesError as exc:
        raise FixturesError(f"fixtures file {path}: {exc}") from exc


def parse_fixtures(data: object, spec: Spec, *, source: str) -> Fixtures:
    """Check decoded fixtures and turn them into `Fixtures`."""
    if not isinstance(data, Mapping):
        raise FixturesError("expected a mapping with `users`, `hospital` and `registrations`")
    unknown = sorted(str(key) for key in data if key not in _TOP_LEVEL_KEYS)
    if unknown:
        raise FixturesError(
            f"unknown top-level key(s) {', '.join(unknown)}; expected {sorted(_TOP_LEVEL_KEYS)}"
        )
    return Fixtures(
        source=source,
        hospital=_parse_hospital(data.get("hospital")),
        users=_parse_users(data.get("users")),
        registrations=parse_registrations(data.get("registrations"), spec),
    )


def parse_registrations(data: object, spec: Spec) -> tuple[Registration, ...]:
    """Check a list of registration objects: shapes, the Bill schema, SEM-1..5, unique RegNo and BILLID."""
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        raise FixturesError("`registrations` must be a list of registration objects")
    registrations: list[Registration] = []
    seen_reg: set[str] = set()
    seen_bill: dict[str, str] = {}
    for index, entry in enumerate(data):
        registration = parse_registration(entry, spec, where=f"registrations[{index}]")
        label = f"registration {registration.reg_no}"
        if registration.reg_no in seen_reg:
            raise FixturesError(f"{label}: RegNo appears twice; each registration needs its own RegNo")
        if registration.bill_id in seen_bill:
            raise FixturesError(
                f"{label}: BILLID {registration.bill_id} is also the bill of registration"
                f" {seen_bill[registration.bill_id]}; each bill needs its own BILLID"
            )
        seen_reg.add(registration.reg_no)
        seen_bill[registration.bill_id] = registration.reg_no
        registrations.append(registration)
    return tuple(registrations)


def parse_registration(entry: object, spec: Spec, *, where: str) -> Registration:
    """Check one registration object; errors name the registration (its RegNo when readable) and the rule."""
    if not isinstance(entry, Mapping):
        raise FixturesError(f"{where}: expected a registration object (RegNo, CardNo, PatientName, bill)")
    reg_no = entry.get("RegNo")
    label = f"registration {reg_no}" if isinstance(reg_no, str) and reg_no else where
    unknown = sorted(str(key) for key in entry if key not in _REGISTRATION_KEYS)
    if unknown:
        raise FixturesError(f"{label}: unknown key(s) {', '.join(unknown)}")
    for key in ("RegNo", "CardNo", "PatientName"):
        _require_string(entry, key, label, allow_empty=key == "PatientName")
    ssc = entry.get("SocialSecurityCard")
    if ssc is not None and not isinstance(ssc, str):
        raise FixturesError(f"{label}: SocialSecurityCard must be a string{_yaml_hint(ssc)}")
    bill = entry.get("bill")
    if not isinstance(bill, Mapping):
        raise FixturesError(f"{label}: `bill` must be the complete Bill object of GetUnSettleBillByDoctor")
    errors = sorted(spec.schema_validator("Bill").iter_errors(bill), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path)
        raise FixturesError(
            f"{label}: SCH-1: bill{path}: {first.message}{_yaml_hint(first.instance)}"
            f" (openapi.yaml, components/schemas/Bill)"
        )
    violations = check_bill(bill)
    if violations:
        first_violation = violations[0]
        raise FixturesError(
            f"{label}: {first_violation.rule_id}: {first_violation.message}"
            f" (at bill.{first_violation.location})"
        )
    # A JSON round trip drops YAML-only types and gives the exact document the mock will serve.
    clean = json.loads(json.dumps(bill, ensure_ascii=False))
    return Registration(
        reg_no=str(entry["RegNo"]),
        card_no=str(entry["CardNo"]),
        patient_name=str(entry["PatientName"]),
        social_security_card=ssc,
        bill=clean,
    )


def _parse_hospital(data: object) -> Hospital:
    if not isinstance(data, Mapping):
        raise FixturesError("`hospital` must be a mapping with name, address and tel")
    for key in _HOSPITAL_KEYS:
        _require_string(data, key, "hospital", allow_empty=False)
    return Hospital(name=data["name"], address=data["address"], tel=data["tel"])


def _parse_users(data: object) -> tuple[User, ...]:
    if not isinstance(data, Sequence) or isinstance(data, str | bytes) or not data:
        raise FixturesError("`users` must be a non-empty list of {userId, password}")
    users: dict[str, User] = {}
    for index, entry in enumerate(data):
        where = f"users[{index}]"
        if not isinstance(entry, Mapping):
            raise FixturesError(f"{where}: expected {{userId, password}}")
        _require_string(entry, "userId", where, allow_empty=False)
        _require_string(entry, "password", where, allow_empty=True)
        if entry["userId"] in users:
            raise FixturesError(f"{where}: userId {entry['userId']} appears twice")
        users[entry["userId"]] = User(entry["userId"], entry["password"])
    return tuple(users.values())


def _require_string(data: Mapping[str, Any], key: str, label: str, *, allow_empty: bool) -> None:
    value = data.get(key)
    if value is None:
        raise FixturesError(f"{label}: `{key}` is missing")
    if not isinstance(value, str):
        raise FixturesError(f"{label}: `{key}` must be a string{_yaml_hint(value)}")
    if not allow_empty and not value:
        raise FixturesError(f"{label}: `{key}` must not be empty")


def _yaml_hint(value: object) -> str:
    """Numbers in YAML are the usual slip: the HIS document types every field as a string."""
    if isinstance(value, bool | int | float):
        return f' (found the {type(value).__name__} {value!r}: quote it in YAML, e.g. "{value}")'
    return ""
