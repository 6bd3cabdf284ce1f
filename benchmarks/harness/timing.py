"""Wall time of whole commands: hyperfine when it is installed, a timed loop otherwise."""

from __future__ import annotations

import json
import shlex
import shutil
import statistics
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import BenchError
from harness.processes import run_group


@dataclass(slots=True, frozen=True)
class CommandTiming:
    """Wall times of the runs of one command, with the exit codes and the last run's output tail."""

    name: str
    command: str
    times_s: list[float]
    exit_codes: list[int]
    tool: str
    output_tail: str

    @property
    def median_s(self) -> float:
        return round(statistics.median(self.times_s), 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "tool": self.tool,
            "runs": len(self.times_s),
            "median_s": self.median_s,
            "times_s": [round(t, 2) for t in self.times_s],
            "exit_codes": self.exit_codes,
            "output_tail": self.output_tail,
        }


def time_command(
    name: str, argv: Sequence[str], *, runs: int, env: Mapping[str, str], timeout: float
) -> CommandTiming:
    """Run `argv` `runs` times and time each run; its output goes to a file whose tail is kept."""
    command = shlex.join(argv)
    with tempfile.TemporaryDirectory(prefix="his-bench-time-") as folder:
        output = Path(folder, "output.txt")
        if shutil.which("hyperfine"):
            report = Path(folder, "hyperfine.json")
            hyperfine = [
                "hyperfine", "--runs", str(runs), "--ignore-failure", "--style", "basic",
                "--output", str(output), "--export-json", str(report), "--command-name", name, command,
            ]  # fmt: skip
            code = run_group(hyperfine, timeout=timeout * runs + 30, env=env)
            if code != 0 or not report.exists():
                raise BenchError(f"hyperfine exited with {code} timing {command}")
            result = json.loads(report.read_text())["results"][0]
            times, codes, tool = list(result["times"]), [int(c) for c in result["exit_codes"]], "hyperfine"
        else:
            times, codes, tool = [], [], "timed loop"
            for _ in range(runs):
                started = time.perf_counter()
                codes.append(run_group(argv, timeout=timeout, env=env, output=output))
                times.append(time.perf_counter() - started)
        tail = output.read_text("utf-8", errors="replace")[-1500:] if output.exists() else ""
    return CommandTiming(name, command, times, codes, tool, tail)
