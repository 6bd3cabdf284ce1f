"""Exceptions of the shared contract package.

HisContractError
└── SpecError        the spec cannot be found, parsed, or lacks what the kit reads from it
"""

from __future__ import annotations


class HisContractError(Exception):
    """Root of every error raised by `his_contract`."""


class SpecError(HisContractError):
    """The OpenAPI document is missing, unreadable, or lacks a part the kit relies on."""
