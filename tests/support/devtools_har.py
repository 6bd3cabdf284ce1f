"""Drive headless Chromium over the DevTools protocol and export what it did as DevTools writes HAR.

Chromium runs with `--remote-debugging-pipe` (the protocol on file descriptors 3 and 4, messages
ended by NUL: no WebSocket library needed). The test opens his-mock's `/docs`, lets Swagger UI's
"Try it out" log in and fetch a bill, and collects the `Network.*` events; `har_from_events` turns
them into a HAR 1.2 log in the shape of the DevTools "Export HAR" (creator `WebInspector`,
`_initiator`, `_priority`, `_resourceType`, `_transferSize`, `_error`, `timings` from the
response's `timing`, bodies from `Network.getResponseBody`, base64 where Chromium gives base64).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class DevToolsError(RuntimeError):
    """Chromium answered a command with an error, or did not answer in time."""


@dataclass(slots=True)
class DevTools:
    """A minimal DevTools protocol client over Chromium's pipe."""

    process: subprocess.Popen[bytes]
    to_browser: Any
    from_browser: Any
    events: list[dict[str, Any]] = field(default_factory=list)  # every event, in arrival order
    _answers: dict[int, dict[str, Any]] = field(default_factory=dict)
    _answered: threading.Condition = field(default_factory=threading.Condition)
    _next_id: int = 0

    def start_reading(self) -> None:
        threading.Thread(target=self._read, name="devtools-pipe", daemon=True).start()

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self.to_browser.write(json.dumps(message).encode() + b"\0")
        self.to_browser.flush()
        deadline = time.monotonic() + timeout
        with self._answered:
            while self._next_id not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise DevToolsError(f"no answer to {method} within {timeout} s")
                self._answered.wait(min(left, 0.5))
            answer = self._answers.pop(self._next_id)
        if "error" in answer:
            raise DevToolsError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self.from_browser.read1(65536) if hasattr(self.from_browser, "read1") else b""
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._answered:
                        self._answers[message["id"]] = message
                        self._answered.notify_all()
                else:
                    with self._answered:
                        self.events.append(message)
                        self._answered.notify_all()


@contextlib.contextmanager
def chromium(executable: str, profile_dir: Path) -> Iterator[DevTools]:
    """Headless Chromium with the protocol on a pipe, stopped at the end of the block."""
    commands_read, commands_write = os.pipe()  # we write, Chromium reads on its fd 3
    events_read, events_write = os.pipe()  # Chromium writes on its fd 4, we read

    def wire_pipes() -> None:  # in the child, before exec; via high numbers in case a pipe is fd 3 or 4
        high_read, high_write = os.dup(commands_read) + 100, os.dup(events_write) + 100
        os.dup2(commands_read, high_read)
        os.dup2(events_write, high_write)
        os.dup2(high_read, 3)
        os.dup2(high_write, 4)

    process = subprocess.Popen(
        [
            executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile_dir}",
            "--remote-debugging-pipe",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=wire_pipes,  # noqa: PLW1509 (no threads of ours run Python in the child)
        pass_fds=(3, 4),  # subprocess closes the others after preexec_fn
        start_new_session=True,
    )
    os.close(commands_read)
    os.close(events_write)
    to_browser = os.fdopen(commands_write, "wb")
    from_browser = os.fdopen(events_read, "rb")
    devtools = DevTools(process, to_browser, from_browser)
    devtools.start_reading()
    try:
        yield devtools
    finally:
        with contextlib.suppress(Exception):
            devtools.send("Browser.close", timeout=5)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # Its own session: the renderer and zygote processes go with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        with contextlib.suppress(OSError):
            to_browser.close()
        from_browser.close()


def wait_for_event(devtools: DevTools, method: str, *, timeout: float, where: Any = None) -> dict[str, Any]:
    """The first event called `method` (matching `where(params)`) received so far, or the next one."""
    deadline = time.monotonic() + timeout
    with devtools._answered:
        while True:
            for event in devtools.events:
                if event.get("method") == method and (where is None or where(event.get("params", {}))):
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevToolsError(f"no {method} event within {timeout} s")
            devtools._answered.wait(min(left, 0.5))


