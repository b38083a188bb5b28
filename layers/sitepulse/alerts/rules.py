"""The pure core of alerting: a rule, what one observation of its target says, and the
transition (if any) it causes. No AWS here.

Exactly once per transition: every observation carries `seq`, a number that only grows for
its target (the sensor's count of stored events, the room's count of stored readings, the
store's count of ingested status files). A rule remembers the `seq` of the observation that
made its last transition and its `version` (how many transitions it has made). An
observation at or below the remembered `seq` was already accounted for (a redelivered stream
record, a retried batch) and changes nothing; otherwise a new state makes transition
`version + 1`, whose id is derived from the rule and that number, so any retry that gets this
far computes the same id, and the conditional write on `version` lets only one of them in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sitepulse.common.timestamps import format_instant
from sitepulse.store_uptime.engine.business_hours import business_intervals_utc
from sitepulse.store_uptime.engine.uptime import polls_up_to, unpack_poll

State = Literal["OK", "FIRING"]
Event = Literal["FIRING", "RESOLVED"]
_IDS = uuid.UUID("5f0c3f0e-8a7e-4d5c-9a0b-51e3a1e7a1e7")  # namespace of transition ids


@dataclass(frozen=True)
class Rule:
    alert_id: str
    name: str
    kind: str
    target: dict[str, str]
    state: State
    version: int  # transitions made so far
    seq: int  # the observation that made the last transition
    max: Decimal | None = None
    min: Decimal | None = None
    for_seconds: int = 0


@dataclass(frozen=True)
class Observation:
    """What the target looks like after one write: its state for this rule, the value shown."""

    seq: int
    state: State
    value: int | Decimal | None
    at: datetime


@dataclass(frozen=True)
class Transition:
    alert_id: str
    version: int
    seq: int
    state: State  # the rule's new state
    value: int | Decimal | None
    at: datetime

    @property
    def event(self) -> Event:
        return "FIRING" if self.state == "FIRING" else "RESOLVED"

    @property
    def transition_id(self) -> str:
        return transition_id(self.alert_id, self.version)


def transition_id(alert_id: str, version: int) -> str:
    return str(uuid.uuid5(_IDS, f"{alert_id}/{version}"))


def next_transition(rule: Rule, observation: Observation) -> Transition | None:
    """The transition `observation` causes, or None (already seen, or no change of state)."""
    if observation.seq <= rule.seq or observation.state == rule.state:
        return None
    return Transition(
        alert_id=rule.alert_id,
        version=rule.version + 1,
        seq=observation.seq,
        state=observation.state,
        value=observation.value,
        at=observation.at,
    )


def occupancy_state(inside: int, maximum: Decimal | int) -> State:
    return "FIRING" if inside > maximum else "OK"


def outside(temperature: Decimal, low: Decimal, high: Decimal) -> bool:
    return temperature < low or temperature > high


def notification(rule: Rule, transition: Transition) -> dict[str, Any]:
    """The webhook body: what happened, to which rule, with the id a receiver deduplicates on."""
    value = transition.value
    return {
        "alert_id": rule.alert_id,
        "name": rule.name,
        "kind": rule.kind,
        "target": dict(rule.target),
        "state": transition.event,
        "value": _json_number(value),
        "at": format_instant(transition.at),
        "transition_id": transition.transition_id,
    }


def _json_number(value: int | Decimal | None) -> int | float | None:
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact, keys sorted, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


SIGNATURE_HEADER = "X-Sitepulse-Signature"


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the secret's UTF-8 bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, body), header)


def temperature_state(
    latest: Decimal, in_window: list[Decimal], anchor: Decimal | None, low: Decimal, high: Decimal
) -> State:
    """FIRING when the readings have been outside [low, high] for at least the rule's `for`.

    `in_window`: the readings recorded in (latest − for, latest]; `anchor`: the last reading at
    or before latest − for (None: there is none). The current run of outside readings started
    at least `for` before the latest reading exactly when every reading of the window is
    outside and so is the anchor (the run then reaches back to it, or further).
    """
    if not outside(latest, low, high):
        return "OK"
    if anchor is None or not outside(anchor, low, high):
        return "OK"
    return "FIRING" if all(outside(t, low, high) for t in in_window) else "OK"


def store_down_state(
    packed_polls: list[int],
    weekly: list[tuple[int, int, int]] | None,
    timezone: str | None,
    now_us: int,
    for_us: int,
) -> tuple[State, int]:
    """`store_down` at `now` (the latest poll ingested, as in the reports): the state and the
    inactive business time in microseconds.

    The store's status follows the reports' engine: at each instant, the nearest poll (the later
    one on a tie; `inactive` wins among polls of one instant). It is inactive since the handover
    after its last active poll — or since its first poll when it never was active — and the
    rule fires once the business time (its hours, in its timezone) in [that instant, now)
    reaches `for`. Its first active poll resolves it.
    """
    polls = polls_up_to(packed_polls, now_us)
    if not polls:
        return "OK", 0
    instants: dict[int, bool] = {}
    for packed in polls:
        at, active = unpack_poll(packed)
        instants[at] = instants.get(at, True) and active  # inactive wins on one instant
    ordered = sorted(instants)
    if instants[ordered[-1]]:
        return "OK", 0
    last_active = next((i for i in range(len(ordered) - 1, -1, -1) if instants[ordered[i]]), None)
    if last_active is None:
        since = ordered[0]
    else:
        earlier, later = ordered[last_active], ordered[last_active + 1]
        since = -((-(earlier + later)) // 2)  # ceil: the exact midpoint belongs to the later poll
    inactive = sum(end - start for start, end in business_intervals_utc(weekly, timezone, since, now_us))
    return ("FIRING" if inactive >= for_us else "OK"), inactive
