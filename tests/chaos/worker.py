"""A Lambda worker process the chaos tests can SIGKILL: runs the real ingestion handler, or the
report pipeline's real step handlers in the state machine's order, against the AWS endpoint in
its environment, and prints the result as one JSON line.

    python -m tests.chaos.worker ingest [--clock-offset S]
    python -m tests.chaos.worker report --report-id ID --now 2023-01-25T00:00:00Z

`--kill-after-calls N` makes the process SIGKILL itself when it is about to send its N-th AWS
request (any thread): a crash at a seeded, random point of the work, whatever the machine's
speed. The result line carries `aws_calls`, the number of requests a complete run made.

`--clock-offset` moves the ingestion's lease clock forward: a rerun after a killed run sees the
dead run's lease expired, as the next hourly run would 16 minutes later in production.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = {
    "ingest": "ingest",
    "prepare": "report_prepare",
    "shard": "report_shard",
    "finalize": "report_finalize",
}


class Context:
    def __init__(self, name: str, timeout_s: int = 900) -> None:
        self.function_name = name
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.function_version = "$LATEST"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load(function: str) -> ModuleType:
    source = ROOT / "functions" / FUNCTIONS[function] / "app.py"
    spec = importlib.util.spec_from_file_location(f"_chaos_{function}", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ingest(clock_offset: float) -> Any:
    app = load("ingest")
    app.runner._clock = lambda: time.time() + clock_offset
    return app.handler({"source": "aws.events"}, Context("ingest"))


def report(report_id: str, now: str) -> Any:
    from sitepulse.common.aws import dynamodb
    from sitepulse.common.errors import KeyTakenError
    from sitepulse.common.timestamps import format_instant, utc_now
    from sitepulse.store_uptime.report.repository import ReportRepository

    repository = ReportRepository(dynamodb(), os.environ["REPORTS_TABLE"])
    with contextlib.suppress(KeyTakenError):  # a rerun (a replay of the same start is no error)
        repository.create(
            {"report_id": report_id, "status": "Running", "created_at": format_instant(utc_now())}
        )
    prepare, shard, finalize = load("prepare"), load("shard"), load("finalize")
    plan = prepare.handler({"report_id": report_id, "now": now}, Context("prepare"))
    parts = [
        shard.handler({**item, "report_id": report_id, "now_us": plan["now_us"]}, Context("shard"))
        for item in plan["shards"]
    ]
    return finalize.handler({"report_id": report_id, "parts": parts}, Context("finalize"))


class CallCounter:
    def __init__(self, kill_at: int | None) -> None:
        self.calls = 0
        self.kill_at = kill_at
        self._lock = threading.Lock()

    def __call__(self, **_: Any) -> None:
        with self._lock:
            self.calls += 1
            if self.kill_at is not None and self.calls >= self.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("job", choices=("ingest", "report"))
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--report-id")
    parser.add_argument("--now")
    parser.add_argument("--kill-after-calls", type=int)
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT / "layers"), str(ROOT)]
    counter = CallCounter(args.kill_after_calls)
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-send", counter)  # type: ignore[union-attr]
    result = ingest(args.clock_offset) if args.job == "ingest" else report(args.report_id, args.now)
    print(json.dumps({"result": result, "aws_calls": counter.calls}, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
