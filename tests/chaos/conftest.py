"""A local stack started like `make run`, with every emulated AWS service failing 10 % of its
requests (SITEPULSE_FAULTS), for the chaos tests and the load-test smoke."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator

import pytest

from bench.load.streams import RetryingClient, auth_headers
from tests.integration.conftest import RunningStack, start_stack, stop_stack

CHAOS_FAULTS = "dynamodb=0.1,s3=0.1,states=0.1,lambda=0.1,latency_ms=0-5,seed=1307"


@pytest.fixture(scope="session")
def faulty_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    os.environ["SITEPULSE_FAULTS"] = CHAOS_FAULTS
    try:
        stack = start_stack(tmp_path_factory.mktemp("faulty-stack"), "--no-demo", "--no-schedules")
    finally:
        del os.environ["SITEPULSE_FAULTS"]
    with urllib.request.urlopen(f"{stack.state['endpoint_url']}/moto-api/faults", timeout=10) as response:
        assert json.loads(response.read())["spec"] == CHAOS_FAULTS
    yield stack
    stop_stack(stack)


@pytest.fixture
def client(faulty_stack: RunningStack) -> RetryingClient:
    return RetryingClient(faulty_stack.api_url, auth_headers(faulty_stack.state))
