"""his-mock on each database: GetUnSettleBillByDoctor and SettleByDoctor throughput and p99.

Three set-ups, each with two his-mock processes' worth of serving:
- `sqlite, 2 workers`: one host, `--workers 2`, the embedded default (one SQLite file);
- `postgresql, 2 workers`: one host, `--workers 2`, on a PostgreSQL server started here;
- `postgresql, 2 hosts`: two independent `his-mock` processes (1 worker each) on one PostgreSQL
  database, driven at once (half the connections each; throughput summed, the worse p99 kept).

The PostgreSQL server is a durable one (fsync on, as a deployment runs), started with the tests'
helper (`tests.support.postgres`) in a temporary folder and stopped at the end. Every settlement
settles a fresh bill loaded through the admin API beforehand.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import BenchError
from harness.http import call, success_response
from harness.load import LoadRun, run_wrk
from harness.processes import HOST, Server, ServerPool, free_port

REPO = Path(__file__).resolve().parents[2]
BILL_PATH = "/api/MzSettle/GetUnSettleBillByDoctor"
SETTLE_PATH = "/api/MzSettle/SettleByDoctor"
LOGIN_PATH = "/api/Login/Token"
LOGIN_BODY = {"userId": "demo", "password": "demo"}
BILL_BODY = {"RegNo": "1628214442"}
CONNECTIONS = 10
# Fresh bills are numbered from here, in a block per set-up (a range per round and host within it).
FIRST_BILL = 80_000_000
BLOCK = 10_000_000
SETUPS = ("sqlite, 2 workers", "postgresql, 2 workers", "postgresql, 2 hosts")


@dataclass(slots=True)
class Host:
    server: Server
    token: str

    def url(self, path: str) -> str:
        return self.server.base_url + path


def run(
    pool: ServerPool, workdir: Path, *, duration: float, rounds: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """Measure every set-up; the medians over `rounds` rounds per set-up and operation."""
    sys.path.insert(0, str(REPO))
    from tests.support.postgres import PostgresUnavailable, start_postgres

    results: dict[str, Any] = {
        "connections": CONNECTIONS,
        "duration_s": duration,
        "rounds": rounds,
        "setups": {},
    }
    try:
        with start_postgres(durable=True) as postgres:
            for number, setup in enumerate(SETUPS):
                if setup.startswith("sqlite"):
                    db = str(workdir / f"bench-{number}.db")
                    hosts = [_start(pool, f"his-mock ({setup})", db, workers=2)]
                elif setup.endswith("2 workers"):
                    db = postgres.new_database("bench")
                    hosts = [_start(pool, f"his-mock ({setup})", db, workers=2)]
                else:
                    db = postgres.new_database("bench")
                    hosts = [_start(pool, f"his-mock ({setup}) {n}", db, workers=1) for n in ("A", "B")]
                try:
                    results["setups"][setup] = _measure(
                        setup,
                        hosts,
                        first=FIRST_BILL + number * BLOCK,
                        duration=duration,
                        rounds=rounds,
                        log=log,
                    )
                finally:
                    for host in hosts:
                        pool.stop(host.server)
    except PostgresUnavailable as exc:
        raise BenchError(f"no PostgreSQL server for the database benchmark: {exc}") from exc
    return results


def _start(pool: ServerPool, name: str, db: str, *, workers: int) -> Host:
    port = free_port()
    argv = [
        sys.executable, "-m", "mock_server", "--host", HOST, "--port", str(port), "--db", db,
        "--workers", str(workers),
    ]  # fmt: skip
    server = pool.start(name, argv, port=port)
    token = success_response(server.base_url + LOGIN_PATH, LOGIN_BODY, what=f"login to {name}")
    return Host(server, str(token))


def _measure(
    setup: str, hosts: list[Host], *, first: int, duration: float, rounds: int, log: Callable[[str], None]
) -> dict[str, Any]:
    bill = success_response(hosts[0].url(BILL_PATH), BILL_BODY, token=hosts[0].token, what="the demo bill")
    template = json.dumps(
        {
            "CardNo": "C{n}", "RegSerNo": "{n}", "PayWay": "微信支付", "PayNo": "oBenchPayer",
            "SerialNumber": "4200{n}", "Paydate": "2026-12-01", "Paytime": "10:15:32",
            "Money": bill["GRZFJE3"], "BILLID": "B{n}",
        },
        ensure_ascii=False,
    )  # fmt: skip
    _drive(hosts, BILL_PATH, json.dumps(BILL_BODY), duration=1.0, round_no=0)  # warm-up
    bill_runs, settle_runs = [], []
    for round_no in range(1, rounds + 1):
        bill_runs.append(
            _drive(hosts, BILL_PATH, json.dumps(BILL_BODY), duration=duration, round_no=round_no)
        )
        # Fresh bills for this round, a range per host: the fetch rate bounds the settlement rate.
        span = int(bill_runs[-1]["rps"] * duration * 1.2) + 300
        starts = [first + ((round_no - 1) * len(hosts) + k) * span for k in range(len(hosts))]
        for start in starts:
            load_bills(hosts[0].server.base_url, start, bill, count=span)
        run = _drive(hosts, SETTLE_PATH, template, duration=duration, round_no=round_no, first_indexes=starts)
        settle_runs.append(run)
        for name, result in (("GetUnSettleBillByDoctor", bill_runs[-1]), ("SettleByDoctor", run)):
            flag = f"  FLAGGED: {'; '.join(result['problems'])}" if result["problems"] else ""
            log(
                f"  round {round_no} {setup:<22} {name:<24} {result['rps']:>6.0f} req/s"
                f"  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:7.2f} ms{flag}"
            )
    return {"bill": _median(bill_runs), "settle": _median(settle_runs), "hosts": len(hosts)}


def _drive(
    hosts: list[Host],
    path: str,
    body: str,
    *,
    duration: float,
    round_no: int,
    first_indexes: list[int] | None = None,
) -> dict[str, Any]:
    """wrk against every host at once, the connections split between them; one combined result."""
    runs: list[LoadRun | BaseException] = [BenchError("not run")] * len(hosts)
    per_host = max(1, CONNECTIONS // len(hosts))

    def drive(index: int) -> None:
        host = hosts[index]
        try:
            runs[index] = run_wrk(
                host.url(path), body=body, token=host.token, connections=per_host, duration=duration,
                server=host.server.name, operation=path.rsplit("/", 1)[1], round_no=round_no,
                # Each host settles its own range of fresh bills: no two requests share a bill.
                first_index=None if first_indexes is None else first_indexes[index],
                server_pid=host.server.process.pid,
            )  # fmt: skip
        except BaseException as exc:  # reported below, in the caller's thread
            runs[index] = exc

    threads = [threading.Thread(target=drive, args=(i,)) for i in range(len(hosts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done: list[LoadRun] = []
    for result in runs:
        if isinstance(result, BaseException):
            raise result
        done.append(result)
    return {
        "requests": sum(r.requests for r in done),
        "rps": round(sum(r.rps for r in done), 1),
        "p50_ms": round(max(r.p50_ms for r in done), 3),
        "p99_ms": round(max(r.p99_ms for r in done), 3),
        "problems": [p for r in done for p in r.problems],
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rps": round(statistics.median(r["rps"] for r in runs), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 3),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 3),
        "flagged_rounds": sum(bool(r["problems"]) for r in runs),
        "runs": runs,
    }


def load_bills(base_url: str, first: int, bill: dict[str, Any], *, count: int) -> None:
    """Register `count` fresh copies of `bill` (RegNo first, first + 1, ...) through the admin API."""
    for start in range(first, first + count, 1000):
        batch = [
            {
                "RegNo": str(n),
                "CardNo": f"C{n}",
                "PatientName": "压测患者",
                "bill": {**bill, "BILLID": f"B{n}", "SERIAL_NO": f"S{n}"},
            }
            for n in range(start, min(start + 1000, first + count))
        ]
        answer = call(base_url + "/__admin/registrations", batch, method="PUT", timeout=120)
        if answer.status != 200:
            raise BenchError(
                f"PUT /__admin/registrations answered HTTP {answer.status}: {answer.body[:300]!r}"
            )
