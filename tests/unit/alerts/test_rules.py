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
    store_down_state,
    temperature_state,
    transition_id,
    verify,
)
from sitepulse.store_uptime.engine.uptime import pack_poll

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


H = 3_600_000_000  # an hour in microseconds
MONDAY = 1_673_222_400_000_000  # 2023-01-09T00:00:00Z, a Monday


def poll(hour: float, active: bool) -> int:
    return pack_poll(MONDAY + int(hour * H), active)


def test_store_down_counts_inactive_business_time_since_the_last_active_handover() -> None:
    polls = [poll(8, True), poll(10, False), poll(11, False), poll(12, False)]
    # Open 24×7 in UTC: inactive from the midpoint 9:00 to now 12:00 = 3 h.
    assert store_down_state(polls, None, "UTC", MONDAY + 12 * H, 3 * H) == ("FIRING", 3 * H)
    assert store_down_state(polls, None, "UTC", MONDAY + 12 * H, 3 * H + 1) == ("OK", 3 * H)


def test_store_down_only_counts_business_hours_in_the_store_timezone() -> None:
    polls = [poll(8, True), poll(10, False), poll(20, False)]
    monday_9_to_17 = [(0, 9 * 3600, 17 * 3600)]
    state, inactive = store_down_state(polls, monday_9_to_17, "UTC", MONDAY + 20 * H, 8 * H)
    assert (state, inactive) == ("FIRING", 8 * H)  # 9:00 → 17:00; the evening is not business time
    # The same hours in New York (UTC−5) begin at 14:00 UTC: 6 h by 20:00 UTC.
    assert store_down_state(polls, monday_9_to_17, "America/New_York", MONDAY + 20 * H, 8 * H) == (
        "OK",
        6 * H,
    )


def test_store_down_resolves_at_the_first_active_poll_and_inactive_wins_on_one_instant() -> None:
    assert store_down_state([poll(1, False), poll(5, True)], None, "UTC", MONDAY + 5 * H, H)[0] == "OK"
    both = [poll(1, False), poll(5, True), poll(5, False)]
    assert store_down_state(both, None, "UTC", MONDAY + 5 * H, H) == ("FIRING", 4 * H)  # never active
    assert store_down_state([], None, "UTC", MONDAY, H) == ("OK", 0)
    # Polls after `now` are not seen yet.
    assert store_down_state([poll(1, False), poll(9, True)], None, "UTC", MONDAY + 5 * H, H)[0] == "FIRING"
