"""Profile his-mock's hot path under load: py-spy samples every worker while wrk drives one operation.

    python benchmarks/profile.py                          # GetUnSettleBillByDoctor, 10 connections, 15 s
    python benchmarks/profile.py --operation login --seconds 20 --raw /tmp/login-stacks.txt

It starts `his-mock --workers N` on 127.0.0.1 (a temporary database), logs in, runs wrk and
`py-spy record --subprocesses --gil` at the same time (only the thread holding the GIL is sampled:
the gthread pool's idle threads would otherwise drown the picture), stops everything, and prints
where the workers spend their Python time: the share of samples per function, inclusive (the
function and what it calls) and self (the function's own code). py-spy comes with pip
(`pip install py-spy`, or the kit's `bench` extra); it needs ptrace, which root in a container
usually has.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import tools  # noqa: E402
from harness.errors import BenchError  # noqa: E402
from harness.http import success_response  # noqa: E402
from harness.load import run_wrk  # noqa: E402
from harness.processes import HOST, ServerPool, free_port  # noqa: E402

OPERATIONS = {
    "bill": ("/api/MzSettle/GetUnSettleBillByDoctor", {"RegNo": "1628214442"}, True),
    "login": ("/api/Login/Token", {"userId": "demo", "password": "demo"}, False),
}
# py-spy's raw frame: "function (path/to/module.py:line)"; the line number is dropped to group by function.
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<path>.*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """`function (package/module.py)` with the site-packages prefix cut off."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match.group("path")
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match.group('function')} ({Path(path).parent.name}/{Path(path).name})"


def summarise(raw: Path, top: int) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """Total samples, and the `top` functions by inclusive and by self share (in %)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text("utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame_name(frame) for frame in stack.split(";") if not frame.startswith("process ")]
        if not frames:
            continue
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, 100 * count / total) for name, count in counter.most_common(top)]

    return total, share(inclusive), share(own)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/profile.py", description=__doc__.splitlines()[0])
    parser.add_argument("--operation", choices=sorted(OPERATIONS), default="bill")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--top", type=int, default=40, help="functions to list (default 40)")
    parser.add_argument("--raw", type=Path, help="also keep py-spy's collapsed stacks here")
    parser.add_argument("mock_args", nargs="*", help="extra his-mock options after --, e.g. -- --no-validate")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        print("py-spy is missing: pip install py-spy (or the kit's `bench` extra)", file=sys.stderr)
        return 2
    tools.ensure_commands(["wrk"])
    path, body, protected = OPERATIONS[args.operation]
    with tempfile.TemporaryDirectory(prefix="his-profile-") as folder:
        pool = ServerPool(Path(folder))
        try:
            port = free_port()
            argv_mock = [
                sys.executable, "-m", "mock_server", "--host", HOST, "--port", str(port), "--db",
                str(Path(folder, "mock.db")), "--workers", str(args.workers), *args.mock_args,
            ]  # fmt: skip
            mock = pool.start("his-mock", argv_mock, port=port, cwd=Path(folder))
            login = {"userId": "demo", "password": "demo"}
            token = success_response(f"{mock.base_url}/api/Login/Token", login, what="login")
            url = mock.base_url + path
            run_wrk(url, body=json.dumps(body), token=token, connections=args.connections, duration=2,
                    server="his-mock", operation=args.operation, round_no=0)  # fmt: skip
            raw = args.raw or Path(folder, "stacks.txt")
            record = [
                py_spy, "record", "--pid", str(mock.process.pid), "--subprocesses", "--duration",
                str(int(args.seconds)), "--rate", "200", "--gil", "--format", "raw", "--output", str(raw),
            ]  # fmt: skip
            spy = subprocess.Popen(record, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(1.0)
            run = run_wrk(url, body=json.dumps(body), token=token if protected else None,
                          connections=args.connections, duration=args.seconds - 2, server="his-mock",
                          operation=args.operation, round_no=1)  # fmt: skip
            _, spy_err = spy.communicate(timeout=args.seconds + 60)
            if spy.returncode != 0 or not raw.exists():
                raise BenchError(
                    f"py-spy failed ({spy.returncode}): {spy_err.decode('utf-8', 'replace')[-800:]}"
                )
        finally:
            pool.close()
        print(
            f"{args.operation} at {args.connections} connections under py-spy: {run.rps:.0f} req/s,"
            f" p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"
            + (f"  FLAGGED: {'; '.join(run.problems)}" if run.flagged else "")
        )
        total, inclusive, own = summarise(raw, args.top)
        print(f"\n{total} samples of the thread holding the GIL; inclusive share (function and its callees):")
        for name, percent in inclusive:
            print(f"  {percent:5.1f}%  {name}")
        print("\nself share (the function's own code):")
        for name, percent in own:
            print(f"  {percent:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"profile could not run: {exc}", file=sys.stderr)
        sys.exit(2)
