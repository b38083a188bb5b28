"""Injected faults look exactly like AWS's to botocore, are reproducible, and are survivable."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.aws.fault_spec import parse_faults
from local.aws.faults import FaultInjector, FaultyAws, FaultyRuntime
from local.aws.moto_server import LocalMotoServer
from local.lambdas.workers import FunctionError
from sitepulse.common.aws import RETRY_CONFIG, is_transient

NO_RETRY = Config(retries={"mode": "standard", "max_attempts": 1})


class Server:
    def __init__(self, spec: str = "dynamodb=1,s3=1,states=1,lambda=1,seed=3") -> None:
        self.injector = FaultInjector(parse_faults(spec))  # type: ignore[arg-type]
        middleware = lambda app: FaultyAws(app, self.injector)  # noqa: E731
        self.moto = LocalMotoServer(ip_address="127.0.0.1", port=0, verbose=False, middleware=middleware)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def client(self, service: str, config: Config = NO_RETRY, key: str = "testing") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key="testing",
            config=config,
        )


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    server = Server()
    ddb = server.client("dynamodb")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    server.client("s3").create_bucket(Bucket="faults-b")
    server.client("s3").put_object(Bucket="faults-b", Key="k", Body=b"x")
    server.injector.arm()  # provisioning above is fault-free, as in the local stack
    yield server
    server.moto.stop()


def _codes(call: Any, n: int) -> Counter[str]:
    codes: Counter[str] = Counter()
    for _ in range(n):
        with pytest.raises(ClientError) as raised:
            call()
        error = raised.value
        codes[error.response["Error"]["Code"]] += 1
        assert is_transient(error), error.response
    return codes


def test_dynamodb_errors_parse_as_aws_errors(server: Server) -> None:
    ddb = server.client("dynamodb")
    codes = _codes(lambda: ddb.get_item(TableName="t", Key={"pk": {"S": "a"}}), 30)
    throttled = {"ThrottlingException", "ProvisionedThroughputExceededException"}
    assert set(codes) == {*throttled, "InternalServerError"}


def test_some_dynamodb_500s_were_applied(server: Server) -> None:
    ddb = server.client("dynamodb")
    for i in range(40):
        with pytest.raises(ClientError):
            ddb.put_item(TableName="t", Item={"pk": {"S": f"w{i}"}})
    server.injector.armed = False
    try:
        stored = ddb.scan(TableName="t")["Count"]
    finally:
        server.injector.armed = True
    assert 0 < stored < 40  # ambiguous 500s: a retried write must be idempotent


def test_s3_slowdown(server: Server) -> None:
    s3 = server.client("s3")
    assert _codes(lambda: s3.get_object(Bucket="faults-b", Key="k"), 3) == {"SlowDown": 3}
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket="faults-b", Key="k")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    signer = server.client("s3", RETRY_CONFIG)  # SigV4, as the reports API signs download URLs
    url = signer.generate_presigned_url("get_object", Params={"Bucket": "faults-b", "Key": "k"})
    with pytest.raises(urllib.error.HTTPError) as http_error:
        urllib.request.urlopen(url, timeout=10)
    assert http_error.value.code == 503 and b"<Code>SlowDown</Code>" in http_error.value.read()


def test_step_functions_api_errors(server: Server) -> None:
    sfn = server.client("stepfunctions")
    codes = _codes(lambda: sfn.list_state_machines(), 20)
    assert set(codes) == {"ThrottlingException", "ServiceUnavailable"}


def test_lambda_invoke_errors(server: Server) -> None:
    # The state machine's interpreter signs as "ak": its task invocations get the states share too.
    lam = server.client("lambda", key="ak")
    codes = _codes(lambda: lam.invoke(FunctionName="f", Payload=b"{}"), 20)
    assert set(codes) == {"ServiceException", "TooManyRequestsException"}


def test_standard_retries_get_through_half_the_requests_failing() -> None:
    server = Server("dynamodb=0.5,seed=11")
    try:
        ddb = server.client("dynamodb", RETRY_CONFIG)
        ddb.create_table(
            TableName="r",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        server.injector.arm()
        ddb = server.client("dynamodb", Config(retries={"mode": "standard", "max_attempts": 10}))
        for i in range(10):
            ddb.put_item(TableName="r", Item={"pk": {"S": str(i)}})
        assert ddb.scan(TableName="r")["Count"] == 10
        assert sum(server.injector.injected.values()) > 0
    finally:
        server.moto.stop()


def test_decisions_are_seeded() -> None:
    def sequence(seed: int) -> list[float]:
        injector = FaultInjector(parse_faults(f"s3=0.1,seed={seed}"))  # type: ignore[arg-type]
        return [injector.draw("s3").random() for _ in range(50)]

    assert sequence(7) == sequence(7)
    assert sequence(7) != sequence(8)


class _Runtime:
    def __init__(self) -> None:
        self.calls = 0

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        self.calls += 1
        return {"ok": event}


def test_crashed_invocations_before_and_after_the_handler() -> None:
    injector = FaultInjector(parse_faults("lambda=1,seed=5"))  # type: ignore[arg-type]
    runtime = _Runtime()
    faulty = FaultyRuntime(runtime, injector)
    assert faulty.invoke("f", 1) == {"ok": 1}  # not armed yet
    injector.arm()
    crashes = 0
    for i in range(200):
        try:
            faulty.invoke("f", i)
        except FunctionError as error:
            crashes += 1
            assert error.payload["errorType"] == "Runtime.ExitError"
            assert "Runtime exited with error: signal: killed" in error.payload["errorMessage"]
    assert 70 <= crashes <= 130  # half of the lambda share; the other half are Invoke API errors
    assert injector.injected["lambda:crash-after"] > 0
    assert injector.injected["lambda:crash-before"] > 0
    assert runtime.calls == 1 + 200 - injector.injected["lambda:crash-before"]
