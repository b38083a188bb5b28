"""The report API handlers: start (idempotent), state, CSV redirect, and the original routes."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from sitepulse.common.aws import dynamodb
from sitepulse.store_uptime.report.repository import ReportRepository
from tests.unit.conftest import http_event, lambda_context


@pytest.fixture
def machine(env: dict[str, str]) -> str:
    """A stand-in state machine with the template's name: these tests are about the API only."""
    sfn = boto3.client("stepfunctions")
    name = env["REPORT_STATE_MACHINE_ARN"].rsplit(":", 1)[1]
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    return sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]


@pytest.fixture
def write(load_function: Callable[[str], ModuleType], machine: str) -> Callable[..., dict[str, Any]]:
    module = load_function("ReportsApiWriteFunction")

    def call(
        method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        event = http_event(method, path, body)
        event["headers"].update(headers or {})
        return module.handler(event, lambda_context())

    return call


@pytest.fixture
def read(load_function: Callable[[str], ModuleType]) -> Callable[..., dict[str, Any]]:
    module = load_function("ReportsApiReadFunction")

    def call(
        path: str, route: str, params: dict[str, str] | None = None, query: dict[str, str] | None = None
    ):
        event = http_event("GET", path, route_key=f"GET {route}", path_parameters=params, query=query)
        return module.handler(event, lambda_context())

    return call


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def get_report(read: Callable[..., dict[str, Any]], report_id: str) -> dict[str, Any]:
    return read(f"/api/reports/{report_id}", "/api/reports/{report_id}", {"report_id": report_id})


def test_post_starts_one_execution_named_after_the_report(write: Callable[..., Any], machine: str) -> None:
    response = write("POST", "/api/reports")
    assert response["statusCode"] == 202
    created = body(response)
    assert set(created) == {"report_id", "status"} and created["status"] == "Running"
    assert response["headers"]["Location"] == f"/api/reports/{created['report_id']}"
    executions = boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    assert [e["name"] for e in executions] == [created["report_id"]]
    payload = json.loads(
        boto3.client("stepfunctions").describe_execution(executionArn=executions[0]["executionArn"])["input"]
    )
    assert payload == {"report_id": created["report_id"], "now": None}


def test_now_is_passed_to_the_pipeline_in_utc(write: Callable[..., Any], machine: str) -> None:
    response = write("POST", "/api/reports", {"now": "2023-01-25T13:13:22-05:00"})
    assert response["statusCode"] == 202
    sfn = boto3.client("stepfunctions")
    [execution] = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])["now"] == (
        "2023-01-25T18:13:22Z"
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"now": "soon"}, "now"), ({"now": 1674670402}, "now"), ({"when": "2023-01-01"}, "when"), ([1], "body")],
)
def test_invalid_bodies_are_422_naming_the_field(write: Callable[..., Any], payload: Any, field: str) -> None:
    response = write("POST", "/api/reports", payload)
    assert response["statusCode"] == 422, response
    answer = body(response)
    assert field in {error["field"] for error in answer.get("errors", [])} or f"{field}:" in answer["message"]


def test_malformed_json_is_400(write: Callable[..., Any]) -> None:
    assert write("POST", "/api/reports", "{not json")["statusCode"] == 400


def test_idempotency_key_replays_the_same_report(write: Callable[..., Any], machine: str) -> None:
    first = write("POST", "/api/reports", {"now": "2023-01-25T18:00:00Z"}, {"idempotency-key": "nightly-1"})
    again = write("POST", "/api/reports", {"now": "2023-01-25T18:00:00Z"}, {"Idempotency-Key": "nightly-1"})
    other = write("POST", "/api/reports", {"now": "2023-01-24T18:00:00Z"}, {"idempotency-key": "nightly-1"})
    assert (first["statusCode"], again["statusCode"], other["statusCode"]) == (202, 200, 409)
    assert body(first)["report_id"] == body(again)["report_id"]
    assert "nightly" not in body(other)["message"] and "2023-01-25T18:00:00Z" in body(other)["message"]
    assert len(boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]) == 1


