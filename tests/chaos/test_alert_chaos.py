"""Exactly one notification per transition, under faults: every emulated AWS service fails 10 %
of its requests (some DynamoDB writes are applied and still answered 500), Lambda invocations
crash before or after their handler (the poller hands the same batch over again), sensors retry
their writes, and the evaluator's, the outbox's and the deliverer's worker processes are
SIGKILLed while they work. The transitions each rule makes equal those of the writes taken in
order, and the receiver gets each of them exactly once, signed."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bench.load.streams import RetryingClient
from local.demo.webhook_receiver import WebhookReceiver
from sitepulse.alerts.rules import verify
from tests.integration.conftest import RunningStack

SEED = 1307
SENSORS = 4
WRITES_PER_SENSOR = 24
MAX_INSIDE = 4
KILLED_FUNCTIONS = ("AlertEvaluatorFunction", "AlertOutboxFunction", "AlertDeliveryFunction")
pytestmark = pytest.mark.chaos


def _alert_workers(stack: RunningStack) -> list[int]:
    """The stack's worker processes of the alert functions (children of its process)."""
    names = {f"sitepulse-local-{name}".encode() for name in KILLED_FUNCTIONS}
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")), 0)
        function = next(
            (v.split(b"=", 1)[1] for v in environ if v.startswith(b"AWS_LAMBDA_FUNCTION_NAME=")), b""
        )
        if ppid == stack.process.pid and function in names:
            pids.append(int(proc.name))
    return pids


class Killer(threading.Thread):
    def __init__(self, stack: RunningStack, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.stack, self.rng, self.kills = stack, rng, 0
        self.done = threading.Event()

    def run(self) -> None:
        # Seconds apart: a fresh worker needs a cold start before it can make progress again.
        while not self.done.wait(self.rng.uniform(2.0, 5.0)):
            pids = _alert_workers(self.stack)
            if pids:
                os.kill(self.rng.choice(pids), signal.SIGKILL)
                self.kills += 1


def _expected_states(writes: list[tuple[int, int]]) -> list[str]:
    """The transitions of an occupancy_above rule for these writes taken in order."""
    inside, state, events = 0, "OK", []
    for in_, out in writes:
        inside += in_ - out
        now = "FIRING" if max(inside, 0) > MAX_INSIDE else "OK"
        if now != state:
            events.append("FIRING" if now == "FIRING" else "RESOLVED")
            state = now
    return events


def test_exactly_one_notification_per_transition_under_faults_and_kills(faulty_stack: RunningStack) -> None:
    rng = random.Random(SEED)
    client = RetryingClient(
        faulty_stack.api_url, {"Authorization": f"Bearer {faulty_stack.state['keys']['admin']}"}
    )
    receiver = WebhookReceiver().start()
    try:
        rules: dict[str, dict[str, Any]] = {}
        writes: dict[str, list[tuple[int, int]]] = {}
        for i in range(SENSORS):
            sensor = f"chaos-alert-{i}"
            answer = client.post(
                "/api/alerts",
                {
                    "name": sensor,
                    "kind": "occupancy_above",
                    "sensor": sensor,
                    "max": MAX_INSIDE,
                    "webhook_url": receiver.url(),
                },
                headers={"Idempotency-Key": f"chaos-{sensor}"},  # a retried create makes one rule
            )
            assert answer.status in (200, 201), answer.body
            rules[sensor] = answer.json
            writes[sensor] = [(rng.randint(0, 4), rng.randint(0, 4)) for _ in range(WRITES_PER_SENSOR)]

        killer = Killer(faulty_stack, rng)
        killer.start()

        def drive(sensor: str) -> None:
            for n, (in_, out) in enumerate(writes[sensor]):
                body = {"sensor": sensor, "ts": f"2024-07-01T10:{n:02d}:00Z", "in": in_, "out": out}
                for _ in range(2):  # the sensor retries every report once: a replay, no new record
                    answer = client.post("/api/webhook", body)
                    assert answer.status in (200, 201), answer.body

        threads = [threading.Thread(target=drive, args=(sensor,)) for sensor in rules]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        expected = {sensor: _expected_states(writes[sensor]) for sensor in rules}
        assert sum(len(states) for states in expected.values()) >= 4  # the data really flaps

        def complete(_: Any) -> bool:
            return all(len(receiver.for_alert(rules[s]["alert_id"])) >= len(expected[s]) for s in rules)

        receiver.wait_for(complete, timeout=420)
        killer.done.set()
        time.sleep(8)  # a duplicate would come now: redeliveries are seconds apart
        assert killer.kills > 0
        for sensor, rule in rules.items():
            got = receiver.for_alert(rule["alert_id"])
            ids = [item.json["transition_id"] for item in got]
            assert len(ids) == len(set(ids)), f"{sensor}: a transition was notified twice"
            # A retried delivery can arrive after a later one: a receiver orders them by `at` (the
            # triggering write's instant, one per transition of a sensor).
            in_order = sorted(got, key=lambda item: item.json["at"])
            assert [item.json["state"] for item in in_order] == expected[sensor], sensor
            assert all(verify(rule["secret"], item.body, item.signature) for item in got)
            detail = client.get(f"/api/alerts/{rule['alert_id']}").json
            assert [t["state"] for t in reversed(detail["transitions"])] == expected[sensor]
    finally:
        receiver.stop()
