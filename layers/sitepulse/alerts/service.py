"""Alert use cases: manage rules (API), evaluate target changes (stream), deliver notifications (queue)."""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sitepulse.access.models import Limits
from sitepulse.alerts import webhooks
from sitepulse.alerts.models import (
    AlertCreated,
    AlertDetail,
    AlertList,
    AlertOut,
    AlertRuleIn,
    DeliveryOut,
    TransitionOut,
    for_seconds,
)
from sitepulse.alerts.repository import (
    AlertsRepository,
    CreateRequest,
    EmailClaims,
    allowed_ranges,
    as_number,
    create_key_pk,
    rule_of,
)
from sitepulse.alerts.rules import (
    SIGNATURE_HEADER,
    Observation,
    Rule,
    State,
    encode_body,
    next_transition,
    notification,
    occupancy_state,
    signature,
    store_down_state,
    temperature_state,
)
from sitepulse.alerts.sources import (
    RoomChange,
    RoomReadings,
    SensorChange,
    StatusFileIngested,
    StoreData,
    change_of,
)
from sitepulse.common.errors import ConflictError, InvalidInputError, KeyTakenError, NotFoundError
from sitepulse.common.timestamps import format_instant, utc_now

_DEFINITION_FIELDS = (
    "name",
    "kind",
    "webhook_url",
    "sensor",
    "building",
    "room",
    "store_id",
    "min",
    "max",
    "for",
)


def new_alert_id(now: datetime) -> str:
    """Sorts by creation time (48-bit milliseconds), then 80 random bits."""
    return f"al_{int(now.timestamp() * 1000):012x}{secrets.token_hex(10)}"


def _visible_to(limits: Limits) -> Callable[[dict[str, Any]], bool]:
    def visible(item: dict[str, Any]) -> bool:
        if "sensor" in item and limits.sensors is not None:
            return any(str(item["sensor"]).startswith(prefix) for prefix in limits.sensors)
        if "building" in item and limits.buildings is not None:
            return item["building"] in limits.buildings
        return True  # stores have no limit kind

    return visible


def alert_out(item: dict[str, Any], model: type[AlertOut] = AlertOut, **extra: Any) -> Any:
    fields = {name: item[name] for name in _DEFINITION_FIELDS if name in item and name != "for"}
    for number in ("min", "max"):
        if number in fields:
            fields[number] = as_number(fields[number])
    return model(
        alert_id=item["alert_id"],
        state=item.get("state", "OK"),
        created_at=item["created_at"],
        for_=item.get("for"),
        **fields,
        **extra,
    )


class AlertService:
    def __init__(self, repository: AlertsRepository, clock: Callable[[], datetime] = utc_now) -> None:
        self._repository = repository
        self._clock = clock

    def create(
        self, rule: AlertRuleIn, key_id: str | None, idempotency_key: str | None
    ) -> tuple[dict[str, Any], bool]:
        """The answer (with the secret) and whether this call created the rule."""
        try:
            webhooks.check_url(rule.webhook_url)
        except webhooks.UnsafeUrl as exc:
            raise InvalidInputError("webhook_url", str(exc)) from None
        now = self._clock()
        definition = rule.model_dump(mode="json", by_alias=True)
        item = {
            **definition,
            "alert_id": new_alert_id(now),
            "created_at": format_instant(now),
            "secret": secrets.token_urlsafe(32),
            "for_seconds": for_seconds(rule),
        }
        if "min" in item:
            item["min"] = Decimal(str(item["min"]))
        if "max" in item:
            item["max"] = Decimal(str(item["max"]))
        answer = alert_out(item, AlertCreated, secret=item["secret"]).as_json()
        target = {
            name: definition[name]
            for name in ("sensor", "building", "room", "store_id")
            if name in definition
        }
        stored = self._repository.rule_item(item, target)
        if idempotency_key is None:
            self._repository.create(stored)
            return answer, True
        digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
        key_digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()
        claim = CreateRequest(create_key_pk(key_id or "-", key_digest), digest, answer)
        try:
            outcome = self._repository.create_once(claim, stored)
        except KeyTakenError:
            raise ConflictError("this Idempotency-Key was used with another request") from None
        return dict(outcome.value.answer), outcome.created

    def list(self, limit: int, next_token: str | None, limits: Limits) -> AlertList:
        """Every rule newest first; for a key limited on sensors or buildings, only the ranges
        of rules it may see (`allowed_ranges`), read directly: never a rule outside them."""
        if limits.sensors is None and limits.buildings is None:
            items, token = self._repository.list(limit, next_token)
        else:
            ranges = allowed_ranges(limits.sensors, limits.buildings)
            items, token = self._repository.list_allowed(limit, next_token, ranges)
        return AlertList(alerts=[alert_out(item) for item in items], next_token=token)

    def get(self, alert_id: str, limits: Limits) -> AlertDetail:
        item = self._visible_item(alert_id, limits)
        transitions = [
            TransitionOut(
                state=t["state"],
                value=as_number(t.get("value")),
                at=t["at"],
                transition_id=t["transition_id"],
            )
            for t in self._repository.recent(alert_id, "TRANSITION#")
        ]
        deliveries = [
            DeliveryOut(
                transition_id=d["transition_id"],
                state=d["state"],
                status=d["status"],
                attempts=int(d.get("attempts", 0)),
                last_error=d.get("last_error"),
                http_status=int(d["http_status"]) if d.get("http_status") is not None else None,
                delivered_at=d.get("delivered_at"),
            )
            for d in self._repository.recent(alert_id, "DELIVERY#")
        ]
        return alert_out(item, AlertDetail, transitions=transitions, deliveries=deliveries)

    def delete(self, alert_id: str, limits: Limits) -> None:
        self._visible_item(alert_id, limits)
        self._repository.delete(alert_id)

    def _visible_item(self, alert_id: str, limits: Limits) -> dict[str, Any]:
        item = self._repository.get(alert_id, consistent=True)
        if item is None or (not limits.is_empty() and not _visible_to(limits)(item)):
            # A rule outside the key's limits is as unknown as a missing one: nothing leaks.
            raise NotFoundError(f"unknown alert {alert_id!r}")
        return item


