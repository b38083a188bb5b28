"""The one retry policy of the layer: bounded exponential backoff with full jitter.

Every DynamoDB retry the code makes itself goes through a `RetryPolicy`: conditional-write races
(`idempotent.write_once`), and the `UnprocessedItems` / `UnprocessedKeys` a batch request hands
back under throttling (`dynamo.batch_write` / `dynamo.batch_get`). botocore's own retries (whole
requests that fail with a throttling error) are configured in `sitepulse.common.aws`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# The OS's entropy, not the `random` module's seeded state: under Lambda SnapStart every execution
# environment resumes the same snapshot, so a state seeded at init would hand the same "random"
# waits to every container, and colliding writers would collide again.
_JITTER = random.SystemRandom()


@dataclass(frozen=True)
class RetryPolicy:
    """Full-jitter exponential backoff: attempt k waits uniform(0, min(cap, base * 2**k))."""

    attempts: int = 25
    base_seconds: float = 0.005
    cap_seconds: float = 0.2
    retry_after_seconds: int = 1  # what a 503 tells the client once the attempts are spent
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def wait(self, attempt: int) -> None:
        self.sleep(_JITTER.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt)))


CONTENTION = RetryPolicy()
"""Writers of one item spread out instead of colliding again; worst case ≈ 4 s of waits."""

UNPROCESSED = RetryPolicy(attempts=10, base_seconds=0.05, cap_seconds=2.0)
"""A batch's unprocessed part is throttled capacity: longer waits, fewer attempts (≤ ≈ 10 s)."""
