"""Find, load and read the contract (`openapi.yaml`): one loader for the mock, the suite and the tests.

The spec lives at the root of a source checkout and is copied into the wheel as
`his_contract/openapi.yaml`, so a non-editable install finds it too. Everything the kit reads
from it (operations, the error-code catalogue, the rule catalogue, JSON Schema validators) is
derived here once and cached on the `Spec` object.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema.protocols import Validator

from his_contract.errors import SpecError
from his_contract.schemas import compile_validator, follow_refs, inline_refs

SPEC_FILENAME = "openapi.yaml"
CLIENT_GROUP = "client"


@dataclass(slots=True, frozen=True)
class ErrorCode:
    """One entry of the `x-his-error-codes` catalogue."""

    code: int
    zh: str
    en: str
    when: str


class Basis(StrEnum):
    """Why a finding matters (CONTRACT.md, "What makes a failure"): only `document` fails a run by default."""

    DOCUMENT = "document"  # breaks the document, or loses money / lets someone in
    ADVICE = "advice"  # the kit's reading beyond the document (recommended codes, stricter formats)


class Severity(StrEnum):
    """How bad a broken rule is, by its group (`x-his-rule-groups`); ordered from worst."""

    CRITICAL = "critical"  # lets someone in or loses money
    HIGH = "high"  # clients misread the answer
    MEDIUM = "medium"
    LOW = "low"


@dataclass(slots=True, frozen=True)
class Rule:
    """One rule of `x-his-rules` (the ids of CONTRACT.md), with its group's severity and default basis.

    `basis` is what a finding of the rule is unless its check says otherwise (INP-1 calls a
    non-5 answer to edge input advice); the mock judges client rules with the same vocabulary.
    """

    id: str
    group: str
    title: str
    severity: Severity = Severity.MEDIUM
    basis: Basis = Basis.DOCUMENT


@dataclass(slots=True, frozen=True)
class Operation:
    """One documented operation."""

    operation_id: str
    path: str
    method: str
    summary: str
    protected: bool
    deprecated: bool
    request_pointer: str
    response_pointer: str


def spec_path() -> Path:
    """Where `openapi.yaml` is: inside the installed package, else at the source checkout's root."""
    packaged = resources.files("his_contract").joinpath(SPEC_FILENAME)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / SPEC_FILENAME
    if checkout.is_file():
        return checkout
    raise SpecError(
        f"{SPEC_FILENAME} not found: looked in the installed package ({packaged}) and the"
        f" source checkout ({checkout}). Reinstall the kit with `pip install his-contract-kit`."
    )


@functools.cache
def load_spec() -> Spec:
    """The contract shipped with the kit, loaded once per process."""
    return Spec.from_path(spec_path())


