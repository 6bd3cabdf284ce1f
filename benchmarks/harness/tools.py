"""Install what the benchmark lacks: wrk (apt-get), Prism (npm), matplotlib (pip)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.errors import BenchError

PRISM_PACKAGE = "@stoplight/prism-cli@5"
MATPLOTLIB_REQUIREMENT = "matplotlib>=3.8,<4"
# Debian package providing each command.
APT_PACKAGES = {"wrk": "wrk", "node": "nodejs", "npm": "npm"}


def _run(argv: list[str], *, what: str, timeout: float = 600, cwd: Path | None = None) -> str:
    try:
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError as exc:
        raise BenchError(f"{what}: {argv[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{what}: `{' '.join(argv)}` took more than {timeout:.0f} s") from exc
    if completed.returncode != 0:
        raise BenchError(
            f"{what}: `{' '.join(argv)}` exited with {completed.returncode}:\n"
            f"{(completed.stdout + completed.stderr)[-2000:]}"
        )
    return completed.stdout


def ensure_commands(commands: list[str]) -> None:
    """Install the Debian packages of the missing commands (apt-get update first), or say how to."""
    missing = [command for command in commands if shutil.which(command) is None]
    if not missing:
        return
    packages = sorted({APT_PACKAGES[command] for command in missing})
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise BenchError(
            f"missing {', '.join(missing)}; install them first: sudo apt-get install {' '.join(packages)}"
        )
    print(f"installing {' '.join(packages)} with apt-get ...", flush=True)
    _run(["apt-get", "update", "-qq"], what="apt-get update")
    _run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        what=f"apt-get install {' '.join(packages)}",
    )
    still = [command for command in missing if shutil.which(command) is None]
    if still:
        raise BenchError(f"apt-get installed {' '.join(packages)} but {', '.join(still)} is still missing")


def install_prism(folder: Path) -> Path:
    """npm-install Prism 5 into `folder` (a temporary folder) and return its executable."""
    print(f"installing {PRISM_PACKAGE} with npm into {folder} ...", flush=True)
    _run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
            str(folder),
            PRISM_PACKAGE,
        ],
        what="npm install Prism",
    )
    executable = folder / "node_modules" / ".bin" / "prism"
    if not executable.exists():
        raise BenchError(f"npm installed {PRISM_PACKAGE} but {executable} does not exist")
    return executable


def ensure_matplotlib() -> None:
    """pip-install matplotlib into this interpreter's environment if it is missing."""
    if importlib.util.find_spec("matplotlib") is not None:
        return
    print(f"installing {MATPLOTLIB_REQUIREMENT} with pip ...", flush=True)
    _run([sys.executable, "-m", "pip", "install", "--quiet", MATPLOTLIB_REQUIREMENT], what="pip install")
    importlib.invalidate_caches()


def command_output(argv: list[str]) -> str:
    """What a short informational command (`--version`, `--help`) prints, or "" if it cannot run."""
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return completed.stdout or completed.stderr


def version_of(argv: list[str]) -> str:
    """The first line a `--version` style command prints."""
    text = command_output(argv).strip()
    return text.splitlines()[0] if text else "unknown"
