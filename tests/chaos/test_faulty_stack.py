"""With every emulated AWS service failing 10 % of its requests, clients that retry on 429/503
drive each domain's write stream (with duplicates, out of order, concurrently); every aggregate
ends equal to the brute-force answer, no answer is a 500, and a report completes."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from bench.load.streams import (
    RetryingClient,
    Sent,
    booking_events,
    occupancy_events,
    temperature_readings,
    verify,
    with_duplicates_shuffled,
)
from tests.chaos.data import store_files
from tests.integration.conftest import ROOT, RunningStack

SEED = 1307
pytestmark = pytest.mark.chaos


def _post_all(client: RetryingClient, writes: list[tuple[str, dict[str, Any]]], sent: Sent) -> list[str]:
    problems: list[str] = []

    def post(write: tuple[str, dict[str, Any]]) -> None:
        path, payload = write
        answer = client.post(path, payload)
        if answer.status in (200, 201):
            sent.record(path, payload)
        else:
            problems.append(f"POST {path} {payload}: {answer.status} {answer.body[:200]!r}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(post, writes))
    return problems


def test_write_streams_end_exact_under_faults(client: RetryingClient) -> None:
    rng = random.Random(SEED)
    writes: list[tuple[str, dict[str, Any]]] = []
    writes += [("/api/webhook", e) for e in occupancy_events(rng, [f"chaos-{i}" for i in range(4)], 25)]
    writes += temperature_readings(rng, "chaos", ["r1", "r2", "r3"], 30)
    writes += [("/api/events", e) for e in booking_events(rng, hotel_id=7, count=120, first_id=9_000_000)]
    stream = with_duplicates_shuffled(rng, writes)
    sent = Sent()
    assert _post_all(client, stream, sent) == []
    assert len(sent.occupancy) + sum(map(len, sent.temperature.values())) + len(sent.bookings) == len(writes)
    assert verify(client, sent) == []
    assert 500 not in client.statuses, client.statuses


def _ledger_done(stack: RunningStack, keys: list[str]) -> bool:
    ddb = stack.client("dynamodb")
    table = stack.state["tables"]["IngestionTable"]
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    done = {i["pk"]["S"] for i in items if i["status"]["S"] == "Done"}
    return set(keys) <= done


def test_store_polls_ingested_and_report_exact_under_faults(
    faulty_stack: RunningStack, client: RetryingClient, tmp_path: Path
) -> None:
    files = store_files(seed=SEED, stores=20, days=2, polls_per_hour=1, files=2)
    config = Config(retries={"mode": "standard", "max_attempts": 8}, signature_version="s3v4")
    s3 = faulty_stack.session().client("s3", endpoint_url=faulty_stack.state["endpoint_url"], config=config)
    for key, text in files.objects():
        s3.put_object(Bucket=faulty_stack.state["buckets"]["DataBucket"], Key=key, Body=text.encode())

    # The hourly ingestion, run until every object is Done (a run can stop on an exhausted retry).
    keys = [key for key, _ in files.objects()]
    for _ in range(4):
        subprocess.run(
            [sys.executable, "-m", "local.lambdas.invoke", "--function", "IngestFunction",
             "--state-file", str(faulty_stack.state_file)],
            cwd=ROOT, capture_output=True, timeout=300, check=False,
        )  # fmt: skip
        if _ledger_done(faulty_stack, keys):
            break
    assert _ledger_done(faulty_stack, keys)

    # Three reports at once (at the files' `now`, 3 hours and 1 day earlier), each retried by the
    # client with its Idempotency-Key: each ends Complete with exactly the offline engine's CSV.
    last = datetime.fromisoformat(files.now.replace("Z", "+00:00"))
    nows = [(last - timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ") for h in (0, 3, 24)]
    started = {
        now: client.post("/api/reports", {"now": now}, headers={"Idempotency-Key": f"chaos-{now}"})
        for now in nows
    }
    # 202 when started; 200 when the client's retry (after a fault cut the first answer) replays it.
    assert all(answer.status in (200, 202) for answer in started.values()), {
        n: (a.status, a.body) for n, a in started.items()
    }
    deadline = time.monotonic() + 300
    for now, answer in started.items():
        report_id = answer.json["report_id"]
        while (report := client.get(f"/api/reports/{report_id}").json)["status"] == "Running":
            assert time.monotonic() < deadline, f"report still Running after 300 s: {report}"
            time.sleep(1)
        assert report["status"] == "Complete", report
        assert report["progress"]["done"] == report["progress"]["total"]
        redirect = client.get(f"/api/reports/{report_id}/csv")
        assert redirect.status == 302
        download = client.request("GET", redirect.headers["location"])  # S3 may answer SlowDown: retried
        assert download.status == 200
        assert download.body == files.reference_csv(tmp_path, now), f"report at {now}"
        # A retry of the POST with the same key is the same report, not a new one.
        again = client.post("/api/reports", {"now": now}, headers={"Idempotency-Key": f"chaos-{now}"})
        assert (again.status, again.json["report_id"]) == (200, report_id)
    assert 500 not in client.statuses, client.statuses


def test_faults_were_injected_in_every_service(faulty_stack: RunningStack) -> None:
    url = f"{faulty_stack.state['endpoint_url']}/moto-api/faults"
    with urllib.request.urlopen(url, timeout=10) as response:
        injected = json.loads(response.read())["injected"]
    print(f"faults injected: {injected}")
    kinds = {kind.split(":")[0] for kind, count in injected.items() if count}
    assert kinds == {"dynamodb", "s3", "states", "lambda"}, injected
