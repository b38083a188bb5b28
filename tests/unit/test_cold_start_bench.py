"""The cold-start bench: AWS answers replayed below botocore, and a whole (one-round) run."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from botocore.endpoint import Endpoint
from botocore.exceptions import ClientError

from bench import cold_start
from bench.cold_start_replay import install

PREFIX = "com.amazonaws.dynamodb.v20120810"


def _reply(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "operation": "GetItem",
        "status": status,
        "headers": {"content-type": "application/x-amz-json-1.0"},
        "body": base64.b64encode(json.dumps(body).encode()).decode(),
    }


@pytest.fixture
def replaying(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(Endpoint, "_send", Endpoint._send)  # put back after the test
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "bench")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "bench")
    return boto3.client("dynamodb", region_name="us-east-1")


def test_replies_are_parsed_by_botocore_in_order(replaying: Any) -> None:
    pending = install(
        [
            _reply(200, {"Item": {"pk": {"S": "a"}}}),
            _reply(400, {"__type": f"{PREFIX}#ResourceNotFoundException", "message": "no"}),
        ]
    )
    key = {"pk": {"S": "a"}}
    assert replaying.get_item(TableName="t", Key=key)["Item"] == key
    with pytest.raises(ClientError) as error:
        replaying.get_item(TableName="t", Key=key)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert pending == []


def test_a_call_that_was_not_recorded_fails_the_sample(replaying: Any) -> None:
    install([])
    with pytest.raises(RuntimeError, match="unrecorded AWS call"):
        replaying.get_item(TableName="t", Key={"pk": {"S": "a"}})


def test_one_round_measures_init_and_first_request(capsys: pytest.CaptureFixture[str]) -> None:
    samples = cold_start.measure(1, {"OccupancyReadFunction"})
    references = {
        cold_start.BASELINE,
        cold_start.FLOOR,
        cold_start.FLOOR_ROUTER,
        cold_start.NO_BYTECODE,
        cold_start.TRACED,
    }
    assert set(samples) == references | {"OccupancyReadFunction"}
    # Measured as deployed: the layer as sam build makes it, and the same stripped of bytecode.
    built = cold_start.LAYER_OUT / "built" / "python"
    assert (built / "sitepulse" / "common" / "__pycache__").is_dir()
    assert not list((cold_start.LAYER_OUT / "no-bytecode").rglob("*.pyc"))
    for values in samples.values():
        ((init_wall, init_cpu), (first_wall, first_cpu)) = values[0]["init"], values[0]["first"]
        assert init_wall > 0 and init_cpu > 0 and first_wall > 0 and first_cpu >= 0
    cold_start.report(samples)
    table = capsys.readouterr().out
    assert "OccupancyReadFunction" in table and "init + first request" in table
