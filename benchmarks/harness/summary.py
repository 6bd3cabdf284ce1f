"""Medians over the rounds, and the issue's targets as ratios measured in the same run."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.load import LoadRun

MOCK, MOCK_NO_VALIDATION, PRISM, CEILING = "his-mock", "his-mock (validation off)", "prism", "flask-ceiling"
BILL, LOGIN, SETTLE = "GetUnSettleBillByDoctor", "Login/Token", "SettleByDoctor"
TARGET_CONNECTIONS = 10


def medians(runs: Iterable[LoadRun]) -> list[dict[str, Any]]:
    """One row per (server, operation, connections): median req/s, p50 and p99 over the rounds.

    `balanced` repeats the medians over the rounds in which gunicorn's workers shared the work
    (all rounds for a single-process server), or is None when fewer than two such rounds exist.
    """
    groups: dict[tuple[str, str, int], list[LoadRun]] = {}
    for run in runs:
        groups.setdefault((run.server, run.operation, run.connections), []).append(run)
    rows = []
    for (server, operation, connections), group in groups.items():
        rps = [run.rps for run in group]
        balanced = [run for run in group if not run.unbalanced]
        rows.append(
            {
                "server": server,
                "operation": operation,
                "connections": connections,
                "rounds": len(group),
                **_medians(group),
                "rps_min": min(rps),
                "rps_max": max(rps),
                "flagged_rounds": sum(run.flagged for run in group),
                "unbalanced_rounds": len(group) - len(balanced),
                "balanced": {"rounds": len(balanced), **_medians(balanced)} if len(balanced) >= 2 else None,
            }
        )
    return rows


def _medians(group: list[LoadRun]) -> dict[str, float]:
    found = {
        "rps": round(statistics.median(run.rps for run in group), 1),
        "p50_ms": round(statistics.median(run.p50_ms for run in group), 3),
        "p99_ms": round(statistics.median(run.p99_ms for run in group), 3),
    }
    measured = [run.cpu for run in group if run.cpu]
    if measured:
        found["cpu_us_per_request"] = round(
            statistics.median(cpu["server_cpu_us_per_request"] for cpu in measured), 1
        )
        found["server_cores"] = round(statistics.median(cpu["server_cores"] for cpu in measured), 2)
        found["others_cores"] = round(statistics.median(cpu["others_cores"] for cpu in measured), 2)
    return found


def find(
    rows: Iterable[Mapping[str, Any]], server: str, operation: str, connections: int
) -> Mapping[str, Any] | None:
    for row in rows:
        if (row["server"], row["operation"], row["connections"]) == (server, operation, connections):
            return row
    return None


@dataclass(slots=True, frozen=True)
class Target:
    """One target of the issue, evaluated on this run's figures."""

    id: str
    title: str
    value: float | None
    threshold: float
    passed: bool | None
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "value": self.value,
            "threshold": self.threshold,
            "result": "not measured" if self.passed is None else ("pass" if self.passed else "MISS"),
            "note": self.note,
        }


def _ratio_target(
    rows: list[dict[str, Any]],
    target_id: str,
    title: str,
    numerator: str,
    denominator: str,
    threshold: float,
    *,
    balanced_only: bool = False,
    connections: int = TARGET_CONNECTIONS,
) -> Target:
    """`numerator`'s req/s over `denominator`'s for the bill at the target concurrency.

    With `balanced_only` (a server against itself, where the split of connections between workers is
    the same dice for both and not what is measured), the medians of the balanced rounds are used
    when both have at least two; the note says which medians were used.
    """
    top = find(rows, numerator, BILL, connections)
    bottom = find(rows, denominator, BILL, connections)
    if top is None or bottom is None or not bottom["rps"]:
        missing = denominator if top is not None else numerator
        return Target(target_id, title, None, threshold, None, f"{missing} was not measured")
    unbalanced = top["unbalanced_rounds"] + bottom["unbalanced_rounds"]
    used, other, which = top, bottom, "medians of all rounds"
    if balanced_only and unbalanced and top["balanced"] and bottom["balanced"]:
        used, other = top["balanced"], bottom["balanced"]
        which = f"medians of the balanced rounds ({used['rounds']} and {other['rounds']})"
    ratio = round(used["rps"] / other["rps"], 3)
    note = f"{used['rps']:.0f} / {other['rps']:.0f} req/s, {which}"
    if "cpu_us_per_request" in used and "cpu_us_per_request" in other:
        cpu_used, cpu_other = used["cpu_us_per_request"], other["cpu_us_per_request"]
        note += f"; server CPU per request {cpu_used:.0f} / {cpu_other:.0f} us"
    if top["flagged_rounds"] or bottom["flagged_rounds"]:
        note += "; some rounds had errors, see runs"
    if unbalanced:
        note += f"; {unbalanced} round(s) with one worker doing most of the work"
        if not balanced_only and top["balanced"] and bottom["balanced"]:
            note += f" (balanced rounds only: {top['balanced']['rps'] / bottom['balanced']['rps']:.2f}x)"
    return Target(target_id, title, ratio, threshold, ratio >= threshold, note)


