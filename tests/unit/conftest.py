"""Unit-test fixtures: moto in-process, tables built exactly as template.yaml declares them,
and the real handler modules loaded into the test process (`local.lambdas.inprocess`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from types import ModuleType

import boto3
import pytest
from moto import mock_aws

from local.aws import moto_fast_reads, moto_safe_writes
from local.aws.moto_server import LocalMotoServer
from local.aws.provision import create_secret, create_table
from local.demo.webhook_receiver import WebhookReceiver
from local.front.api_events import api_event
from local.lambdas.inprocess import LambdaContext, load_handler_module, merged_environment
from local.lambdas.logs import FunctionLogs
from local.lambdas.workers import FunctionRuntime, LocalAws
from local.template import Stack
from sitepulse.common import container

MOTO_CONFIG = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}


@pytest.fixture(scope="session", autouse=True)
def _moto_patched() -> Iterator[None]:
    """The local stack's moto patches, installed explicitly (importing `local` installs nothing)."""
    moto_fast_reads.install()
    moto_safe_writes.install()
    yield
    moto_safe_writes.uninstall()
    moto_fast_reads.uninstall()


@pytest.fixture(autouse=True)
def _page_token_keys(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests seal tokens with a fixed test secret; handler tests (`function_env`) use the
    template's secret, provisioned with a generated value, through Secrets Manager."""
    from sitepulse.common import page_tokens

    if "function_env" in request.fixturenames or "load_function" in request.fixturenames:
        page_tokens.use_keys(None)
    else:
        page_tokens.use_keys(page_tokens.StaticKeys(b"unit-test page token secret, never deployed"))
    yield
    page_tokens.use_keys(None)


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    with mock_aws(config=MOTO_CONFIG):
        container.reset()  # services built by an earlier test hold that test's caches
        yield boto3.Session(region_name="us-east-1")


@pytest.fixture(scope="module")
def worker_runtime(
    template_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FunctionRuntime]:
    """The template's functions in their own workers (as the local stack runs them), against an
    in-process moto server holding the template's tables and buckets. Logs: `runtime.logs.directory`."""
    server = LocalMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    try:
        session = boto3.Session(region_name="us-east-1")
        dynamodb = session.client("dynamodb", endpoint_url=endpoint)
        for table in template_stack.tables.values():
            create_table(dynamodb, table)
        s3 = session.client("s3", endpoint_url=endpoint)
        for bucket in template_stack.buckets.values():
            s3.create_bucket(Bucket=bucket.name)
        secretsmanager = session.client("secretsmanager", endpoint_url=endpoint)
        for secret in template_stack.secrets.values():
            create_secret(secretsmanager, secret)
        logs = FunctionLogs(tmp_path_factory.mktemp("function-logs"))
        runtime = FunctionRuntime(template_stack, LocalAws(endpoint), logs)
        yield runtime
        runtime.stop()
    finally:
        server.stop()


@pytest.fixture
def tables(aws: boto3.Session, template_stack: Stack) -> dict[str, str]:
    """Every table of the template, created in moto; logical id → table name. The template's
    secrets too (the page token key), each with a fresh generated value."""
    client = aws.client("dynamodb")
    for table in template_stack.tables.values():
        create_table(client, table)
    secretsmanager = aws.client("secretsmanager")
    for secret in template_stack.secrets.values():
        create_secret(secretsmanager, secret)
    return {t.logical_id: t.name for t in template_stack.tables.values()}


@pytest.fixture
def buckets(aws: boto3.Session, template_stack: Stack) -> dict[str, str]:
    s3 = aws.client("s3")
    for bucket in template_stack.buckets.values():
        s3.create_bucket(Bucket=bucket.name)
    return {b.logical_id: b.name for b in template_stack.buckets.values()}


@pytest.fixture
def function_env(monkeypatch: pytest.MonkeyPatch, template_stack: Stack) -> dict[str, str]:
    env = merged_environment(template_stack)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    return env


@pytest.fixture
def load_function(
    tables: dict[str, str], buckets: dict[str, str], function_env: dict[str, str], template_stack: Stack
) -> Callable[[str], ModuleType]:
    """Load a fresh container of a function (by logical id) inside the moto mock."""

    def load(logical_id: str) -> ModuleType:
        return load_handler_module(template_stack.functions[logical_id])

    return load


def lambda_context(name: str = "test-function") -> LambdaContext:
    return LambdaContext(
        function_name=name,
        memory_limit_in_mb=512,
        timeout_seconds=15,
        aws_request_id=str(uuid.uuid4()),
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
    )


http_event = api_event
"""The local gateway's event for a request (`local.front.api_events.api_event`), authorized by default
as an every-scope admin key (`authorizer` replaces `requestContext.authorizer`; `{}` removes it)."""


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver on 127.0.0.1 that keeps what it was sent (alerts' deliveries)."""
    server = WebhookReceiver().start()
    yield server
    server.stop()