def test_a_running_report_has_null_for_what_does_not_apply_yet(
    write: Callable[..., Any], read: Callable[..., Any]
) -> None:
    report_id = body(write("POST", "/api/reports"))["report_id"]
    response = get_report(read, report_id)
    assert response["statusCode"] == 200
    report = body(response)
    assert report == {
        "report_id": report_id, "status": "Running", "now": None, "created_at": report["created_at"],
        "completed_at": None, "stores": None, "progress": {"done": 0, "total": None}, "download_url": None,
        "download_expires_at": None, "error": None,
    }  # fmt: skip
    assert report["created_at"].endswith("Z")
    csv = read(f"/api/reports/{report_id}/csv", "/api/reports/{report_id}/csv", {"report_id": report_id})
    assert csv["statusCode"] == 409 and "Running" in body(csv)["message"]
    legacy = read("/get_report", "/get_report", query={"report_id": report_id})
    assert body(legacy) == {"status": "Running"}


def complete(env: dict[str, str], report_id: str) -> None:
    repository = ReportRepository(dynamodb(), env["REPORTS_TABLE"])
    repository.planned(report_id, "2023-01-25T18:13:22Z", 1674670402000000, 3, 1)
    repository.shard_done(report_id, 0, 3)
    repository.complete(report_id, "2023-01-26T00:00:05Z", 3, f"reports/{report_id}.csv")


def test_a_complete_report_links_a_presigned_download_expiring_within_the_hour(
    write: Callable[..., Any], read: Callable[..., Any], env: dict[str, str]
) -> None:
    report_id = body(write("POST", "/api/reports"))["report_id"]
    complete(env, report_id)
    before = datetime.now(UTC).replace(microsecond=0)
    report = body(get_report(read, report_id))
    assert (
        report["status"] == "Complete"
        and report["stores"] == 3
        and report["progress"] == {"done": 3, "total": 3}
    )
    assert report["now"] == "2023-01-25T18:13:22Z" and report["completed_at"] == "2023-01-26T00:00:05Z"
    url = urlsplit(report["download_url"])
    query = parse_qs(url.query)
    assert url.path.endswith(f"/reports/{report_id}.csv") or url.path == f"/reports/{report_id}.csv"
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["response-content-disposition"] == [f'attachment; filename="report-{report_id}.csv"']
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    expires = signed + timedelta(seconds=int(query["X-Amz-Expires"][0]))
    assert int(query["X-Amz-Expires"][0]) <= 3600
    stated = datetime.fromisoformat(report["download_expires_at"].replace("Z", "+00:00"))
    assert expires - timedelta(seconds=2) <= stated <= expires
    # Signed at the start of its 15-minute window: 45 to 60 minutes left.
    assert before + timedelta(minutes=45) <= stated <= before + timedelta(hours=1, seconds=2)

    redirect = read(f"/api/reports/{report_id}/csv", "/api/reports/{report_id}/csv", {"report_id": report_id})
    assert redirect["statusCode"] == 302
    assert urlsplit(redirect["headers"]["Location"]).path == url.path
    legacy = body(read("/get_report", "/get_report", query={"report_id": report_id}))
    assert legacy["status"] == "Complete" and urlsplit(legacy["download_url"]).path == url.path


def test_a_failed_report_shows_its_error(
    write: Callable[..., Any], read: Callable[..., Any], env: dict[str, str]
) -> None:
    report_id = body(write("POST", "/api/reports"))["report_id"]
    ReportRepository(dynamodb(), env["REPORTS_TABLE"]).fail(
        report_id, "ReportShardError: shard 2 could not read"
    )
    report = body(get_report(read, report_id))
    assert report["status"] == "Failed" and report["error"] == "ReportShardError: shard 2 could not read"
    assert report["download_url"] is None
    csv = read(f"/api/reports/{report_id}/csv", "/api/reports/{report_id}/csv", {"report_id": report_id})
    assert csv["statusCode"] == 409 and "shard 2" in body(csv)["message"]
    assert body(read("/get_report", "/get_report", query={"report_id": report_id})) == {
        "status": "Failed", "error": "ReportShardError: shard 2 could not read",
    }  # fmt: skip


