"""The pure core: transitions, their ids, the temperature condition, bodies and signatures."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sitepulse.alerts.rules import (
    Observation,
    Rule,
    encode_body,
    next_transition,
    notification,
    occupancy_state,
    signature,
    temperature_state,
    transition_id,
    verify,
)

AT = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def rule(state: str = "OK", version: int = 0, seq: int = 0) -> Rule:
    return Rule("al_1", "full", "occupancy_above", {"sensor": "s1"}, state, version, seq, max=Decimal(5))  # type: ignore[arg-type]


def test_a_change_of_state_is_the_next_transition() -> None:
    made = next_transition(rule(), Observation(3, "FIRING", 7, AT))
    assert made is not None
    assert (made.version, made.seq, made.state, made.event, made.value) == (1, 3, "FIRING", "FIRING", 7)
    resolved = next_transition(rule("FIRING", 1, 3), Observation(4, "OK", 2, AT))
    assert resolved is not None and resolved.event == "RESOLVED" and resolved.version == 2


def test_same_state_or_an_observation_already_seen_changes_nothing() -> None:
    assert next_transition(rule("FIRING", 1, 3), Observation(5, "FIRING", 9, AT)) is None
    # A redelivered record from before the last transition: never a second notification.
    assert next_transition(rule("OK", 2, 4), Observation(3, "FIRING", 7, AT)) is None
    assert next_transition(rule("OK", 2, 4), Observation(4, "FIRING", 7, AT)) is None


def test_transition_ids_are_deterministic_per_rule_and_version() -> None:
    assert transition_id("al_1", 1) == transition_id("al_1", 1)
    assert len({transition_id("al_1", 1), transition_id("al_1", 2), transition_id("al_2", 1)}) == 3


@pytest.mark.parametrize(("inside", "state"), [(0, "OK"), (5, "OK"), (6, "FIRING")])
def test_occupancy_is_above_max_strictly(inside: int, state: str) -> None:
    assert occupancy_state(inside, Decimal(5)) == state


LOW, HIGH = Decimal(18), Decimal(27)


@pytest.mark.parametrize(
    ("latest", "window", "anchor", "state"),
    [
        (Decimal(30), [Decimal(30)], Decimal(31), "FIRING"),  # outside since the anchor at least
        (Decimal(30), [Decimal(30)], None, "OK"),  # no reading `for` ago: not long enough
        (Decimal(30), [Decimal(30)], Decimal(20), "OK"),  # the run began after the anchor
        (Decimal(30), [Decimal(22), Decimal(30)], Decimal(31), "OK"),  # broken inside the window
        (Decimal(20), [Decimal(20)], Decimal(31), "OK"),  # back inside
        (
            Decimal(10),
            [Decimal(29), Decimal(10)],
            Decimal(12),
            "FIRING",
        ),  # below then above: outside all along
        (Decimal(27), [Decimal(27)], Decimal(30), "OK"),  # the bounds are inside
    ],
)
def test_temperature_outside_for_the_whole_duration(
    latest: Decimal, window: list[Decimal], anchor: Decimal | None, state: str
) -> None:
    assert temperature_state(latest, window, anchor, LOW, HIGH) == state


def test_notification_body_and_signature() -> None:
    r = rule()
    made = next_transition(r, Observation(3, "FIRING", 7, AT))
    assert made is not None
    payload = notification(r, made)
    assert payload == {
        "alert_id": "al_1",
        "name": "full",
        "kind": "occupancy_above",
        "target": {"sensor": "s1"},
        "state": "FIRING",
        "value": 7,
        "at": "2024-05-01T09:00:00Z",
        "transition_id": transition_id("al_1", 1),
    }
    body = encode_body(payload)
    expected = "sha256=" + hmac.new(b"s3cr\xc3\xa9t", body, hashlib.sha256).hexdigest()
    assert signature("s3crét", body) == expected  # keyed with the secret's UTF-8 bytes
    assert verify("s3crét", body, expected)
    assert not verify("s3cret", body, expected)
    assert not verify("s3crét", body + b" ", expected)


def test_decimal_values_become_json_numbers() -> None:
    r = rule()
    made = next_transition(r, Observation(1, "FIRING", Decimal("29.5"), AT))
    assert made is not None
    assert notification(r, made)["value"] == 29.5
    made = next_transition(r, Observation(1, "FIRING", Decimal("30.000000"), AT))
    assert made is not None and notification(r, made)["value"] == 30
