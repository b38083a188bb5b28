"""The occupancy bench seeds exactly what the write path writes (`bench.api_occupancy.seed`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from bench.api_occupancy import history, seed
from sitepulse.occupancy.repository import OccupancyRepository


def table_items(client: Any, table: str, sensor: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The sensor's items, keyed by (pk, sk) with the sensor's name taken out of the keys."""
    items = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if item["pk"]["S"].startswith(f"SENSOR#{sensor}"):
                renamed = {**item, "pk": {"S": item["pk"]["S"].replace(sensor, "<sensor>", 1)}}
                if "gsi1sk" in renamed:
                    renamed["gsi1sk"] = {"S": "<sensor>"}
                items[(renamed["pk"]["S"], item["sk"]["S"])] = renamed
    return items


def test_the_seed_writes_the_items_of_the_real_write_transactions(
    aws: boto3.Session, tables: dict[str, str]
) -> None:
    client = aws.client("dynamodb")
    repository = OccupancyRepository(client, tables["OccupancyTable"])
    # Across a year, a month and a day boundary, with a partial last hour.
    minutes, start = 127, datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    seed(repository, history("seeded", minutes, start))
    for event in history("recorded", minutes, start):
        assert repository.record(event).created
    seeded = table_items(client, tables["OccupancyTable"], "seeded")
    recorded = table_items(client, tables["OccupancyTable"], "recorded")
    assert len(seeded) == minutes + 1 + 2 + 2 + 3  # events, summary, months, days, hours of minutes
    assert seeded == recorded
    assert any(sk.startswith("MINUTES#") for _, sk in seeded)


def test_a_write_action_the_seed_does_not_know_fails_it(
    aws: boto3.Session, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = OccupancyRepository(aws.client("dynamodb"), tables["OccupancyTable"])
    real = repository._record_items

    def with_a_removal(event: Any) -> list[dict[str, Any]]:
        actions = real(event)
        last = actions[-1]["Update"]
        actions[-1] = {"Update": {**last, "UpdateExpression": last["UpdateExpression"] + " REMOVE #a"}}
        return actions

    monkeypatch.setattr(repository, "_record_items", with_a_removal)
    with pytest.raises(ValueError, match="does not know"):
        seed(repository, history("x", 1))