def har_from_events(
    devtools: DevTools, session: str, events: list[dict[str, Any]], *, bodies_for: str
) -> dict[str, Any]:
    """A HAR 1.2 log of the `Network.*` events as DevTools exports it (bodies of URLs with `bodies_for`)."""
    requests_by_id: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for event in events:
        method, params = event.get("method", ""), event.get("params", {})
        request_id = params.get("requestId")
        if not method.startswith("Network.") or request_id is None:
            continue
        record = requests_by_id.setdefault(request_id, {})
        if method == "Network.requestWillBeSent":
            if request_id not in order:
                order.append(request_id)
            record.update(sent=params)
        elif method == "Network.responseReceived":
            record.update(response=params)
        elif method == "Network.loadingFinished":
            record.update(finished=params)
        elif method == "Network.loadingFailed":
            record.update(failed=params)
    entries = []
    for request_id in order:
        record = requests_by_id[request_id]
        if "finished" not in record and "failed" not in record:
            continue
        if record["sent"]["request"]["url"].startswith("data:"):
            continue  # inline images: DevTools' export leaves them out too
        entries.append(_har_entry(devtools, session, request_id, record, bodies_for))
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": entries,
        }
    }


def _har_entry(
    devtools: DevTools, session: str, request_id: str, record: dict[str, Any], bodies_for: str
) -> dict[str, Any]:
    sent = record["sent"]
    request = sent["request"]
    response = record.get("response", {}).get("response", {})
    resource_type = str(sent.get("type", "Other")).lower()
    post_data = request.get("postData")
    if post_data is None and request.get("hasPostData"):
        post_data = devtools.send("Network.getRequestPostData", {"requestId": request_id}, session=session)[
            "postData"
        ]
    headers = [{"name": k, "value": v} for k, v in request.get("headers", {}).items()]
    har_request: dict[str, Any] = {
        "method": request["method"],
        "url": request["url"],
        "httpVersion": response.get("protocol", "http/1.1"),
        "headers": headers,
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(post_data.encode()) if post_data else 0,
    }
    if post_data is not None:
        content_type = request.get("headers", {}).get("Content-Type", "application/json")
        har_request["postData"] = {"mimeType": content_type, "text": post_data}
    content: dict[str, Any] = {"size": 0, "mimeType": response.get("mimeType", "x-unknown")}
    if bodies_for in request["url"] and "finished" in record:
        body = devtools.send("Network.getResponseBody", {"requestId": request_id}, session=session)
        content["text"] = body["body"]
        if body.get("base64Encoded"):
            content["encoding"] = "base64"
        content["size"] = len(body["body"].encode("utf-8"))
    timing = response.get("timing") or {}
    started_wall = float(sent.get("wallTime", time.time()))
    end = record.get("finished", record.get("failed", {})).get("timestamp", sent.get("timestamp", 0))
    total_ms = max(0.0, (float(end) - float(sent.get("timestamp", end))) * 1000)
    timings = {
        "blocked": -1,
        "dns": -1,
        "ssl": -1,
        "connect": -1,
        "send": 0.0,
        "wait": total_ms,
        "receive": 0.0,
    }
    if timing:
        headers_end = float(timing.get("receiveHeadersEnd", 0))
        send_start, send_end = float(timing.get("sendStart", 0)), float(timing.get("sendEnd", 0))
        received_at = float(timing["requestTime"]) + headers_end / 1000
        timings.update(
            send=max(0.0, send_end - send_start),
            wait=max(0.0, headers_end - send_end),
            receive=max(0.0, (float(end) - received_at) * 1000),
            _blocked_queueing=max(0.0, send_start),
        )
    response_headers = [{"name": k, "value": v} for k, v in response.get("headers", {}).items()]
    return {
        "_initiator": sent.get("initiator", {"type": "other"}),
        "_priority": request.get("initialPriority", "High"),
        "_resourceType": resource_type,
        "cache": {},
        "connection": str(response.get("connectionId", "")),
        "request": har_request,
        "response": {
            "status": int(response.get("status", 0)),
            "statusText": response.get("statusText", ""),
            "httpVersion": response.get("protocol", "http/1.1"),
            "headers": response_headers,
            "cookies": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": int(record.get("finished", {}).get("encodedDataLength", 0)),
            "_error": record.get("failed", {}).get("errorText"),
        },
        "serverIPAddress": response.get("remoteIPAddress", ""),
        "startedDateTime": datetime.fromtimestamp(started_wall, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "time": total_ms,
        "timings": timings,
    }


# Swagger UI 4.x: each operation is `.opblock` with id `operations-<tag>-<operationId>`; with
# `tryItOutEnabled` an opened operation shows Execute at once (else "Try it out" comes first).
_TRY_IT_OUT = """
(async () => {
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
  const until = async (find, what, ms = 20000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) { const found = find(); if (found) return found; await sleep(50); }
    throw new Error('Swagger UI: no ' + what + ' within ' + ms + ' ms');
  };
  const type = (textarea, text) => {  // as a person types: React sees an input event
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(textarea, text);
    textarea.dispatchEvent(new Event('input', {bubbles: true}));
  };
  const run = async (operationId, body) => {
    // React re-renders the block: look it up again for every step.
    const block = () => document.querySelector('.opblock[id$="-' + operationId + '"]');
    const inBlock = selector => () => block() && block().querySelector(selector);
    (await until(inBlock('button.opblock-summary-control'), operationId)).click();
    // Already in "Try it out" mode, the button says Cancel: clicking it would leave the mode.
    const tryOut = await until(inBlock('button.try-out__btn'), 'Try it out');
    if (!tryOut.classList.contains('cancel')) tryOut.click();
    await until(inBlock('button.execute'), 'Execute of ' + operationId);
    if (body !== undefined) type(await until(inBlock('textarea.body-param__text'), 'request body'), body);
    await sleep(100);
    (await until(inBlock('button.execute'), 'Execute of ' + operationId)).click();
    const answer = '.live-responses-table .response-col_description pre';
    const shown = await until(inBlock(answer), 'answer of ' + operationId);
    return JSON.parse(shown.textContent);
  };
  const login = await run('login', JSON.stringify(CREDENTIALS, null, 2));
  window.ui.preauthorizeApiKey('bearerAuth', login.response);
  const bill = await run('getUnSettleBillByDoctor', JSON.stringify(BILL_REQUEST, null, 2));
  return {login: login.status, bill: bill.status};
})()
"""


def record_swagger_try_it_out(
    executable: str, base_url: str, profile_dir: Path, *, user_id: str, password: str, reg_no: str
) -> tuple[dict[str, Any], Any]:
    """Log in and fetch the example bill through Swagger UI's "Try it out"; the HAR and what the page saw."""
    script = _TRY_IT_OUT.replace("CREDENTIALS", json.dumps({"userId": user_id, "password": password}))
    script = script.replace("BILL_REQUEST", json.dumps({"RegNo": reg_no}))
    with chromium(executable, profile_dir) as devtools:
        target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        devtools.send("Network.enable", session=session)
        devtools.send("Page.enable", session=session)
        devtools.send("Page.navigate", {"url": f"{base_url}/docs"}, session=session)
        wait_for_event(devtools, "Page.loadEventFired", timeout=30)
        outcome = devtools.send(
            "Runtime.evaluate",
            {"expression": script, "awaitPromise": True, "returnByValue": True},
            session=session,
            timeout=60,
        )
        if "exceptionDetails" in outcome:
            raise DevToolsError(f"Swagger UI script failed: {outcome['exceptionDetails']}")
        bill_path = "/api/MzSettle/GetUnSettleBillByDoctor"
        finished_ids = {
            e["params"]["requestId"]
            for e in list(devtools.events)
            if e.get("method") == "Network.requestWillBeSent"
            and e["params"]["request"]["url"].endswith(bill_path)
        }
        wait_for_event(
            devtools,
            "Network.loadingFinished",
            timeout=10,
            where=lambda params: params["requestId"] in finished_ids,
        )
        with devtools._answered:
            events = list(devtools.events)
        return har_from_events(devtools, session, events, bodies_for="/api/"), outcome["result"].get("value")
