"""Helpers for the store uptime ingestion and report tests (moto in-process)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from local.lambdas.inprocess import LambdaContext

if TYPE_CHECKING:
    from sitepulse.ingest.runner import IngestionRunner


def long_context(seconds: int = 900) -> LambdaContext:
    """The ingestion function's context: 15 minutes, as in the template."""
    return LambdaContext(
        "ingest", 1024, seconds, str(uuid.uuid4()), "arn:aws:lambda:us-east-1:123:function:ingest"
    )


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def env(tables: dict[str, str], buckets: dict[str, str], function_env: dict[str, str]) -> dict[str, str]:
    return function_env


@pytest.fixture
def s3(env: dict[str, str]) -> Any:
    return boto3.client("s3")


@pytest.fixture
def ddb(env: dict[str, str]) -> Any:
    return boto3.client("dynamodb")


def make_runner(
    env: dict[str, str],
    *,
    segment_bytes: int = 32 << 20,
    clock: Callable[[], float] | None = None,
    **limits: Any,
) -> IngestionRunner:
    """The ingestion function's runner (same clients, same sinks), with test-sized limits."""
    # Imported here, not at collection: Powertools reads its settings (metrics namespace) from
    # the environment when `sitepulse.common.observability` is first imported, which must
    # happen inside the tests' function environment.
    from sitepulse.ingest.runner import RunLimits
    from sitepulse.ingest_wiring import IngestSettings, build_runner

    fields = {name: env[name.upper()] for name in IngestSettings.model_fields if name.upper() in env}
    settings = IngestSettings.model_validate(fields)
    return build_runner(
        settings, RunLimits(segment_bytes=segment_bytes, **limits), **({"clock": clock} if clock else {})
    )


def table_items(ddb: Any, table: str) -> list[dict[str, Any]]:
    """Every item, in key order: a table snapshot to compare runs with."""
    items: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        items.extend(page["Items"])
    return sorted(items, key=lambda item: (item["pk"]["S"], item.get("sk", {}).get("S", "")))


def wipe(ddb: Any, table: str) -> None:
    for item in table_items(ddb, table):
        key = {"pk": item["pk"], **({"sk": item["sk"]} if "sk" in item else {})}
        ddb.delete_item(TableName=table, Key=key)


def wipe_bucket(s3: Any, bucket: str, prefix: str) -> None:
    for key in bucket_objects(s3, bucket, prefix):
        s3.delete_object(Bucket=bucket, Key=key)


def bucket_objects(s3: Any, bucket: str, prefix: str = "") -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            found[entry["Key"]] = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
    return found


def put(s3: Any, bucket: str, key: str, text: str | bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode() if isinstance(text, str) else text)


@contextmanager
def fail_after(client: Any, operation: str, calls: int) -> Iterator[dict[str, int]]:
    """Make `client` raise on the (calls+1)-th `operation`: a crash in the middle of a run."""
    seen = {"calls": 0}

    def maybe_crash(**_: Any) -> None:
        seen["calls"] += 1
        if seen["calls"] > calls:
            raise RuntimeError(f"injected crash after {calls} {operation} calls")

    event = f"before-call.{client.meta.service_model.service_name}.{operation}"
    client.meta.events.register(event, maybe_crash, unique_id="injected-crash")
    try:
        yield seen
    finally:
        client.meta.events.unregister(event, unique_id="injected-crash")


def polls_csv(rows: list[tuple[str, str, str]], header: str = "store_id,status,timestamp_utc") -> str:
    buffer = io.StringIO()
    buffer.write(header + "\n")
    for row in rows:
        buffer.write(",".join(row) + "\n")
    return buffer.getvalue()
