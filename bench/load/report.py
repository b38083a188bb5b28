"""The load test's result table (markdown): requests/s, p50/p95/p99 and errors per route."""

from __future__ import annotations

from typing import Any


def latency_table(stats: Any) -> str:
    lines = [
        "| route | requests | req/s | p50 ms | p95 ms | p99 ms | failures |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    entries = sorted(stats.entries.values(), key=lambda e: e.name)
    for entry in [*entries, stats.total]:
        if not entry.num_requests:
            continue
        name = "**total**" if entry is stats.total else entry.name
        p50, p95, p99 = (entry.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99))
        lines.append(
            f"| {name} | {entry.num_requests} | {entry.total_rps:.1f} | "
            f"{p50:.0f} | {p95:.0f} | {p99:.0f} | {entry.num_failures} |"
        )
    errors = sorted(stats.errors.values(), key=lambda e: -e.occurrences)
    if errors:
        lines += ["", "| route | error | count |", "|---|---|---:|"]
        lines += [f"| {e.name} | {str(e.error)[:80]} | {e.occurrences} |" for e in errors]
    return "\n".join(lines)
