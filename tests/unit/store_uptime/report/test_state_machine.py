"""The real state machine (statemachine/report.asl.json) executed by moto, its Lambda tasks
running the real handlers (in-process here, moto being in-process) through local/lambdas/moto_bridge.py:
API → Step Functions → CSV."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError

from local.aws.provision import _provision_lambda
from local.lambdas import moto_bridge
from local.lambdas.inprocess import InProcessRuntime
from local.template import Stack
from sitepulse.common.aws import dynamodb
from sitepulse.common.aws import s3 as shared_s3
from sitepulse.store_uptime.engine.timestamps import parse_timestamp_us
from sitepulse.store_uptime.storage import keys
from tests.unit.conftest import http_event, lambda_context
from tests.unit.store_uptime.conftest import make_runner, put
from tests.unit.store_uptime.scenario import Scenario, build_scenario


@pytest.fixture
def machine(env: dict[str, str], template_stack: Stack) -> Iterator[str]:
    session = boto3.Session(region_name="us-east-1")
    _provision_lambda(template_stack, session)
    definition = template_stack.state_machines["ReportStateMachine"]
    arn = session.client("stepfunctions").create_state_machine(
        name=definition.name, definition=definition.definition, roleArn=definition.role_arn
    )["stateMachineArn"]
    assert arn == env["REPORT_STATE_MACHINE_ARN"]
    moto_bridge.install(InProcessRuntime(template_stack))
    yield arn
    moto_bridge.uninstall()


@pytest.fixture
def scenario(env: dict[str, str], s3: Any) -> Scenario:
    data = build_scenario(stores=25)
    put(s3, env["DATA_BUCKET"], "incoming/store_status/polls.csv", data.polls)
    put(s3, env["DATA_BUCKET"], "incoming/business_hours/hours.csv", data.hours)
    put(s3, env["DATA_BUCKET"], "incoming/timezones/timezones.csv", data.timezones)
    make_runner(env).run(lambda: 900_000)
    return data


@pytest.fixture
def api(load_function: Callable[[str], ModuleType]) -> dict[str, ModuleType]:
    return {
        "write": load_function("ReportsApiWriteFunction"),
        "read": load_function("ReportsApiReadFunction"),
    }


def start(api: dict[str, ModuleType], body: Any = None) -> str:
    response = api["write"].handler(http_event("POST", "/api/reports", body), lambda_context())
    assert response["statusCode"] == 202, response
    return json.loads(response["body"])["report_id"]


def get(api: dict[str, ModuleType], report_id: str) -> dict[str, Any]:
    event = http_event(
        "GET", f"/api/reports/{report_id}", route_key="GET /api/reports/{report_id}",
        path_parameters={"report_id": report_id},
    )  # fmt: skip
    response = api["read"].handler(event, lambda_context())
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])


def wait_until_finished(
    api: dict[str, ModuleType], report_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    seen = []
    for _ in range(600):
        report = get(api, report_id)
        seen.append(report)
        if report["status"] != "Running":
            return report, seen
        time.sleep(0.1)
    raise AssertionError(f"report {report_id} still Running: {seen[-1]}")


def execution(arn: str, report_id: str) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions")
    execution_arn = arn.replace(":stateMachine:", ":execution:") + f":{report_id}"
    for _ in range(100):
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.1)
    return described


def test_a_report_runs_through_the_real_state_machine(
    machine: str, scenario: Scenario, api: dict[str, ModuleType], env: dict[str, str]
) -> None:
    report_id = start(api)
    report, seen = wait_until_finished(api, report_id)
    assert report["status"] == "Complete", report
    done = [r["progress"]["done"] for r in seen]
    assert done == sorted(done)  # progress only moves forward
    assert report["progress"]["done"] == report["progress"]["total"] > 0
    csv_bytes = (
        shared_s3().get_object(Bucket=env["REPORTS_BUCKET"], Key=f"reports/{report_id}.csv")["Body"].read()
    )
    assert csv_bytes == scenario.offline_report(parse_timestamp_us(report["now"]))
    assert report["stores"] == csv_bytes.count(b"\n") - 1
    query = parse_qs(urlsplit(report["download_url"]).query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert query["response-content-disposition"] == [f'attachment; filename="report-{report_id}.csv"']
    described = execution(machine, report_id)
    assert described["status"] == "SUCCEEDED" and described["name"] == report_id


def test_a_failing_shard_marks_the_report_failed_with_a_readable_error(
    machine: str, scenario: Scenario, api: dict[str, ModuleType], env: dict[str, str]
) -> None:
    day = keys.day_number(keys.day_of_text("2023-01-25") * keys.US_PER_DAY)
    dynamodb().put_item(
        TableName=env["STORES_TABLE"],
        Item={"pk": {"S": keys.poll_block_pk(5, day)}, "sk": {"S": "zz#00000#000"}, "b": {"B": b"\x01junk"}},
    )
    report_id = start(api, {"now": "2023-01-25T12:00:00Z"})
    report, _ = wait_until_finished(api, report_id)
    assert report["status"] == "Failed"
    assert report["error"].startswith("shard ")  # the message, never the exception's class
    assert "poll block P#05#2023-01-25 / zz#00000#000 is unreadable" in report["error"]
    assert "Traceback" not in report["error"] and "stackTrace" not in report["error"]
    assert report["download_url"] is None and report["completed_at"] is None
    assert execution(machine, report_id)["status"] == "FAILED"


def test_a_transient_error_in_a_shard_is_retried(
    machine: str, scenario: Scenario, api: dict[str, ModuleType], env: dict[str, str]
) -> None:
    failures: list[str] = []

    def slow_down_once(params: dict[str, Any], **_: Any) -> None:
        if params["Key"].startswith("report-parts/") and not failures:
            failures.append(params["Key"])
            raise ClientError(
                {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "PutObject"
            )

    client = shared_s3()
    client.meta.events.register("provide-client-params.s3.PutObject", slow_down_once, "slow-down")
    try:
        report_id = start(api)
        report, _ = wait_until_finished(api, report_id)
    finally:
        client.meta.events.unregister("provide-client-params.s3.PutObject", unique_id="slow-down")
    assert failures and report["status"] == "Complete"
    assert report["progress"]["done"] == report["progress"]["total"]  # the retried shard counted once
