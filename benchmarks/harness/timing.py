"""Wall time of whole commands (the suite runs): a timed loop around a process group.

hyperfine would add nothing for commands that run for seconds, and a loop can stop early: a
command is run up to `runs` times, but not again once its runs have used `budget` seconds.
"""

from __future__ import annotations

import shlex
import statistics
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.processes import run_group


@dataclass(slots=True, frozen=True)
class CommandTiming:
    """Wall times of the runs of one command, with the exit codes and the last run's output tail."""

    name: str
    command: str
    times_s: list[float]
    exit_codes: list[int]
    output_tail: str

    @property
    def median_s(self) -> float:
        return round(statistics.median(self.times_s), 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "runs": len(self.times_s),
            "median_s": self.median_s,
            "times_s": [round(t, 2) for t in self.times_s],
            "exit_codes": self.exit_codes,
            "output_tail": self.output_tail,
        }


def time_command(
    name: str,
    argv: Sequence[str],
    *,
    runs: int,
    budget: float,
    timeout: float,
    env: Mapping[str, str],
    cwd: Path,
) -> CommandTiming:
    """Run `argv` in `cwd` up to `runs` times (fewer once `budget` seconds are spent), timing each run."""
    times: list[float] = []
    codes: list[int] = []
    with tempfile.TemporaryDirectory(prefix="his-bench-time-") as folder:
        output = Path(folder, "output.txt")
        while len(times) < runs and (not times or sum(times) + times[-1] <= budget):
            started = time.perf_counter()
            codes.append(run_group(argv, timeout=timeout, env=env, cwd=cwd, output=output))
            times.append(time.perf_counter() - started)
        tail = output.read_text("utf-8", errors="replace")[-1500:]
    return CommandTiming(name, shlex.join(argv), times, codes, tail)
