"""Ingestion and a report survive their worker process being SIGKILLed at random points: the
rerun ends with exactly what a clean run gives. Two ingestion runs started together ingest
every object once.

Workers are real processes (`tests/chaos/worker.py`) running the real handlers against a moto
server; the kill points are drawn from a seed, as indices of the AWS requests a clean run makes.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest

from tests.chaos.aws import Aws
from tests.chaos.data import StoreFiles, store_files

SEED = 1307
KILLS = 2
pytestmark = pytest.mark.chaos


@pytest.fixture(scope="module")
def files() -> StoreFiles:
    return store_files(seed=SEED, stores=40, days=3, polls_per_hour=2, files=3)


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = Aws.start(REPORT_STORES_PER_SHARD="8")  # several shards, so a kill can land between them
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reference(aws: Aws, files: StoreFiles, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A clean ingestion and a clean report (no kill): what every other run must end with."""
    aws.reset()
    aws.upload(files.objects())
    run = aws.run("ingest")
    assert {o["status"] for o in run["result"]["objects"]} == {"Done"}
    report = aws.run("report", "--report-id", "clean", "--now", files.now)
    assert report["result"]["status"] == "Complete"
    offline = files.reference_csv(tmp_path_factory.mktemp("offline"))
    assert aws.objects("ReportsBucket", "reports/")["reports/clean.csv"] == offline
    return {
        "calls": run["aws_calls"],
        "report_calls": report["aws_calls"],
        "accepted": sum(o["accepted"] for o in run["result"]["objects"]),
        "ledger": _ledger(aws),
        "stores": aws.items("StoresTable"),
        "rejected": aws.objects("DataBucket", "rejected/"),
        "report_csv": offline,
    }


def _ledger(aws: Aws) -> list[tuple[str, str, int, int]]:
    return sorted(
        (
            i["pk"]["S"],
            i["status"]["S"],
            int(i.get("accepted", {"N": "0"})["N"]),
            int(i.get("rejected", {"N": "0"})["N"]),
        )
        for i in aws.items("IngestionTable")
    )


def test_ingestion_killed_at_random_points_then_rerun(
    aws: Aws, files: StoreFiles, reference: dict[str, Any]
) -> None:
    rng = random.Random(SEED)
    aws.reset()
    aws.upload(files.objects())
    points = sorted(rng.randrange(1, reference["calls"]) for _ in range(KILLS))
    for round_, point in enumerate(points):
        # Each rerun comes after the dead run's lease expired (clock moved 1000 s per round).
        status = aws.killed("ingest", "--clock-offset", str(1000 * round_), at_call=point)
        assert status == -9, f"run {round_} was to be killed at AWS call {point}"
    final = aws.run("ingest", "--clock-offset", str(1000 * KILLS))
    assert {o["status"] for o in final["result"]["objects"]} <= {"Done"}
    assert all(status == "Done" for _, status, _, _ in _ledger(aws))
    assert aws.items("StoresTable") == reference["stores"], f"kill points {points}"
    assert aws.objects("DataBucket", "rejected/") == reference["rejected"]
    assert [row[2:] for row in _ledger(aws)] == [row[2:] for row in reference["ledger"]]


def test_two_ingestion_runs_started_together_ingest_every_object_once(
    aws: Aws, files: StoreFiles, reference: dict[str, Any]
) -> None:
    aws.reset()
    aws.upload(files.objects())
    first, second = aws.worker("ingest"), aws.worker("ingest")
    outputs = [process.communicate(timeout=180)[0] for process in (first, second)]
    assert first.returncode == second.returncode == 0
    runs = [json.loads(out.decode().strip().splitlines()[-1])["result"] for out in outputs]
    ingested = [o["key"] for run in runs for o in run["objects"] if o["status"] == "Done"]
    assert sorted(ingested) == sorted(key for key, _ in files.objects())  # each once, by one run
    assert sum(o["accepted"] for run in runs for o in run["objects"]) == reference["accepted"]
    assert aws.items("StoresTable") == reference["stores"]
    assert aws.objects("DataBucket", "rejected/") == reference["rejected"]


def test_report_killed_at_a_random_point_then_rerun(
    aws: Aws, files: StoreFiles, reference: dict[str, Any]
) -> None:
    aws.reset()
    aws.upload(files.objects())
    aws.run("ingest")
    point = random.Random(SEED + 1).randrange(1, reference["report_calls"])
    assert aws.killed("report", "--report-id", "killed", "--now", files.now, at_call=point) == -9
    rerun = aws.run("report", "--report-id", "killed", "--now", files.now)
    assert rerun["result"]["status"] == "Complete", f"killed at AWS call {point}"
    csv = aws.objects("ReportsBucket", "reports/")["reports/killed.csv"]
    assert csv == reference["report_csv"], f"killed at AWS call {point}"
    assert aws.objects("ReportsBucket", "report-parts/killed/") == {}
