"""Each moto patch does what it is for, measured so that the test fails without it (each test
also runs its probe with the patch removed and sees the difference), and no patch installs
on import or against another moto version."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

from local.aws import moto_fast_reads, moto_safe_writes
from local.aws.moto_pin import PINNED_MOTO, MotoVersionError
from local.aws.moto_server import LocalMotoServer
from local.lambdas import moto_bridge
from local.lambdas.inprocess import InProcessRuntime

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ddb


def without(patch: Any, probe: Callable[[], Any]) -> Any:
    patch.uninstall()
    try:
        return probe()
    finally:
        patch.install()


def test_a_query_reads_one_partition_not_the_whole_table(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(400):
        client.put_item(TableName="t", Item={"pk": {"S": f"p{i % 80}"}, "sk": {"S": f"{i:04d}"}})
    comparisons = [0]
    original_lt = DynamoType.__lt__

    def counting_lt(self: DynamoType, other: DynamoType) -> bool:
        comparisons[0] += 1
        return original_lt(self, other)

    monkeypatch.setattr(DynamoType, "__lt__", counting_lt)

    def probe() -> int:
        comparisons[0] = 0
        items = client.query(
            TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p7"}}
        )["Items"]
        assert len(items) == 5
        return comparisons[0]

    assert probe() < 50  # sorting the partition's 5 items
    assert without(moto_fast_reads, probe) > 400  # moto sorts all 400 items of the table per query


def test_item_reads_skip_motos_model_driven_serializer(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.core.responses as responses

    client.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "b": {"B": b"\x00\xff"}})
    serialised = [0]
    original = responses.XFormedAttributePicker

    class Counting(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            serialised[0] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(responses, "XFormedAttributePicker", Counting)

    def probe() -> int:
        serialised[0] = 0
        item = client.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]
        assert item["b"] == {"B": b"\x00\xff"}
        client.query(
            TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}
        )
        return serialised[0]

    assert probe() == 0
    assert without(moto_fast_reads, probe) == 2


def test_a_cancelled_transaction_restores_items_without_copying_the_table(client: Any) -> None:
    backend = dynamodb_backends["123456789012"]["us-east-1"]
    client.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}})
    client.put_item(TableName="t", Item={"pk": {"S": "b"}, "sk": {"S": "1"}})

    def probe() -> bool:
        table = backend.tables["t"]
        with pytest.raises(ClientError, match="TransactionCanceled"):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
                    {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                                "UpdateExpression": "SET v = :two",
                                "ExpressionAttributeValues": {":two": {"N": "2"}}}},
                    {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}},
                                        "ConditionExpression": "attribute_not_exists(pk)"}},
                ]
            )  # fmt: skip
        items = client.query(
            TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}
        )["Items"]
        assert items == [{"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}}]  # rolled back either way
        return backend.tables["t"] is table

    assert probe()  # the items were restored in place
    assert not without(moto_safe_writes, probe)  # moto swaps in a deep copy of the whole table


def test_item_writes_in_process_hold_one_lock(client: Any) -> None:
    def probe() -> bool:
        done = threading.Event()

        def write() -> None:
            client.put_item(TableName="t", Item={"pk": {"S": "l"}, "sk": {"S": "1"}})
            done.set()

        with moto_safe_writes._LOCK:
            thread = threading.Thread(target=write)
            thread.start()
            waited = not done.wait(0.5)  # the write waits for the lock another writer holds
        thread.join(10)
        assert done.is_set()
        return waited

    assert probe()
    assert not without(moto_safe_writes, probe)


def test_patches_refuse_another_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto, "__version__", "5.3.0")
    installs = (
        moto_fast_reads.install,
        moto_safe_writes.install,
        lambda: moto_bridge.install(None),  # type: ignore[arg-type]
        lambda: LocalMotoServer(port=0),
    )
    for install in installs:
        with pytest.raises(MotoVersionError, match=r"moto 5\.3\.0 is installed.*moto\[server\]==5\.2\.5"):
            install()


def test_the_pin_is_the_one_requirements_install() -> None:
    requirements = (ROOT / "requirements-dev.txt").read_text()
    assert re.search(r"^moto\[server\]==(\S+)$", requirements, re.M).group(1) == PINNED_MOTO  # type: ignore[union-attr]
    assert moto.__version__ == PINNED_MOTO


def test_importing_the_local_package_installs_no_patch() -> None:
    code = (
        "import local, local.stack, local.lambdas.workers, local.front.gateway\n"
        "from moto.dynamodb.models import DynamoDBBackend\n"
        "from moto.dynamodb.models.table import Table\n"
        "from moto.awslambda_simple.models import LambdaSimpleBackend\n"
        "from local.aws import moto_fast_reads, moto_safe_writes\nfrom local.lambdas import moto_bridge\n"
        "assert Table.query is moto_fast_reads._original_query\n"
        "assert not moto_safe_writes._originals and moto_bridge._original_invoke is None\n"
        "assert 'aws_lambda_powertools.event_handler' not in __import__('sys').modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_bridge_sends_step_functions_lambda_tasks_to_the_runtime() -> None:
    calls: list[tuple[str, Any]] = []

    class Runtime(InProcessRuntime):
        def __init__(self) -> None:
            pass

        def invoke(self, name_or_arn: str, event: Any) -> Any:
            calls.append((name_or_arn, event))
            return {"handled": True}

    from moto.awslambda_simple.models import LambdaSimpleBackend

    moto_bridge.install(Runtime())
    try:
        answer = LambdaSimpleBackend.invoke(None, "fn", None, b'{"a": 1}', {}, {})  # type: ignore[arg-type]
    finally:
        moto_bridge.uninstall()
    assert calls == [("fn", {"a": 1})] and answer == b'{"handled": true}'
