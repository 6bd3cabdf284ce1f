"""Record real HTTP calls as HAR 1.2, written the way Chromium's DevTools and proxies write it.

`HarRecorder.post` sends one request with `requests` and records what came back, including what
browsers record for failures: `status` 0 with `_error` `net::ERR_EMPTY_RESPONSE` for a closed
connection, `net::ERR_CONTENT_LENGTH_MISMATCH` with the partial body for a truncated one,
`net::ERR_TIMED_OUT` after the timeout. `style` picks a tool's habits: `chromium` (text bodies,
`_`-prefixed extras), `fiddler` (base64 response bodies, no `postData` on a bodiless POST),
`mitmproxy` (no `timings` detail beyond `time`, `content.text` absent for an empty body).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import urllib3

STYLES = ("chromium", "fiddler", "mitmproxy")


@dataclass(slots=True)
class HarRecorder:
    """Sends requests to `base_url` and keeps each exchange as a HAR entry."""

    base_url: str
    style: str = "chromium"
    timeout: float = 5.0
    entries: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(
        self, path: str, body: Any = None, *, raw: bytes | None = None, authorization: str | None = None
    ) -> Any:
        """POST JSON `body` (or `raw` bytes) to `path`; returns the decoded JSON answer, or None."""
        data = (
            raw
            if raw is not None
            else (None if body is None else json.dumps(body, ensure_ascii=False).encode())
        )
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        started = datetime.now(UTC)
        clock = time.monotonic()
        status, reason, response_headers, content, error = 0, "", [], b"", ""
        try:
            response = requests.post(  # a new connection per call, as post_all's threads need
                self.base_url + path, data=data, headers=headers, timeout=self.timeout, stream=True
            )
        except requests.Timeout:
            error = "net::ERR_TIMED_OUT"
        except requests.ConnectionError:
            error = "net::ERR_EMPTY_RESPONSE"
        else:
            status, reason = response.status_code, response.reason or ""
            response_headers = list(response.headers.items())
            chunks: list[bytes] = []
            try:
                for chunk in response.iter_content(65536):
                    chunks.append(chunk)
            except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.HTTPError):
                error = "net::ERR_CONTENT_LENGTH_MISMATCH"
            except (requests.ConnectionError, requests.Timeout):
                error = "net::ERR_CONTENT_LENGTH_MISMATCH"
            finally:
                response.close()
            content = b"".join(chunks)
        elapsed_ms = (time.monotonic() - clock) * 1000
        entry = self._entry(
            path, headers, data, started, elapsed_ms, status, reason, response_headers, content, error
        )
        with self._lock:
            self.entries.append(entry)
        if error or not content:
            return None
        try:
            return json.loads(content)
        except ValueError:
            return None

    def har(self) -> dict[str, Any]:
        creator = {
            "chromium": {"name": "WebInspector", "version": "537.36"},
            "fiddler": {"name": "Fiddler", "version": "5.0.20204.45441"},
            "mitmproxy": {"name": "mitmproxy", "version": "11.0.0"},
        }[self.style]
        return {"log": {"version": "1.2", "creator": creator, "pages": [], "entries": self.entries}}

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.har(), ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    def post_all(self, calls: Sequence[dict[str, Any]]) -> list[Any]:
        """Send independent calls at once (keyword arguments of `post` each), as a browser's tabs do."""
        with ThreadPoolExecutor(max_workers=len(calls) or 1) as pool:
            return list(pool.map(lambda call: self.post(**call), calls))

    def _entry(
        self,
        path: str,
        headers: dict[str, str],
        data: bytes | None,
        started: datetime,
        elapsed_ms: float,
        status: int,
        reason: str,
        response_headers: list[tuple[str, str]],
        content: bytes,
        error: str,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "method": "POST",
            "url": self.base_url + path,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in headers.items()],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(data) if data is not None else 0,
        }
        if data is not None or self.style != "fiddler":
            request["postData"] = {
                "mimeType": "application/json",
                "text": (data or b"").decode("utf-8", "replace"),
            }
        media = next((v for k, v in response_headers if k.lower() == "content-type"), "x-unknown")
        body_content: dict[str, Any] = {"size": len(content), "mimeType": media}
        if self.style == "fiddler":
            body_content.update(text=base64.b64encode(content).decode(), encoding="base64")
        elif content or self.style != "mitmproxy":
            body_content["text"] = content.decode("utf-8", errors="replace")
        response: dict[str, Any] = {
            "status": status,
            "statusText": reason,
            "httpVersion": "HTTP/1.1" if status else "",
            "headers": [{"name": k, "value": v} for k, v in response_headers],
            "cookies": [],
            "content": body_content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(content),
        }
        entry: dict[str, Any] = {
            "startedDateTime": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "time": round(elapsed_ms, 3),
            "request": request,
            "response": response,
            "cache": {},
            "timings": {
                "blocked": -1,
                "dns": -1,
                "connect": -1,
                "send": 0,
                "wait": round(elapsed_ms, 3),
                "receive": 0,
            },
        }
        if self.style == "mitmproxy":
            entry["timings"] = {"send": -1, "wait": -1, "receive": -1}
        if self.style == "chromium":
            response["_transferSize"] = len(content)
            response["_error"] = error or None
            entry.update(
                _initiator={"type": "script"},
                _priority="High",
                _resourceType="fetch",
                serverIPAddress="127.0.0.1",
            )
        elif error:
            response["_error"] = error
        return entry
