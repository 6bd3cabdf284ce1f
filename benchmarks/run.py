"""Benchmark his-mock against Stoplight Prism and a bare Flask ceiling, compare HTTP servers for it
(slow clients first), and time the conformance suite.

    python benchmarks/run.py            # the whole benchmark (about 12 minutes on 2 cores)
    python benchmarks/run.py --quick    # a 3-minute smoke run: 1 round, 2 s per load run

It installs what is missing (wrk with apt-get, Prism 5 with npm into a temporary
folder, matplotlib with pip), starts every server itself on 127.0.0.1, interleaves them
(A B C D, A B C D, ...) over the rounds, and stops them all on the way out, on an error or Ctrl-C.
It writes `benchmarks/results/latest.json` and `benchmarks/results/latest.png`, and prints the
medians and the targets of issues 5 and 12 (pass / MISS / not measured). Exit 0 when it ran (targets
missed included), 2 when it could not run, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import chart, databases, serving, tools  # noqa: E402
from harness.errors import BenchError  # noqa: E402
from harness.http import call, success_response  # noqa: E402
from harness.load import LoadRun, run_wrk  # noqa: E402
from harness.processes import HOST, MemorySampler, Server, ServerPool, free_port  # noqa: E402
from harness.summary import (  # noqa: E402
    BILL,
    CEILING,
    LOGIN,
    MOCK,
    MOCK_NO_VALIDATION,
    PRISM,
    SETTLE,
    TARGET_CONNECTIONS,
    find,
    medians,
    targets,
)
from harness.timing import time_command  # noqa: E402

try:
    from mock_server.service import HisMock, Settings
    from mock_server.serving import HEADER_READ_TIMEOUT_MS, THREADS_PER_WORKER, event_loop
except ImportError as exc:  # the kit is not installed in this interpreter's environment
    print(
        f"benchmark could not run: {exc}; install the kit first: pip install -e '.[bench]'", file=sys.stderr
    )
    sys.exit(2)

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SPEC = REPO / "openapi.yaml"
RESULTS = BENCH_DIR / "results"

PATHS = {
    BILL: "/api/MzSettle/GetUnSettleBillByDoctor",
    LOGIN: "/api/Login/Token",
    SETTLE: "/api/MzSettle/SettleByDoctor",
}
LOGIN_BODY = {"userId": "demo", "password": "demo"}
BILL_BODY = {"RegNo": "1628214442"}
# The ceiling runs the way his-mock serves (mock_server.serving.serve_asgi): uvicorn's httptools
# protocol with his-mock's limits, mock_server.bridge, the same number of workers.
# SettleByDoctor bills are numbered from here; "{n}" in the body becomes the bill's number.
SETTLE_FIRST = 70_000_000
SETTLE_CONNECTIONS = 10
SETTLE_ROUNDS = 3
# The checks of a plain `schemathesis run` that assume REST status codes and misfire on an API that
# answers errors as HTTP 200 envelopes (TOOLING-NOTES); with them the run stops at its first cases.
REST_ONLY_CHECKS = "negative_data_rejection,ignored_auth,missing_required_header"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Benchmark his-mock against Prism and a bare Flask ceiling; time the conformance suite.",
    )
    # Five short rounds rather than three long ones: on a shared machine a neighbour's burst spoils
    # a run, and the median of five survives two spoiled runs.
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per wrk run (default 4)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds, >= 3 for the record (default 5)"
    )
    parser.add_argument(
        "--connections", default="1,10,64", help="comma-separated connection counts (default 1,10,64)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="worker processes for his-mock, the ceiling and the serving comparison (default: CPUs)",
    )
    parser.add_argument(
        "--suite-runs",
        type=int,
        default=3,
        help="timed runs of each suite command, fewer once one command has used 60 s (default 3)",
    )
    parser.add_argument(
        "--skip-suite", action="store_true", help="do not time his-conformance and schemathesis"
    )
    parser.add_argument(
        "--skip-serving", action="store_true", help="do not compare HTTP servers (slow clients, throughput)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round, 2 s runs, one suite run")
    parser.add_argument(
        "--databases", choices=("also", "only", "skip"), default="also",
        help="his-mock on SQLite vs PostgreSQL (1 and 2 hosts): with the rest, alone, or not (default also)",
    )  # fmt: skip
    parser.add_argument("--prism", type=Path, help="use this prism executable instead of installing Prism 5")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json and latest.png go")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server logs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.rounds, args.suite_runs = 2.0, 1, 1
    try:
        args.connections = [int(part) for part in args.connections.split(",")]
    except ValueError:
        parser.error(f"--connections must be comma-separated integers, got {args.connections!r}")
    if args.duration <= 0 or args.rounds < 1 or args.workers < 1 or args.suite_runs < 1:
        parser.error("--duration, --rounds, --workers and --suite-runs must be positive")
    return args


def loadavg() -> list[float]:
    return [float(part) for part in Path("/proc/loadavg").read_text().split()[:3]]


@dataclass(slots=True)
class Contender:
    """A server under load: its process, the operations it is driven with, its bearer token."""

    name: str
    server: Server
    token: str | None = None
    operations: tuple[str, ...] = (BILL, LOGIN)

    def url(self, operation: str) -> str:
        return self.server.base_url + PATHS[operation]


@dataclass(slots=True)
class Benchmark:
    """One benchmark run: owns its temporary folder, its servers and its results."""

    args: argparse.Namespace
    workdir: Path
    pool: ServerPool
    sampler: MemorySampler = field(default_factory=MemorySampler)
    contenders: list[Contender] = field(default_factory=list)
    runs: list[LoadRun] = field(default_factory=list)
    loadavg_samples: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    servers_info: dict[str, dict[str, Any]] = field(default_factory=dict)

    # -- servers --------------------------------------------------------------------------------

    def mock_argv(self, port: int, db: Path, *extra: str) -> list[str]:
        return [
            sys.executable, "-m", "mock_server", "--host", HOST, "--port", str(port),
            "--db", str(db), "--workers", str(self.args.workers), *extra,
        ]  # fmt: skip

    def start_mock(self, name: str, *extra: str) -> Server:
        port = free_port()
        db = self.workdir / f"{name.split()[0]}-{port}.db"
        argv = self.mock_argv(port, db, *extra)
        server = self.pool.start(name, argv, port=port, cwd=self.workdir)
        self.servers_info[name] = {"command": " ".join(argv)}
        return server

    def start_servers(self, prism: Path) -> None:
        mock = self.start_mock(MOCK)
        self.contenders.append(Contender(MOCK, mock))
        try:
            no_validation = self.start_mock(MOCK_NO_VALIDATION, "--no-validate")
        except BenchError as exc:
            self.notes.append(f"his-mock has no --no-validate switch; validation cost not measured ({exc})")
            print(f"  note: {self.notes[-1].splitlines()[0]}", flush=True)
        else:
            self.contenders.append(Contender(MOCK_NO_VALIDATION, no_validation, operations=(BILL,)))

        port = free_port()
        argv = [str(prism), "mock", "-h", HOST, "-p", str(port), "-v", "error", str(SPEC)]
        self.contenders.append(Contender(PRISM, self.pool.start(PRISM, argv, port=port, cwd=self.workdir)))
        self.servers_info[PRISM] = {"command": " ".join(argv)}

        for target in self.contenders:
            target.token = success_response(target.url(LOGIN), LOGIN_BODY, what=f"login to {target.name}")
            if not isinstance(target.token, str):
                raise BenchError(f"login to {target.name} answered a non-string token: {target.token!r}")

        # The ceiling answers exactly the bytes the mock answers (captured, not retyped).
        answers = self.workdir / "ceiling"
        answers.mkdir()
        reference = self.contenders[0]
        (answers / "bill.json").write_bytes(call(reference.url(BILL), BILL_BODY, token=reference.token).body)
        (answers / "login.json").write_bytes(call(reference.url(LOGIN), LOGIN_BODY).body)
        port = free_port()
        argv = [sys.executable, str(BENCH_DIR / "flask_ceiling.py"), HOST, str(port), str(self.args.workers)]
        ceiling = self.pool.start(
            CEILING, argv, port=port, cwd=self.workdir, env={"HIS_BENCH_CEILING_ANSWERS": str(answers)}
        )
        self.contenders.append(
            Contender(CEILING, ceiling, token=self.contenders[0].token, operations=(BILL,))
        )
        self.servers_info[CEILING] = {"command": " ".join(argv)}
        for target in self.contenders:
            self.sampler.watch(target.name, target.server.process.pid)

    def check_bodies(self) -> None:
        """Every server answers the bill with HTTP 200, status 0 and the same bill; else stop or note."""
        reference: Any = None
        for target in self.contenders:
            answer = call(target.url(BILL), BILL_BODY, token=target.token)
            envelope = answer.json()
            if answer.status != 200 or envelope.get("status") != 0:
                raise BenchError(
                    f"{target.name} does not answer {BILL} with HTTP 200 and status 0: HTTP {answer.status} "
                    f"{answer.body[:300].decode('utf-8', 'replace')}"
                )
            info = self.servers_info[target.name]
            info["bill_body_bytes"] = len(answer.body)
            info["bill_envelope"] = {k: envelope.get(k) for k in ("status", "isSuccess", "msg", "msgDev")}
            if reference is None:
                reference = envelope["response"]
            elif envelope["response"] != reference:
                self.notes.append(f"{target.name} answers a different bill than {MOCK}")
                print(f"  WARNING: {self.notes[-1]}", flush=True)
            if LOGIN in target.operations:
                login = call(target.url(LOGIN), LOGIN_BODY)
                info["login_body_bytes"] = len(login.body)
        print(
            "  bill bodies: "
            + ", ".join(f"{name} {info['bill_body_bytes']} B" for name, info in self.servers_info.items()),
            flush=True,
        )

    # -- load -----------------------------------------------------------------------------------

    def load(
        self, target: Contender, operation: str, connections: int, round_no: int, duration: float
    ) -> LoadRun:
        body = LOGIN_BODY if operation == LOGIN else BILL_BODY
        return run_wrk(
            target.url(operation),
            body=json.dumps(body),
            token=target.token if operation != LOGIN else None,
            connections=connections,
            duration=duration,
            server=target.name,
            operation=operation,
            round_no=round_no,
            server_pid=target.server.process.pid,
        )

    def warm_up(self) -> None:
        print("warming up (2 s per server and operation, not recorded) ...", flush=True)
        for target in self.contenders:
            for operation in target.operations:
                run = self.load(target, operation, TARGET_CONNECTIONS, 0, 2.0)
                if run.flagged:
                    raise BenchError(
                        f"warm-up of {target.name} {operation} failed: {'; '.join(run.problems)}"
                    )

    def rounds(self) -> None:
        plan = [
            (round_no, operation, connections)
            for round_no in range(1, self.args.rounds + 1)
            for operation in (BILL, LOGIN)
            for connections in self.args.connections
        ]
        total = sum(len([t for t in self.contenders if op in t.operations]) for _, op, _ in plan)
        done = 0
        for round_no, operation, connections in plan:
            # Rotate the order every round so no server always runs right after the same neighbour.
            shift = (round_no - 1) % len(self.contenders)
            for target in self.contenders[shift:] + self.contenders[:shift]:
                if operation not in target.operations:
                    continue
                run = self.load(target, operation, connections, round_no, self.args.duration)
                self.runs.append(run)
                done += 1
                flag = f"  FLAGGED: {'; '.join(run.problems)}" if run.flagged else ""
                print(
                    f"  [{done:>2}/{total}] round {round_no} {operation:<23} c={connections:<3}"
                    f" {target.name:<26}"
                    f" {run.rps:>6.0f} req/s  p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:7.2f} ms"
                    f"  {run.cpu['server_cpu_us_per_request']:5.0f} us CPU/req"
                    f"  others {run.cpu['others_cores']:.1f} cores"
                    f"{'  one worker did most of the work' if run.unbalanced else ''}{flag}",
                    flush=True,
                )
            if connections == self.args.connections[-1] and operation == LOGIN:
                self.loadavg_samples.append({"after_round": round_no, "loadavg": loadavg()})

    # -- settlement -----------------------------------------------------------------------------

    def load_bills(self, first: int, count: int, bill: dict[str, Any]) -> None:
        databases.load_bills(self.contenders[0].server.base_url, first, bill, count=count)

    def settle(self) -> dict[str, Any]:
        """SettleByDoctor on his-mock alone, each request settling a different fresh bill."""
        mock = self.contenders[0]
        bill = success_response(mock.url(BILL), BILL_BODY, token=mock.token, what="the demo bill")
        template = json.dumps(
            {
                "CardNo": "C{n}", "RegSerNo": "{n}", "PayWay": "微信支付", "PayNo": "oBenchPayer",
                "SerialNumber": "4200{n}", "Paydate": "2026-11-25", "Paytime": "10:15:32",
                "Money": bill["GRZFJE3"], "BILLID": "B{n}",
            },
            ensure_ascii=False,
        )  # fmt: skip
        # Calibrate: a short run tells how many bills a round needs (with a margin of 30%).
        next_index, loaded = SETTLE_FIRST, 2000
        started = time.monotonic()
        self.load_bills(next_index, loaded, bill)
        load_seconds = time.monotonic() - started
        print(f"settling: loaded {loaded} fresh bills in {load_seconds:.1f} s; calibrating ...", flush=True)
        calibration = run_wrk(
            mock.url(SETTLE), body=template, token=mock.token, connections=SETTLE_CONNECTIONS, duration=1.0,
            server=MOCK, operation=SETTLE, round_no=0, first_index=next_index,
            server_pid=mock.server.process.pid,
        )  # fmt: skip
        next_index += calibration.requests
        per_round = int(calibration.rps * self.args.duration * 1.3) + 300
        settle_runs: list[LoadRun] = []
        for round_no in range(1, min(SETTLE_ROUNDS, self.args.rounds) + 1):
            needed = next_index + per_round - (SETTLE_FIRST + loaded)
            if needed > 0:
                self.load_bills(SETTLE_FIRST + loaded, needed, bill)
                loaded += needed
            run = run_wrk(
                mock.url(SETTLE), body=template, token=mock.token, connections=SETTLE_CONNECTIONS,
                duration=self.args.duration, server=MOCK, operation=SETTLE, round_no=round_no,
                first_index=next_index, server_pid=mock.server.process.pid,
            )  # fmt: skip
            next_index += run.requests
            if next_index > SETTLE_FIRST + loaded:
                run.problems.append("ran out of fresh bills: some requests re-used or missed a bill")
            settle_runs.append(run)
            self.runs.append(run)
            flag = f"  FLAGGED: {'; '.join(run.problems)}" if run.flagged else ""
            print(
                f"  round {round_no} {SETTLE} c={SETTLE_CONNECTIONS} {MOCK}: {run.rps:.0f} req/s"
                f"  p50 {run.p50_ms:.2f} ms  p99 {run.p99_ms:.2f} ms"
                f"  {run.cpu['server_cpu_us_per_request']:.0f} us CPU/req"
                f"  others {run.cpu['others_cores']:.1f} cores{flag}",
                flush=True,
            )
        return {
            "connections": SETTLE_CONNECTIONS,
            "bills_loaded": loaded,
            "bills_settled": next_index - SETTLE_FIRST,
            "calibration_rps": calibration.rps,
            "rps": round(statistics.median(run.rps for run in settle_runs), 1),
            "p50_ms": round(statistics.median(run.p50_ms for run in settle_runs), 3),
            "p99_ms": round(statistics.median(run.p99_ms for run in settle_runs), 3),
            "flagged_rounds": sum(run.flagged for run in settle_runs),
            "cpu_us_per_request": round(
                statistics.median(run.cpu["server_cpu_us_per_request"] for run in settle_runs), 1
            ),
        }

    # -- the suite ------------------------------------------------------------------------------

    def time_suite(self) -> dict[str, Any]:
        """Time `his-conformance --mock` and a plain `schemathesis run` with the same examples."""
        conformance = [sys.executable, "-m", "conformance", "--mock"]
        examples = default_max_examples(conformance)
        # Both run in the temporary folder (Hypothesis and Schemathesis leave folders behind), without
        # the HIS_* variables a user may have set for a real deployment.
        env = {key: value for key, value in os.environ.items() if not key.startswith("HIS_")}
        timed = functools.partial(
            time_command, runs=self.args.suite_runs, budget=60.0, timeout=600.0, env=env, cwd=self.workdir
        )
        print(f"timing `his-conformance --mock` (up to {self.args.suite_runs} runs) ...", flush=True)
        suite = timed("his-conformance --mock", conformance)
        print(f"  median {suite.median_s:.1f} s, exit codes {suite.exit_codes}", flush=True)

        # A plain schemathesis run over every operation (his-conformance --mock allows settlement too)
        # against a mock started the same way (--db :memory:); its start-up is timed apart, since
        # his-conformance --mock includes one.
        port = free_port()
        argv = [sys.executable, "-m", "mock_server", "--host", HOST, "--port", str(port), "--db", ":memory:"]
        started = time.monotonic()
        mock = self.pool.start("his-mock (for schemathesis)", argv, port=port, cwd=self.workdir)
        startup = time.monotonic() - started
        try:
            token = success_response(mock.base_url + PATHS[LOGIN], LOGIN_BODY, what="login for schemathesis")
            schemathesis = [
                sys.executable, "-m", "schemathesis.cli", "run", str(SPEC), "--url", mock.base_url,
                "--max-examples", str(examples), "--header", f"Authorization: Bearer {token}",
                "--exclude-checks", REST_ONLY_CHECKS, "--no-color",
            ]  # fmt: skip
            label = f"schemathesis run --max-examples {examples}"
            print(f"timing `{label}` (up to {self.args.suite_runs} runs) ...", flush=True)
            plain = timed(label, schemathesis)
            print(f"  median {plain.median_s:.1f} s, exit codes {plain.exit_codes}", flush=True)
        finally:
            self.pool.stop(mock)
        return {
            "max_examples": examples,
            "mock_startup_s": round(startup, 2),
            "conformance": suite.as_dict(),
            # The mock's token is short-lived, but a token does not belong in a committed file.
            "schemathesis": {**plain.as_dict(), "command": plain.command.replace(token, "<token>")},
            "overhead_s": round(suite.median_s - plain.median_s - startup, 2),
        }


def seed_database(path: Path) -> None:
    """A SQLite file with the demo fixtures, as `his-mock --db path` would create it."""
    HisMock.create(Settings(db=str(path))).close()


def default_max_examples(command: list[str]) -> int:
    """The `--max-examples` default that his-conformance documents in its --help (fallback 100)."""
    text = tools.command_output([*command[:-1], "--help"])
    match = re.search(r"--max-examples.*?default(?: is|:|=)?\s*(\d+)", text, re.IGNORECASE | re.DOTALL)
    return int(match.group(1)) if match else 100


def machine_info() -> dict[str, Any]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def versions(prism: Path) -> dict[str, str]:
    from importlib import metadata

    found = {}
    for dist in (
        "his-contract-kit",
        "flask",
        "uvicorn",
        "httptools",
        "granian",
        "gunicorn",
        "gevent",
        "waitress",
        "sqlalchemy",
        "pyjwt",
        "jsonschema",
        "schemathesis",
    ):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    found["prism"] = tools.version_of([str(prism), "--version"])
    found["node"] = tools.version_of(["node", "--version"])
    found["wrk"] = tools.version_of(["wrk", "--version"])
    return found


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="his-bench-"))
    (workdir / "logs").mkdir()
    bench = Benchmark(args, workdir, ServerPool(workdir / "logs"))
    try:
        if args.databases == "only":
            run_databases(bench, write=True)
            return 0
        return run(bench)
    except BenchError as exc:
        print(f"\nbenchmark could not run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: every server stopped, nothing written", file=sys.stderr)
        return 130
    finally:
        bench.sampler.stop()
        bench.pool.close()
        if args.keep:
            print(f"kept {workdir} (server logs in logs/)", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run(bench: Benchmark) -> int:
    args = bench.args
    started, started_at = time.monotonic(), datetime.datetime.now(datetime.UTC)
    if not SPEC.is_file():
        raise BenchError(f"{SPEC} not found: run the benchmark from a source checkout of the kit")
    # Per round and concurrency: the bill on four servers, the login on two; then the settlement rounds.
    load_runs = len(args.connections) * args.rounds * 6 + min(SETTLE_ROUNDS, args.rounds)
    if not args.skip_serving:
        load_runs += len(serving.contenders(BENCH_DIR)) * (1 + 3 * min(2, args.rounds))
    print(
        f"HIS Contract Kit benchmark: {args.rounds} round(s) x {len(args.connections)} concurrencies,"
        f" {args.duration:g} s per run (~{load_runs * args.duration / 60 + 1:.0f} min of load"
        f"{'' if args.skip_suite else ' plus the suite timings'}); load average {loadavg()}",
        flush=True,
    )
    tools.ensure_commands(["wrk"])
    tools.ensure_matplotlib()
    if args.prism is not None:
        prism = args.prism.resolve()
    else:
        tools.ensure_commands(["node", "npm"])
        prism = tools.install_prism(bench.workdir / "prism")
    print("starting his-mock (validation on and off), Prism, the Flask ceiling ...", flush=True)
    bench.start_servers(prism)
    bench.check_bodies()
    bench.sampler.start()
    loadavg_start = loadavg()
    bench.warm_up()
    print(f"interleaved rounds ({', '.join(t.name for t in bench.contenders)}):", flush=True)
    bench.rounds()
    # Memory is judged on the comparable phase; the settlement phase (mock only, big admin uploads)
    # is recorded apart.
    memory = {name: peak.as_dict() for name, peak in bench.sampler.next_phase().items()}
    settle = bench.settle()
    bench.sampler.stop()
    settle["memory_peak"] = bench.sampler.peaks[MOCK].as_dict()
    bench.pool.close()
    serving_results = None
    if not args.skip_serving:
        print(
            f"serving comparison ({serving.SLOW_CLIENTS} slow heads and {serving.SHORT_BODIES} short bodies,"
            " then 1 and 10 connections;"
            f" {min(2, args.rounds)} round(s) each):",
            flush=True,
        )
        serving_results = serving.measure(
            bench.pool, bench.workdir, BENCH_DIR, workers=args.workers, duration=args.duration,
            rounds=min(2, args.rounds), seed_db=seed_database,
        )  # fmt: skip
    suite = None if args.skip_suite else bench.time_suite()
    by_database = None if args.databases == "skip" else run_databases(bench)

    rows = medians(run for run in bench.runs if run.operation != SETTLE)
    if suite is None:
        suite_seconds, suite_note = None, "skipped (--skip-suite)"
    else:
        conformance = suite["conformance"]
        suite_seconds = conformance["median_s"]
        suite_note = f"median of {conformance['runs']} run(s), exit codes {conformance['exit_codes']}"
        if any(conformance["exit_codes"]):
            suite_note += " (the run reported findings or failed: see output_tail)"
    found = targets(rows, memory, suite_seconds, suite_note, settle=settle, serving=serving_results)
    wall = time.monotonic() - started
    machine = machine_info()
    results = {
        "generated_at": started_at.isoformat(timespec="seconds"),
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:]),
        "wall_time_s": round(wall, 1),
        "machine": {
            **machine,
            "loadavg_start": loadavg_start,
            "loadavg_during": bench.loadavg_samples,
            "loadavg_end": loadavg(),
        },
        "versions": versions(prism),
        "settings": {
            "duration_s": args.duration,
            "rounds": args.rounds,
            "connections": args.connections,
            "workers": args.workers,
            "serving": {
                "server": "uvicorn (httptools, mock_server.protocol) + mock_server.bridge",
                "threads_per_worker": THREADS_PER_WORKER,
                "header_read_timeout_ms": HEADER_READ_TIMEOUT_MS,
                "event_loop": event_loop(),
            },
            "wrk_threads": 1,
            "host": HOST,
        },
        "servers": bench.servers_info,
        "notes": bench.notes,
        "targets": [target.as_dict() for target in found],
        "medians": sorted(rows, key=lambda r: (r["operation"], r["connections"], r["server"])),
        "settle": settle,
        "databases": by_database,
        "memory_peak": memory,
        "serving": serving_results,
        "suite": suite,
        "flagged_runs": sum(run.flagged for run in bench.runs),
        "runs": [run.as_dict() for run in bench.runs],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    title = (
        f"HIS Contract Kit benchmark {started_at:%Y-%m-%d}: {machine['cpus']} CPUs,"
        f" his-mock {args.workers} workers,"
        f" {args.rounds} rounds x {args.duration:g} s,"
        f" load avg at start {loadavg_start[0]:.2f}"
    )
    chart.draw(rows, args.connections, title, args.out / "latest.png")
    report(results)
    print(
        f"\nwrote {args.out / 'latest.json'} and {args.out / 'latest.png'} in {wall / 60:.1f} min", flush=True
    )
    return 0


def run_databases(bench: Benchmark, *, write: bool = False) -> dict[str, Any]:
    """SQLite vs PostgreSQL (`harness.databases`); alone (`--databases only`) it writes databases.json."""
    args = bench.args
    tools.ensure_commands(["wrk"])
    print(f"his-mock by database ({', '.join(databases.SETUPS)}), {args.duration:g} s per run:", flush=True)
    found = databases.run(
        bench.pool, bench.workdir, duration=args.duration, rounds=min(args.rounds, 3),
        log=lambda line: print(line, flush=True),
    )  # fmt: skip
    found["loadavg_end"] = loadavg()
    if not write:
        return found
    args.out.mkdir(parents=True, exist_ok=True)
    found["machine"] = machine_info()
    found["command"] = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    (args.out / "databases.json").write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {args.out / 'databases.json'}", flush=True)
    return found


def report(results: dict[str, Any]) -> None:
    rows = results["medians"]
    print("\nmedians: req/s | p50 ms | p99 ms | server CPU us per request (others' load, cores)")
    for operation in (BILL, LOGIN):
        for connections in results["settings"]["connections"]:
            print(f"  {operation} at {connections} connections:")
            for server in (MOCK, MOCK_NO_VALIDATION, PRISM, CEILING):
                row = find(rows, server, operation, connections)
                if row is not None:
                    mark = f"  ({row['flagged_rounds']} flagged rounds)" if row["flagged_rounds"] else ""
                    if row["unbalanced_rounds"]:
                        mark += (
                            f"  ({row['unbalanced_rounds']} rounds with one worker doing most of the work)"
                        )
                    print(
                        f"    {server:<26} {row['rps']:6.0f} | {row['p50_ms']:6.2f} | {row['p99_ms']:7.2f}"
                        f" | {row.get('cpu_us_per_request', 0):5.0f} ({row.get('others_cores', 0):.1f}){mark}"
                    )
    settle = results["settle"]
    print(f"  {SETTLE} at {settle['connections']} connections, fresh bills:")
    print(
        f"    {MOCK:<26} {settle['rps']:6.0f} | {settle['p50_ms']:6.2f} | {settle['p99_ms']:7.2f}"
        f" | {settle['cpu_us_per_request']:5.0f}"
    )
    print("peak memory during the rounds (MiB, largest worker / whole tree RSS / whole tree PSS):")
    for name, peak in results["memory_peak"].items():
        print(
            f"  {name:<26} {peak['worker_rss_mib']:.0f} / {peak['tree_rss_mib']:.0f}"
            f" / {peak['tree_pss_mib']:.0f}"
        )
    peak = settle["memory_peak"]
    print(
        f"  {MOCK + ' (settling)':<26} {peak['worker_rss_mib']:.0f} / {peak['tree_rss_mib']:.0f}"
        f" / {peak['tree_pss_mib']:.0f}"
    )
    if results["serving"] is not None:
        print(
            f"serving comparison (same app; {results['serving']['slow_clients']} slow heads and"
            f" {results['serving']['short_bodies']} short bodies, then c=1 and c=10): req/s | p99 ms"
        )
        for row in results["serving"]["contenders"]:
            if "error" in row:
                print(f"  {row['name']:<34} could not start: {row['error']}")
                continue
            print(
                f"  {row['name']:<34} slow clients: {serving.describe_slow(row['slow'])};"
                f" c=1 {row['c1']['rps']:6.0f} | {row['c1']['p99_ms']:6.2f};"
                f" c=10 {row['c10']['rps']:6.0f} | {row['c10']['p99_ms']:6.2f}"
            )
    if results["suite"] is not None:
        suite = results["suite"]
        print(
            f"suite: his-conformance --mock {suite['conformance']['median_s']:.1f} s, plain schemathesis"
            f" {suite['schemathesis']['median_s']:.1f} s (+ {suite['mock_startup_s']:.1f} s mock start-up)"
        )
    print("targets:")
    for target in results["targets"]:
        value = "-" if target["value"] is None else f"{target['value']:g}"
        print(f"  {target['result']:<12} {target['title']}: {value} ({target['note']})")
    if results["flagged_runs"]:
        print(f"WARNING: {results['flagged_runs']} run(s) had errors; see 'runs' in latest.json")


if __name__ == "__main__":
    sys.exit(main())
