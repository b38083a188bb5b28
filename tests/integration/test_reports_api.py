"""Store uptime reports end to end on the local stack, over HTTP: CSVs dropped in the data
bucket → the ingestion function (`make ingest`'s runner) → POST /api/reports → the real
state machine in moto → GET until Complete → download through the presigned URL."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sitepulse.store_uptime.csv_input.csv_rows import (
    read_hours_by_store,
    read_polls_by_store,
    read_timezones_by_store,
)
from sitepulse.store_uptime.engine.timestamps import format_timestamp_us, parse_timestamp_us
from sitepulse.store_uptime.report.rows import latest_poll_us, report_csv_bytes
from sitepulse.store_uptime.storage import keys
from tests.integration.conftest import ROOT, RunningStack
from tests.integration.http_client import ApiClient
from tests.unit.store_uptime.engine.scalar_oracle import build_report
from tests.unit.store_uptime.scenario import END, Scenario, build_scenario

PREFIX = f"it{uuid.uuid4().hex[:8]}-"


def ingest(stack: RunningStack) -> dict[str, Any]:
    """What `make ingest` runs, against this session's stack."""
    result = subprocess.run(
        [sys.executable, "-m", "local.lambdas.invoke", "--function", "IngestFunction",
         "--event", str(ROOT / "events" / "IngestFunction.json"), "--state-file", str(stack.state_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def offline(polls: list[str], scenario: Scenario, now_us: int | None = None) -> tuple[bytes, int]:
    merged: dict[str, list[int]] = {}
    for text in polls:
        for store, values in read_polls_by_store(io.BytesIO(text.encode())).items():
            merged.setdefault(store, []).extend(values)
    now_us = now_us or latest_poll_us(merged)
    assert now_us is not None
    hours = read_hours_by_store(io.BytesIO(scenario.hours.encode()))
    zones = read_timezones_by_store(io.BytesIO(scenario.timezones.encode()))
    return report_csv_bytes(build_report(merged, hours, zones, now_us)), now_us


def split_status_file(scenario: Scenario, cut: datetime) -> tuple[str, str]:
    """The scenario's polls as an 'earlier' file and the file of the following hour."""
    header, *rows = scenario.polls.strip().split("\n")
    cut_us = int(cut.timestamp() * 1_000_000)
    early = [r for r in rows if parse_timestamp_us(r.rsplit(",", 1)[1]) < cut_us]
    late = [r for r in rows if cut_us <= parse_timestamp_us(r.rsplit(",", 1)[1]) < cut_us + 3_600_000_000]
    return "\n".join([header, *early]) + "\n", "\n".join([header, *late]) + "\n"


def wait_for(api: ApiClient, report_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 180  # a guard against hanging, not a speed assertion
    while time.monotonic() < deadline:
        response = api.get(f"/api/reports/{report_id}")
        assert response.status == 200, response.body
        seen.append(response.json)
        if response.json["status"] != "Running":
            return response.json, seen
        time.sleep(0.25)
    raise AssertionError(f"report still running: {seen[-1]}")


def download(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def mine(csv_bytes: bytes) -> list[str]:
    lines = csv_bytes.decode().splitlines()
    return [lines[0], *(line for line in lines[1:] if line.startswith(PREFIX))]


def ingest_files(stack: RunningStack, files: dict[str, str]) -> None:
    """Put these `incoming/<kind>/…` files (key → text) in the data bucket and ingest them."""
    s3 = stack.client("s3")
    for key, text in files.items():
        s3.put_object(Bucket=stack.state["buckets"]["DataBucket"], Key=key, Body=text.encode())
    ingest_until_done(stack, list(files))


def ingest_until_done(stack: RunningStack, keys_: list[str]) -> None:
    """Run the ingestion until these objects are ingested (the stack's own schedule may have
    started on them first: then this run finds them leased or done, as it should)."""
    ledger = stack.client("dynamodb")
    table = stack.state["tables"]["IngestionTable"]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ingest(stack)
        statuses = []
        for key in keys_:
            items = ledger.query(
                TableName=table,
                KeyConditionExpression="pk = :k",
                ExpressionAttributeValues={":k": {"S": key}},
            )["Items"]
            statuses.append(items[0]["status"]["S"] if items else None)
        if statuses == ["Done"] * len(keys_):
            return
        time.sleep(1)
    raise AssertionError(f"not ingested: {dict(zip(keys_, statuses, strict=True))}")


@pytest.fixture(scope="module")
def data(local_stack: RunningStack) -> dict[str, Any]:
    scenario = build_scenario(stores=15, seed=23, prefix=PREFIX)
    first, second = split_status_file(scenario, END - timedelta(hours=1))
    s3 = local_stack.client("s3")
    bucket = local_stack.state["buckets"]["DataBucket"]
    files = {
        f"incoming/business_hours/{PREFIX}hours.csv": scenario.hours,
        f"incoming/timezones/{PREFIX}tz.csv": scenario.timezones,
        f"incoming/store_status/{PREFIX}2023-01-25T16.csv": first,
    }
    ingest_files(local_stack, files)
    return {"scenario": scenario, "first": first, "second": second, "s3": s3, "bucket": bucket}


@pytest.fixture(scope="module")
def first_report(api: ApiClient, data: dict[str, Any]) -> dict[str, Any]:
    started = api.post("/api/reports")
    assert started.status == 202, started.body
    assert started.json["status"] == "Running"
    report, seen = wait_for(api, started.json["report_id"])
    return {"report": report, "seen": seen}


def test_report_end_to_end_matches_the_offline_engine(
    first_report: dict[str, Any], data: dict[str, Any]
) -> None:
    report, seen = first_report["report"], first_report["seen"]
    assert report["status"] == "Complete", report
    expected, now_us = offline([data["first"]], data["scenario"])
    assert report["now"] == format_timestamp_us(now_us)  # the latest poll ingested
    done = [r["progress"]["done"] for r in seen]
    assert done == sorted(done) and report["progress"]["done"] == report["progress"]["total"]
    body, headers = download(report["download_url"])
    assert headers["content-disposition"] == f'attachment; filename="report-{report["report_id"]}.csv"'
    assert mine(body) == mine(expected)
    assert len(mine(body)) > 10
    assert report["stores"] == body.count(b"\n") - 1
    assert report["error"] is None and report["completed_at"].endswith("Z")


def test_download_url_expires_within_the_hour(
    first_report: dict[str, Any], local_stack: RunningStack
) -> None:
    report = first_report["report"]
    query = parse_qs(urlsplit(report["download_url"]).query)
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    lifetime = timedelta(seconds=int(query["X-Amz-Expires"][0]))
    assert timedelta(0) < lifetime <= timedelta(hours=1)
    stated = datetime.fromisoformat(report["download_expires_at"].replace("Z", "+00:00"))
    assert signed + lifetime - timedelta(seconds=2) <= stated <= signed + lifetime
    # moto does not enforce the expiry: the URL's own parameters are what is checked. It points at the
    # S3 endpoint a client can reach (on the local stack: the moto server).
    assert urlsplit(report["download_url"]).netloc == urlsplit(local_stack.state["endpoint_url"]).netloc


def test_csv_route_redirects_to_the_presigned_download(api: ApiClient, first_report: dict[str, Any]) -> None:
    report_id = first_report["report"]["report_id"]
    redirect = api.get(f"/api/reports/{report_id}/csv")
    assert redirect.status == 302
    body, _ = download(redirect.headers["location"])
    assert body.startswith(b"store_id,uptime_last_hour,")


def test_a_second_hourly_file_changes_the_next_report(
    api: ApiClient, local_stack: RunningStack, data: dict[str, Any], first_report: dict[str, Any]
) -> None:
    data["s3"].put_object(
        Bucket=data["bucket"],
        Key=f"incoming/store_status/{PREFIX}2023-01-25T17.csv",
        Body=data["second"].encode(),
    )
    result = ingest(local_stack)
    assert [o["status"] for o in result["objects"] if PREFIX in o["key"]] == ["Done"]
    started = api.post("/api/reports", {})
    report, _ = wait_for(api, started.json["report_id"])
    assert report["status"] == "Complete"
    expected, now_us = offline([data["first"], data["second"]], data["scenario"])
    assert report["now"] == format_timestamp_us(now_us) and report["now"] > first_report["report"]["now"]
    body, _ = download(report["download_url"])
    assert mine(body) == mine(expected)
    before, _ = download(first_report["report"]["download_url"])
    assert mine(body) != mine(before)


def test_explicit_now_is_used(api: ApiClient, data: dict[str, Any]) -> None:
    now = "2023-01-22T09:30:00Z"
    started = api.post("/api/reports", {"now": now})
    assert started.status == 202
    report, _ = wait_for(api, started.json["report_id"])
    assert report["now"] == now
    expected, _ = offline([data["first"], data["second"]], data["scenario"], parse_timestamp_us(now))
    body, _ = download(report["download_url"])
    assert mine(body) == mine(expected)


def test_original_api_routes(api: ApiClient, data: dict[str, Any]) -> None:
    for response in (api.post("/trigger_report"), api.get("/trigger_report")):
        assert response.status == 200 and list(response.json) == ["report_id"]
    report_id = response.json["report_id"]
    status = api.get(f"/get_report?report_id={report_id}")
    assert status.status == 200 and status.json["status"] in ("Running", "Complete")
    if status.json["status"] == "Running":
        assert status.json == {"status": "Running"}
    wait_for(api, report_id)
    complete = api.get(f"/get_report?report_id={report_id}").json
    assert set(complete) == {"status", "download_url"} and complete["status"] == "Complete"
    body, _ = download(complete["download_url"])
    assert body.startswith(b"store_id,")


def test_unknown_report_is_404(api: ApiClient) -> None:
    unknown = uuid.uuid4().hex
    for path in (
        f"/api/reports/{unknown}",
        f"/api/reports/{unknown}/csv",
        f"/get_report?report_id={unknown}",
    ):
        response = api.get(path)
        assert response.status == 404 and unknown in response.json["message"]


def test_a_failing_shard_shows_a_readable_error(
    api: ApiClient, local_stack: RunningStack, data: dict[str, Any]
) -> None:
    """An unreadable block in a partition only this report reads (January 2001), removed afterwards."""
    store = f"{PREFIX}only-new-polls"
    key = {
        "pk": {"S": keys.poll_block_pk(keys.store_bucket(store), keys.day_of_text("2001-01-03"))},
        "sk": {"S": "broken#00000#000"},
    }
    dynamodb = local_stack.client("dynamodb")
    table = local_stack.state["tables"]["StoresTable"]
    dynamodb.put_item(TableName=table, Item={**key, "b": {"B": b"\x01not a block"}})
    try:
        started = api.post("/api/reports", {"now": "2001-01-05T00:00:00Z"})
        report, _ = wait_for(api, started.json["report_id"])
    finally:
        dynamodb.delete_item(TableName=table, Key=key)
    assert report["status"] == "Failed"
    assert report["error"].startswith("shard ")  # the message, never the exception's class
    assert f"poll block {key['pk']['S']} / broken#00000#000 is unreadable" in report["error"]
    assert report["download_url"] is None and report["stores"] is None
    redirect = api.get(f"/api/reports/{report['report_id']}/csv")
    assert redirect.status == 409 and "failed" in redirect.json["message"]
