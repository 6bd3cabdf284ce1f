"""Values out of openapi.yaml's examples, so that test servers and tests share the spec's one bill."""

from __future__ import annotations

import copy
from typing import Any

from his_contract import load_spec

# Where the example envelope of GetUnSettleBillByDoctor's success lives in openapi.yaml.
BILL_EXAMPLE_KEYS = (
    "components",
    "responses",
    "UnSettleBill",
    "content",
    "application/json",
    "examples",
    "success",
    "value",
)


def spec_example(*keys: str) -> Any:
    """A deep copy of the node of openapi.yaml at `keys` (callers may change it freely)."""
    node: Any = load_spec().document
    for key in keys:
        node = node[key]
    return copy.deepcopy(node)


def example_bill_envelope() -> dict[str, Any]:
    """The spec's example success envelope of GetUnSettleBillByDoctor."""
    envelope: dict[str, Any] = spec_example(*BILL_EXAMPLE_KEYS)
    return envelope


def example_bill() -> dict[str, Any]:
    """The spec's example unsettled bill (the demo registration's bill: SumFund 136.40, GRZFJE3 40.92)."""
    bill: dict[str, Any] = example_bill_envelope()["response"]
    return bill
