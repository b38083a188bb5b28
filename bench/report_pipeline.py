"""`make bench-report`: the store uptime pipeline at full scale (2.15M polls, 13.6k stores).

    python -m bench.report_pipeline [--skip-local-stack] [--local-stores N]

1. In-process moto: ingest the full status file (+ the generated business hours and timezones)
   with the real ingestion code, counting DynamoDB requests by operation; then run the
   report steps (prepare, every shard, finalize) with the real handlers' code, measuring
   each shard's compute time, reads and peak memory, and check the CSV against the offline
   engine (the tests' per-store oracle, `scalar_oracle.build_report`) on the same files.
2. The local stack (`python -m local`, moto server, real state machine) end to end over
   HTTP: upload, `python -m local.lambdas.invoke --function IngestFunction` (what `make ingest`
   runs), POST /api/reports, poll until Complete, download through the presigned URL.

moto is far slower than DynamoDB per request, so Lambda time is *estimated* from the
request counts with the per-request latencies below (stated assumptions, typical in-region
DynamoDB/S3 figures) plus the CPU time of our own code measured without any AWS call.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from bench.cost import CostMeter
from bench.report_offline import HOURS, POLLS, TIMEZONES, ensure_polls  # the same full-scale files
from local.aws import moto_fast_reads
from local.aws.provision import create_table
from local.demo.store_data import FULL_SCALE, write_dataset
from local.lambdas.inprocess import merged_environment
from local.stack import ROOT
from local.template import load_stack

if str(ROOT / "layers") not in sys.path:
    sys.path.insert(0, str(ROOT / "layers"))  # the Lambda layer, as in the functions


# Assumed in-region latency per request (ms) for the Lambda-time estimate.
LATENCY_MS = {
    "BatchWriteItem": 30.0,  # 25 puts, items up to ~40 KB (poll blocks)
    "BatchGetItem": 10.0,
    "UpdateItem": 6.0,
    "PutItem": 6.0,
    "GetItem": 5.0,
    "Query": 10.0,  # one page, up to 1 MB
}
S3_STREAM_MB_PER_S = 60.0  # one GET stream inside Lambda
WRITE_THREADS = 4  # BatchWriter workers
READ_THREADS = 4  # shard bucket readers
MOTO_CONFIG = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}


def _estimate_ms(requests: Counter[str], parallel: dict[str, int]) -> float:
    return sum(count * LATENCY_MS.get(op, 10.0) / parallel.get(op, 1) for op, count in requests.items())


def _dry_ingest_cpu_s(segment_bytes: int) -> tuple[float, int, int]:
    """Our own CPU per full file: segmenting, parsing, grouping and packing, no AWS call."""
    from sitepulse.ingest.segments import Position, header_of, iter_segments
    from sitepulse.store_uptime.csv_input.csv_rows import read_polls_by_store
    from sitepulse.store_uptime.storage.poll_blocks import pack_blocks
    from sitepulse.store_uptime.storage.writer import _group_by_bucket_day

    started = time.process_time()
    items = size = 0
    with POLLS.open("rb") as handle:
        header = header_of(handle.read(65536), POLLS.stat().st_size)
        handle.seek(len(header))
        start = Position(len(header), 2, 0)
        for segment in iter_segments(handle, header, start, POLLS.stat().st_size, segment_bytes):
            grouped, _, _ = _group_by_bucket_day(read_polls_by_store(segment))
            for stores in grouped.values():
                blocks = pack_blocks(stores)
                items += len(blocks)
                size += sum(map(len, blocks))
    return time.process_time() - started, items, size


def in_process(segment_mib: int) -> dict[str, Any]:
    from sitepulse.common.aws import dynamodb, s3
    from sitepulse.store_uptime.csv_input.csv_rows import (
        read_hours_by_store,
        read_polls_by_store,
        read_timezones_by_store,
    )
    from sitepulse.store_uptime.report.pipeline import ReportPipeline
    from sitepulse.store_uptime.report.repository import ReportRepository
    from sitepulse.store_uptime.report.rows import report_csv_bytes
    from sitepulse.store_uptime.report.step_payloads import FinalizeInput, PrepareInput, ShardInput
    from tests.unit.store_uptime.conftest import make_runner
    from tests.unit.store_uptime.engine.scalar_oracle import build_report

    stack = load_stack(ROOT / "template.yaml")
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(merged_environment(stack))
    moto_fast_reads.install()  # moto reads one partition per query (the shards query per store bucket)
    figures: dict[str, Any] = {}
    with mock_aws(config=MOTO_CONFIG):
        for table in stack.tables.values():
            create_table(boto3.client("dynamodb"), table)
        for bucket in stack.buckets.values():
            boto3.client("s3").create_bucket(Bucket=bucket.name)
        env = dict(os.environ)
        s3().upload_file(str(HOURS), env["DATA_BUCKET"], "incoming/business_hours/menu_hours.csv")
        s3().upload_file(str(TIMEZONES), env["DATA_BUCKET"], "incoming/timezones/timezones.csv")
        s3().upload_file(str(POLLS), env["DATA_BUCKET"], "incoming/store_status/store_status_full.csv")

        meter = CostMeter(dynamodb())
        runner = make_runner(env, segment_bytes=segment_mib << 20)
        started = time.perf_counter()
        outcomes = {o.kind: o for o in runner.run(lambda: 900_000).objects}
        figures["ingest_wall_s"] = time.perf_counter() - started
        figures["ingest_outcomes"] = outcomes
        figures["ingest_requests"] = Counter(meter.requests)
        meter.reset()

        pipeline = ReportPipeline(
            dynamodb(), s3(), env["STORES_TABLE"], ReportRepository(dynamodb(), env["REPORTS_TABLE"]),
            env["REPORTS_BUCKET"], int(env.get("REPORT_STORES_PER_SHARD", 1000)),
        )  # fmt: skip
        ReportRepository(dynamodb(), env["REPORTS_TABLE"]).create(
            {"report_id": "bench", "status": "Running", "created_at": "2026-01-01T00:00:00Z"}
        )
        started = time.perf_counter()
        plan = pipeline.prepare(PrepareInput(report_id="bench")).model_dump()
        figures["prepare_requests"] = Counter(meter.requests)
        shards = []
        for shard in plan["shards"]:
            meter.reset()
            _, stats = pipeline.shard_rows(shard["buckets"], plan["now_us"])  # timed, uninstrumented
            reads = Counter(meter.requests)
            tracemalloc.start()
            pipeline.shard_rows(shard["buckets"], plan["now_us"])  # again, for its peak memory
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            shard_input = ShardInput(report_id="bench", now_us=plan["now_us"], **shard)
            part = pipeline.run_shard(shard_input).model_dump()
            shards.append(
                {
                    "stats": stats,
                    "peak_mib": peak / 2**20,
                    "part": part,
                    "requests": reads,
                    "stores": shard["stores"],
                }
            )
        meter.reset()
        final = pipeline.finalize(
            FinalizeInput.model_validate({"report_id": "bench", "parts": [s["part"] for s in shards]})
        ).model_dump()
        figures["finalize_requests"] = Counter(meter.requests)
        figures["report_wall_s"] = time.perf_counter() - started
        figures["plan"], figures["shards"], figures["final"] = plan, shards, final
        got = s3().get_object(Bucket=env["REPORTS_BUCKET"], Key=final["csv_key"])["Body"].read()

    with (
        POLLS.open("rb") as polls,
        HOURS.open("rb") as hours,
        TIMEZONES.open("rb") as zones,
    ):
        inputs = read_polls_by_store(polls), read_hours_by_store(hours), read_timezones_by_store(zones)
    offline = build_report(*inputs, plan["now_us"])
    figures["matches_offline"] = got == report_csv_bytes(offline)
    return figures


def print_in_process(figures: dict[str, Any], segment_mib: int) -> None:
    status = figures["ingest_outcomes"]["store_status"]
    requests: Counter[str] = figures["ingest_requests"]
    writes = sum(n for op, n in requests.items() if op in ("BatchWriteItem", "UpdateItem", "PutItem"))
    cpu_s, items, size = _dry_ingest_cpu_s(segment_mib << 20)
    transfer_s = POLLS.stat().st_size / 2**20 / S3_STREAM_MB_PER_S
    requests_ms = _estimate_ms(requests, {"BatchWriteItem": WRITE_THREADS})
    all_rows = sum(o.accepted + o.rejected for o in figures["ingest_outcomes"].values())
    print("\n=== ingestion (in-process moto, full scale) ===")
    mib = POLLS.stat().st_size / 2**20
    print(f"status file            {mib:,.0f} MiB, {status.accepted:,} polls accepted, "
          f"{status.rejected} rejected, {status.segments} segments of {segment_mib} MiB")  # fmt: skip
    print(f"all files              {all_rows:,} rows (status + business hours + timezones)")
    print(f"requests               {dict(sorted(requests.items()))}")
    per_poll = size / status.accepted
    print(f"write requests / 1k rows {writes / all_rows * 1000:.2f}   (status file alone: "
          f"{items} poll blocks, {size / 2**20:.1f} MiB packed = {per_poll:.1f} B/poll)")  # fmt: skip
    wall = figures["ingest_wall_s"]
    print(f"moto wall time         {wall:.1f} s  ({all_rows / wall:,.0f} rows/s; moto: ~1-30 ms per request)")
    print(f"our CPU, status file   {cpu_s:.1f} s (segment, parse, group, pack; measured without AWS)")
    estimate = cpu_s + transfer_s + requests_ms / 1000
    print(f"Lambda estimate        {estimate:.0f} s = CPU {cpu_s:.0f} s + S3 stream {transfer_s:.0f} s "
          f"@ {S3_STREAM_MB_PER_S:.0f} MB/s + requests {requests_ms / 1000:.0f} s "
          f"(latencies {LATENCY_MS} ms, batch writes {WRITE_THREADS} in parallel) -> "
          f"{estimate / 900:.0%} of the 900 s timeout; {status.accepted / estimate:,.0f} rows/s")  # fmt: skip

    shards = figures["shards"]
    print("\n=== report (in-process moto, full scale) ===")
    print(f"now {figures['plan']['now']}, {figures['final']['rows']:,} rows, {len(shards)} shards, "
          f"CSV identical to the offline engine: {figures['matches_offline']}")  # fmt: skip
    total_ms = 0.0
    for shard in shards:
        stats = shard["stats"]
        reads_ms = _estimate_ms(shard["requests"], {"Query": READ_THREADS})
        total_ms += stats.compute_ms + reads_ms + 40  # + S3 put of the part and the progress update
        read_mib, lambda_ms = stats.bytes_read / 2**20, stats.compute_ms + reads_ms
        print(f"  shard {shard['part']['shard']:>2}: {shard['stores']:>5} stores {stats.polls:>8,} polls "
              f"{stats.queries:>4} queries {read_mib:5.1f} MiB read | compute {stats.compute_ms:>5} ms "
              f"| peak {shard['peak_mib']:5.1f} MiB | Lambda ~{lambda_ms:,.0f} ms")  # fmt: skip
    prepare_ms = _estimate_ms(figures["prepare_requests"], {"Query": 8})
    finalize_ms = _estimate_ms(figures["finalize_requests"], {}) + 300  # merge + S3 reads/writes
    total_ms += prepare_ms + finalize_ms
    compute_s = sum(s["stats"].compute_ms for s in shards) / 1000
    print(
        f"estimated Lambda time in total: {total_ms / 1000:.1f} s (prepare {prepare_ms:.0f} ms, shards "
        f"{compute_s:.1f} s compute + reads, finalize ~{finalize_ms:.0f} ms); "
        f"moto wall {figures['report_wall_s']:.0f} s"
    )
    print("peak = Python allocations traced during the shard, moto's in-process work included (upper bound)")


def local_stack(stores: int) -> None:
    """End to end over HTTP on a fresh local stack (its own ports and state file)."""
    with tempfile.TemporaryDirectory(prefix="sitepulse-bench-") as tmp:
        files = ensure_polls() if not stores else write_dataset(Path(tmp), replace(FULL_SCALE, stores=stores))
        state_file = Path(tmp) / "local.json"
        log = (Path(tmp) / "stack.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 — an argv list of this project's own commands, no shell
            [sys.executable, "-m", "local", "--port", "0", "--state-file", str(state_file), "--no-demo",
             "--no-schedules"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            while not state_file.exists():
                if process.poll() is not None:
                    raise RuntimeError("local stack did not start")
                time.sleep(0.2)
            state = json.loads(state_file.read_text())
            s3 = boto3.client("s3", endpoint_url=state["endpoint_url"], region_name="us-east-1",
                              aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip  # noqa: S106 — moto's dummy credentials for the local stack, never real ones
            bucket = state["buckets"]["DataBucket"]
            s3.upload_file(str(files.hours), bucket, "incoming/business_hours/menu_hours.csv")
            s3.upload_file(str(files.timezones), bucket, "incoming/timezones/timezones.csv")
            s3.upload_file(str(files.polls), bucket, "incoming/store_status/polls.csv")
            started = time.perf_counter()
            subprocess.run(  # noqa: S603 — an argv list of this project's own commands, no shell
                [sys.executable, "-m", "local.lambdas.invoke", "--function", "IngestFunction", "--event",
                 str(ROOT / "events" / "IngestFunction.json"), "--state-file", str(state_file)],
                cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            ingest_s = time.perf_counter() - started
            started = time.perf_counter()
            auth = {"Authorization": f"Bearer {state['keys']['admin']}"}  # the API wants a key
            headers = {"Content-Type": "application/json", **auth}
            request = urllib.request.Request(f"{state['api_url']}/api/reports", data=b"{}", method="POST",  # noqa: S310 — the local stack's own http URL
                                             headers=headers)  # fmt: skip
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 — the local stack's own http URL
                report_id = json.loads(response.read())["report_id"]
            while True:
                status = urllib.request.Request(  # noqa: S310 — the local stack's own http URL
                    f"{state['api_url']}/api/reports/{report_id}", headers=auth
                )
                with urllib.request.urlopen(status, timeout=60) as response:  # noqa: S310 — the local stack's own http URL
                    report = json.loads(response.read())
                if report["status"] != "Running":
                    break
                time.sleep(0.5)
            report_s = time.perf_counter() - started
            with urllib.request.urlopen(report["download_url"], timeout=60) as response:  # noqa: S310 — the URL is the local stack's or a presigned http(s) address built here
                rows = response.read().count(b"\n") - 1
        finally:
            process.send_signal(2)
            process.wait(timeout=60)
            log.close()
    label = "all" if not stores else f"{stores:,}"
    print(f"\n=== local stack end to end over HTTP ({label} stores; moto server, real state machine) ===")
    print(f"make ingest (3 files)  {ingest_s:.1f} s")
    print(f"report                 {report['status']} in {report_s:.1f} s from POST to Complete, "
          f"{rows:,} rows downloaded through the presigned URL")  # fmt: skip


def run(skip_local_stack: bool = False, local_stores: int = 0, segment_mib: int = 32) -> None:
    ensure_polls()
    figures = in_process(segment_mib)
    print_in_process(figures, segment_mib)
    if not skip_local_stack:
        local_stack(local_stores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-local-stack", action="store_true")
    parser.add_argument(
        "--local-stores", type=int, default=0, help="stores for the local-stack run (0 = all)"
    )
    parser.add_argument("--segment-mib", type=int, default=32)
    args = parser.parse_args()
    run(args.skip_local_stack, args.local_stores, args.segment_mib)


if __name__ == "__main__":
    main()
