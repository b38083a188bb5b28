"""Benchmark: the full offline store uptime report (2.15M polls, 13.6k stores) on one core.

    python bench/report_offline.py [--profile]

Generates the full-scale poll file with `../shared/tools/gen_store_polls.py` into
`bench/out/` the first time (never committed), then times parsing and computing the report
over every loop_2023 store with the engine in `layers/sitepulse/store_uptime`, writes
`bench/out/report.csv`, and prints polls, stores, parse / compute / total seconds (wall clock, and the
process's CPU time, which is less sensitive to other load on the machine) and peak memory
(max RSS). Target: under 10 s in total.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SITEPULSE_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data" / "loop_2023"
GENERATOR = SHARED / "tools" / "gen_store_polls.py"
OUT = REPO / "bench" / "out"
POLLS = OUT / "store_polls_full.csv"

sys.path.insert(0, str(REPO / "layers"))

from sitepulse.store_uptime.csv_input.csv_rows import (  # noqa: E402 - needs the layer on sys.path
    read_hours_by_store,
    read_polls_by_store,
    read_timezones_by_store,
)
from sitepulse.store_uptime.engine.timestamps import format_timestamp_us  # noqa: E402
from sitepulse.store_uptime.report.rows import build_report, latest_poll_us, write_report_csv  # noqa: E402


def ensure_polls() -> None:
    if POLLS.exists():
        return
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"generating {POLLS.relative_to(REPO)} (once) ...", file=sys.stderr)
    partial = POLLS.with_suffix(".partial")
    subprocess.run(
        [sys.executable, str(GENERATOR), "--data", str(DATA), "--out", str(partial)],
        check=True,
        stdout=sys.stderr,
    )
    partial.rename(POLLS)


def run() -> None:
    rejected: list[object] = []
    cpu_started = time.process_time()
    started = time.perf_counter()
    with open(POLLS, "rb") as binary:
        polls_by_store = read_polls_by_store(binary, rejected.append)
    with open(DATA / "menu_hours.csv", "rb") as binary:
        hours_by_store = read_hours_by_store(binary, rejected.append)
    with open(DATA / "timezones.csv", "rb") as binary:
        timezone_by_store = read_timezones_by_store(binary, rejected.append)
    parsed = time.perf_counter()
    now_us = latest_poll_us(polls_by_store)
    rows = build_report(polls_by_store, hours_by_store, timezone_by_store, now_us)
    computed = time.perf_counter()
    with open(OUT / "report.csv", "w", encoding="utf-8", newline="") as out:
        write_report_csv(rows, out)
    finished = time.perf_counter()
    cpu_seconds = time.process_time() - cpu_started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    polls = sum(map(len, polls_by_store.values()))
    assert now_us is not None
    print(f"polls           {polls:>12,}")
    print(f"stores (rows)   {len(rows):>12,}")
    print(f"rejected rows   {len(rejected):>12,}")
    print(f"now             {format_timestamp_us(now_us):>12}")
    print(f"parse s         {parsed - started:>12.2f}")
    print(f"compute s       {computed - parsed:>12.2f}")
    print(f"write s         {finished - computed:>12.2f}")
    print(f"total s         {finished - started:>12.2f}")
    print(f"total CPU s     {cpu_seconds:>12.2f}")
    print(f"load average    {os.getloadavg()[0]:>12.2f}  (other processes share the cores)")
    print(f"peak RSS MiB    {peak_mib:>12.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    args = parser.parse_args()
    ensure_polls()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(run)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    else:
        run()


if __name__ == "__main__":
    main()
