"""Count what DynamoDB calls cost: requests per operation and consumed capacity.

`CostMeter(client)` hooks botocore events on one client: every call is
counted, `ReturnConsumedCapacity=TOTAL` is added where the operation accepts
it, and the capacity DynamoDB (here: moto) reports is summed.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_CAPACITY_OPERATIONS = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
    "BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems",
}  # fmt: skip


@dataclass
class CostMeter:
    client: Any
    requests: Counter[str] = field(default_factory=Counter)
    capacity: float = 0.0
    aws_seconds: float = 0.0  # wall time spent inside DynamoDB calls (moto here), to separate it out
    _started: float = 0.0

    def __post_init__(self) -> None:
        events = self.client.meta.events
        events.register("provide-client-params.dynamodb.*", self._ask_capacity)
        events.register("before-call.dynamodb.*", self._start)
        events.register("after-call.dynamodb.*", self._count)

    def _start(self, **_: Any) -> None:
        self._started = time.perf_counter()

    def _ask_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in _CAPACITY_OPERATIONS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def _count(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.aws_seconds += time.perf_counter() - self._started
        self.requests[model.name] += 1
        consumed = parsed.get("ConsumedCapacity")
        for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            self.capacity += float(entry.get("CapacityUnits", 0.0))

    def reset(self) -> None:
        self.requests.clear()
        self.capacity = 0.0
        self.aws_seconds = 0.0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def median_ms(meter: CostMeter, call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median milliseconds of `repeat` calls: in total, and outside the DynamoDB calls `meter`
    sees (the handler's own cost; moto's latency is not DynamoDB's)."""
    totals, own = [], []
    for _ in range(repeat):
        meter.reset()
        began = time.perf_counter()
        call()
        elapsed = time.perf_counter() - began
        totals.append(elapsed * 1000)
        own.append((elapsed - meter.aws_seconds) * 1000)
    return statistics.median(totals), statistics.median(own)
