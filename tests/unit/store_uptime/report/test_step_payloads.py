"""The report steps take and return pydantic models: a malformed payload fails loudly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from sitepulse.store_uptime.report.step_payloads import (
    FailedInput,
    FinalizeInput,
    PrepareInput,
    PrepareOutput,
    ShardInput,
    ShardOutput,
)

EVENTS = Path(__file__).resolve().parents[4] / "events"


@pytest.mark.parametrize(
    ("event", "model"),
    [
        ("ReportPrepareFunction", PrepareInput),
        ("ReportShardFunction", ShardInput),
        ("ReportFinalizeFunction", FinalizeInput),
        ("ReportFailedFunction", FailedInput),
    ],
)
def test_the_sample_events_are_valid_step_inputs(event: str, model: type[BaseModel]) -> None:
    payload = json.loads((EVENTS / f"{event}.json").read_text())
    assert model.model_validate(payload).model_dump(exclude_unset=True) == payload


def test_a_plan_round_trips_through_the_map_item_selector() -> None:
    plan = PrepareOutput.model_validate(
        {"report_id": "r1", "now": "2023-01-25 18:13:22 UTC", "now_us": 1, "shards": [
            {"shard": 0, "buckets": [0, 1], "stores": 3}
        ]}
    )  # fmt: skip
    dumped = plan.model_dump()
    item = {"report_id": dumped["report_id"], "now_us": dumped["now_us"], **dumped["shards"][0]}
    assert ShardInput.model_validate(item).buckets == [0, 1]


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (PrepareInput, {"now": None}),  # no report id
        (PrepareInput, {"report_id": "", "now": None}),
        (ShardInput, {"report_id": "r1", "shard": 0, "buckets": [1]}),  # no now_us
        (ShardInput, {"report_id": "r1", "now_us": 1, "shard": -1, "buckets": [1]}),
        (FinalizeInput, {"report_id": "r1", "parts": [{"shard": 0}]}),  # a part without its key
        (ShardOutput, {"shard": 0, "key": "", "rows": 0, "polls": 0, "queries": 0}),
    ],
)
def test_malformed_step_payloads_are_rejected(model: type[BaseModel], payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(payload)
