"""The PNG chart: throughput and p99 latency by concurrency, one bar per server, one row per operation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.summary import BILL, CEILING, LOGIN, MOCK, MOCK_NO_VALIDATION, PRISM, find

COLOURS = {MOCK: "#1f77b4", MOCK_NO_VALIDATION: "#9ecae1", PRISM: "#ff7f0e", CEILING: "#7f7f7f"}


def draw(rows: Sequence[Mapping[str, Any]], connections: Sequence[int], title: str, path: Path) -> None:
    """Write the chart to `path`: a row per operation, throughput on the left and p99 on the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    operations = [op for op in (BILL, LOGIN) if any(row["operation"] == op for row in rows)]
    figure, axes = plt.subplots(len(operations), 2, figsize=(13, 4.6 * len(operations)), squeeze=False)
    for row_axes, operation in zip(axes, operations, strict=True):
        servers = [s for s in COLOURS if any(r["server"] == s and r["operation"] == operation for r in rows)]
        width = 0.8 / len(servers)
        for column, (metric, label) in enumerate(
            (("rps", "requests/s (median)"), ("p99_ms", "p99 latency, ms (median, log scale)"))
        ):
            ax = row_axes[column]
            for index, server in enumerate(servers):
                xs, values = [], []
                for position, count in enumerate(connections):
                    found = find(rows, server, operation, count)
                    if found is not None:
                        xs.append(position + (index - (len(servers) - 1) / 2) * width)
                        values.append(found[metric])
                bars = ax.bar(xs, values, width * 0.95, label=server, color=COLOURS[server])
                ax.bar_label(bars, fmt="%.0f" if metric == "rps" else "%.1f", fontsize=7, padding=2)
            if metric == "p99_ms":
                # Latencies span 1 to 1000 ms between 1 and 64 connections: only a log scale shows both.
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:g}"))
                ax.yaxis.set_minor_formatter(NullFormatter())
                if operation == BILL:
                    ax.axhline(
                        10, color="#d62728", linestyle="--", linewidth=1, label="10 ms target (10 conn.)"
                    )
                    ax.legend(fontsize=8, loc="upper left")
            ax.set_xticks(range(len(connections)), [f"{c} conn." for c in connections])
            ax.set_ylabel(label)
            ax.set_title(f"{operation}: {'throughput' if metric == 'rps' else 'p99 latency'}", fontsize=10)
            ax.grid(axis="y", alpha=0.3)
            ax.margins(y=0.15)
        row_axes[0].legend(fontsize=8, loc="upper left")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
