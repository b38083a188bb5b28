"""Benchmark: the full-scale offline report, `python -m sitepulse.store_uptime.cli`, on one core.

    python -m bench.report_offline [--runs 3] [--profile]

Generates the full-scale poll file (2.15M polls, 13.6k stores) with
`../shared/tools/gen_store_polls.py` into `bench/out/` the first time (never committed), then
runs the offline command itself in fresh processes pinned to one core (`taskset -c 0` when
available) with the real loop_2023 business hours and timezones, and prints the median wall
and CPU seconds of `--runs` runs and the report's sha256 (the same CSV before and after an
optimisation has the same digest). Target: under 3 s. `--profile` prints cProfile's top
functions of one in-process run instead.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import resource
import shutil
import statistics
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
REPORT = OUT / "report.csv"
TARGET_SECONDS = 3.0


def ensure_polls() -> None:
    if POLLS.exists():
        return
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"generating {POLLS.relative_to(REPO)} (once, about a minute) ...", file=sys.stderr)
    partial = POLLS.with_suffix(".partial")
    subprocess.run(  # noqa: S603 — an argv list of this project's own commands, no shell
        [sys.executable, str(GENERATOR), "--data", str(DATA), "--out", str(partial)],
        check=True,
        stdout=sys.stderr,
    )
    partial.rename(POLLS)


def command() -> list[str]:
    cli = [sys.executable, "-m", "sitepulse.store_uptime.cli", "--polls", str(POLLS)]
    cli += [
        "--hours",
        str(DATA / "menu_hours.csv"),
        "--tz",
        str(DATA / "timezones.csv"),
        "--out",
        str(REPORT),
    ]
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    return pin + cli


def run_once() -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one offline report in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command(), check=True, cwd=REPO / "layers", stderr=subprocess.DEVNULL)  # noqa: S603 — an argv list of this project's own commands, no shell
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run(runs: int = 3) -> None:
    ensure_polls()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = run_once()
        walls.append(wall)
        cpus.append(cpu)
    digest = hashlib.sha256(REPORT.read_bytes()).hexdigest()[:16]
    pinned = "taskset -c 0 " if command()[0] == "taskset" else ""
    print(f"command         {pinned}python -m sitepulse.store_uptime.cli --polls {POLLS.relative_to(REPO)} …")
    print(f"runs            {runs:>12}")
    print(f"wall s median   {statistics.median(walls):>12.2f}   (min {min(walls):.2f})")
    cpu = statistics.median(cpus)
    print(f"CPU s median    {cpu:>12.2f}   (min {min(cpus):.2f}; target {TARGET_SECONDS:.0f} s)")
    print(f"load average    {os.getloadavg()[0]:>12.2f}   (other processes share the cores)")
    print(f"report sha256   {digest:>16}")


def profile() -> None:
    ensure_polls()
    sys.path.insert(0, str(REPO / "layers"))
    from sitepulse.store_uptime.cli import main as report_main

    argv = command()[command().index("--polls") :]
    profiler = cProfile.Profile()
    profiler.runcall(report_main, argv)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print the top functions by own time")
    args = parser.parse_args()
    if args.profile:
        profile()
    else:
        run(args.runs)


if __name__ == "__main__":
    main()
