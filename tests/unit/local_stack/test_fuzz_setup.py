"""The contract fuzzing setup: which 422s count as "a rule no schema can state", and the key it sends."""

from __future__ import annotations

import pytest

from local.fuzz import EXCLUDED_CHECKS, FuzzRun, admin_key
from local.fuzz_checks import _unexpressible

EVENTS = "GET /api/events"


def body(*errors: tuple[str, str]) -> dict[str, object]:
    return {"message": "Validation failed", "errors": [{"field": f, "message": m} for f, m in errors]}


@pytest.mark.parametrize(
    ("operation", "answer", "tolerated"),
    [
        (EVENTS, body(("next_token", "was issued for another listing")), True),
        (EVENTS, body(("updated__gte", "must not be after updated__lte")), True),
        (EVENTS, body(("updated__gte", "must be within 1970-01-01T00:00:00Z …")), False),
        (EVENTS, body(("next_token", "x"), ("limit", "Input should be less than or equal to 1000")), False),
        ("GET /api/sensors", body(("limit", "x")), False),
        ("GET /api/dashboard", body(("year", "x")), False),
        ("POST /api/events", body(("timestamp", "more than 24 hours in the future")), True),
        ("POST /api/events", body(("hotel_id", "more than 24 hours in the future")), False),
        (EVENTS, {"message": "Validation failed"}, False),
        (EVENTS, None, False),
    ],
)
def test_only_the_named_rules_excuse_a_422(operation: str, answer: object, tolerated: bool) -> None:
    assert _unexpressible(operation, answer) is tolerated


def test_the_admin_key_is_sent_once_the_state_file_has_one() -> None:
    assert admin_key({"api_url": "http://x"}) is None
    state = {"api_url": "http://x", "keys": {"admin": "s3cret", "reader": "r"}}
    assert admin_key(state) == "s3cret"
    command = FuzzRun(api_url="http://x", api_key=admin_key(state)).command()
    assert command[command.index("--header") + 1] == "Authorization: Bearer s3cret"
    assert "--header" not in FuzzRun(api_url="http://x").command()


def test_every_check_runs_but_the_named_exclusions() -> None:
    command = FuzzRun(api_url="http://x", examples=150, seed=3).command()
    assert command[command.index("--checks") + 1] == "all"
    assert set(command[command.index("--exclude-checks") + 1].split(",")) == set(EXCLUDED_CHECKS)
    assert (
        command[command.index("--seed") + 1] == "3" and command[command.index("--max-examples") + 1] == "150"
    )


def test_only_tracebacks_logged_during_the_run_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from local.fuzz import log_offsets, new_tracebacks

    old = tmp_path / "stack.log"
    old.write_text("Traceback (most recent call last): from an earlier test\n")
    offsets = log_offsets(tmp_path)
    assert new_tracebacks(tmp_path, offsets) == []
    (tmp_path / "OccupancyReadFunction.log").write_text('{"level":"ERROR","exception":"Traceback (most…"}\n')
    assert new_tracebacks(tmp_path, offsets) == [tmp_path / "OccupancyReadFunction.log"]
    with old.open("a") as log:
        log.write("Traceback again\n")
    assert old in new_tracebacks(tmp_path, offsets)
