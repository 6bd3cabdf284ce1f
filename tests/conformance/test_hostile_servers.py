"""his-conformance against hostile servers: it never hangs, never crashes, never leaks, and reports.

Every server of `tests.conformance.hostile` answers the login, then misbehaves (trickles, bombs,
resets, echoes the password escaped ...). Each run must end within the server's deadline with
its exit code, name the expected rules in the JUnit XML, write every report parseable, keep
control characters out of every output and the password and the token out of all of them, in
any encoding the server used.
"""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from tests.conformance import hostile
from tests.conformance.broken import base
from tests.conformance.conftest import reference_args
from tests.support.servers import RunningServer, free_port, python_module, serve

CATALOGUE = sorted(module.name for module in pkgutil.iter_modules(hostile.__path__))
PASSWORD = "Sup3r-Secret-密码"
SIGNED_JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}")
# C0 controls but tab and newline, and DEL: none may reach a console, an XML or an HTML report raw.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def password_forms() -> list[str]:
    """The password as the hostile servers echo it, each spelled out independently of the kit."""
    escaped = "".join(f"\\u{ord(char):04x}" for char in PASSWORD)
    return [
        "Sup3r-Secret",  # raw, JSON-escaped (only 密码 is escaped), nested JSON, percent-encoded
        escaped[:30],  # every character \u-escaped (compared case-insensitively)
        base64.b64encode(PASSWORD.encode()).decode()[:16],
        base64.b64encode(f"{base.USER_ID}:{PASSWORD}".encode()).decode(),
    ]


@dataclass(slots=True, frozen=True)
class HostileRun:
    exit_code: int
    seconds: float
    outputs: dict[str, str]  # console and every report file, by name
    junit: ET.Element
    report: dict[str, object]


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


@pytest.fixture
def hostile_server(request: pytest.FixtureRequest) -> Iterator[tuple[ModuleType, RunningServer]]:
    name = request.param
    port = free_port()
    argv = python_module(f"tests.conformance.hostile.{name}", "--port", str(port), "--password", PASSWORD)
    with serve(argv, port=port) as server:
        yield importlib.import_module(f"tests.conformance.hostile.{name}"), server


def run_against(module: ModuleType, server: RunningServer, tmp_path: Path) -> HostileRun:
    args = reference_args(server.base_url)
    args[args.index(base.PASSWORD)] = PASSWORD
    files = {"junit.xml": "--junit-xml", "report.json": "--json", "report.html": "--report"}
    for name, option in files.items():
        args += [option, str(tmp_path / name)]
    args += ["--timeout", "2", "--max-examples", "0", *getattr(module, "EXTRA_ARGS", [])]
    started = time.monotonic()
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    seconds = time.monotonic() - started
    outputs = {"console": result.output}
    outputs |= {name: (tmp_path / name).read_text(encoding="utf-8") for name in files}
    return HostileRun(
        exit_code=result.exit_code,
        seconds=seconds,
        outputs=outputs,
        junit=ET.fromstring(outputs["junit.xml"].encode("utf-8")),
        report=json.loads(outputs["report.json"]),
    )


def failed_rules(junit: ET.Element) -> set[str]:
    return {
        case.get("name", "").split(" ", 1)[0]
        for case in junit.iter("testcase")
        if case.find("failure") is not None
    }


@pytest.mark.parametrize("hostile_server", CATALOGUE, indirect=True, ids=CATALOGUE)
def test_a_hostile_server_gets_a_bounded_run_with_valid_reports_and_no_secret(
    hostile_server: tuple[ModuleType, RunningServer], tmp_path: Path
) -> None:
    module, server = hostile_server

    run = run_against(module, server, tmp_path)

    console = run.outputs["console"]
    assert run.seconds < module.DEADLINE, f"{run.seconds:.1f} s:\n{console}"
    assert run.exit_code == module.EXIT, console
    assert set(module.EXPECTED) <= failed_rules(run.junit), console
    assert "Traceback" not in console and "internal error" not in console
    # Every report was written and parses (ET and json did above); the HTML is one whole page.
    page = _Html()
    page.feed(run.outputs["report.html"])
    assert run.outputs["report.html"].startswith("<!DOCTYPE html>") and page.tags.count("html") == 1
    assert {rule["id"] for rule in run.report["rules"] if rule["outcome"] == "failed"} >= set(module.EXPECTED)
    if hasattr(module, "SETTLEMENT_SEEN"):
        assert module.SETTLEMENT_SEEN not in server.log()  # a redirect was not followed to it
    if hasattr(module, "NOTE"):
        assert any(module.NOTE in note for note in run.report["notes"]), run.report["notes"]
    for name, text in run.outputs.items():
        control = RAW_CONTROL.search(text)
        assert control is None, f"{name}: raw {control.group()!r} at {control.start()}"
        lowered = text.lower()
        for form in password_forms():
            assert form.lower() not in lowered, f"{name} shows the password as {form!r}"
        assert not SIGNED_JWT.search(text), f"{name} shows a token: {SIGNED_JWT.search(text)}"