class Spec:
    """The parsed contract and everything derived from it."""

    def __init__(self, document: Mapping[str, Any], *, text: str, source: str) -> None:
        self.document = document
        self.text = text
        self.source = source
        self.error_codes = _read_error_codes(document)
        rules = _read_rules(document)
        # `rules` are what a deployment keeps (the conformance suite's rules); the group `client` ones
        # are what a client of the HIS keeps, judged by his-mock over the calls it receives.
        self.rules = {rule_id: rule for rule_id, rule in rules.items() if rule.group != CLIENT_GROUP}
        self.client_rules = {rule_id: rule for rule_id, rule in rules.items() if rule.group == CLIENT_GROUP}
        self.operations = _read_operations(document)
        self._validators: dict[str, Validator] = {}

    @classmethod
    def from_path(cls, path: Path) -> Spec:
        """Parse a spec file; a clear `SpecError` when it is missing or not YAML."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(f"cannot read the spec {path}: {exc.strerror}") from exc
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"the spec {path} is not valid YAML: {exc}") from exc
        if not isinstance(document, dict) or "paths" not in document:
            raise SpecError(f"the spec {path} is not an OpenAPI document (no `paths`)")
        return cls(document, text=text, source=str(path))

    @property
    def status_codes(self) -> frozenset[int]:
        """Every envelope `status` the catalogue defines."""
        return frozenset(self.error_codes)

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise SpecError(f"the spec has no operation {operation_id!r}") from None

    def operation_for_path(self, path: str) -> Operation | None:
        for operation in self.operations.values():
            if operation.path == path:
                return operation
        return None

    def validator(self, pointer: str) -> Validator:
        """A JSON Schema validator for the schema at `pointer` (a `#/...` JSON pointer), compiled once."""
        validator = self._validators.get(pointer)
        if validator is None:
            validator = compile_validator(inline_refs(self.document, pointer))
            self._validators[pointer] = validator
        return validator

    def schema_validator(self, name: str) -> Validator:
        """A validator for `components/schemas/<name>`."""
        if name not in self.document.get("components", {}).get("schemas", {}):
            raise SpecError(f"the spec has no schema {name!r}")
        return self.validator(f"#/components/schemas/{name}")

    def request_validator(self, operation_id: str) -> Validator:
        return self.validator(self.operation(operation_id).request_pointer)

    def response_validator(self, operation_id: str) -> Validator:
        return self.validator(self.operation(operation_id).response_pointer)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _read_operations(document: Mapping[str, Any]) -> dict[str, Operation]:
    operations: dict[str, Operation] = {}
    global_security = document.get("security", [])
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            base = f"#/paths/{_escape(path)}/{method}"
            try:
                body, body_ptr = follow_refs(document, op["requestBody"], f"{base}/requestBody")
                body["content"]["application/json"]["schema"]
                ok, ok_ptr = follow_refs(document, op["responses"]["200"], f"{base}/responses/200")
                ok["content"]["application/json"]["schema"]
                operation_id = op["operationId"]
            except KeyError as exc:
                raise SpecError(f"{method.upper()} {path} lacks {exc} in the spec") from exc
            operations[operation_id] = Operation(
                operation_id=operation_id,
                path=path,
                method=method.upper(),
                summary=op.get("summary", ""),
                protected=bool(op.get("security", global_security)),
                deprecated=bool(op.get("deprecated", False)),
                request_pointer=f"{body_ptr}/content/application~1json/schema",
                response_pointer=f"{ok_ptr}/content/application~1json/schema",
            )
    return operations


def _read_error_codes(document: Mapping[str, Any]) -> dict[int, ErrorCode]:
    entries = document.get("x-his-error-codes")
    if not isinstance(entries, list) or not entries:
        raise SpecError("the spec lacks the error-code catalogue `x-his-error-codes`")
    return {int(e["code"]): ErrorCode(int(e["code"]), e["zh"], e["en"], e["when"]) for e in entries}


def _read_rules(document: Mapping[str, Any]) -> dict[str, Rule]:
    entries = document.get("x-his-rules")
    if not isinstance(entries, list) or not entries:
        raise SpecError("the spec lacks the rule catalogue `x-his-rules`")
    groups = _read_rule_groups(document)
    rules: dict[str, Rule] = {}
    for entry in entries:
        group = groups.get(entry["group"], {})
        try:
            severity = Severity(entry.get("severity", group.get("severity", Severity.MEDIUM)))
            basis = Basis(entry.get("basis", group.get("basis", Basis.DOCUMENT)))
        except ValueError as exc:
            raise SpecError(f"rule {entry['id']} of `x-his-rules`: {exc}") from exc
        rules[entry["id"]] = Rule(entry["id"], entry["group"], entry["title"], severity, basis)
    return rules


def _read_rule_groups(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """`x-his-rule-groups`: per group its severity and the default basis of its rules."""
    entries = document.get("x-his-rule-groups", [])
    if not isinstance(entries, list):
        raise SpecError("`x-his-rule-groups` must be a list of {group, severity, basis}")
    return {e["group"]: e for e in entries if isinstance(e, Mapping) and "group" in e}
