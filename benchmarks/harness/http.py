"""A few JSON POSTs outside the load runs: logins, the body check, loading bills, admin calls."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from harness.errors import BenchError


@dataclass(slots=True, frozen=True)
class Answer:
    """One HTTP answer: status, raw body and, if it is JSON, the parsed body."""

    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise BenchError(f"expected a JSON body, got HTTP {self.status}: {self.body[:300]!r}") from exc


def call(
    url: str, payload: Any, *, method: str = "POST", token: str | None = None, timeout: float = 30.0
) -> Answer:
    """Send `payload` as JSON and return the answer, whatever its HTTP status."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, response.read(), response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read(), exc.headers.get("Content-Type", ""))
    except (urllib.error.URLError, OSError) as exc:
        raise BenchError(f"{method} {url} failed: {exc}") from exc


def success_response(url: str, payload: Any, *, token: str | None = None, what: str) -> Any:
    """POST and return the envelope's `response`; anything but HTTP 200 with status 0 is an error."""
    answer = call(url, payload, token=token)
    envelope = answer.json()
    if answer.status != 200 or not isinstance(envelope, dict) or envelope.get("status") != 0:
        raise BenchError(
            f"{what}: expected HTTP 200 with status 0 from {url}, got HTTP {answer.status}: "
            f"{answer.body[:300].decode('utf-8', 'replace')}"
        )
    return envelope.get("response")
