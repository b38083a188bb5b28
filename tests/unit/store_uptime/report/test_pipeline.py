"""The report pipeline's steps (prepare, shard, finalize, failure) on moto, against the offline engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sitepulse.common.aws import dynamodb
from sitepulse.store_uptime.engine.timestamps import format_timestamp_us
from sitepulse.store_uptime.report.errors import ReportInputError, TransientAwsError
from sitepulse.store_uptime.report.repository import ReportRepository
from sitepulse.store_uptime.storage import keys
from tests.unit.conftest import lambda_context
from tests.unit.store_uptime.conftest import make_runner, put
from tests.unit.store_uptime.scenario import END, Scenario, build_scenario, now_us_of


@pytest.fixture
def scenario(env: dict[str, str], s3: Any) -> Scenario:
    data = build_scenario()
    bucket = env["DATA_BUCKET"]
    put(s3, bucket, "incoming/store_status/polls.csv", data.polls)
    put(s3, bucket, "incoming/business_hours/hours.csv", data.hours)
    put(s3, bucket, "incoming/timezones/timezones.csv", data.timezones)
    outcomes = make_runner(env).run(lambda: 900_000).objects
    assert [o.status for o in outcomes] == ["Done"] * 3
    return data


@pytest.fixture
def steps(load_function: Callable[[str], ModuleType]) -> dict[str, Callable[[dict[str, Any]], Any]]:
    names = {
        "prepare": "ReportPrepareFunction",
        "shard": "ReportShardFunction",
        "finalize": "ReportFinalizeFunction",
        "failed": "ReportFailedFunction",
    }
    modules = {step: load_function(function) for step, function in names.items()}

    def runner(module: ModuleType) -> Callable[[dict[str, Any]], Any]:
        return lambda event: module.handler(event, lambda_context())

    return {step: runner(module) for step, module in modules.items()}


def new_report(env: dict[str, str], report_id: str = "r1") -> ReportRepository:
    repository = ReportRepository(dynamodb(), env["REPORTS_TABLE"])
    repository.create({"report_id": report_id, "status": "Running", "created_at": "2023-01-26T00:00:00Z"})
    return repository


def run_pipeline(steps: dict[str, Callable[..., Any]], report_id: str, now: str | None) -> dict[str, Any]:
    plan = steps["prepare"]({"report_id": report_id, "now": now})
    parts = [
        steps["shard"]({"report_id": report_id, "now_us": plan["now_us"], **shard})
        for shard in plan["shards"]
    ]
    return {
        "plan": plan,
        "parts": parts,
        "final": steps["finalize"]({"report_id": report_id, "parts": parts}),
    }


def report_csv(s3: Any, env: dict[str, str], report_id: str) -> bytes:
    return s3.get_object(Bucket=env["REPORTS_BUCKET"], Key=f"reports/{report_id}.csv")["Body"].read()


def test_default_now_is_the_latest_poll_and_rows_match_the_offline_engine(
    scenario: Scenario, steps: dict[str, Any], env: dict[str, str], s3: Any
) -> None:
    repository = new_report(env)
    result = run_pipeline(steps, "r1", None)
    latest = now_us_of(END + timedelta(hours=1))
    assert result["plan"]["now_us"] == latest
    assert len(result["plan"]["shards"]) >= 4
    assert report_csv(s3, env, "r1") == scenario.offline_report(latest)
    record = repository.get("r1")
    assert record["status"] == "Complete" and record["now"] == format_timestamp_us(latest)
    assert int(record["done"]) == int(record["total"]) == 46  # 40 random + 5 special + latest
    assert (
        int(record["stores"]) == result["final"]["rows"] == scenario.offline_report(latest).count(b"\n") - 1
    )
    assert s3.list_objects_v2(Bucket=env["REPORTS_BUCKET"], Prefix="report-parts/").get("KeyCount") == 0


@pytest.mark.parametrize("days_back", [0, 3, 9])
def test_explicit_now_ignores_later_polls(
    scenario: Scenario, steps: dict[str, Any], env: dict[str, str], s3: Any, days_back: int
) -> None:
    new_report(env)
    now_us = now_us_of(END - timedelta(days=days_back, minutes=17))
    run_pipeline(steps, "r1", format_timestamp_us(now_us))
    got = report_csv(s3, env, "r1")
    assert got == scenario.offline_report(now_us)
    assert b"after-every-now" not in got


def test_shards_read_only_the_week_and_the_days_of_the_last_earlier_polls(
    scenario: Scenario, steps: dict[str, Any], env: dict[str, str]
) -> None:
    new_report(env)
    plan = steps["prepare"]({"report_id": "r1", "now": None})
    queried: list[str] = []
    client = dynamodb()

    def spy(params: dict[str, Any], **_: Any) -> None:
        queried.append(params["ExpressionAttributeValues"][":pk"]["S"])

    client.meta.events.register("provide-client-params.dynamodb.Query", spy, "spy-query")
    try:
        for shard in plan["shards"]:
            steps["shard"]({"report_id": "r1", "now_us": plan["now_us"], **shard})
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.Query", unique_id="spy-query")
    now_day = keys.day_number(plan["now_us"])
    week = {keys.day_text(d) for d in range(now_day - 7, now_day + 1)}
    poll_days = {pk.split("#")[2] for pk in queried if pk.startswith("P#")}
    earlier = poll_days - week
    assert week <= poll_days or week - poll_days <= {keys.day_text(now_day - 7)}
    # Only the two look-back stores need days before the week: their own last days.
    store_days = {keys.day_text(keys.day_number(now_us_of(END - timedelta(days=d)))) for d in (12, 20, 21)}
    assert earlier <= store_days and earlier
    assert len(queried) <= 64 * (4 + len(week)) + 8


def test_no_polls_yet_fails_with_a_readable_reason(steps: dict[str, Any], env: dict[str, str]) -> None:
    new_report(env)
    with pytest.raises(ReportInputError, match="no store status polls have been ingested yet"):
        steps["prepare"]({"report_id": "r1", "now": None})


def test_explicit_now_without_data_gives_an_empty_report(
    steps: dict[str, Any], env: dict[str, str], s3: Any
) -> None:
    new_report(env)
    result = run_pipeline(steps, "r1", "2023-01-01T00:00:00Z")
    assert result["plan"]["shards"] == [] and result["final"]["rows"] == 0
    assert report_csv(s3, env, "r1").decode().splitlines() == [
        "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,"
        "downtime_last_week"
    ]


def test_a_retried_shard_counts_its_progress_once(
    scenario: Scenario, steps: dict[str, Any], env: dict[str, str]
) -> None:
    repository = new_report(env)
    plan = steps["prepare"]({"report_id": "r1", "now": None})
    shard = {"report_id": "r1", "now_us": plan["now_us"], **plan["shards"][0]}
    first = steps["shard"](shard)
    again = steps["shard"](shard)
    assert first == again
    assert int(repository.get("r1")["done"]) == plan["shards"][0]["stores"]


def test_finalize_after_completion_changes_nothing(
    scenario: Scenario, steps: dict[str, Any], env: dict[str, str], s3: Any
) -> None:
    repository = new_report(env)
    result = run_pipeline(steps, "r1", None)
    completed = repository.get("r1")
    retried = steps["finalize"]({"report_id": "r1", "parts": result["parts"]})  # parts are gone by now
    assert retried["rows"] == result["final"]["rows"]
    assert repository.get("r1") == completed


def test_a_failure_marks_the_report_failed_with_the_message_only(
    steps: dict[str, Any], env: dict[str, str]
) -> None:
    repository = new_report(env)
    cause = (
        '{"errorMessage": "shard 3 could not read its stores: poll block P#07#2023-01-20 is unreadable", '
        '"errorType": "ReportShardError", "stackTrace": ["  File \\"x.py\\", line 1"]}'
    )
    out = steps["failed"]({"report_id": "r1", "error": {"Error": "ReportShardError", "Cause": cause}})
    record = repository.get("r1")
    assert record["status"] == "Failed"
    assert record["error"] == "shard 3 could not read its stores: poll block P#07#2023-01-20 is unreadable"
    assert out["error"] == record["error"] and "stackTrace" not in record["error"]
    steps["failed"]({"report_id": "r1", "error": {"Error": "States.Timeout", "Cause": "late"}})
    assert repository.get("r1")["error"] == record["error"]  # a finished report never changes


def test_a_corrupt_block_fails_the_shard_with_a_readable_error(
    scenario: Scenario, steps: dict[str, Any], env: dict[str, str]
) -> None:
    new_report(env)
    plan = steps["prepare"]({"report_id": "r1", "now": None})
    shard = plan["shards"][0]
    bucket = shard["buckets"][0]
    pk = keys.poll_block_pk(bucket, keys.day_number(plan["now_us"]))
    dynamodb().put_item(
        TableName=env["STORES_TABLE"],
        Item={"pk": {"S": pk}, "sk": {"S": "zz#00000#000"}, "b": {"B": b"\x01junk"}},
    )
    with pytest.raises(Exception, match=f"shard {shard['shard']} could not read its stores: poll block {pk}"):
        steps["shard"]({"report_id": "r1", "now_us": plan["now_us"], **shard})


def test_throttling_is_raised_as_transient_for_the_state_machine_to_retry(
    scenario: Scenario, steps: dict[str, Any], env: dict[str, str]
) -> None:
    new_report(env)
    client = dynamodb()

    def throttle(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Query")

    client.meta.events.register("before-call.dynamodb.Query", throttle, "throttle")
    try:
        with pytest.raises(TransientAwsError, match="ThrottlingException"):
            steps["prepare"]({"report_id": "r1", "now": None})
    finally:
        client.meta.events.unregister("before-call.dynamodb.Query", unique_id="throttle")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            {
                "Error": "ReportInputError",
                "Cause": '{"errorMessage": "no polls", "errorType": "ReportInputError"}',
            },
            "no polls",
        ),
        # A bug is described in words: never "ValueError: invalid timestamp '999-01-01T00:00:00Z'".
        (
            {
                "Error": "ValueError",
                "Cause": '{"errorMessage": "invalid timestamp \'999-01-01\'", "errorType": "ValueError"}',
            },
            "internal error",
        ),
        (
            {
                "Error": "TransientAwsError",
                "Cause": '{"errorMessage": "Throttling", "errorType": "TransientAwsError"}',
            },
            "AWS",
        ),
        ({"Error": "States.Timeout", "Cause": "late"}, "too long"),
        (
            {"Error": "States.Runtime", "Cause": "An error occurred while executing the state"},
            "internal error",
        ),
        ("garbage", "internal error"),
    ],
)
def test_failure_texts_are_written_for_users(error: Any, expected: str) -> None:
    from sitepulse.store_uptime.report.errors import readable_failure

    text = readable_failure(error)
    assert expected in text
    assert "Error:" not in text and "Traceback" not in text and "errorType" not in text