def targets(
    rows: list[dict[str, Any]],
    memory: Mapping[str, Mapping[str, float]],
    suite_seconds: float | None,
    suite_note: str,
    *,
    settle: Mapping[str, Any] | None = None,
    serving: Mapping[str, Any] | None = None,
) -> list[Target]:
    """The targets of issues 5 and 12, each pass / MISS / not measured."""
    c = TARGET_CONNECTIONS
    found: list[Target] = [
        _ratio_target(
            rows, "mock-vs-prism", f"his-mock >= 1.5x Prism, {BILL} at {c} connections", MOCK, PRISM, 1.5
        ),
        _ratio_target(
            rows, "mock-vs-prism-c1", f"his-mock >= 1.0x Prism, {BILL} at 1 connection", MOCK, PRISM, 1.0,
            connections=1,
        ),
    ]  # fmt: skip
    mock = find(rows, MOCK, BILL, c)
    if mock is None:
        found.append(
            Target("mock-p99", f"his-mock p99 <= 10 ms at {c} connections", None, 10.0, None, "not measured")
        )
    else:
        p99 = mock["p99_ms"]
        found.append(
            Target(
                "mock-p99",
                f"his-mock p99 <= 10 ms at {c} connections",
                p99,
                10.0,
                p99 <= 10.0,
                f"{p99:.2f} ms (median of rounds)",
            )
        )
    found.append(
        _ratio_target(
            rows,
            "mock-vs-ceiling",
            f"his-mock >= 0.6x the bare Flask ceiling at {c} connections",
            MOCK,
            CEILING,
            0.6,
        )
    )
    found.append(
        _ratio_target(
            rows,
            "validation-cost",
            f"validation on >= 0.85x validation off (within 15%) at {c} connections",
            MOCK,
            MOCK_NO_VALIDATION,
            0.85,
            balanced_only=True,
        )
    )
    mock_memory, prism_memory = memory.get(MOCK), memory.get(PRISM)
    if mock_memory is None or prism_memory is None:
        found.append(Target("memory", "his-mock worker RSS < Prism RSS", None, 1.0, None, "not measured"))
    else:
        ratio = round(mock_memory["worker_rss_mib"] / prism_memory["tree_rss_mib"], 3)
        found.append(
            Target(
                "memory",
                "his-mock worker peak RSS below Prism's peak RSS (ratio < 1)",
                ratio,
                1.0,
                ratio < 1.0,
                f"worker {mock_memory['worker_rss_mib']:.0f} MiB vs Prism"
                f" {prism_memory['tree_rss_mib']:.0f} MiB;"
                f" whole his-mock tree {mock_memory['tree_rss_mib']:.0f} MiB RSS,"
                f" {mock_memory['tree_pss_mib']:.0f} MiB PSS",
            )
        )
    if settle is None:
        found.append(
            Target("settle-rps", "SettleByDoctor >= 1,500 req/s", None, 1500.0, None, "not measured")
        )
    else:
        found.append(
            Target(
                "settle-rps",
                f"{SETTLE} >= 1,500 req/s at {settle['connections']} connections (fresh bills)",
                settle["rps"],
                1500.0,
                settle["rps"] >= 1500.0,
                f"median of rounds; p99 {settle['p99_ms']:.2f} ms",
            )
        )
    found.append(_slow_client_target(serving))
    found.append(
        Target(
            "suite-time",
            "his-conformance --mock (default settings) under 60 s",
            suite_seconds,
            60.0,
            None if suite_seconds is None else suite_seconds < 60.0,
            suite_note,
        )
    )
    return found


def _slow_client_target(serving: Mapping[str, Any] | None) -> Target:
    title = "a normal client's p99 < 50 ms while 50 slow-header (and 10 short-body) connections are open"
    rows = [] if serving is None else [row for row in serving["contenders"] if row["name"].startswith(MOCK)]
    if not rows or "slow" not in rows[0]:
        return Target("slow-clients-p99", title, None, 50.0, None, "not measured")
    slow = rows[0]["slow"]
    if not slow["requests"]:
        return Target(
            "slow-clients-p99", title, None, 50.0, False, "no answer while the slow clients were open"
        )
    p99 = slow["p99_ms"]
    note = (
        f"{p99:.2f} ms at 1 connection, {slow['rps']:.0f} req/s, {slow['errors']} errors (median of rounds)"
    )
    return Target("slow-clients-p99", title, p99, 50.0, p99 < 50.0 and not slow["errors"], note)
