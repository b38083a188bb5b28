"""EventBridge schedules, run locally: moto stores rules but never fires them."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from local.functions import FunctionError, FunctionRuntime
from local.template import ACCOUNT, REGION, Schedule


def scheduled_event(schedule: Schedule) -> dict[str, Any]:
    if schedule.input is not None:
        return schedule.input
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{schedule.function}-schedule"],
        "detail": {},
    }


class Scheduler:
    """Runs every schedule once at start-up, then at its period, until stopped."""

    def __init__(self, schedules: list[Schedule], runtime: FunctionRuntime, log: Any = print) -> None:
        self._schedules = schedules
        self._runtime = runtime
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._log = log

    def run_once(self, schedule: Schedule) -> Any:
        try:
            result = self._runtime.invoke(schedule.function, scheduled_event(schedule))
            self._log(f"schedule {schedule.function} ({schedule.expression}): {result}")
            return result
        except FunctionError as error:
            self._log(f"schedule {schedule.function} failed: {error}")
            return None

    def start(self) -> None:
        for schedule in self._schedules:
            thread = threading.Thread(
                target=self._loop, args=(schedule,), daemon=True, name=f"schedule-{schedule.function}"
            )
            thread.start()
            self._threads.append(thread)

    def _loop(self, schedule: Schedule) -> None:
        period = schedule.period_seconds() or 3600.0
        while not self._stop.is_set():
            self.run_once(schedule)
            self._stop.wait(period)

    def stop(self) -> None:
        self._stop.set()
