"""Exceptions of the shared contract package.

HisContractError
├── SpecError        the spec cannot be found, parsed, or lacks what the kit reads from it
└── JsonBoundsError  a JSON body over the size or depth limit, not UTF-8, or not JSON (also a ValueError)
"""

from __future__ import annotations

from typing import Literal

JsonBoundsKind = Literal["size", "encoding", "depth", "syntax"]


class HisContractError(Exception):
    """Root of every error raised by `his_contract`."""


class SpecError(HisContractError):
    """The OpenAPI document is missing, unreadable, or lacks a part the kit relies on."""


class JsonBoundsError(HisContractError, ValueError):
    """A body that `his_contract.jsonbounds.loads_bounded` refuses; `kind` says why."""

    def __init__(self, kind: JsonBoundsKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: JsonBoundsKind = kind
        self.reason = reason
