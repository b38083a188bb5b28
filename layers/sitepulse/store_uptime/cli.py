"""Offline store uptime report from CSV files.

    cd layers && python -m sitepulse.store_uptime.cli --polls polls.csv [--hours menu_hours.csv] \\
        [--tz timezones.csv] [--now 2023-01-25T18:13:22Z] --out report.csv

Same engine and semantics as the Step Functions report (`sitepulse.store_uptime`): polls are
parsed columnar and computed with numpy (`csv_input.poll_array_reader`, `report.array_rows`),
the same code as a report shard's. Without `--now` the report is at the latest poll. Rejected
input rows are counted (and written to `--rejected-dir/<file>.errors.csv` when asked);
they never stop the report. A file missing a required column is an error (exit status 2).
A one-line summary goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from sitepulse.ingest.rejected_csv import iter_rejected_csv
from sitepulse.store_uptime.csv_input.csv_rows import (
    BinaryReader,
    MissingColumnsError,
    RowError,
    read_hours_by_store,
    read_timezones_by_store,
)
from sitepulse.store_uptime.csv_input.poll_array_reader import read_poll_arrays
from sitepulse.store_uptime.engine.timestamps import format_timestamp_us, parse_timestamp_us
from sitepulse.store_uptime.report.array_rows import build_array_report
from sitepulse.store_uptime.report.rows import write_report_csv


def _instant(text: str) -> int:
    try:
        return parse_timestamp_us(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sitepulse.store_uptime.cli",
        description="Store uptime/downtime report from CSV files.",
    )
    parser.add_argument("--polls", required=True, help="status polls CSV (store_id,status,timestamp_utc)")
    parser.add_argument("--hours", help="business hours CSV; stores without rows are open 24x7")
    parser.add_argument("--tz", help="timezones CSV; stores without a row are in America/Chicago")
    parser.add_argument("--now", type=_instant, help="report instant, ISO 8601 (default: latest poll)")
    parser.add_argument("--out", required=True, help="report CSV to write ('-' for stdout)")
    parser.add_argument("--rejected-dir", help="write <file>.errors.csv of rejected rows here")
    return parser


class _Rejections:
    """Counts rejected rows per input file, keeping them only when they will be written."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.count = 0
        self.by_file: dict[str, list[RowError]] = {}

    def collector(self, path: str) -> Callable[[RowError], None]:
        kept = self.by_file.setdefault(path, [])

        def collect(error: RowError) -> None:
            self.count += 1
            if self.keep:
                kept.append(error)

        return collect

    def write(self, directory: str) -> None:
        os.makedirs(directory, exist_ok=True)
        for path, errors in self.by_file.items():
            if errors:
                target = os.path.join(directory, os.path.basename(path) + ".errors.csv")
                with open(target, "wb") as out:
                    out.writelines(iter_rejected_csv(errors))


def _read[T](
    path: str, reader: Callable[[BinaryReader, Callable[[RowError], None]], T], rejections: _Rejections
) -> T:
    with open(path, "rb") as binary:
        return reader(binary, rejections.collector(path))


def _write(rows_writer: Callable[[TextIO], int], target: str) -> int:
    if target == "-":
        return rows_writer(sys.stdout)
    with open(target, "w", encoding="utf-8", newline="") as out:
        return rows_writer(out)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    rejections = _Rejections(keep=args.rejected_dir is not None)
    try:
        polls = _read(args.polls, read_poll_arrays, rejections)
        hours_by_store = _read(args.hours, read_hours_by_store, rejections) if args.hours else {}
        timezone_by_store = _read(args.tz, read_timezones_by_store, rejections) if args.tz else {}
    except (MissingColumnsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    now_us = args.now if args.now is not None else polls.latest_us()
    rows = [] if now_us is None else build_array_report(polls, hours_by_store, timezone_by_store, now_us)
    try:
        _write(lambda out: write_report_csv(rows, out), args.out)
        if args.rejected_dir:
            rejections.write(args.rejected_dir)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    poll_count = polls.poll_count()
    now_text = "-" if now_us is None else format_timestamp_us(now_us)
    print(
        f"report: {len(rows)} stores, {poll_count} polls, {rejections.count} rejected rows, "
        f"now={now_text}, {time.perf_counter() - started:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