# ---------------------------------------------------------------------- evaluation
MAX_LOCK_ATTEMPTS = 5


@dataclass
class EvaluationStats:
    changes: int = 0
    rules_evaluated: int = 0
    transitions: int = 0


class Evaluator:
    """Turns one target change into at most one transition per rule of that target."""

    def __init__(
        self, repository: AlertsRepository, readings: RoomReadings | None, stores: StoreData | None = None
    ) -> None:
        self._repository = repository
        self._readings = readings
        self._stores = stores

    def apply_record(self, record: dict[str, Any], stats: EvaluationStats) -> None:
        """Evaluate the rules of the target one stream record changed (other records: nothing)."""
        change = change_of(record)
        if change is not None:
            self.apply(change, stats)

    def apply(self, change: SensorChange | RoomChange | StatusFileIngested, stats: EvaluationStats) -> None:
        stats.changes += 1
        if isinstance(change, StatusFileIngested):
            self._apply_stores(stats)
            return
        if isinstance(change, SensorChange):
            rules = self._repository.rules_for("occupancy_above", {"sensor": change.sensor})
        else:
            rules = self._repository.rules_for(
                "temperature_outside", {"building": change.building, "room": change.room}
            )
        for rule in rules:
            stats.rules_evaluated += 1
            if self._evaluate(rule, change):
                stats.transitions += 1

    def _apply_stores(self, stats: EvaluationStats) -> None:
        """Every store rule, against the stores' data as the reports read it (one bucket read per
        bucket that holds a store with a rule)."""
        assert self._stores is not None  # noqa: S101 — narrows a type the wiring guarantees; not input validation
        rules = self._repository.rules_for("store_down", {"store_id": ""})
        now_us = self._stores.now_us() if rules else None
        if now_us is None:
            return
        buckets: dict[int, Any] = {}
        for rule in rules:
            stats.rules_evaluated += 1
            data = self._stores.bucket_of(rule.target["store_id"], now_us, buckets)
            store = rule.target["store_id"]
            state, inactive_us = store_down_state(
                data.polls.get(store, []),
                data.hours.get(store),
                data.timezones.get(store),
                now_us,
                rule.for_seconds * 1_000_000,
            )
            at = datetime.fromtimestamp(now_us / 1_000_000, UTC)
            value = inactive_us // 1_000_000  # inactive business time, in seconds

            def observe(
                fresh: Rule, state: State = state, value: int = value, at: datetime = at
            ) -> Observation:
                # As of `now`, not per write: every evaluation is a new observation of the store.
                return Observation(fresh.seq + 1, state, value, at)

            if self._record(rule, observe):
                stats.transitions += 1

    def _observe(self, rule: Rule, change: SensorChange | RoomChange) -> Observation:
        if isinstance(change, SensorChange):
            assert rule.max is not None  # noqa: S101 — narrows a type the wiring guarantees; not input validation
            return Observation(change.seq, occupancy_state(change.inside, rule.max), change.inside, change.at)
        assert rule.min is not None and rule.max is not None and self._readings is not None  # noqa: S101 — narrows a type the wiring guarantees; not input validation
        in_window, anchor = self._readings.window(
            change.building, change.room, change.latest_at, timedelta(seconds=rule.for_seconds)
        )
        state = temperature_state(change.latest_t, in_window, anchor, rule.min, rule.max)
        return Observation(change.seq, state, change.latest_t, change.latest_at)

    def _evaluate(self, rule: Rule, change: SensorChange | RoomChange) -> bool:
        return self._record(rule, lambda fresh: self._observe(fresh, change))

    def _record(self, rule: Rule, observe: Callable[[Rule], Observation]) -> bool:
        """Record the transition the observation causes, if any; True when this call recorded one.

        The rule read from the target index may be stale: a failed optimistic lock re-reads it
        (consistently) and decides again, so a concurrent or repeated evaluation of the same
        change finds the transition already made and does nothing."""
        for _ in range(MAX_LOCK_ATTEMPTS):
            transition = next_transition(rule, observe(rule))
            if transition is None:
                return False
            item = self._repository.get(rule.alert_id, consistent=True)
            if item is None:
                return False  # deleted: silent
            body = encode_body(notification(rule, transition))
            if self._repository.record_transition(rule, transition, str(item["webhook_url"]), body):
                return True
            fresh = self._repository.get(rule.alert_id, consistent=True)
            if fresh is None:
                return False
            rule = rule_of(fresh)
        raise RuntimeError(f"rule {rule.alert_id} kept changing under evaluation")


