"""local/aws/moto_fast_reads.py: moto answers DynamoDB reads exactly as before, only faster."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.aws import moto_fast_reads


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "g", "gs")
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "gsi",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "gs", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        rng = random.Random(4)
        for index in range(300):
            item: dict[str, Any] = {
                "pk": {"S": f"p{index % 7}"},
                "sk": {"S": f"{rng.choice('abc')}#{index:04d}"},
                "n": {"N": str(rng.randrange(-50, 50) / 4)},
                "b": {"B": rng.randbytes(rng.randrange(0, 20))},
                "ss": {"SS": sorted({f"s{rng.randrange(9)}" for _ in range(3)})},
                "m": {
                    "M": {
                        "l": {
                            "L": [{"NULL": True}, {"BOOL": index % 2 == 0}, {"BS": [b"x", rng.randbytes(3)]}]
                        }
                    }
                },
            }
            if index % 3:
                item.update({"g": {"S": f"g{index % 4}"}, "gs": {"S": f"{index % 11:03d}"}})
            client.put_item(TableName="t", Item=item)
        yield client


def _pages(call: Callable[..., dict[str, Any]], **request: Any) -> list[dict[str, Any]]:
    pages = []
    while True:
        page = call(**request)
        page.pop("ResponseMetadata", None)
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


P3 = {":p": {"S": "p3"}}
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": P3}),
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": P3, "Limit": 7}),
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p9"}}}),
    ("query", {"KeyConditionExpression": "pk = :p AND begins_with(sk, :s)", "ScanIndexForward": False,
               "ExpressionAttributeValues": {":p": {"S": "p1"}, ":s": {"S": "b#"}}, "Limit": 4}),
    ("query", {"KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b", "ProjectionExpression": "sk, n",
               "ExpressionAttributeValues": {":p": {"S": "p2"}, ":a": {"S": "a"}, ":b": {"S": "b~"}}}),
    ("query", {"KeyConditionExpression": "pk = :p", "FilterExpression": "n > :z", "Select": "COUNT",
               "ExpressionAttributeValues": {":p": {"S": "p0"}, ":z": {"N": "0"}}}),
    ("query", {"IndexName": "gsi", "KeyConditionExpression": "g = :g AND gs > :s", "Limit": 5,
               "ExpressionAttributeValues": {":g": {"S": "g1"}, ":s": {"S": "003"}}}),
    ("scan", {"Limit": 33}),
    ("scan", {"FilterExpression": "contains(ss, :s)", "ExpressionAttributeValues": {":s": {"S": "s4"}}}),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "request_"), REQUESTS)
def test_reads_answer_the_same_with_and_without_the_patches(
    table: Any, operation: str, request_: dict
) -> None:
    call = getattr(table, operation)
    moto_fast_reads.uninstall()
    try:
        expected = _pages(call, TableName="t", ReturnConsumedCapacity="TOTAL", **request_)
    finally:
        moto_fast_reads.install()
    assert _pages(call, TableName="t", ReturnConsumedCapacity="TOTAL", **request_) == expected


def test_item_reads_answer_the_same(table: Any) -> None:
    keys = [
        {"pk": {"S": f"p{i % 7}"}, "sk": {"S": sk}}
        for i, sk in enumerate(["a#0000", "zz", "b#0008", "c#0014"])
    ]

    def read() -> list[Any]:
        answers = [table.get_item(TableName="t", Key=key) for key in keys]
        answers.append(table.batch_get_item(RequestItems={"t": {"Keys": keys, "ConsistentRead": True}}))
        for answer in answers:
            answer.pop("ResponseMetadata", None)
            for items in answer.get("Responses", {}).values():
                items.sort(key=lambda item: item["sk"]["S"])
        return answers

    moto_fast_reads.uninstall()
    try:
        expected = read()
    finally:
        moto_fast_reads.install()
    assert read() == expected
    assert any("Item" in answer for answer in expected)
