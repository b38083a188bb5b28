"""The steps of the report state machine (`statemachine/report.asl.json`).

prepare → Map(shard) → finalize, with a failure step reached from any Catch. Each step is
idempotent, because Step Functions retries them: a retried shard rewrites the same part
and counts its progress once; a retried finalize rebuilds the same CSV.

Each step takes and returns a pydantic model of `step_payloads` (small payloads: bucket numbers,
counts, S3 keys, far below the 256 KB state limit whatever the number of stores).
"""

from __future__ import annotations

import csv
import heapq
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sitepulse.common.observability import logger
from sitepulse.common.timestamps import format_instant, utc_now
from sitepulse.store_uptime.engine.timestamps import format_timestamp_us, parse_timestamp_us
from sitepulse.store_uptime.report.errors import ReportInputError, ReportShardError, readable_failure
from sitepulse.store_uptime.report.repository import COMPLETE, ReportRepository
from sitepulse.store_uptime.report.rows import REPORT_HEADER, ReportRow
from sitepulse.store_uptime.report.s3_keys import csv_key, part_key
from sitepulse.store_uptime.report.sharding import plan_shards
from sitepulse.store_uptime.report.step_payloads import (
    FailedInput,
    FailedOutput,
    FinalizeInput,
    FinalizeOutput,
    PrepareInput,
    PrepareOutput,
    ShardInput,
    ShardOutput,
    ShardPlan,
)
from sitepulse.store_uptime.storage.keys import BUCKETS
from sitepulse.store_uptime.storage.reader import (
    BucketData,
    CorruptDataError,
    ShardReader,
    count_registered_stores,
    read_latest_poll_us,
)

_READ_WORKERS = 4


@dataclass
class ShardStats:
    rows: int = 0
    polls: int = 0
    queries: int = 0
    bytes_read: int = 0
    read_ms: int = 0
    compute_ms: int = 0