# ---------------------------------------------------------------------- delivery
@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 5  # the queue's maxReceiveCount: after it the message is in the DLQ
    base_seconds: int = 5
    cap_seconds: int = 300
    lease_seconds: int = 30  # longer than one attempt (connect + response timeouts)

    def backoff(self, attempt: int) -> int:
        """Seconds before attempt `attempt + 1`: exponential, full jitter, at least 1 s."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return max(1, int(_JITTER.uniform(0, ceiling)))


_JITTER = random.SystemRandom()


@dataclass(frozen=True)
class DeliveryOutcome:
    done: bool  # False: try again later (the message stays queued)
    retry_in: int | None = None
    note: str = ""


class Deliverer:
    def __init__(
        self,
        repository: AlertsRepository,
        policy: DeliveryPolicy,
        post: Callable[[str, bytes, dict[str, str]], webhooks.Attempt] = webhooks.post,
    ) -> None:
        self._repository = repository
        self._policy = policy
        self._post = post

    def deliver(self, alert_id: str, version: int, receive_count: int) -> DeliveryOutcome:
        delivery = self._repository.delivery(alert_id, version)
        if delivery is None:
            return DeliveryOutcome(True, note="no such delivery")
        if delivery.status == "delivered":
            return DeliveryOutcome(True, note="already delivered")
        if delivery.status == "failed":
            # Stays failed: the queue moves the message to its dead-letter queue (maxReceiveCount).
            return DeliveryOutcome(False, retry_in=0, note="failed: to the dead-letter queue")
        rule = self._repository.get(alert_id, consistent=True)
        if rule is None:
            return DeliveryOutcome(True, note="rule deleted")
        if delivery.lease_until > time.time():
            return DeliveryOutcome(
                False, retry_in=max(1, int(delivery.lease_until - time.time()) + 1), note="leased"
            )
        if not self._repository.claim(delivery, self._policy.lease_seconds):
            return DeliveryOutcome(False, retry_in=1, note="claimed elsewhere")
        attempt_number = delivery.attempts + 1
        body = delivery.body.encode("utf-8")
        result = self._post(delivery.url, body, {SIGNATURE_HEADER: signature(str(rule["secret"]), body)})
        if result.ok:
            self._repository.finish_attempt(delivery, "delivered", result.status, None)
            return DeliveryOutcome(True, note="delivered")
        final = attempt_number >= self._policy.max_attempts or receive_count >= self._policy.max_attempts
        status = "failed" if final else "retrying"
        self._repository.finish_attempt(delivery, status, result.status, result.error)
        if final:
            return DeliveryOutcome(False, retry_in=0, note="failed: to the dead-letter queue")
        return DeliveryOutcome(False, retry_in=self._policy.backoff(attempt_number), note=result.error or "")


# ---------------------------------------------------------------------- e-mail (SNS)
class EmailNotifier:
    """Publishes each transition once to the alerts topic, for its e-mail subscribers.

    The delivery is marked mailed (a conditional write) before the publish, so the relay's
    retries publish it once; a failed publish removes the mark and fails the record (retried).
    A relay killed between the mark and the publish loses that e-mail: e-mail is at most once,
    the webhook is the notification of record."""

    def __init__(
        self, repository: AlertsRepository, claims: EmailClaims, publish: Callable[[str, str], None]
    ) -> None:
        self._repository = repository
        self._claims = claims
        self._publish = publish

    def notify(self, alert_id: str, version: int) -> bool:
        delivery = self._repository.delivery(alert_id, version)
        if delivery is None or self._repository.get(alert_id, consistent=True) is None:
            return False  # unknown, or the rule was deleted: silent
        if not self._claims.claim(delivery):
            return False
        payload = json.loads(delivery.body)
        try:
            self._publish(email_subject(payload), email_text(payload))
        except Exception:
            self._claims.release(delivery)
            raise
        return True


def email_subject(payload: dict[str, Any]) -> str:
    """SNS subjects: printable ASCII, one line, at most 100 characters."""
    text = f"[Sitepulse] {payload['state']}: {payload['name']}"
    ascii_only = "".join(char if 32 <= ord(char) < 127 else "?" for char in text)
    return ascii_only[:100]


def email_text(payload: dict[str, Any]) -> str:
    target = ", ".join(f"{name} {value}" for name, value in payload["target"].items())
    return (
        f"Alert {payload['name']!r} ({payload['kind']}) is {payload['state']} for {target}.\n"
        f"Value: {payload['value']}\nAt: {payload['at']}\n"
        f"Alert id: {payload['alert_id']}\nTransition id: {payload['transition_id']}\n"
    )
