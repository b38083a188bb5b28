"""local/aws/recorded_actions.py maps requests to IAM actions; local/aws/least_privilege.py checks them
against the policies aws-sam-translator expands from template.yaml."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from local.aws.least_privilege import Statement, function_policies, violations
from local.aws.recorded_actions import ActionRecord, ActionRecorder, credential, read_records, request_actions
from local.lambdas.credentials import access_key_id, identities

ROOT = Path(__file__).resolve().parents[3]
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/sitepulse-local-{}"
BUCKET = "arn:aws:s3:::sitepulse-local-{}"


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Statement]]:
    return function_policies(ROOT / "template.yaml", tmp_path_factory.mktemp("cache"))


def record(function: str, action: str, resource: str) -> ActionRecord:
    return ActionRecord(access_key_id(function), function, action, resource)


GOOD = [
    record("OccupancyWriteFunction", "dynamodb:PutItem", TABLE.format("OccupancyTable")),
    record("OccupancyWriteFunction", "dynamodb:UpdateItem", TABLE.format("OccupancyTable")),
    record("OccupancyReadFunction", "dynamodb:Query", TABLE.format("OccupancyTable") + "/index/gsi1"),
    record("ReportsApiWriteFunction", "states:StartExecution",
           "arn:aws:states:us-east-1:123456789012:stateMachine:sitepulse-local-ReportStateMachine"),
    record("ReportsApiReadFunction", "s3:GetObject", BUCKET.format("reportsbucket") + "/reports/r1.csv"),
    record("IngestFunction", "s3:ListBucket", BUCKET.format("databucket")),
    ActionRecord("testing", None, "dynamodb:CreateTable", TABLE.format("OccupancyTable")),  # the stack itself
]  # fmt: skip


def test_granted_actions_pass(policies: dict[str, list[Statement]]) -> None:
    assert violations(GOOD, policies) == []


def test_a_read_function_performing_a_write_call_fails_the_check(
    policies: dict[str, list[Statement]],
) -> None:
    bad = record("OccupancyReadFunction", "dynamodb:PutItem", TABLE.format("OccupancyTable"))
    problems = violations([*GOOD, bad], policies)
    assert len(problems) == 2
    assert all("OccupancyReadFunction" in p and "dynamodb:PutItem" in p for p in problems)
    assert any("read function" in p for p in problems)


@pytest.mark.parametrize(
    "bad",
    [
        record("OccupancyWriteFunction", "dynamodb:PutItem", TABLE.format("BookingsTable")),  # another table
        record("ReportShardFunction", "s3:GetObject", BUCKET.format("reportsbucket") + "/x"),  # write-only
        record("ReportsApiReadFunction", "s3:GetObject", BUCKET.format("databucket") + "/incoming/x.csv"),
        record("ReportPrepareFunction", "dynamodb:PutItem", TABLE.format("StoresTable")),  # read policy
        record("ApiDocsFunction", "dynamodb:GetItem", TABLE.format("ReportsTable")),  # no policy at all
        record("ReportsApiWriteFunction", "states:DescribeExecution", "arn:aws:states:us-east-1:123456789012:"
               "execution:sitepulse-local-ReportStateMachine:x"),
    ],
)  # fmt: skip
def test_actions_outside_the_template_policies_fail(
    policies: dict[str, list[Statement]], bad: ActionRecord
) -> None:
    problems = violations([*GOOD, bad], policies)
    assert len(problems) == 1 and bad.function in problems[0] and bad.action in problems[0]


def test_a_template_granting_a_read_function_writes_fails(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    text = (ROOT / "template.yaml").read_text()
    read_policy = "        - DynamoDBReadPolicy: {TableName: !Ref OccupancyTable}\n"
    assert text.count(read_policy) == 1
    template.write_text(
        text.replace(read_policy, "        - DynamoDBCrudPolicy: {TableName: !Ref OccupancyTable}\n")
    )
    shutil.copytree(ROOT / "statemachine", tmp_path / "statemachine")
    problems = violations([], function_policies(template, tmp_path / "cache"))
    assert len(problems) == 1 and problems[0].startswith("OccupancyReadFunction is a read function")
    assert "dynamodb:PutItem" in problems[0]


def environ(method: str, path: str, body: bytes = b"", query: str = "", **headers: str) -> dict[str, Any]:
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    env.update({f"HTTP_{key.upper()}": value for key, value in headers.items()})
    return env


def test_dynamodb_transactions_are_authorised_per_item() -> None:
    body = {
        "TransactItems": [
            {"Put": {"TableName": "a", "Item": {}}},
            {"Update": {"TableName": "b", "Key": {}}},
            {"ConditionCheck": {"TableName": "a", "Key": {}}},
        ]
    }
    env = environ("POST", "/", json.dumps(body).encode(), X_AMZ_TARGET="DynamoDB_20120810.TransactWriteItems")
    assert request_actions(env, "dynamodb", json.dumps(body).encode()) == [
        ("dynamodb:PutItem", TABLE.replace("sitepulse-local-{}", "a")),
        ("dynamodb:UpdateItem", TABLE.replace("sitepulse-local-{}", "b")),
        ("dynamodb:ConditionCheckItem", TABLE.replace("sitepulse-local-{}", "a")),
    ]


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/bkt/reports/a.csv", "", ("s3:GetObject", "arn:aws:s3:::bkt/reports/a.csv")),
        ("HEAD", "/bkt/k", "", ("s3:GetObject", "arn:aws:s3:::bkt/k")),
        ("PUT", "/bkt/k", "", ("s3:PutObject", "arn:aws:s3:::bkt/k")),
        ("PUT", "/bkt/k", "partNumber=1&uploadId=u", ("s3:PutObject", "arn:aws:s3:::bkt/k")),
        ("DELETE", "/bkt/k", "", ("s3:DeleteObject", "arn:aws:s3:::bkt/k")),
        ("GET", "/bkt", "list-type=2&prefix=incoming/", ("s3:ListBucket", "arn:aws:s3:::bkt")),
        ("POST", "/bkt", "delete", ("s3:DeleteObject", "arn:aws:s3:::bkt/*")),
        ("GET", "/bkt/k", "tagging", ("s3:GetObjectTagging", "arn:aws:s3:::bkt/k")),
    ],
)
def test_s3_requests_map_to_iam_actions(
    method: str, path: str, query: str, expected: tuple[str, str]
) -> None:
    assert request_actions(environ(method, path, query=query), "s3", b"")[0] == expected


def test_the_recorder_attributes_each_request_to_its_function_and_keeps_the_body(tmp_path: Path) -> None:
    seen: list[bytes] = []

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(env["wsgi.input"].read())
        return [b"{}"]

    key = access_key_id("OccupancyReadFunction")
    recorder = ActionRecorder(app, tmp_path / "actions.jsonl", identities(["OccupancyReadFunction"]))
    body = json.dumps({"TableName": "t", "IndexName": "gsi1"}).encode()
    auth = f"AWS4-HMAC-SHA256 Credential={key}/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host"
    for _ in range(2):
        recorder(environ("POST", "/", body, AUTHORIZATION=auth, X_AMZ_TARGET="DynamoDB_20120810.Query"), None)
    presigned = f"X-Amz-Credential={key}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x"
    recorder(environ("GET", "/bkt/reports/a.csv", query=presigned), None)
    recorder(environ("GET", "/bkt/k"), None)  # unsigned: nobody to attribute it to
    assert seen[0] == body
    assert read_records(tmp_path / "actions.jsonl") == [
        ActionRecord(
            key,
            "OccupancyReadFunction",
            "dynamodb:Query",
            TABLE.replace("sitepulse-local-{}", "t/index/gsi1"),
        ),
        ActionRecord(key, "OccupancyReadFunction", "s3:GetObject", "arn:aws:s3:::bkt/reports/a.csv"),
    ]
    assert credential({"QUERY_STRING": presigned}) == (key, "s3")


def test_each_function_has_its_own_access_key() -> None:
    keys = {access_key_id(name) for name in ("A", "B", "OccupancyReadFunction")}
    assert len(keys) == 3 and all(len(k) == 20 and k.isalnum() and k.isupper() for k in keys)


QUEUE = "arn:aws:sqs:us-east-1:123456789012:sitepulse-local-{}"
TOPIC = "arn:aws:sns:us-east-1:123456789012:sitepulse-local-{}"
ALERTS_GOOD = [
    record("AlertEvaluatorFunction", "dynamodb:Query", TABLE.format("AlertsTable") + "/index/gsi2"),
    record("AlertEvaluatorFunction", "dynamodb:PutItem", TABLE.format("AlertsTable")),
    record("AlertEvaluatorFunction", "dynamodb:Query", TABLE.format("TemperatureTable")),
    record("AlertEvaluatorFunction", "dynamodb:Query", TABLE.format("StoresTable")),
    record("AlertOutboxFunction", "sqs:SendMessage", QUEUE.format("AlertDeliveryQueue")),
    record("AlertOutboxFunction", "sns:Publish", TOPIC.format("AlertEmailTopic")),
    record("AlertDeliveryFunction", "sqs:ChangeMessageVisibility", QUEUE.format("AlertDeliveryQueue")),
    record("AlertDeliveryFunction", "dynamodb:UpdateItem", TABLE.format("AlertsTable")),
    record("AlertsApiFunction", "dynamodb:DeleteItem", TABLE.format("AlertsTable")),
]


def test_the_alert_functions_get_what_they_use(policies: dict[str, list[Statement]]) -> None:
    assert violations(ALERTS_GOOD, policies) == []


@pytest.mark.parametrize(
    "bad",
    [
        record("AlertEvaluatorFunction", "dynamodb:PutItem", TABLE.format("TemperatureTable")),  # read only
        record("AlertEvaluatorFunction", "dynamodb:UpdateItem", TABLE.format("OccupancyTable")),
        record("AlertEvaluatorFunction", "sqs:SendMessage", QUEUE.format("AlertDeliveryQueue")),
        record("AlertOutboxFunction", "sns:Publish", TOPIC.format("AlarmTopic")),  # another topic
        record("AlertDeliveryFunction", "sqs:SendMessage", QUEUE.format("AlertDeliveryDeadLetterQueue")),
        record("AlertsApiFunction", "dynamodb:GetItem", TABLE.format("OccupancyTable")),
    ],
)  # fmt: skip
def test_the_alert_functions_get_nothing_more(
    policies: dict[str, list[Statement]], bad: ActionRecord
) -> None:
    problems = violations([*ALERTS_GOOD, bad], policies)
    assert len(problems) == 1 and bad.function in problems[0] and bad.action in problems[0]


def test_sqs_and_sns_requests_name_their_queue_and_topic() -> None:
    body = json.dumps(
        {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/sitepulse-local-Q"}
    ).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"}
    assert request_actions(environ, "sqs", body) == [("sqs:SendMessage", QUEUE.format("Q"))]
    query = "Action=Publish&TopicArn=" + TOPIC.format("T")
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": ""}
    assert request_actions(environ, "sns", query.encode()) == [("sns:Publish", TOPIC.format("T"))]