class ReportPipeline:
    def __init__(
        self,
        dynamodb: Any,
        s3: Any,
        stores_table: str,
        reports: ReportRepository,
        reports_bucket: str,
        stores_per_shard: int = 1000,
    ) -> None:
        self._dynamodb = dynamodb
        self._s3 = s3
        self._stores_table = stores_table
        self._reports = reports
        self._bucket = reports_bucket
        self._stores_per_shard = stores_per_shard
        self._reader = ShardReader(dynamodb, stores_table)

    # ------------------------------------------------------------------ prepare
    def prepare(self, event: PrepareInput) -> PrepareOutput:
        report_id = event.report_id
        requested = event.now
        if requested:
            now_us = parse_timestamp_us(requested)
        else:
            latest = read_latest_poll_us(self._dynamodb, self._stores_table)
            if latest is None:
                raise ReportInputError(
                    "no store status polls have been ingested yet: drop CSV files under "
                    "incoming/store_status/ in the data bucket and run the ingestion"
                )
            now_us = latest
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="registry") as pool:
            counts = dict(
                zip(
                    range(BUCKETS),
                    pool.map(
                        lambda b: count_registered_stores(self._dynamodb, self._stores_table, b),
                        range(BUCKETS),
                    ),
                    strict=True,
                )
            )
        shards = plan_shards(counts, self._stores_per_shard)
        now = format_timestamp_us(now_us)
        total = sum(counts.values())
        self._reports.planned(report_id, now, now_us, total, len(shards))
        logger.info(
            "report planned",
            extra={"report_id": report_id, "now": now, "stores": total, "shards": len(shards)},
        )
        return PrepareOutput(
            report_id=report_id,
            now=now,
            now_us=now_us,
            shards=[
                ShardPlan(shard=index, buckets=buckets, stores=sum(counts[b] for b in buckets))
                for index, buckets in enumerate(shards)
            ],
        )

    # ------------------------------------------------------------------ shard
    def run_shard(self, event: ShardInput) -> ShardOutput:
        report_id, shard, now_us = event.report_id, event.shard, event.now_us
        try:
            rows, stats = self.shard_rows(event.buckets, now_us)
        except CorruptDataError as exc:
            raise ReportShardError(f"shard {shard} could not read its stores: {exc}") from exc
        key = part_key(report_id, shard)
        body = "".join(row.to_csv_line() + "\n" for row in rows).encode("utf-8")
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="text/csv")
        self._reports.shard_done(report_id, shard, event.stores)
        logger.info("report shard done", extra={"report_id": report_id, "shard": shard, **stats.__dict__})
        return ShardOutput(shard=shard, key=key, rows=stats.rows, polls=stats.polls, queries=stats.queries)

    def shard_rows(self, buckets: list[int], now_us: int) -> tuple[list[ReportRow], ShardStats]:
        """The report rows of the stores of `buckets`, sorted by store id."""
        stats = ShardStats()
        rows: list[ReportRow] = []
        started = time.perf_counter()
        compute_s = 0.0
        with ThreadPoolExecutor(max_workers=_READ_WORKERS, thread_name_prefix="shard-read") as pool:
            for data in pool.map(lambda bucket: self._reader.read_bucket(bucket, now_us), buckets):
                computing = time.perf_counter()
                rows.extend(self._rows_of(data, now_us))
                compute_s += time.perf_counter() - computing
                stats.polls += sum(map(len, data.polls.values()))
                stats.queries += data.queries
                stats.bytes_read += data.bytes_read
        rows.sort(key=lambda row: row.store_id)
        stats.rows = len(rows)
        stats.compute_ms = int(compute_s * 1000)
        stats.read_ms = int((time.perf_counter() - started - compute_s) * 1000)
        return rows, stats

    @staticmethod
    def _rows_of(data: BucketData, now_us: int) -> list[ReportRow]:
        # The array engine (numpy) is imported by the shard step only: prepare, finalize and
        # the failure step share this module and need not pay for it at cold start.
        from sitepulse.store_uptime.engine.poll_arrays import PollArrays
        from sitepulse.store_uptime.report.array_rows import build_array_report

        return build_array_report(PollArrays.from_packed(data.polls), data.hours, data.timezones, now_us)

    # ------------------------------------------------------------------ finalize
    def finalize(self, event: FinalizeInput) -> FinalizeOutput:
        report_id = event.report_id
        record = self._reports.get(report_id, consistent=True)
        key = csv_key(report_id)
        if record is not None and record.get("status") == COMPLETE:  # a retry after success
            return FinalizeOutput(
                report_id=report_id, status=COMPLETE, rows=int(record.get("stores", 0)), csv_key=key
            )
        parts = sorted(event.parts, key=lambda part: part.shard)
        lines = heapq.merge(*(self._part_lines(part.key) for part in parts), key=_store_id_of)
        body = bytearray((REPORT_HEADER + "\n").encode("utf-8"))
        rows = 0
        for line in lines:
            body += line
            rows += 1
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=bytes(body), ContentType="text/csv")
        self._reports.complete(report_id, format_instant(utc_now()), rows, key)
        if parts:
            self._s3.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": part.key} for part in parts], "Quiet": True},
            )
        logger.info("report complete", extra={"report_id": report_id, "rows": rows, "csv_key": key})
        return FinalizeOutput(report_id=report_id, status=COMPLETE, rows=rows, csv_key=key)

    def _part_lines(self, key: str) -> Iterator[bytes]:
        # A part holds one shard's rows (about 80 bytes per store): read whole, split on \n only.
        data = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        for line in data.split(b"\n"):
            if line:
                yield line + b"\n"

    # ------------------------------------------------------------------ failure
    def mark_failed(self, event: FailedInput) -> FailedOutput:
        report_id = event.report_id
        message = readable_failure(event.error)
        self._reports.fail(report_id, message)
        # The user reads `message`; the operator gets the raw cause here.
        logger.warning(
            "report failed", extra={"report_id": report_id, "error": message, "cause": event.error}
        )
        return FailedOutput(report_id=report_id, status="Failed", error=message)


def _store_id_of(line: bytes) -> str:
    """The store id of a report line (first CSV field; quoted when it holds a comma or quote)."""
    text = line.decode("utf-8")
    if not text.startswith('"'):
        return text.split(",", 1)[0]
    return next(csv.reader([text]))[0]
