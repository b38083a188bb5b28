"""Benchmark: the full-scale offline report, `python -m sitepulse.store_uptime.cli`, on one core.

    python -m bench.report_offline [--runs 3] [--profile]

Generates the full-scale store data (13,600 stores, about 2.15M polls, their business hours and
timezones) with the project's own generator (`local.demo.store_data`, seeded: the same bytes
on every machine) into `bench/out/` the first time (never committed, about ten seconds), then
runs the offline command itself in fresh processes pinned to one core (`taskset -c 0` when
available) and prints the median wall and CPU seconds of `--runs` runs and the report's sha256
(the same CSV before and after an optimisation has the same digest). Target: under 3 s.
`--profile` prints cProfile's top functions of one in-process run instead.
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

from local.demo.store_data import FULL_SCALE, StoreDataFiles, cached_dataset

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
DATA = OUT / FULL_SCALE.cache_name  # the generator's version, stores and seed: regenerated on change
POLLS = DATA / "store_status.csv"
HOURS = DATA / "menu_hours.csv"
TIMEZONES = DATA / "timezones.csv"
REPORT = OUT / "report.csv"
TARGET_SECONDS = 3.0


def ensure_polls() -> StoreDataFiles:
    """The full-scale files, generated once into bench/out/."""
    if not (DATA / "complete").exists():
        print(f"generating {DATA.relative_to(REPO)}/ (once, about ten seconds) ...", file=sys.stderr)
    files = cached_dataset(OUT, FULL_SCALE)
    if files.polls != POLLS:  # one name for the same file
        raise RuntimeError(f"generated {files.polls}, expected {POLLS}")
    return files


def command() -> list[str]:
    cli = [sys.executable, "-m", "sitepulse.store_uptime.cli", "--polls", str(POLLS)]
    cli += [
        "--hours",
        str(HOURS),
        "--tz",
        str(TIMEZONES),
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
