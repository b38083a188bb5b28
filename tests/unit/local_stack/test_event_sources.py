"""The local event source mappings: filter patterns as Lambda applies them, partial batch
responses read as Lambda reads them, and a stream batch retried from the reported record."""

from __future__ import annotations

from typing import Any

import pytest

from local.lambdas.event_sources import EventSources, failed_identifiers, passes_filters
from local.lambdas.workers import FunctionError
from local.template import EventSource, load_stack
from tests.integration.conftest import ROOT

SUMMARY = {"dynamodb": {"Keys": {"sk": {"S": "SUMMARY"}, "pk": {"S": "SENSOR#a"}}}, "eventName": "MODIFY"}
EVENT = {
    "dynamodb": {"Keys": {"sk": {"S": "IO#2024"}, "pk": {"S": "SENSOR#a#2024-01-01"}}},
    "eventName": "INSERT",
}


def test_the_template_filters_keep_only_what_the_functions_need() -> None:
    sources = {(s.function, s.source): s for s in load_stack(ROOT / "template.yaml").event_sources}
    occupancy = sources[("AlertEvaluatorFunction", "OccupancyTable")].filters
    assert passes_filters(occupancy, SUMMARY) and not passes_filters(occupancy, EVENT)
    outbox = sources[("AlertOutboxFunction", "AlertsTable")].filters
    delivery = {"eventName": "INSERT", "dynamodb": {"Keys": {"sk": {"S": "DELIVERY#0000000001"}}}}
    assert passes_filters(outbox, delivery)
    assert not passes_filters(outbox, {**delivery, "eventName": "MODIFY"})
    assert not passes_filters(outbox, {"eventName": "INSERT", "dynamodb": {"Keys": {"sk": {"S": "RULE"}}}})
    assert passes_filters([], EVENT)  # no FilterCriteria: everything


@pytest.mark.parametrize(
    ("result", "failed"),
    [
        (None, []),
        ({"batchItemFailures": []}, []),
        ({"batchItemFailures": [{"itemIdentifier": "2"}]}, ["2"]),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
        ({"batchItemFailures": "x"}, None),
        ("nonsense", None),
    ],
)
def test_partial_batch_responses(result: Any, failed: list[str] | None) -> None:
    assert failed_identifiers(result) == failed


class Recorder:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.batches: list[list[str]] = []

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        self.batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def records(*sequences: str) -> list[dict[str, Any]]:
    return [{"dynamodb": {"SequenceNumber": s}} for s in sequences]


def test_a_stream_batch_resumes_from_the_reported_record_and_retries_crashes() -> None:
    stack = load_stack(ROOT / "template.yaml")
    source = EventSource("AlertEvaluatorFunction", "DynamoDB", "OccupancyTable", 100, True, max_retries=5)
    crash = FunctionError({"errorType": "Runtime.ExitError", "errorMessage": "killed"})
    invoke = Recorder([{"batchItemFailures": [{"itemIdentifier": "2"}]}, crash, None])
    sources = EventSources(stack, invoke, session=None, log=lambda _: None)
    sources._deliver_stream_batch(source, "arn", "shard", records("1", "2", "3"))
    assert invoke.batches == [["1", "2", "3"], ["2", "3"], ["2", "3"]]


def test_a_stream_batch_that_keeps_failing_is_given_up_after_its_retries() -> None:
    stack = load_stack(ROOT / "template.yaml")
    source = EventSource("AlertEvaluatorFunction", "DynamoDB", "OccupancyTable", 100, True, max_retries=2)
    crash = FunctionError({"errorType": "Runtime.ExitError", "errorMessage": "killed"})
    invoke = Recorder([crash, crash, crash, crash])
    given_up: list[list[str]] = []
    sources = EventSources(stack, invoke, session=None, log=lambda _: None)
    sources._to_on_failure = lambda src, arn, shard, batch: given_up.append(  # type: ignore[method-assign]
        [r["dynamodb"]["SequenceNumber"] for r in batch]
    )
    sources._deliver_stream_batch(source, "arn", "shard", records("1", "2"))
    assert len(invoke.batches) == 3 and given_up == [["1", "2"]]  # 1 try + 2 retries
