"""The envelope's and the bill's keys in another order (`response` first, fields sorted): JSON objects
are unordered (RFC 8259 4)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()


def sorted_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: sorted_keys(node[key]) for key in sorted(node)}
    if isinstance(node, list):
        return [sorted_keys(item) for item in node]
    return node


class OtherOrder(CorrectHis):
    def envelope(
        self, status: int, msg: str, response: Any = None, msg_dev: str | None = None
    ) -> dict[str, Any]:
        document = super().envelope(status, msg, response, msg_dev)
        return dict(reversed(list(sorted_keys(document).items())))


if __name__ == "__main__":
    serve_forever(OtherOrder)
