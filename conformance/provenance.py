"""Where a report comes from, so a vendor can file it: kit and spec versions, when, where, how.

Every report carries the kit's version, the spec's version, the start of the run in UTC and in
local time, the host name and the command line. The command line is rebuilt from the options
the run used (so it reads the same from the CLI, the pytest entry and a test), and secrets are
written as the `${HIS_*}` placeholders the curl commands use: it never holds one.
"""

from __future__ import annotations

import datetime
import shlex
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from conformance.options import RUN_OPTIONS

DISTRIBUTION = "his-contract-kit"
# Options whose values are secrets: shown as the variable a reader exports to run the command again.
SECRET_OPTIONS = {"password": "${HIS_PASSWORD}", "expired_token": "${HIS_EXPIRED_TOKEN}"}


@dataclass(slots=True, frozen=True, kw_only=True)
class Provenance:
    kit_version: str
    spec_version: str
    started_utc: str
    started_local: str
    host: str
    command_line: str

    def as_dict(self) -> dict[str, str]:
        return {
            "kit_version": self.kit_version,
            "spec_version": self.spec_version,
            "started_utc": self.started_utc,
            "started_local": self.started_local,
            "host": self.host,
            "command_line": self.command_line,
        }

    @property
    def line(self) -> str:
        """One line for the console."""
        return (
            f"his-conformance {self.kit_version}, spec {self.spec_version}, started {self.started_utc}"
            f" ({self.started_local} local) on {self.host}"
        )


def kit_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def provenance(*, spec_version: str, command_line: str, now: datetime.datetime | None = None) -> Provenance:
    started = now or datetime.datetime.now(datetime.UTC)
    return Provenance(
        kit_version=kit_version(),
        spec_version=spec_version,
        started_utc=started.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        started_local=started.astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
        host=socket.gethostname(),
        command_line=command_line,
    )


def command_line(program: str, values: Mapping[str, Any], *, flag: str = "--") -> str:
    """The command that runs the same check again: every option that differs from its default."""
    words = [program]
    for spec in RUN_OPTIONS:
        value = values.get(spec.dest)
        if spec.kind == "flag":
            if value:
                words.append(f"{flag}{spec.name}")
            continue
        if value is None or value == spec.default:
            continue
        words.append(f"{flag}{spec.name}")
        words.append(
            SECRET_OPTIONS.get(spec.dest)
            or shlex.quote(f"{value:g}" if isinstance(value, float) else str(value))
        )
    return " ".join(words)
