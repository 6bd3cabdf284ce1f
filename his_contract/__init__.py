"""What the mock and the conformance suite share: the spec, its catalogues, money and bill arithmetic.

Neither `mock_server` nor `conformance` depends on the other; both depend on this package, which
has no HTTP or Flask import so it can be used (and tested) on its own.
"""

from __future__ import annotations

from his_contract.errors import HisContractError, SpecError
from his_contract.money import AMOUNT_TOLERANCE, format_amount, parse_amount
from his_contract.semantics import SemanticViolation, check_bill, check_receipt
from his_contract.spec import (
    Basis,
    ErrorCode,
    Operation,
    Rule,
    Severity,
    Spec,
    load_spec,
    spec_path,
)

__all__ = [
    "AMOUNT_TOLERANCE",
    "Basis",
    "ErrorCode",
    "HisContractError",
    "Operation",
    "Rule",
    "SemanticViolation",
    "Severity",
    "Spec",
    "SpecError",
    "check_bill",
    "check_receipt",
    "format_amount",
    "load_spec",
    "parse_amount",
    "spec_path",
]
