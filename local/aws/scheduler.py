"""EventBridge schedules, run locally: moto stores rules but never fires them.

Every schedule runs once while the stack starts (synchronously: the stack is ready only
once that first run is done), then at its period. Each run prints one line; the result
itself (the ingestion summary is ~40 KB) goes to the stack's log, not the terminal.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.lambdas.workers import FunctionError, FunctionRuntime
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


def summarize(result: Any) -> str:
    """One short phrase for a run's result. Ingestion-shaped results (`objects` with
    accepted/rejected counts, `waiting`) are counted; anything else is just "done"."""
    if not isinstance(result, dict) or not isinstance(result.get("objects"), list):
        return "done"
    objects = [o for o in result["objects"] if isinstance(o, dict)]
    accepted = sum(int(o.get("accepted") or 0) for o in objects)
    rejected = sum(int(o.get("rejected") or 0) for o in objects)
    failed = sum(1 for o in objects if o.get("status") == "Failed")
    parts = [f"{len(objects)} files", f"{accepted:,} rows accepted", f"{rejected:,} rejected"]
    if failed:
        parts.append(f"{failed} files failed")
    if result.get("waiting"):
        parts.append(f"{result['waiting']} files left for the next run")
    return ", ".join(parts)


class Scheduler:
    """Runs every schedule once at start-up (`run_startup`), then at its period (`start`)."""

    def __init__(
        self,
        schedules: list[Schedule],
        runtime: FunctionRuntime,
        log: Callable[[str], None] = print,
        details: Callable[[str], None] | None = None,
    ) -> None:
        self._schedules = schedules
        self._runtime = runtime
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._log = log  # the terminal: one line per run
        # Where the full result goes (the stack's log file when run by `python -m local`).
        self._details = details or (lambda text: print(text, file=sys.stderr, flush=True))

    def run_once(self, schedule: Schedule) -> tuple[Any, str]:
        """Run the schedule's function now and print one line; its result and what the line said."""
        started = time.monotonic()
        try:
            result = self._runtime.invoke(schedule.function, scheduled_event(schedule))
        except FunctionError as error:
            outcome = f"failed after {time.monotonic() - started:.1f} s: {str(error)[:200]}"
            self._log(f"schedule {schedule.function} ({schedule.expression}): {outcome}")
            return None, outcome
        seconds = time.monotonic() - started
        self._details(f"schedule {schedule.function} result: {json.dumps(result, default=str)}")
        outcome = f"{summarize(result)} in {seconds:.1f} s"
        self._log(f"schedule {schedule.function} ({schedule.expression}): {outcome}")
        return result, outcome

    def run_startup(self) -> list[str]:
        """Each schedule once, in this thread; one phrase per run, for the banner."""
        return [
            f"{schedule.function} at start-up: {self.run_once(schedule)[1]}"
            for schedule in self._schedules
            if not self._stop.is_set()
        ]

    def start(self, run_now: bool = False) -> None:
        """Run each schedule at its period from now (first run now when `run_now`)."""
        for schedule in self._schedules:
            thread = threading.Thread(
                target=self._loop, args=(schedule, run_now), daemon=True, name=f"schedule-{schedule.function}"
            )
            thread.start()
            self._threads.append(thread)

    def _loop(self, schedule: Schedule, run_now: bool) -> None:
        period = schedule.period_seconds() or 3600.0
        if not run_now and self._stop.wait(period):
            return
        while not self._stop.is_set():
            self.run_once(schedule)
            self._stop.wait(period)

    def stop(self) -> None:
        self._stop.set()