@pytest.mark.parametrize("report_id", ["0" * 32, "nope", "x" * 128])
def test_unknown_reports_are_404(read: Callable[..., Any], report_id: str) -> None:
    for response in (
        get_report(read, report_id),
        read(f"/api/reports/{report_id}/csv", "/api/reports/{report_id}/csv", {"report_id": report_id}),
        read("/get_report", "/get_report", query={"report_id": report_id}),
    ):
        assert response["statusCode"] == 404 and report_id in body(response)["message"]


def test_get_report_needs_a_report_id(read: Callable[..., Any]) -> None:
    assert read("/get_report", "/get_report")["statusCode"] == 422


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_trigger_report_returns_only_the_id(write: Callable[..., Any], machine: str, method: str) -> None:
    response = write(method, "/trigger_report")
    assert response["statusCode"] == 200
    created = body(response)
    assert list(created) == ["report_id"]
    names = [
        e["name"]
        for e in boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    ]
    assert created["report_id"] in names


# ---------------------------------------------------------------- GET /api/reports
def listing(read: Callable[..., Any], **query: str) -> tuple[int, Any]:
    response = read("/api/reports", "/api/reports", query=query or None)
    return response["statusCode"], body(response)


def test_newest_first_with_status_and_progress_over_pages(
    write: Callable[..., Any], read: Callable[..., Any], env: dict[str, str]
) -> None:
    assert listing(read) == (200, {"reports": [], "next_token": None})
    repository = ReportRepository(dynamodb(), env["REPORTS_TABLE"])
    # Records straight in the table, created_at in a random order, some within the same second:
    # the listing orders by instant, not by text ("…:02Z" vs "…:02.5Z") nor by arrival.
    stamps = [
        f"2026-01-0{day}T10:00:0{second}{fraction}Z"
        for day in (1, 2)
        for second in (1, 2)
        for fraction in ("", ".5")
    ]
    for index, stamp in random.Random(3).sample(list(enumerate(stamps)), len(stamps)):
        repository.create({"report_id": f"r{index}", "status": "Running", "created_at": stamp})
    repository.planned("r7", "2026-01-01T00:00:00Z", 0, 10, 2)
    repository.shard_done("r7", 0, 4)
    repository.fail("r6", "boom")
    fresh = body(write("POST", "/api/reports"))["report_id"]  # created now: the newest

    seen: list[dict[str, Any]] = []
    token = None
    while True:
        status, page = listing(read, limit="3", **({"next_token": token} if token else {}))
        assert status == 200 and len(page["reports"]) <= 3
        seen += page["reports"]
        token = page["next_token"]
        if token is None:
            break
    assert [r["report_id"] for r in seen] == [fresh] + [f"r{i}" for i in reversed(range(len(stamps)))]
    by_id = {r["report_id"]: r for r in seen}
    assert by_id["r7"]["progress"] == {"done": 4, "total": 10} and by_id["r7"]["status"] == "Running"
    assert by_id["r6"]["status"] == "Failed" and by_id["r6"]["error"] == "boom"
    assert len(seen) == 9 and listing(read, limit="9")[1]["next_token"] is None


def test_foreign_and_tampered_tokens_are_422(write: Callable[..., Any], read: Callable[..., Any]) -> None:
    write("POST", "/api/reports")
    write("POST", "/api/reports")
    token = listing(read, limit="1")[1]["next_token"]
    assert token
    for bad in (token[:-3], "eyJwayI6eyJTIjoieCJ9fQ", "!!", token + "x"):
        status, answer = listing(read, next_token=bad)
        assert status == 422, (bad, answer)
    assert listing(read, limit="0")[0] == 422 and listing(read, limit="1001")[0] == 422
